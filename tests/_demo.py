"""`northline demo --serve` in a child process, for the tests that talk to it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _servers import free_port

__all__ = ["LiveDemo", "live_demo"]


@dataclass
class LiveDemo:
    url: str  # http://127.0.0.1:PORT/
    passwords: dict[str, str]  # the demo users' passwords it printed
    proc: subprocess.Popen[str]
    stderr: str = ""  # what it printed after it stopped


@contextmanager
def live_demo(
    out: Path, *, speed: float, data_dir: Path | None = None, args: tuple[str, ...] = ()
) -> Iterator[LiveDemo]:
    """Start the live demo, wait until it serves and printed its users; SIGTERM it after."""
    port = free_port()
    env = dict(os.environ)
    if data_dir is not None:
        env["NORTHLINE_DATA_DIR"] = str(data_dir)  # the basemap
    cmd = [sys.executable, "-m", "northline", "demo", "--serve", "--speed", str(speed)]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--out", str(out), *args],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    demo = LiveDemo(f"http://127.0.0.1:{port}/", {}, proc)
    try:
        while not any("sign in as liaison" in line for line in lines):
            line = proc.stderr.readline()
            assert line, f"the demo ended: {''.join(lines)}"
            lines.append(line)
        demo.passwords = dict(re.findall(r"sign in as (\w+) with password (\S+)", "".join(lines)))
        yield demo
    finally:
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=60)
        demo.stderr = "".join(lines) + rest
