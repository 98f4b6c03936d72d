"""Keep a process running: ``python -m omni.respawn COMMAND [ARGS...]``.

``make up`` runs the Celery worker and beat through this (``Procfile``), because honcho,
like foreman, does not restart a process that exits: a worker that stopped after a broker
outage would otherwise leave all background work undone until someone noticed. On
systemd or a container orchestrator use their own restart policy instead (README,
"Running for real").

The command is restarted whenever it exits, after a pause that doubles from
``RESPAWN_FIRST_DELAY`` up to ``RESPAWN_MAX_DELAY`` seconds while it keeps failing fast, and
starts again from the first delay once a run lasted ``RESPAWN_STABLE_SECONDS``. SIGTERM or
SIGINT are passed on to the command, and then this process exits with the command's code
instead of restarting it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def _log(message: str) -> None:
    print(f"omni.respawn[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def respawn(
    command: list[str],
    *,
    first_delay: float = 1.0,
    max_delay: float = 30.0,
    stable_after: float = 60.0,
) -> int:
    """Run ``command`` until this process is told to stop; returns the last exit code."""
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    delay = first_delay
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        _log(f"started {command[0]} (pid {child.pid})")
        code = child.wait()
        if stopping:
            return code
        ran = time.monotonic() - started
        if ran >= stable_after:
            delay = first_delay
        _log(
            f"{command[0]} (pid {child.pid}) exited with {code} after {ran:.0f}s; "
            f"restarting in {delay:.0f}s"
        )
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.1)
        if stopping:
            return code
        delay = min(delay * 2, max_delay)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m omni.respawn COMMAND [ARGS...]", file=sys.stderr)
        return 2
    code = respawn(
        argv,
        first_delay=float(os.environ.get("RESPAWN_FIRST_DELAY", "1")),
        max_delay=float(os.environ.get("RESPAWN_MAX_DELAY", "30")),
        stable_after=float(os.environ.get("RESPAWN_STABLE_SECONDS", "60")),
    )
    # A command ended by a signal exits as a shell reports it: 128 + the signal number.
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
