"""The web page against the real service: northline.api on uvicorn (a free 127.0.0.1 port, in
a background thread) over a real SQLiteStore, driven by Debian's Chromium.

Two operators in two browser contexts: an alert written to the store and published on the
hub reaches both queues and the map; one acknowledges it and the other sees the new state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from _browser import LiveService, RecordedPage, browser, built_static, new_page

__all__ = ["browser", "built_static", "new_page"]  # fixtures, re-exported for pytest

try:
    from northline.api import create_app
except ImportError:  # the service is being built alongside the page
    create_app = None

pytestmark = pytest.mark.skipif(create_app is None, reason="needs northline.api (create_app)")

PASSWORD = "correct horse battery staple"
SEEN_S = 5.0  # an alert must reach every connected browser within this
T0 = 1_764_590_000.0
T = TypeVar("T")


def seed(s: Any) -> None:
    """Two operators, a tower and a short track near Emerson."""
    from argon2 import PasswordHasher

    from northline.model import Marking, Role, Sensor, SensorKind, TrackBatch, User

    hashed = PasswordHasher().hash(PASSWORD)
    for user_id, name in (("op.one", "Olive One"), ("op.two", "Oscar Two")):
        s.add_user(
            User(user_id=user_id, name=name, role=Role.OPERATOR, agency="RCMP", country="CAN"),
            password_hash=hashed,
        )
    s.add_sensors(
        [
            Sensor(
                sensor_id="tower-1",
                kind=SensorKind.TOWER,
                lon=-97.2,
                lat=49.05,
                range_m=12_000.0,
                name="Emerson tower",
                marking=Marking("RCMP", "CAN"),
            )
        ]
    )
    n = 5
    s.add_track_updates(
        TrackBatch.from_columns(
            {
                "track_id": ["trk-web-1"] * n,
                "t_s": [T0 + 10 * i for i in range(n)],
                "lon": [-97.21 + 0.002 * i for i in range(n)],
                "lat": [49.03 - 0.004 * i for i in range(n)],
                "vx_mps": [15.0] * n,
                "vy_mps": [-40.0] * n,
                "sigma_m": [20.0] * n,
                "state": ["confirmed"] * n,
                "hits": list(range(1, n + 1)),
                "sector": ["emerson"] * n,
                "agency": ["RCMP"] * n,
                "releasability": ["CAN"] * n,
            },
            n,
        )
    )


@pytest.fixture
def service(tmp_path: Path, shared_data: Path, built_static: Path) -> Iterator[LiveService]:
    db = tmp_path / "northline.db"
    with LiveService(db, data_dir=shared_data, static_dir=built_static, seed=seed) as svc:
        yield svc


def sign_in(rec: RecordedPage, url: str, user_id: str) -> None:
    page = rec.page
    page.goto(url)
    page.fill("#login-user", user_id)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#live-status[data-state='online']", timeout=10_000)


def crossing_alert() -> Any:
    from northline.model import Alert, AlertKind, Marking, Severity

    return Alert(
        alert_id="al-web-1",
        kind=AlertKind.CROSSING,
        t_s=T0 + 45,
        track_id="trk-web-1",
        lon=-97.2,
        lat=49.0,
        severity=Severity.HIGH,
        summary="Crossing CAN->USA 2 km west of Emerson",
        sector="emerson",
        marking=Marking("RCMP", "CAN"),
    )


def test_page_signs_in_and_draws_the_boundary(
    service: LiveService, new_page: Callable[[str], RecordedPage]
) -> None:
    url = service.url
    rec = new_page("operator")
    rec.page.goto(url)
    rec.page.wait_for_selector("#login-form", state="visible")
    rec.page.fill("#login-user", "op.one")
    rec.page.fill("#login-password", "wrong password")
    rec.page.click("#login-submit")
    rec.page.wait_for_selector("#login-error", state="visible")
    sign_in(rec, url, "op.one")
    assert rec.page.evaluate("() => sessionStorage.getItem('northline.token') !== null")
    drawn = rec.page.evaluate(
        "() => window.northline.map.queryRenderedFeatures({layers: ['boundary']}).length"
    )
    assert drawn > 0, "the boundary is not drawn"
    rec.page.wait_for_function(
        "() => window.northline.map.queryRenderedFeatures({layers: ['sensors']}).length > 0"
    )
    rec.screenshot("signed-in")
    rec.page.reload()  # the session is kept in this tab's sessionStorage
    rec.page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    assert rec.page.locator("#login").is_hidden()
    assert rec.outside() == [], "the page asked something of a host other than 127.0.0.1"
    assert [e for e in rec.errors if "401" not in e] == []


def test_alert_reaches_every_browser_and_acknowledgement_is_shared(
    service: LiveService, new_page: Callable[[str], RecordedPage]
) -> None:
    from playwright.sync_api import expect

    url = service.url
    one, two = new_page("one"), new_page("two")
    sign_in(one, url, "op.one")
    sign_in(two, url, "op.two")

    from northline.model import Crossing, Direction, Marking

    crossing = Crossing(
        crossing_id="cx-web-1",
        track_id="trk-web-1",
        t_s=T0 + 44,
        detected_t_s=T0 + 45,
        lon=-97.2,
        lat=49.0,
        direction=Direction.CAN_TO_USA,
        confidence=0.97,
        sector="emerson",
        marking=Marking("RCMP", "CAN"),
    )
    alert = crossing_alert()
    service.call(service.store.add_crossings, [crossing])
    service.call(service.store.add_alerts, [alert])
    service.app.state.hub.publish("crossing", crossing)
    service.app.state.hub.publish("alert", alert)

    for rec in (one, two):
        item = rec.page.locator("#alert-queue [data-alert-id='al-web-1']")
        expect(item).to_have_attribute("data-state", "new", timeout=SEEN_S * 1000)
        expect(rec.page.locator("#map [data-map-alert-id='al-web-1']")).to_be_visible(
            timeout=SEEN_S * 1000
        )
    from northline.model import TrackState, TrackUpdate

    moved = TrackUpdate(
        track_id="trk-web-1",
        t_s=T0 + 50,
        lon=-97.2,
        lat=48.99,
        vel_east_mps=15.0,
        vel_north_mps=-40.0,
        sigma_m=20.0,
        state=TrackState.CONFIRMED,
        sector="emerson",
        hits=6,
        marking=Marking("RCMP", "CAN"),
    )
    service.app.state.hub.publish("track", moved)
    for rec in (one, two):
        rec.page.wait_for_function(
            "t => window.northline.picture.tracks.get('trk-web-1')?.t_s === t"
            " && window.northline.picture.trails.get('trk-web-1').length >= 2",
            arg=T0 + 50,
            timeout=SEEN_S * 1000,
        )
        rec.page.wait_for_function(
            "() => window.northline.map.querySourceFeatures('crossings')"
            ".some(f => f.properties.crossing_id === 'cx-web-1')",
            timeout=SEEN_S * 1000,
        )
    one.screenshot("alert-new")

    one.page.click("#alert-queue [data-alert-id='al-web-1'] button[data-action='acknowledge']")
    for rec in (one, two):
        expect(rec.page.locator("#alert-queue [data-alert-id='al-web-1']")).to_have_attribute(
            "data-state", "acknowledged", timeout=SEEN_S * 1000
        )
    two.screenshot("alert-acknowledged")

    item = two.page.locator("#alert-queue [data-alert-id='al-web-1']")
    item.locator("[data-field='assignee']").fill("op.two")
    item.locator("button[data-action='assign']").click()
    expect(one.page.locator("#alert-queue [data-alert-id='al-web-1']")).to_contain_text(
        "assigned to op.two", timeout=SEEN_S * 1000
    )
    item.locator("[data-field='outcome']").select_option("no_threat")
    item.locator("[data-field='note']").fill("hunters, checked by patrol")
    item.locator("button[data-action='resolve']").click()
    for rec in (one, two):
        expect(rec.page.locator("#alert-queue [data-alert-id='al-web-1']")).to_have_attribute(
            "data-state", "resolved", timeout=SEEN_S * 1000
        )
        expect(rec.page.locator("#map [data-map-alert-id='al-web-1']")).to_have_count(0)
    assert service.call(service.store.alert, "al-web-1").state.value == "resolved"
    for rec in (one, two):
        assert rec.outside() == []


def test_track_detail_on_click_and_replay(
    service: LiveService, new_page: Callable[[str], RecordedPage]
) -> None:
    from playwright.sync_api import expect

    rec = new_page("analyst")
    sign_in(rec, service.url, "op.one")
    page = rec.page
    page.wait_for_function("() => window.northline.picture.tracks.has('trk-web-1')")
    page.evaluate("() => window.northline.map.jumpTo({center: [-97.202, 49.014], zoom: 12})")
    page.wait_for_function(
        "() => window.northline.map.queryRenderedFeatures({layers: ['tracks']}).length > 0"
    )
    xy = page.evaluate("() => window.northline.map.project([-97.202, 49.014])")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    detail = page.locator("#track-detail")
    expect(detail).to_be_visible()
    expect(detail).to_have_attribute("data-track-id", "trk-web-1")
    expect(detail.locator("[data-field='history']")).to_contain_text("5 updates")
    rec.screenshot("track-detail")

    # Replay: the slider asks the store for the picture at an earlier time.
    page.evaluate(
        "t => { const s = document.getElementById('replay-slider');"
        " s.value = String(t); s.dispatchEvent(new Event('input')); }",
        T0 + 10,
    )
    page.wait_for_function(
        "t => window.northline.picture.tracks.get('trk-web-1')?.t_s === t", arg=T0 + 10
    )
    assert any("t_at=" in u for u in rec.requests)
    expect(page.locator("#replay-time")).to_contain_text("replay")
    rec.screenshot("replay")
    page.click("#replay-live")
    page.wait_for_function(
        "t => window.northline.picture.tracks.get('trk-web-1')?.t_s === t", arg=T0 + 40
    )
    assert rec.outside() == []
