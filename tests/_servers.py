"""Real message brokers for the tests: Mosquitto and nats-server, each on a free loopback
port, with its state in a temporary directory so it survives being killed and restarted.

`make test` installs both from Debian's packages. Where a binary is missing the test is
skipped with a reason, except under CI, where that is a failure of the set-up.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

__all__ = ["Broker", "Mosquitto", "NatsServer", "free_port", "require_binary"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
    if path is None:
        reason = f"{name} is not installed (make test installs it from Debian's packages)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port} in {timeout_s} s: {log.read_text()}")


class Broker:
    """A server process that can be killed mid-stream and started again on the same port."""

    binary = ""

    def __init__(self, workdir: Path) -> None:
        self.path = require_binary(self.binary)
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        _wait_port(self.port, self.proc, self.log, 10.0)
        self.starts += 1

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class Mosquitto(Broker):
    """Mosquitto with a persistent store, saved on every change and on exit."""

    binary = "mosquitto"

    def command(self) -> list[str]:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            # Started as root, Mosquitto drops to user mosquitto, who cannot write here.
            f"user {getpass.getuser()}\n"
            "persistence true\n"
            f"persistence_location {self.workdir}/\n"
            "autosave_on_changes true\n"
            "autosave_interval 1\n"
            "max_queued_messages 0\n"
            "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
            "log_type subscribe\n"  # so a test can wait for a client's subscription
        )
        return [self.path, "-c", str(conf)]


class NatsServer(Broker):
    """nats-server with JetStream on file storage."""

    binary = "nats-server"

    def command(self) -> list[str]:
        return [
            self.path,
            "-js",
            "-sd",
            str(self.workdir / "js"),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]
