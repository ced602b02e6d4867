"""The page on `northline demo --serve`: an alert the simulator's crossing raised appears in the
queue and on the map within 5 s, in a browser that asked nothing of any host but 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from _browser import RecordedPage, browser, built_static, new_page
from _demo import LiveDemo, live_demo

__all__ = ["browser", "built_static", "new_page"]  # fixtures used by this module

SEEN_S = 5.0


@pytest.fixture
def demo(tmp_path: Path, built_static: Path, shared_data: Path) -> Iterator[LiveDemo]:
    with live_demo(tmp_path / "live", speed=30, data_dir=shared_data) as d:
        yield d


def test_a_simulated_alert_reaches_the_page_within_5_s(
    demo: LiveDemo, new_page: Callable[[str], RecordedPage]
) -> None:
    from playwright.sync_api import expect

    url, passwords = demo.url, demo.passwords
    rec = new_page("operator")
    page = rec.page
    page.goto(url)
    page.fill("#login-user", "operator")
    page.fill("#login-password", passwords["operator"])
    page.click("#login-submit")
    page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#live-status[data-state='online']", timeout=10_000)
    drawn = page.evaluate(
        "() => window.northline.map.queryRenderedFeatures({layers: ['boundary']}).length"
    )
    assert drawn > 0, "the boundary is not drawn"

    # A witness on the same stream: the moment the next alert is raised by the pipeline.
    token = httpx.post(
        f"{url}api/v1/auth/login",
        json={"user_id": "supervisor", "password": passwords["supervisor"]},
    ).json()["token"]
    alert_id = None
    with connect(f"ws://{url.split('//')[1]}api/v1/live?token={token}") as ws:
        deadline = time.monotonic() + 120
        while alert_id is None and time.monotonic() < deadline:
            for m in json.loads(ws.recv(timeout=120)):
                if m["type"] == "alert":
                    alert_id = m["data"]["alert_id"]
                    break
    assert alert_id is not None, "the simulator raised no alert in two minutes"
    item = page.locator(f"#alert-queue [data-alert-id='{alert_id}']")
    expect(item).to_be_visible(timeout=SEEN_S * 1000)
    expect(page.locator(f"#map [data-map-alert-id='{alert_id}']")).to_be_visible(
        timeout=SEEN_S * 1000
    )
    rec.screenshot("simulated-alert")
    assert rec.outside() == [], "the page asked something of a host other than 127.0.0.1"
