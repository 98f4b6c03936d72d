"""Real processes for the integration tests: Celery workers and beat, gunicorn, and a
redis-server of the test's own that it can stop and start again.

Every process runs against pytest-django's test database (rows are committed with
``transactional_db``) and the file email backend writing to a directory the test reads.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from omni.management.commands.emails_show import messages_in
from project.celery import app

ROOT = Path(settings.BASE_DIR)
DEAD_BROKER = "redis://127.0.0.1:1/0"
# The only ports a test may start a redis-server on (see the engineer's brief / CI).
REDIS_TEST_PORTS = tuple(int(p) for p in os.environ.get("OMNI_TEST_REDIS_PORTS", "6391").split(","))


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def wait_for(condition, *, what: str, timeout: float = 45.0, every: float = 0.2) -> float:
    """Poll until ``condition()`` is true; returns the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def use_broker(url: str) -> None:
    """Point this process's Celery producer at ``url`` (dropping pooled connections)."""
    app.conf.broker_url = url
    app.conf.broker_write_url = url
    # New pools are made on next use; the old ones are left to the garbage collector
    # (closing them would break a producer still holding one).
    app._pool = None
    app.amqp._producer_pool = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    """A redis-server of the test's own, without persistence (a restart loses what it held,
    as a crashed cache would): ``start()``, ``stop()`` (the outage), ``start()`` again."""

    def __init__(self, tmp_path: Path, port: int | None = None):
        self.port = port or next((p for p in REDIS_TEST_PORTS if not port_open(p)), 0)
        if not self.port:
            raise RuntimeError(f"no free test Redis port among {REDIS_TEST_PORTS}")
        self.dir = tmp_path / f"redis-{self.port}"
        self.dir.mkdir(exist_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.dir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: port_open(self.port), what=f"redis-server on {self.port}", timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # an outage, not a tidy shutdown
            self.process.wait(timeout=10)
        wait_for(lambda: not port_open(self.port), what="redis-server gone", timeout=10)


class Processes:
    """Subprocesses with logs in ``tmp_path``; all stopped (then killed) at ``stop()``."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.logs = tmp_path
        self.env = env
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, argv: list[str]) -> tuple[subprocess.Popen, Path]:
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append((process, log))
        return process, log

    def stop(self) -> None:
        for process, _log in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _log in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def service_env(*, redis_url: str, mail_dir: Path, **extra: str) -> dict[str, str]:
    """The environment README's "Running for real" documents, on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SITE_URL": "https://shop.example.com",
        "DJANGO_SETTINGS_MODULE": "project.settings",
        **extra,
    }


def emails_to(mail_dir: Path, address: str) -> list:
    return [m for m in messages_in(mail_dir) if address in (m["To"] or "")]


class Workers:
    """Celery worker subprocesses on one queue; stopped (then killed) at teardown."""

    def __init__(self, tmp_path: Path, *, redis_url: str | None = None):
        self.queue = f"omni-it-{uuid.uuid4().hex[:8]}"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.logs = tmp_path
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.env = service_env(redis_url=redis_url or settings.REDIS_URL, mail_dir=self.mail_dir)

    def start(self, count: int = 1, *, pool: str = "solo", extra: tuple[str, ...] = ()) -> None:
        for _ in range(count):
            n = len(self.processes) + 1
            log = self.logs / f"worker{n}.log"
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "project",
                    "worker",
                    "--pool",
                    pool,
                    "-Q",
                    self.queue,
                    "-n",
                    f"it{n}-{self.queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                    *extra,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes.append((process, log))
        for process, log in self.processes:
            wait_for(lambda log=log: b"ready." in log.read_bytes(), what=f"worker ready ({log})")
            assert process.poll() is None, log.read_text()

    def stop(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _log in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def emails_to(self, address: str) -> list:
        return emails_to(self.mail_dir, address)

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for _p, log in self.processes)


def tracebacks(text: str) -> list[str]:
    """Tracebacks in a log, for a helpful assertion message."""
    return re.findall(r"Traceback \(most recent call last\):.*?(?=\n\S|\Z)", text, flags=re.S)
