"""Responders and dispatch over the API: assets, recommendations, decisions and measures.

A real SQLite store behind the app (``Service``); the only stand-ins are the test's clock and
a recording ``on_tasking`` callback, passed to ``create_app`` as the service would.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from northline.api import create_app
from northline.model import Alert, Marking, Role, User
from northline.response import Asset, DispatchDecision, Recommendation, load_assets
from test_api_errors import assert_error_shape
from test_api_service import CAN, CAN_USA, T0, Service, alert, token_for, tracks, user_id_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

API = "/api/v1"
OP, BOSS = Role.OPERATOR, Role.SUPERVISOR
Tasking = tuple[Alert, Asset, DispatchDecision]


def responder(
    asset_id: str,
    kind: str = "patrol_vehicle",
    marking: Marking = CAN_USA,
    *,
    lon: float = -97.21,
    lat: float = 49.01,
    status: str = "available",
) -> Asset:
    """A responder as a scenario lists it (the kind's defaults fill the rest)."""
    table = {
        "id": asset_id, "kind": kind, "lon": lon, "lat": lat, "status": status,
        "agency": marking.agency, "releasability": marking.releasability,
    }  # fmt: skip
    (asset,) = load_assets({"assets": [table]})
    return asset


FLEET = [
    responder("patrol-1"),
    responder("patrol-2", lon=-97.25, lat=49.02),
    responder("drone-1", "drone", lon=-97.2, lat=49.005),
    responder("k9-can", "k9", CAN, lon=-97.201, lat=49.001),  # Canadian eyes only
    responder("boat-down", "boat", lon=-97.2, lat=49.0, status="maintenance"),
]


class ResponseService(Service):
    """The service with ``on_tasking`` callbacks, seeded with alerts, tracks and the fleet."""

    def __init__(
        self,
        tmp_path: Path,
        on_tasking: list[Callable[..., None]],
        on_stand_down: list[Callable[..., None]] | None = None,
    ) -> None:
        super().__init__(tmp_path, data_dir=tmp_path / "empty")
        self.client.close()
        self.app = create_app(
            self.store,
            data_dir=tmp_path / "empty",
            clock=self.clock,
            on_tasking=on_tasking,
            on_stand_down=on_stand_down or [],
        )
        self.client = TestClient(self.app)
        self.client.portal = self.portal
        self.call(self._fleet)

    def _fleet(self) -> None:
        for label, m in (("can", CAN), ("can-usa", CAN_USA)):
            self.store.add_track_updates(tracks(f"track-{label}", m))
            self.store.add_alerts(
                [dataclasses.replace(alert(f"alert-{label}", m), track_id=f"track-{label}")]
            )
        for a in FLEET:
            self.store.put_asset(a, t_s=T0, author="setup")

    def at(self, dt_s: float) -> None:
        """Move the clock on (every step is at a new time, as people's steps are)."""
        self.clock.t_s += dt_s

    def patch(self, path: str, role: Role, country: str = "CAN", **kw: Any) -> Any:
        return self.client.patch(path, headers=self.headers(role, country), **kw)

    def dispatch(self, alert_id: str, role: Role = OP, country: str = "CAN", **body: Any) -> Any:
        self.at(30.0)
        return self.post(f"{API}/alerts/{alert_id}/dispatch", role, country, json=body)

    def asset(self, asset_id: str) -> Asset:
        return self.call(self.store.asset, asset_id)

    def audit(self, action: str) -> list[Any]:
        return [e for e in self.call(self.store.audit_entries) if e.action == action]


@pytest.fixture
def told() -> list[Tasking]:
    return []


@pytest.fixture
def stood_down() -> list[Tasking]:
    return []


@pytest.fixture
def svc(
    tmp_path: Path, told: list[Tasking], stood_down: list[Tasking]
) -> Iterator[ResponseService]:
    def record(a: Alert, asset: Asset, decision: DispatchDecision) -> None:
        told.append((a, asset, decision))

    def record_stand_down(a: Alert, asset: Asset, decision: DispatchDecision) -> None:
        stood_down.append((a, asset, decision))

    with ResponseService(tmp_path, [record], [record_stand_down]) as s:
        s.at(60.0)
        yield s


def user(role: Role, country: str = "CAN") -> User:
    return User(
        user_id=user_id_for(role, country),
        name="",
        role=role,
        agency="RCMP" if country == "CAN" else "CBP",
        country=country,
    )


# -- assets ------------------------------------------------------------------------------------


def test_assets_are_listed_by_marking_and_hidden_ones_are_not_found(svc: ResponseService) -> None:
    can = svc.get(f"{API}/assets", OP)
    assert can.status_code == 200, can.text
    assert [a["asset_id"] for a in can.json()] == sorted(a.asset_id for a in FLEET)
    usa = svc.get(f"{API}/assets", Role.PARTNER_LIAISON, "USA").json()
    assert "k9-can" not in {a["asset_id"] for a in usa}
    assert {a["releasability"] for a in usa} == {"CAN-USA"}
    patrol = next(a for a in can.json() if a["asset_id"] == "patrol-1")
    assert patrol["tasked_alert_id"] is None
    assert patrol["endurance_s"] is None, "unlimited endurance is null in JSON, not Infinity"
    assert patrol["kind"] == "patrol_vehicle"
    assert patrol["status"] == "available"

    hidden = svc.get(f"{API}/assets/k9-can", OP, "USA")
    missing = svc.get(f"{API}/assets/k9-nowhere", OP, "USA")
    assert hidden.status_code == missing.status_code == 404
    assert_error_shape(hidden.json(), "not_found")
    assert (
        hidden.json()["error"]["message"].replace("can", "nowhere")
        == (missing.json()["error"]["message"])
    ), "a hidden asset answers exactly like a missing one"
    one = svc.get(f"{API}/assets/k9-can", OP).json()
    assert one["asset_id"] == "k9-can"
    assert one["events"] == []


def test_post_assets_creates_and_replaces_from_a_scenario_table(svc: ResponseService) -> None:
    table = {"id": "heli-1", "kind": "helicopter", "name": "Air 1", "lon": -97.0, "lat": 49.1,
             "shift_start": "06:00", "shift_end": "18:00", "releasability": "CAN-USA"}  # fmt: skip
    r = svc.post(f"{API}/assets", BOSS, json=table)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Air 1"
    assert r.json()["shift_start_s"] == 6 * 3600.0
    assert svc.asset("heli-1").speed_mps == 60.0, "the kind's defaults fill the rest"
    r = svc.post(f"{API}/assets", Role.ADMINISTRATOR, json={**table, "status": "off_duty"})
    assert r.status_code == 201, r.text
    assert svc.asset("heli-1").status == "off_duty"
    assert [e.action for e in svc.audit("create")] == ["create"]
    assert [e.record_id for e in svc.audit("replace")] == ["heli-1"]
    seen = svc.get(f"{API}/assets", Role.PARTNER_LIAISON, "USA").json()
    assert "heli-1" in {a["asset_id"] for a in seen}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"speed_mps": -3}, "speed_mps"),
        ({"speed_mps": "fast"}, "speed_mps"),
        ({"kind": "tank"}, "kind"),
        ({"lat": 95.0}, "lat"),
        ({"shift_start": "25:00"}, "shift_start"),
        ({"colour": "red"}, "colour"),
        ({"id": None}, "id"),
    ],
)
def test_post_assets_with_a_bad_field_names_it_in_the_one_error_shape(
    svc: ResponseService, change: dict[str, Any], field: str
) -> None:
    table = {"id": "drone-9", "kind": "drone", "lon": -97.2, "lat": 49.0, **change}
    if change == {"id": None}:
        del table["id"]
    r = svc.post(f"{API}/assets", BOSS, json=table)
    assert r.status_code == 422, r.text
    body = r.json()
    assert_error_shape(body, "invalid_input")
    assert body["error"]["context"]["field"] == field
    assert body["error"]["context"]["errors"][0]["loc"] == ["body", field]
    assert body["error"]["message"].startswith(f"body.{field}: ")
    assert "assets[0]" not in json.dumps(body), "the path is the body's, not a scenario's"
    assert svc.get(f"{API}/assets/drone-9", BOSS).status_code == 404


def test_post_assets_refuses_what_the_caller_could_not_see_or_overwrite(
    svc: ResponseService,
) -> None:
    us_boss = {"Authorization": f"Bearer {token_for(BOSS, 'USA')}"}
    table = {"id": "drone-us", "kind": "drone", "lon": -97.2, "lat": 49.0}
    r = svc.client.post(f"{API}/assets", headers=us_boss, json={**table, "releasability": "CAN"})
    assert r.status_code == 422
    assert r.json()["error"]["context"]["field"] == "releasability"
    r = svc.client.post(
        f"{API}/assets", headers=us_boss, json={**table, "id": "k9-can", "releasability": "USA"}
    )
    assert r.status_code == 409, "a hidden asset is not overwritten"
    assert svc.asset("k9-can").kind == "k9"


def test_patch_records_an_asset_event_and_moves_the_unit(svc: ResponseService) -> None:
    hub = svc.app.state.hub.subscribe(user(OP, "USA"))
    r = svc.patch(
        f"{API}/assets/patrol-1", OP,
        json={"status": "en_route", "lon": -97.3, "lat": 49.02, "note": "heading west"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["lon"], r.json()["lat"]) == ("en_route", -97.3, 49.02)
    after = svc.asset("patrol-1")
    assert (after.status, after.lon, after.lat) == ("en_route", -97.3, 49.02)
    (event,) = svc.get(f"{API}/assets/patrol-1", OP).json()["events"]
    assert event["author"] == user_id_for(OP)
    assert event["note"] == "heading west"
    assert [json.loads(m)["type"] for m in hub.drain()] == ["asset"]
    assert [e.record_id for e in svc.audit("update")] == ["patrol-1"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "tasked", "note": ""}, 422),  # a tasking is a decision
        ({"lon": -97.3, "note": ""}, 422),  # a position needs both
        ({"status": "asleep"}, 422),
        ({"status": "available", "extra": 1}, 422),
        ({"note": ""}, 422),  # nothing to record
        ({"status": "on_scene", "alert_id": "alert-nowhere"}, 404),
    ],
)
def test_patch_refuses_what_is_not_an_asset_event(
    svc: ResponseService, body: dict[str, Any], status: int
) -> None:
    r = svc.patch(f"{API}/assets/patrol-1", OP, json=body)
    assert r.status_code == status, r.text
    assert_error_shape(r.json(), "invalid_input" if status == 422 else "not_found")
    assert svc.call(svc.store.asset_events, "patrol-1") == []


def test_patch_of_a_hidden_asset_or_for_a_hidden_alert_is_not_found(
    svc: ResponseService,
) -> None:
    assert svc.patch(f"{API}/assets/k9-can", OP, "USA", json={"note": "x"}).status_code == 404
    r = svc.patch(
        f"{API}/assets/patrol-1", OP, "USA", json={"status": "on_scene", "alert_id": "alert-can"}
    )
    assert r.status_code == 404
    assert svc.asset("patrol-1").status == "available"


# -- recommendations ---------------------------------------------------------------------------


def test_recommendations_are_ranked_with_the_unit_described(svc: ResponseService) -> None:
    r = svc.get(f"{API}/alerts/alert-can-usa/recommendations?k=3", OP)
    assert r.status_code == 200, r.text
    recs = r.json()
    assert [x["rank"] for x in recs] == [1, 2, 3]
    fields = {f.name for f in dataclasses.fields(Recommendation)}
    assert fields | {"asset_name", "asset_kind", "asset_status"} == set(recs[0])
    assert all(x["alert_id"] == "alert-can-usa" and x["reasons"] for x in recs)
    assert [x["score"] for x in recs] == sorted(x["score"] for x in recs)
    by_id = {a.asset_id: a for a in FLEET}
    for x in recs:
        assert x["asset_kind"] == by_id[x["asset_id"]].kind
        assert x["asset_status"] == "available"
    every = svc.get(f"{API}/alerts/alert-can-usa/recommendations?k=10", OP).json()
    assert "boat-down" not in {x["asset_id"] for x in every}, "in maintenance: not offered"
    assert "k9-can" in {x["asset_id"] for x in every}
    usa = svc.get(f"{API}/alerts/alert-can-usa/recommendations?k=10", OP, "USA").json()
    assert "k9-can" not in {x["asset_id"] for x in usa}, "a hidden unit is not recommended"
    assert svc.get(f"{API}/alerts/alert-can/recommendations", OP, "USA").status_code == 404
    assert svc.get(f"{API}/alerts/alert-can-usa/recommendations?k=0", OP).status_code == 422
    assert svc.call(svc.store.dispatch_decisions) == [], "recommending tasks nobody"


# -- dispatch ----------------------------------------------------------------------------------


def test_accepting_the_top_recommendation_tasks_the_alert_and_the_unit(
    svc: ResponseService, told: list[Tasking]
) -> None:
    top = svc.get(f"{API}/alerts/alert-can-usa/recommendations", OP).json()[0]
    live = svc.app.state.hub.subscribe(user(Role.ANALYST, "USA"))
    r = svc.dispatch("alert-can-usa", action="accept", note="go")
    assert r.status_code == 200, r.text
    body = r.json()
    me = user_id_for(OP)

    assert body["decision"]["action"] == "accept"
    assert body["decision"]["asset_id"] == top["asset_id"]
    assert body["decision"]["recommended_asset_id"] == top["asset_id"]
    assert body["alert"]["state"] == "tasked"
    assert body["asset"]["status"] == "tasked"
    assert body["asset"]["tasked_alert_id"] == "alert-can-usa"

    stored_alert = svc.call(svc.store.alert, "alert-can-usa")
    assert stored_alert.state == "tasked"
    step = svc.call(svc.store.alert_events, "alert-can-usa")[-1]
    assert (step.action, step.actor, step.state) == ("task", me, "tasked")
    assert step.note == f"dispatch {top['asset_id']}: go"

    (decision,) = svc.call(svc.store.dispatch_decisions, "alert-can-usa")
    assert decision.author == me
    assert decision.t_s == svc.clock()
    assert decision.marking == stored_alert.marking == CAN_USA
    asset = svc.asset(top["asset_id"])
    assert asset.status == "tasked"
    (event,) = svc.call(svc.store.asset_events, top["asset_id"])
    assert (event.status, event.alert_id, event.author) == ("tasked", "alert-can-usa", me)

    (line,) = svc.audit("dispatch")
    assert (line.actor, line.record_kind, line.record_id) == (me, "alert", "alert-can-usa")
    assert f"accept asset={top['asset_id']}" in line.detail

    shown = svc.get(f"{API}/alerts/alert-can-usa", Role.ANALYST, "USA").json()
    assert [d["decision_id"] for d in shown["decisions"]] == [decision.decision_id]
    assert shown["decisions"][0]["author"] == me
    assert shown["decisions"][0]["releasability"] == "CAN-USA"
    listed = {a["asset_id"]: a for a in svc.get(f"{API}/assets", OP).json()}
    assert listed[top["asset_id"]]["tasked_alert_id"] == "alert-can-usa"
    assert svc.get(f"{API}/assets/{top['asset_id']}", OP).json()["tasked_alert_id"] == (
        "alert-can-usa"
    )

    kinds = [json.loads(m)["type"] for m in live.drain()]
    assert kinds == ["dispatch_decision", "asset", "alert_event", "alert"]
    assert [(a.alert_id, s.asset_id, d.decision_id) for a, s, d in told] == [
        ("alert-can-usa", top["asset_id"], decision.decision_id)
    ]
    assert told[0][1].status == "tasked"
    assert told[0][0].state == "tasked"


def test_accepting_a_named_recommendation_and_one_no_longer_recommended(
    svc: ResponseService, told: list[Tasking]
) -> None:
    recs = svc.get(f"{API}/alerts/alert-can-usa/recommendations", OP).json()
    second = recs[1]["asset_id"]
    svc.at(10.0)
    r = svc.patch(f"{API}/assets/{second}", OP, json={"status": "off_duty", "note": "shift over"})
    assert r.status_code == 200
    r = svc.dispatch("alert-can-usa", action="accept", asset_id=second, note="")
    assert r.status_code == 409, r.text
    assert_error_shape(r.json(), "conflict")
    assert "no longer recommended; change to send it anyway" in r.json()["error"]["message"]
    assert svc.call(svc.store.dispatch_decisions) == []
    assert told == []
    assert svc.call(svc.store.alert, "alert-can-usa").state == "new"

    third = recs[2]["asset_id"]
    r = svc.dispatch("alert-can-usa", action="accept", asset_id=third, note="")
    assert r.status_code == 200, r.text
    assert r.json()["decision"]["asset_id"] == third
    assert svc.asset(third).status == "tasked"


@pytest.mark.parametrize(
    ("asset_id", "country"),
    [("boat-down", "CAN"), ("k9-can", "USA"), ("nothing-9", "CAN")],
    ids=["maintenance", "hidden", "missing"],
)
def test_changing_to_a_unit_that_cannot_go_is_409(
    svc: ResponseService, told: list[Tasking], asset_id: str, country: str
) -> None:
    r = svc.dispatch("alert-can-usa", OP, country, action="change", asset_id=asset_id, note="")
    assert r.status_code == 409, r.text
    assert_error_shape(r.json(), "conflict")
    assert asset_id in r.json()["error"]["message"]
    assert svc.call(svc.store.dispatch_decisions) == []
    assert told == []
    assert svc.call(svc.store.alert, "alert-can-usa").state == "new"


def test_changing_to_another_available_unit_tasks_it(
    svc: ResponseService, told: list[Tasking]
) -> None:
    recs = svc.get(f"{API}/alerts/alert-can-usa/recommendations?k=10", BOSS).json()
    top, other = recs[0]["asset_id"], recs[-1]["asset_id"]
    r = svc.dispatch("alert-can-usa", BOSS, action="change", asset_id=other, note="closer now")
    assert r.status_code == 200, r.text
    decision = r.json()["decision"]
    assert (decision["action"], decision["asset_id"]) == ("change", other)
    assert decision["recommended_asset_id"] == top, "what was overridden is kept"
    assert svc.asset(other).status == "tasked"
    assert svc.asset(top).status == "available"
    assert svc.call(svc.store.alert, "alert-can-usa").state == "tasked"
    assert [(d.action, s.asset_id) for _, s, d in told] == [("change", other)]
    r = svc.dispatch("alert-can-usa", action="change", asset_id=top, note="")
    assert r.status_code == 422, "the recommended unit is accepted, not changed to"


def test_declining_records_the_decision_and_tasks_nobody(
    svc: ResponseService, told: list[Tasking]
) -> None:
    live = svc.app.state.hub.subscribe(user(OP))
    before = {a.asset_id: a.status for a in svc.call(svc.store.assets)}
    r = svc.dispatch("alert-can-usa", action="decline", note="a deer, seen on camera")
    assert r.status_code == 200, r.text
    assert r.json()["asset"] is None
    assert r.json()["alert"]["state"] == "new"
    (decision,) = svc.call(svc.store.dispatch_decisions, "alert-can-usa")
    assert (decision.action, decision.asset_id, decision.author) == (
        "decline", None, user_id_for(OP),
    )  # fmt: skip
    assert decision.note == "a deer, seen on camera"
    assert decision.marking == CAN_USA
    assert decision.recommended_asset_id is not None, "what was declined is kept"
    assert {a.asset_id: a.status for a in svc.call(svc.store.assets)} == before
    assert svc.call(svc.store.asset_events) == []
    assert told == []
    assert [json.loads(m)["type"] for m in live.drain()] == ["dispatch_decision"]
    assert "decline asset=-" in svc.audit("dispatch")[0].detail
    r = svc.dispatch("alert-can-usa", action="decline", asset_id="patrol-1", note="")
    assert r.status_code == 422, "a decline sends no unit"


def test_a_later_decision_stands_down_the_unit_tasked_before(
    svc: ResponseService, stood_down: list[Tasking]
) -> None:
    recs = svc.get(f"{API}/alerts/alert-can-usa/recommendations?k=10", BOSS).json()
    first, other = recs[0]["asset_id"], recs[-1]["asset_id"]
    assert (
        svc.dispatch("alert-can-usa", action="accept", asset_id=first, note="").status_code == 200
    )
    assert svc.asset(first).status == "tasked"
    r = svc.dispatch("alert-can-usa", BOSS, action="change", asset_id=other, note="closer")
    assert r.status_code == 200, r.text
    assert svc.asset(other).status == "tasked"
    home = svc.asset(first)
    assert home.status == "available", "at its base, a stood-down unit is free again"
    (ev,) = [e for e in svc.call(svc.store.asset_events, first) if e.status == "available"]
    assert ev.alert_id == "alert-can-usa"
    assert ev.author == user_id_for(BOSS)
    assert r.json()["decision"]["decision_id"] in ev.note
    live = svc.app.state.hub.subscribe(user(OP))
    r = svc.dispatch("alert-can-usa", action="decline", note="it was a moose")
    assert r.status_code == 200, r.text
    assert svc.asset(other).status == "available"
    kinds = [json.loads(m)["type"] for m in live.drain()]
    assert kinds == ["dispatch_decision", "asset"], kinds
    # Each stood-down unit was told, with the decision that stood it down.
    assert [(s.asset_id, d.action) for _, s, d in stood_down] == [
        (first, "change"),
        (other, "decline"),
    ]


@pytest.mark.parametrize("action", ["accept", "change", "decline"])
def test_dispatch_on_a_resolved_alert_is_409(
    svc: ResponseService, told: list[Tasking], action: str
) -> None:
    r = svc.post(
        f"{API}/alerts/alert-can-usa/resolve", OP, json={"outcome": "no_threat", "note": "gone"}
    )
    assert r.status_code == 200
    body = {"action": action, "note": ""} | ({"asset_id": "patrol-1"} if action == "change" else {})
    r = svc.dispatch("alert-can-usa", **body)
    assert r.status_code == 409, r.text
    assert_error_shape(r.json(), "conflict")
    assert svc.call(svc.store.dispatch_decisions) == []
    assert told == []
    assert svc.get(f"{API}/alerts/alert-can-usa/recommendations", OP).json() == []


def test_dispatch_on_a_hidden_alert_is_not_found(svc: ResponseService) -> None:
    r = svc.dispatch("alert-can", OP, "USA", action="decline", note="")
    assert r.status_code == 404
    assert_error_shape(r.json(), "not_found")
    assert svc.call(svc.store.dispatch_decisions) == []


def test_a_failing_on_tasking_callback_does_not_fail_the_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    told: list[str] = []

    def broken(a: Alert, asset: Asset, decision: DispatchDecision) -> None:
        raise RuntimeError("the TAK server is down")

    def fine(a: Alert, asset: Asset, decision: DispatchDecision) -> None:
        told.append(asset.asset_id)

    with ResponseService(tmp_path, [broken, fine]) as s, caplog.at_level(logging.ERROR):
        r = s.dispatch("alert-can-usa", action="accept", note="")
        assert r.status_code == 200, r.text
        assert s.call(s.store.alert, "alert-can-usa").state == "tasked"
    assert told == [r.json()["asset"]["asset_id"]], "the callbacks after it still run"
    assert "the TAK server is down" in caplog.text


# -- measures ----------------------------------------------------------------------------------


def _stats(values: list[float]) -> dict[str, Any] | None:
    if not values:
        return None
    return {
        "n": len(values),
        "mean": float(np.mean(values)),
        "median": float(np.median(values)),
        "p90": float(np.percentile(values, 90)),
    }


def _close(got: dict[str, Any] | None, want: dict[str, Any] | None) -> None:
    if want is None:
        assert got is None
        return
    assert got is not None
    assert got["n"] == want["n"]
    for key in ("mean", "median", "p90"):
        assert got[key] == pytest.approx(want[key], abs=1e-3), key


def test_measures_are_the_stored_response_reduced(svc: ResponseService) -> None:
    # Five alerts of the CAN-USA marking and one Canadian-only, then a person's work on them.
    extra = [
        dataclasses.replace(alert(f"a{i}", CAN_USA, t_s=T0 + 100.0 * i), track_id="track-can-usa")
        for i in range(1, 5)
    ] + [dataclasses.replace(alert("a-can", CAN, t_s=T0 + 450.0), sector="pembina")]
    svc.call(svc.store.add_alerts, extra)
    svc.clock.t_s = T0 + 1000.0
    t: dict[str, dict[str, float]] = {}

    def on_scene(alert_id: str, asset_id: str, dt_s: float) -> None:
        svc.at(dt_s)
        r = svc.patch(
            f"{API}/assets/{asset_id}", OP, json={"status": "on_scene", "alert_id": alert_id}
        )
        assert r.status_code == 200, r.text
        t.setdefault(alert_id, {})["scene"] = svc.clock()

    def resolve(alert_id: str, unit: str, outcome: str) -> None:
        svc.at(5.0)
        r = svc.post(f"{API}/alerts/{alert_id}/resolve", OP, json={"outcome": outcome, "note": "x"})
        assert r.status_code == 200, r.text
        r = svc.patch(f"{API}/assets/{unit}", OP, json={"status": "available", "note": "back"})
        assert r.status_code == 200, r.text

    def decided(alert_id: str, r: Any) -> str:
        assert r.status_code == 200, r.text
        t.setdefault(alert_id, {})["decision"] = svc.clock()
        return str(r.json()["asset"]["asset_id"])

    # a1: accepted, on scene 240 s later, intercepted.
    unit = decided("a1", svc.dispatch("a1", action="accept", note=""))
    on_scene("a1", unit, 240.0)
    resolve("a1", unit, "intercepted")
    # a2: declined first, then another unit sent by change; on scene; a false alarm.
    assert svc.dispatch("a2", action="decline", note="").status_code == 200
    other = svc.get(f"{API}/alerts/a2/recommendations?k=10", OP).json()[-1]["asset_id"]
    unit = decided("a2", svc.dispatch("a2", action="change", asset_id=other, note=""))
    on_scene("a2", unit, 60.0)
    resolve("a2", unit, "false_alarm")
    # a3: accepted, never reached, not found.  a4: left open, untouched.
    unit = decided("a3", svc.dispatch("a3", action="accept", note=""))
    resolve("a3", unit, "not_found")
    # a-can (Canadian eyes only): accepted, on scene, apprehended.
    unit = decided("a-can", svc.dispatch("a-can", action="accept", note=""))
    on_scene("a-can", unit, 90.0)
    resolve("a-can", unit, "apprehended")

    raised = {a.alert_id: a.t_s for a in svc.call(svc.store.alerts)}
    kind = dict.fromkeys(("a1", "a2", "a3", "a-can"), "")
    for d in svc.call(svc.store.dispatch_decisions):  # the first unit sent to each
        if d.action != "decline" and not kind[d.alert_id]:
            kind[d.alert_id] = svc.asset(str(d.asset_id)).kind.value
    outcome = {"a1": "intercepted", "a2": "false_alarm", "a3": "not_found", "a-can": "apprehended"}

    def expected(ids: list[str]) -> dict[str, Any]:
        decided_ids = [i for i in ids if "decision" in t.get(i, {})]
        scene_ids = [i for i in ids if "scene" in t.get(i, {})]
        caught = sum(outcome.get(i) in ("intercepted", "apprehended") for i in ids)
        targets = sum(outcome.get(i) not in (None, "false_alarm", "no_threat") for i in ids)
        return {
            "alerts": len(ids),
            "decided": len(decided_ids),
            "on_scene": len(scene_ids),
            "intercepted": caught,
            "interception_rate": caught / targets if targets else None,
            "alert_to_decision_s": _stats([t[i]["decision"] - raised[i] for i in decided_ids]),
            "decision_to_on_scene_s": _stats([t[i]["scene"] - t[i]["decision"] for i in scene_ids]),
        }

    def check(got: dict[str, Any], ids: list[str]) -> None:
        want = expected(ids)
        for key in ("alerts", "decided", "on_scene", "intercepted"):
            assert got[key] == want[key], key
        if want["interception_rate"] is None:
            assert got["interception_rate"] is None
        else:
            assert got["interception_rate"] == pytest.approx(want["interception_rate"])
        _close(got["alert_to_decision_s"], want["alert_to_decision_s"])
        _close(got["decision_to_on_scene_s"], want["decision_to_on_scene_s"])

    mine = ["alert-can-usa", "a1", "a2", "a3", "a4"]
    usa = svc.get(f"{API}/response/measures", Role.PARTNER_LIAISON, "USA")
    assert usa.status_code == 200, usa.text
    check(usa.json()["overall"], mine)
    assert set(usa.json()["by_sector"]) == {"emerson"}, "the Canadian-only alert is left out"
    can = svc.get(f"{API}/response/measures", Role.ANALYST).json()
    check(can["overall"], [*mine, "alert-can", "a-can"])
    check(can["by_sector"]["pembina"], ["a-can"])
    for k in set(kind.values()):
        check(can["by_asset_kind"][k], [i for i in kind if kind[i] == k])
    assert set(can["by_asset_kind"]) == set(kind.values())
    ranged = svc.get(f"{API}/response/measures?t_from={T0 + 150}&t_to={T0 + 350}", OP).json()
    check(ranged["overall"], ["a2", "a3"])
    assert not math.isnan(can["overall"]["interception_rate"])
    assert svc.audit("read")[-1].record_kind == "response"
