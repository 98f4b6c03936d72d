"""``python -m omni.respawn`` (the Procfile's worker and beat): a command that exits is
started again, and SIGTERM stops the command and the loop for good."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.harness import wait_for

ROOT = Path(__file__).resolve().parents[2]

# Exits at once on its first two runs (as a worker that crashed), then stays up.
CHILD = """
import pathlib, sys, time
runs = pathlib.Path(sys.argv[1])
runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
if len(runs.read_text()) <= 2:
    sys.exit(1)
time.sleep(60)
"""


def test_a_command_that_exits_is_restarted_and_sigterm_stops_it_for_good(tmp_path):
    runs = tmp_path / "runs"
    respawn = subprocess.Popen(
        [sys.executable, "-m", "omni.respawn", sys.executable, "-c", CHILD, str(runs)],
        cwd=ROOT,
        env={**os.environ, "RESPAWN_FIRST_DELAY": "0.1", "RESPAWN_MAX_DELAY": "0.2"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: runs.exists() and len(runs.read_text()) == 3, what="the third run")
        time.sleep(0.5)
        assert respawn.poll() is None  # the third run stays up; the loop waits on it
        respawn.send_signal(signal.SIGTERM)
        code = respawn.wait(timeout=10)
    finally:
        if respawn.poll() is None:
            respawn.kill()
    log = respawn.stderr.read()
    assert log.count("exited with 1") == 2 and log.count("started") == 3
    assert code == 128 + signal.SIGTERM  # the command got it and was not restarted
    time.sleep(0.5)
    assert runs.read_text() == "xxx"


def test_without_a_command_it_says_how_to_use_it():
    result = subprocess.run(
        [sys.executable, "-m", "omni.respawn"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2 and "usage" in result.stderr
