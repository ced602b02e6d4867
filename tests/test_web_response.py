"""Responders and dispatch in the web page, against the real service: northline.api on uvicorn
(a free 127.0.0.1 port, in a background thread) over a real SQLiteStore, driven by Debian's
Chromium.

An operator signs in, sees the responders on the map, opens an alert, sees the ranked
recommendations and accepts the first; the API then answers that the alert is tasked, the
decision is the operator's and the unit is tasked. A partner liaison and an analyst see the
alert, the responders and the decisions, live, but no button to decide with.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from _browser import LiveService, RecordedPage, browser, built_static, new_page

__all__ = ["browser", "built_static", "new_page"]  # fixtures, re-exported for pytest

PASSWORD = "correct horse battery staple"
SEEN_S = 5.0  # what the page shows after an action or a live frame, within this
ALERT_ID = "al-resp-1"
TRACK_ID = "trk-resp-1"
MARKING = ("RCMP", "CAN-USA")  # releasable to the US liaison
USERS = {  # user id: role, agency, country
    "op.one": ("operator", "RCMP", "CAN"),
    "op.two": ("supervisor", "RCMP", "CAN"),
    "an.one": ("analyst", "RCMP", "CAN"),
    "li.usa": ("partner_liaison", "CBP", "USA"),
}
ASSETS = [  # near Emerson, Manitoba, as a scenario lists them
    {
        "id": "pv-1",
        "kind": "patrol_vehicle",
        "name": "Emerson patrol 1",
        "lon": -97.24,
        "lat": 49.02,
    },
    {"id": "dr-1", "kind": "drone", "name": "Emerson drone 1", "lon": -97.19, "lat": 49.03},
    {"id": "k9-1", "kind": "k9", "name": "Emerson dog team", "lon": -97.16, "lat": 49.0},
    {
        "id": "he-1",
        "kind": "helicopter",
        "name": "Winnipeg air 1",
        "lon": -97.13,
        "lat": 49.06,
        "status": "maintenance",
    },
]


def seed(store: Any) -> None:
    """Three users, a confirmed track heading south across the line at Emerson (its updates
    in the last two minutes), the alert it raised and four responders."""
    from argon2 import PasswordHasher

    from northline.model import Alert, AlertKind, Marking, Role, Severity, TrackBatch, User
    from northline.response import load_assets

    hashed = PasswordHasher().hash(PASSWORD)
    for user_id, (role, agency, country) in USERS.items():
        store.add_user(
            User(user_id=user_id, name=user_id, role=Role(role), agency=agency, country=country),
            password_hash=hashed,
        )
    t0 = time.time() - 120.0
    n = 6
    store.add_track_updates(
        TrackBatch.from_columns(
            {
                "track_id": [TRACK_ID] * n,
                "t_s": [t0 + 20 * i for i in range(n)],
                "lon": [-97.21 + 0.0002 * i for i in range(n)],
                "lat": [49.012 - 0.002 * i for i in range(n)],
                "vx_mps": [1.5] * n,
                "vy_mps": [-11.0] * n,
                "sigma_m": [20.0] * n,
                "state": ["confirmed"] * n,
                "hits": list(range(1, n + 1)),
                "sector": ["emerson"] * n,
                "agency": [MARKING[0]] * n,
                "releasability": [MARKING[1]] * n,
            },
            n,
        )
    )
    store.add_alerts(
        [
            Alert(
                alert_id=ALERT_ID,
                kind=AlertKind.CROSSING,
                t_s=t0 + 60,
                track_id=TRACK_ID,
                lon=-97.2094,
                lat=49.0,
                severity=Severity.HIGH,
                summary="Crossing CAN->USA 1 km west of Emerson",
                sector="emerson",
                marking=Marking(*MARKING),
            )
        ]
    )
    agency, releasability = MARKING
    table = [{**a, "agency": agency, "releasability": releasability} for a in ASSETS]
    for asset in load_assets({"assets": table}):
        store.put_asset(asset, t_s=t0, author="test")


@pytest.fixture
def service(tmp_path: Path, shared_data: Path, built_static: Path) -> Iterator[LiveService]:
    db = tmp_path / "northline.db"
    with LiveService(db, data_dir=shared_data, static_dir=built_static, seed=seed) as svc:
        yield svc


class Api:
    """A signed-in HTTP client of the same service, for what the page's actions did."""

    def __init__(self, url: str, user_id: str) -> None:
        self.client = httpx.Client(base_url=f"{url}api/v1", timeout=10)
        token = self.client.post(
            "/auth/login", json={"user_id": user_id, "password": PASSWORD}
        ).json()["token"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def get(self, path: str) -> Any:
        r = self.client.get(path)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        r = self.client.post(path, json=body)
        assert r.status_code in (200, 201), r.text
        return r.json()


def sign_in(rec: RecordedPage, url: str, user_id: str) -> None:
    page = rec.page
    page.goto(url)
    page.fill("#login-user", user_id)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#live-status[data-state='online']", timeout=10_000)
    page.wait_for_function(f"() => window.northline.responders.assets.size === {len(ASSETS)}")
    page.wait_for_function(f"() => window.northline.picture.alerts.has('{ALERT_ID}')")
    page.evaluate("() => window.northline.map.jumpTo({center: [-97.19, 49.02], zoom: 11.5})")
    page.wait_for_function(
        "n => window.northline.map.queryRenderedFeatures({layers: ['assets']}).length === n",
        arg=len(ASSETS),
    )


def open_alert(rec: RecordedPage) -> Any:
    from playwright.sync_api import expect

    rec.page.click(f"#alert-queue [data-alert-id='{ALERT_ID}'] button[data-action='open']")
    panel = rec.page.locator("#alert-detail")
    expect(panel).to_have_attribute("data-alert-id", ALERT_ID)
    return panel


def click_on_map(rec: RecordedPage, lon: float, lat: float) -> None:
    xy = rec.page.evaluate("p => window.northline.map.project(p)", [lon, lat])
    box = rec.page.locator("#map").bounding_box()
    assert box is not None
    rec.page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])


def test_operator_accepts_the_first_recommendation(
    service: LiveService, new_page: Callable[[str], RecordedPage]
) -> None:
    from playwright.sync_api import expect

    rec = new_page("operator")
    sign_in(rec, service.url, "op.one")
    page = rec.page
    expect(page.locator("#legend [data-kind]")).to_have_count(7)
    expect(page.locator("#legend [data-status='maintenance']")).to_be_visible()

    # A responder's popup: name, kind and status.
    click_on_map(rec, ASSETS[0]["lon"], ASSETS[0]["lat"])
    popup = page.locator("[data-testid='asset-popup']")
    expect(popup).to_have_attribute("data-asset-id", "pv-1")
    expect(popup).to_contain_text("Emerson patrol 1")
    expect(popup.locator("[data-field='kind']")).to_have_text("patrol vehicle")
    expect(popup.locator("[data-field='status']")).to_have_text("available")
    page.click(".maplibregl-popup-close-button")
    expect(popup).to_have_count(0)

    panel = open_alert(rec)
    recs = panel.locator("[data-testid='recommendation']")
    expect(recs.first).to_be_visible(timeout=SEEN_S * 1000)
    n = recs.count()
    assert 1 <= n <= 3
    shown = [recs.nth(i).get_attribute("data-asset-id") for i in range(n)]
    assert "he-1" not in shown, "a unit in maintenance was recommended"
    with Api(service.url, "op.one") as api:
        ranked = api.get(f"/alerts/{ALERT_ID}/recommendations?k=3")
    assert shown == [r["asset_id"] for r in ranked]
    first = recs.first
    expect(first.locator("[data-field='name']")).to_have_text(ranked[0]["asset_name"])
    assert re.fullmatch(r"ETA \d{2,}:\d{2}", first.locator("[data-field='eta']").inner_text())
    assert first.locator("[data-field='reasons']").inner_text().strip()
    expect(panel.locator("button[data-action='decline']")).to_be_visible()
    options = panel.locator("[data-field='change-asset'] option").all_inner_texts()
    assert not any("Winnipeg air 1" in o for o in options), "maintenance offered to send"
    rec.screenshot("recommendations")

    chosen = first.get_attribute("data-asset-id")
    panel.locator("[data-field='dispatch-note']").fill("closest unit, go")
    first.locator("button[data-action='accept']").click()
    decision = panel.locator("[data-testid='decision'][data-action='accept']")
    expect(decision).to_have_count(1, timeout=SEEN_S * 1000)
    expect(decision).to_have_attribute("data-author", "op.one")
    expect(panel).to_have_attribute("data-state", "tasked", timeout=SEEN_S * 1000)
    expect(page.locator(f"#alert-queue [data-alert-id='{ALERT_ID}']")).to_have_attribute(
        "data-state", "tasked", timeout=SEEN_S * 1000
    )
    page.wait_for_function(
        "id => window.northline.responders.assets.get(id)?.status === 'tasked'",
        arg=chosen,
        timeout=SEEN_S * 1000,
    )
    page.wait_for_function(
        "() => window.northline.map.querySourceFeatures('taskings').length > 0",
        timeout=SEEN_S * 1000,
    )
    rec.screenshot("accepted")

    # What the service recorded: the alert tasked, the operator's decision, the unit tasked.
    with Api(service.url, "op.one") as api:
        alert = api.get(f"/alerts/{ALERT_ID}")
        by_id = {a["asset_id"]: a for a in api.get("/assets")}
    assert alert["state"] == "tasked"
    (made,) = alert["decisions"]
    assert (made["action"], made["asset_id"], made["author"]) == ("accept", chosen, "op.one")
    assert made["note"] == "closest unit, go"
    assert by_id[chosen]["status"] == "tasked"
    assert by_id[chosen]["tasked_alert_id"] == ALERT_ID
    assert rec.outside() == [], "the page asked something of a host other than 127.0.0.1"
    assert rec.errors == []


def test_liaison_and_analyst_see_decisions_but_cannot_decide(
    service: LiveService, new_page: Callable[[str], RecordedPage]
) -> None:
    from playwright.sync_api import expect

    pages = {user_id: new_page(user_id) for user_id in ("li.usa", "an.one")}
    panels = {}
    for user_id, rec in pages.items():
        sign_in(rec, service.url, user_id)
        panels[user_id] = open_alert(rec)
        expect(panels[user_id].locator("[data-field='no-dispatch']")).to_be_visible()

    # An operator declines through the API: every open panel shows it, live.
    with Api(service.url, "op.one") as api:
        api.post(
            f"/alerts/{ALERT_ID}/dispatch", {"action": "decline", "note": "hunters, known to us"}
        )
    for user_id, rec in pages.items():
        panel = panels[user_id]
        decision = panel.locator("[data-testid='decision'][data-action='decline']")
        expect(decision).to_have_count(1, timeout=SEEN_S * 1000)
        expect(decision).to_contain_text("hunters, known to us")
        for action in ("accept", "change", "decline"):
            expect(rec.page.locator(f"button[data-action='{action}']")).to_have_count(0)
        expect(rec.page.locator("[data-testid='recommendation']")).to_have_count(0)
        expect(rec.page.locator("#legend")).to_be_visible()
        assert not any("/recommendations" in u for u in rec.requests)
        assert rec.outside() == []
        assert rec.errors == []
    pages["li.usa"].screenshot("decisions")


def test_sending_another_unit_reaches_every_browser(
    service: LiveService, new_page: Callable[[str], RecordedPage]
) -> None:
    from playwright.sync_api import expect

    one, two = new_page("one"), new_page("two")
    sign_in(one, service.url, "op.one")
    sign_in(two, service.url, "op.two")
    watching = open_alert(two)
    panel = open_alert(one)
    expect(panel.locator("[data-testid='recommendation']").first).to_be_visible()

    # Declining needs a reason: the page says so and sends nothing.
    panel.locator("button[data-action='decline']").click()
    expect(panel.locator("[data-field='error']")).to_contain_text("Say why")
    assert not any(u.endswith("/dispatch") for u in one.requests)

    panel.locator("[data-field='change-asset']").select_option("pv-1")
    panel.locator("[data-field='dispatch-note']").fill("patrol is on the road already")
    panel.locator("button[data-action='change']").click()
    for rec, p in ((one, panel), (two, watching)):
        decision = p.locator("[data-testid='decision'][data-action='change']")
        expect(decision).to_have_count(1, timeout=SEEN_S * 1000)
        expect(decision).to_contain_text("Emerson patrol 1 by op.one")
        expect(p).to_have_attribute("data-state", "tasked", timeout=SEEN_S * 1000)
        rec.page.wait_for_function(
            "id => { const a = window.northline.responders.assets.get('pv-1');"
            " return a?.status === 'tasked' && a?.tasked_alert_id === id; }",
            arg=ALERT_ID,
            timeout=SEEN_S * 1000,
        )
    # The unit sent is not offered again, and is no longer among the recommendations.
    expect(panel.locator("[data-field='change-asset'] option[value='pv-1']")).to_have_count(0)
    expect(panel.locator("[data-testid='recommendation'][data-asset-id='pv-1']")).to_have_count(0)
    two.screenshot("changed")
    with Api(service.url, "op.two") as api:
        (made,) = api.get(f"/alerts/{ALERT_ID}")["decisions"]
    assert (made["action"], made["asset_id"], made["author"]) == ("change", "pv-1", "op.one")
    for rec in (one, two):
        assert rec.outside() == []
        assert rec.errors == []
