"""`northline demo --serve`: the default scenario plays live and the service shows it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from _servers import free_port
from northline.web import static_dir


@pytest.mark.slow
def test_demo_serve_plays_the_scenario_live(tmp_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "northline", "demo", "--serve", "--speed", "300"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--out", str(tmp_path / "live")],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        lines: list[str] = []
        while not any("sign in as liaison" in line for line in lines):
            line = proc.stderr.readline()
            assert line, f"demo ended: {''.join(lines)}"
            lines.append(line)
        passwords = dict(re.findall(r"sign in as (\w+) with password (\S+)", "".join(lines)))
        assert set(passwords) == {"operator", "supervisor", "liaison"}
        base = f"http://127.0.0.1:{port}"
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"user_id": "operator", "password": passwords["operator"]},
        )
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        if static_dir() is not None:  # built by `make web`, which `make test` runs first
            page = httpx.get(f"{base}/")
            assert page.status_code == 200
            assert "<html" in page.text.lower()
        kinds: set[str] = set()
        with connect(f"ws://127.0.0.1:{port}/api/v1/live?token={token}") as ws:
            deadline = time.monotonic() + 60
            while {"track", "alert"} - kinds and time.monotonic() < deadline:
                kinds |= {m["type"] for m in json.loads(ws.recv(timeout=30))}
        assert {"track", "alert"} <= kinds
        alerts = httpx.get(
            f"{base}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert alerts, "alerts are stored as they are raised"
        assert {a["state"] for a in alerts} == {"new"}, "nothing steps an alert but a person"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "played" in err, err
