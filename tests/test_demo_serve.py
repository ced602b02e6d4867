"""`northline demo --serve`: the default scenario plays live and the service shows it."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from websockets.sync.client import connect

from _demo import live_demo
from northline.web import static_dir


@pytest.mark.slow
def test_demo_serve_plays_the_scenario_live(tmp_path: Path) -> None:
    tak = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a TAK client listening on UDP
    tak.bind(("127.0.0.1", 0))
    tak.settimeout(30)
    tak_url = f"udp://127.0.0.1:{tak.getsockname()[1]}"
    with tak, live_demo(tmp_path / "live", speed=300, args=("--tak", tak_url)) as demo:
        passwords = demo.passwords
        assert set(passwords) == {"operator", "supervisor", "liaison"}
        base = demo.url.rstrip("/")
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
        with connect(f"ws://{base.split('//')[1]}/api/v1/live?token={token}") as ws:
            deadline = time.monotonic() + 60
            while {"track", "alert"} - kinds and time.monotonic() < deadline:
                kinds |= {m["type"] for m in json.loads(ws.recv(timeout=30))}
        assert {"track", "alert"} <= kinds
        alerts = httpx.get(
            f"{base}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert alerts, "alerts are stored as they are raised"
        assert {a["state"] for a in alerts} == {"new"}, "nothing steps an alert but a person"
        # The TAK client got the boundary drawn as a shape, then the picture, as CoT.
        types: list[str] = []
        while "b-l-l-l" not in types:
            root = fromstring(tak.recv(65_535))
            assert root.tag == "event"
            types.append(root.get("type", ""))
        assert types[0] == "u-d-f"
        assert any(t.startswith("a-") for t in types)
    assert demo.proc.returncode == 0, demo.stderr
    assert "played" in demo.stderr, demo.stderr
