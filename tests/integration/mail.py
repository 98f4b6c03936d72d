"""An email backend for the worker-kill test: the file backend, but while the file
``<EMAIL_FILE_PATH>/.hold`` exists it first writes ``.sending-<pid>`` (so the test knows
which process is inside the send) and waits, as a slow mail server would, before the
message is handed over. Used only by worker subprocesses of tests/integration."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend

HOLD_SECONDS = 60


class HeldFileBackend(FileBackend):
    def send_messages(self, email_messages):
        directory = Path(self.file_path)
        hold = directory / ".hold"
        if hold.exists():
            (directory / f".sending-{os.getpid()}").write_text(str(os.getpid()))
            deadline = time.monotonic() + HOLD_SECONDS
            while hold.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().send_messages(email_messages)
