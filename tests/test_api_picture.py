"""The picture and the alert queue over REST: what comes back, in which shape, and the audit."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from northline.api import LAYERS
from northline.model import Role, TrackBatch
from test_api_service import CAN_USA, T0, Service, alert, crossing, tracks, user_id_for

A = "/api/v1"


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Service]:
    with Service(tmp_path) as s:
        s.seed()
        yield s


def _audit(svc: Service) -> list[tuple[str, str, str, str]]:
    return [
        (e.actor, e.action, e.record_kind, e.record_id) for e in svc.call(svc.store.audit_entries)
    ]


def test_sensors(svc: Service) -> None:
    rows = svc.get(f"{A}/sensors", Role.OPERATOR).json()
    assert {"sensor_id", "kind", "lon", "lat", "range_m", "name", "agency", "releasability"} <= set(
        rows[0]
    )
    assert "marking" not in rows[0]


def test_current_tracks_and_history(svc: Service) -> None:
    rows = svc.get(f"{A}/tracks", Role.ANALYST).json()
    assert sorted(r["track_id"] for r in rows) == ["track-can", "track-can-usa"]
    assert all(r["t_s"] == T0 + 20.0 for r in rows), "the last update of each track"
    first = rows[0]
    for key in ("track_id", "t_s", "lon", "lat", "vel_east_mps", "vel_north_mps", "state",
                "sector", "agency", "releasability"):  # fmt: skip
        assert key in first
    at = svc.get(f"{A}/tracks", Role.ANALYST, params={"t_at": T0 + 5.0}).json()
    assert {r["t_s"] for r in at} == {T0}
    hist = svc.get(f"{A}/tracks/track-can", Role.ANALYST).json()
    assert [r["t_s"] for r in hist] == [T0, T0 + 10.0, T0 + 20.0]
    part = svc.get(
        f"{A}/tracks/track-can", Role.ANALYST, params={"t_from": T0 + 5, "t_to": T0 + 20}
    ).json()
    assert [r["t_s"] for r in part] == [T0 + 10.0]
    assert svc.get(f"{A}/tracks/nope", Role.ANALYST).status_code == 404
    me = user_id_for(Role.ANALYST)
    assert (me, "read", "track", "*") in _audit(svc)
    assert (me, "read", "track", "track-can") in _audit(svc)


def test_the_picture_shows_live_tracks_not_every_blip(svc: Service) -> None:
    def batch(track_id: str, state: str, t_s: float) -> TrackBatch:
        one = tracks(track_id, CAN_USA, n=1)
        return replace(
            one,
            state=np.array([state], dtype=object),
            t_s=np.array([t_s]),
        )

    latest = T0 + 20.0  # the seeded tracks' last update
    for track_id, state, t_s in (
        ("tentative", "tentative", latest),
        ("deleted", "deleted", latest),
        ("coasting", "coasting", latest - 10.0),
        ("stale", "confirmed", latest - 301.0),
    ):
        svc.call(svc.store.add_track_updates, batch(track_id, state, t_s))
    ids = {r["track_id"] for r in svc.get(f"{A}/tracks", Role.ANALYST).json()}
    assert ids == {"track-can", "track-can-usa", "coasting"}
    wide = svc.get(
        f"{A}/tracks",
        Role.ANALYST,
        params={"state": ["tentative", "confirmed"], "max_age_s": 1000},
    ).json()
    assert {r["track_id"] for r in wide} == {"track-can", "track-can-usa", "tentative", "stale"}
    assert svc.get(f"{A}/tracks", Role.ANALYST, params={"state": "bogus"}).status_code == 422


def test_crossings_by_time(svc: Service) -> None:
    svc.call(svc.store.add_crossings, [crossing("late", CAN_USA, t_s=T0 + 100)])
    rows = svc.get(f"{A}/crossings", Role.OPERATOR, params={"t_from": T0 + 50}).json()
    assert [r["crossing_id"] for r in rows] == ["late"]
    assert rows[0]["direction"] == "CAN->USA"
    assert (user_id_for(Role.OPERATOR), "read", "crossing", "*") in _audit(svc)


def test_quarantine_list_without_raw_and_one_with_it(svc: Service) -> None:
    rows = svc.get(f"{A}/quarantine", Role.ANALYST).json()
    assert rows
    assert all("raw" not in r for r in rows)
    one = svc.get(f"{A}/quarantine/q-can", Role.ANALYST).json()
    assert base64.b64decode(one["raw"]) == b"<event"
    assert svc.get(f"{A}/quarantine/nope", Role.ANALYST).status_code == 404
    assert (user_id_for(Role.ANALYST), "read", "quarantine", "q-can") in _audit(svc)


def test_alert_filters(svc: Service) -> None:
    svc.call(svc.store.add_alerts, [alert("later", CAN_USA, t_s=T0 + 500)])

    def ids(**params: object) -> list[str]:
        rows = svc.get(f"{A}/alerts", Role.OPERATOR, params=params).json()
        return [a["alert_id"] for a in rows]

    assert ids() == ["alert-can", "alert-can-usa", "later"]
    assert ids(t_from=T0 + 100) == ["later"]
    assert ids(t_to=T0 + 100) == ["alert-can", "alert-can-usa"]
    assert ids(kind="approach") == []
    assert ids(state="new") == ["alert-can", "alert-can-usa", "later"]
    assert ids(state="resolved") == []
    r = svc.get(f"{A}/alerts", Role.OPERATOR, params={"state": "sleeping"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_input"


def test_the_lifecycle_through_the_api(svc: Service) -> None:
    op, boss = user_id_for(Role.OPERATOR), user_id_for(Role.SUPERVISOR)
    url = f"{A}/alerts/alert-can"
    r = svc.post(f"{url}/acknowledge", Role.OPERATOR, json={"note": "on it"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "acknowledged"
    r = svc.post(f"{url}/assign", Role.OPERATOR, json={"assignee": op})
    assert r.json()["assignee"] == op
    r = svc.post(f"{url}/assign", Role.OPERATOR, json={"assignee": boss})
    assert r.status_code == 403, "an operator assigns only themselves"
    svc.clock.t_s += 1
    r = svc.post(f"{url}/task", Role.OPERATOR, json={"note": "unit 7"})
    assert r.json()["state"] == "tasked"
    svc.clock.t_s += 1
    r = svc.post(f"{url}/resolve", Role.OPERATOR, json={"outcome": "apprehended", "note": "2 held"})
    assert r.json()["state"] == "resolved"
    r = svc.post(f"{url}/resolve", Role.OPERATOR, json={"outcome": "apprehended", "note": "x"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert svc.post(f"{url}/reopen", Role.OPERATOR, json={"note": "again"}).status_code == 403
    r = svc.post(f"{url}/reopen", Role.SUPERVISOR, json={"note": "seen again"})
    assert r.json()["state"] == "acknowledged"
    one = svc.get(url, Role.ANALYST).json()
    assert one["state"] == "acknowledged"
    assert one["assignee"] == op
    assert [e["action"] for e in one["events"]] == [
        "acknowledge", "assign", "task", "resolve", "reopen",
    ]  # fmt: skip
    listed = {a["alert_id"]: a for a in svc.get(f"{A}/alerts", Role.OPERATOR).json()}
    assert listed["alert-can"]["assignee"] == op
    steps = [x for x in _audit(svc) if x[2] == "alert" and x[1] != "read"]
    assert [x[1] for x in steps] == ["acknowledge", "assign", "task", "resolve", "reopen"]
    assert (user_id_for(Role.ANALYST), "read", "alert", "alert-can") in _audit(svc)


def test_a_bad_step_is_invalid_input(svc: Service) -> None:
    r = svc.post(f"{A}/alerts/alert-can/resolve", Role.OPERATOR, json={"outcome": "x", "note": "y"})
    assert r.status_code == 422
    assert r.json()["error"]["context"]["field"] == "outcome"
    r = svc.post(f"{A}/alerts/alert-can/assign", Role.OPERATOR, json={"note": "who?"})
    assert r.status_code == 422
    assert svc.post(f"{A}/alerts/nope/acknowledge", Role.OPERATOR, json={}).status_code == 404


@pytest.mark.shared
@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_basemap_layers(tmp_path: Path, shared_data: Path, layer: str) -> None:
    with Service(tmp_path, data_dir=shared_data) as svc:
        r = svc.get(f"{A}/basemap/{layer}", Role.AUDITOR)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/geo+json")
        assert "max-age=" in r.headers["cache-control"]
        assert json.loads(r.content)["type"] == "FeatureCollection"


def test_basemap_absent_or_unknown(tmp_path: Path) -> None:
    with Service(tmp_path, data_dir=tmp_path / "empty") as svc:
        r = svc.get(f"{A}/basemap/land", Role.OPERATOR)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "data_unavailable"
        r = svc.get(f"{A}/basemap/moon", Role.OPERATOR)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
        # The boundary falls back to the built-in 49th parallel, as the pipeline does.
        r = svc.get(f"{A}/basemap/boundary", Role.OPERATOR)
        assert r.status_code == 200
        (feature,) = r.json()["features"]
        assert feature["properties"]["source"] == "builtin:49th-parallel"
        lats = {lat for line in feature["geometry"]["coordinates"] for _, lat in line}
        assert lats == {49.0}


def test_the_web_page_needs_no_token(tmp_path: Path) -> None:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>Northline</title>")
    with Service(tmp_path, static_dir=web) as svc:
        r = svc.client.get("/")
        assert r.status_code == 200
        assert "Northline" in r.text
        assert svc.client.get("/api/v1/health").status_code == 200
        r = svc.client.get("/api/v1/alerts")
        assert r.status_code == 401
        r = svc.client.get("/missing.js")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
