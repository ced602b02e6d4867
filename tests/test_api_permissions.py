"""The permission table, checked route by route, role by role and marking by marking.

The cases are generated from the app's routes and :data:`northline.api.PERMISSIONS`: a route
missing from the table fails here, and is refused (403) by the app to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.websockets import WebSocketDisconnect

from northline.alerts import step
from northline.api import PERMISSIONS, PREFIX, PUBLIC, WS, create_app
from northline.api._passwords import hash_token
from northline.model import AlertAction, Role
from northline.store import MEMORY, SQLiteStore
from test_api_response import responder
from test_api_service import (
    MARKINGS,
    Service,
    alert,
    receive_message,
    token_for,
    user_id_for,
)


def _route_keys(routes: list[Any]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for r in routes:
        if isinstance(r, APIWebSocketRoute):
            keys.add((WS, r.path))
        elif isinstance(r, APIRoute):
            keys.update((m, r.path) for m in r.methods)
    return keys


def _app_keys() -> set[tuple[str, str]]:
    with SQLiteStore(MEMORY) as store:
        return _route_keys(create_app(store).routes)


ROUTES = sorted(_app_keys())
HTTP_ROUTES = [k for k in ROUTES if k[0] != WS and PERMISSIONS.get(k) != PUBLIC]

# What each path parameter is in the matrix: records every user may see (CAN-USA).
PARAMS = {
    "alert_id": "alert-can-usa",
    "track_id": "track-can-usa",
    "quarantine_id": "q-can-usa",
    "user_id": "analyst.usa",
    "layer": "boundary",
    "asset_id": "asset-can-usa",
}
BODIES: dict[str, dict[str, Any]] = {
    "acknowledge": {"note": "looking"},
    "task": {"note": "patrol 12 sent"},
    "resolve": {"outcome": "no_threat", "note": "a deer"},
    "reopen": {"note": "seen again"},
    "users": {"user_id": "new.user", "name": "New", "role": "analyst", "agency": "RCMP",
              "country": "CAN"},
    "tokens": {"user_id": "analyst.can", "label": "feed"},
    "dispatch": {"action": "decline", "note": "not worth a unit"},
    "assets": {"id": "asset-new", "kind": "drone", "lon": -97.2, "lat": 49.0,
               "releasability": "CAN-USA"},
    "{asset_id}": {"status": "en_route", "note": "on the way"},  # PATCH; GET ignores it
}  # fmt: skip


def _concrete(path: str, role: Role) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m[1]
        if name == "alert_id" and path.endswith("/reopen"):
            return "alert-resolved"
        return PARAMS[name]

    return re.sub(r"\{(\w+)\}", fill, path)


def _body(path: str, role: Role) -> dict[str, Any] | None:
    last = path.rstrip("/").split("/")[-1]
    if last == "assign":
        return {"assignee": user_id_for(role), "note": ""}
    return BODIES.get(last)


def _success_statuses() -> dict[tuple[str, str], int]:
    with SQLiteStore(MEMORY) as store:
        return {
            (m, r.path): int(r.status_code or 200)
            for r in create_app(store).routes
            if isinstance(r, APIRoute)
            for m in r.methods
        }


SUCCESS = _success_statuses()


@pytest.fixture
def matrix(tmp_path: Path) -> Iterator[Service]:
    data = tmp_path / "data"
    (data / "geo").mkdir(parents=True)
    (data / "geo" / "canada_us_boundary.geojson").write_text(
        '{"type": "FeatureCollection", "features": []}'
    )
    with Service(tmp_path, data_dir=data) as s:
        s.seed()
        s.call(s.store.add_alerts, [alert("alert-resolved", MARKINGS["CAN-USA"])])
        boss = s.call(s.store.user, user_id_for(Role.SUPERVISOR))
        s.call(
            step,
            s.store,
            "alert-resolved",
            AlertAction.RESOLVE,
            boss,
            note="done",
            outcome="no_threat",
            now_t_s=s.clock(),
        )
        for label, m in MARKINGS.items():
            s.call(
                s.store.put_asset, responder(f"asset-{label.lower()}", marking=m), t_s=0.0,
                author="setup",
            )  # fmt: skip
        yield s


def test_every_route_is_in_the_table_and_every_entry_is_a_route() -> None:
    assert set(ROUTES) - set(PERMISSIONS) == set(), "routes missing from PERMISSIONS"
    assert set(PERMISSIONS) - set(ROUTES) == set(), "PERMISSIONS entries without a route"
    assert all(path.startswith(PREFIX) for _, path in ROUTES)


def test_a_route_missing_from_the_table_is_closed_to_everyone(matrix: Service) -> None:
    @matrix.app.get(f"{PREFIX}/unlisted")
    async def unlisted() -> dict[str, str]:
        return {"secret": "yes"}

    assert ("GET", f"{PREFIX}/unlisted") in _route_keys(matrix.app.routes) - set(PERMISSIONS), (
        "the generated check finds the new route"
    )
    for role in Role:
        r = matrix.get(f"{PREFIX}/unlisted", role)
        assert r.status_code == 403, role
        assert r.json()["error"]["code"] == "permission_denied"
    assert matrix.client.get(f"{PREFIX}/unlisted").status_code == 403


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize(("method", "path"), HTTP_ROUTES, ids=lambda v: str(v))
def test_route_by_role(matrix: Service, method: str, path: str, role: Role) -> None:
    allowed = PERMISSIONS[(method, path)]
    assert allowed != PUBLIC
    url = _concrete(path, role)
    r = matrix.client.request(method, url, headers=matrix.headers(role), json=_body(path, role))
    if role in allowed:
        assert r.status_code == SUCCESS[(method, path)], r.text
    else:
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_live_stream_by_role(matrix: Service, role: Role) -> None:
    url = f"{PREFIX}/live?token={token_for(role)}"
    if role in PERMISSIONS[(WS, f"{PREFIX}/live")]:
        with matrix.client.websocket_connect(url) as ws:
            matrix.app.state.hub.publish("alert", matrix.call(matrix.store.alert, "alert-can-usa"))
            assert receive_message(ws)["type"] == "alert"
    else:
        with pytest.raises(WebSocketDisconnect) as caught, matrix.client.websocket_connect(url):
            pass
        assert caught.value.code == 1008
        assert caught.value.reason == "permission_denied"


LISTS = ["sensors", "tracks", "crossings", "alerts", "quarantine", "assets"]
SINGLE = {"tracks": "track", "alerts": "alert", "quarantine": "q", "assets": "asset"}
ONE = {"tracks": "track_id", "alerts": "alert_id", "quarantine": "quarantine_id",
       "assets": "asset_id"}  # fmt: skip


def _may(path: str) -> list[Role]:
    allowed = PERMISSIONS[("GET", path)]
    assert allowed != PUBLIC
    return [r for r in Role if r in allowed]


@pytest.mark.parametrize("country", ["CAN", "USA"])
@pytest.mark.parametrize(
    ("kind", "role"), [(k, r) for k in LISTS for r in _may(f"{PREFIX}/{k}")], ids=str
)
def test_lists_hold_only_what_the_country_may_see(
    matrix: Service, kind: str, role: Role, country: str
) -> None:
    path = f"{PREFIX}/{kind}"
    r = matrix.get(path, role, country)
    assert r.status_code == 200, r.text
    seen = {row["releasability"] for row in r.json()}
    assert seen == ({"CAN", "CAN-USA"} if country == "CAN" else {"CAN-USA"})


@pytest.mark.parametrize("country", ["CAN", "USA"])
@pytest.mark.parametrize(
    ("kind", "role"),
    [(k, r) for k in sorted(SINGLE) for r in _may(f"{PREFIX}/{k}/{{{ONE[k]}}}")],
    ids=str,
)
def test_a_record_not_releasable_is_not_found(
    matrix: Service, kind: str, role: Role, country: str
) -> None:
    r = matrix.get(f"{PREFIX}/{kind}/{SINGLE[kind]}-can", role, country)
    if country == "CAN":
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "not_found"
        missing = matrix.get(f"{PREFIX}/{kind}/{SINGLE[kind]}-nowhere", role, country)
        assert missing.status_code == 404
        assert (
            missing.json()["error"]["message"].replace("nowhere", "can")
            == (r.json()["error"]["message"])
        ), "a hidden record answers exactly like a missing one"


@pytest.mark.parametrize("action", ["acknowledge", "task", "resolve"])
def test_a_partner_cannot_step_a_can_only_alert(matrix: Service, action: str) -> None:
    # A US officer holding an operator role (the table allows the step) still gets 404.
    r = matrix.post(
        f"{PREFIX}/alerts/alert-can/{action}", Role.OPERATOR, "USA", json=BODIES[action]
    )
    assert r.status_code == 404
    assert matrix.call(matrix.store.alert, "alert-can").state == "new"


@pytest.mark.parametrize(("method", "path"), HTTP_ROUTES, ids=lambda v: str(v))
@pytest.mark.parametrize("how", ["missing", "wrong", "expired", "malformed"])
def test_no_usable_token_is_401(matrix: Service, method: str, path: str, how: str) -> None:
    headers = {
        "missing": {},
        "wrong": {"Authorization": "Bearer not-a-token"},
        "expired": {"Authorization": "Bearer expired-token"},
        "malformed": {"Authorization": f"Basic {token_for(Role.ADMINISTRATOR)}"},
    }[how]
    if how == "expired":
        matrix.call(
            matrix.store.add_token,
            hash_token("expired-token"),
            user_id_for(Role.ADMINISTRATOR),
            kind="session",
            expires_t_s=matrix.clock() - 1.0,
        )
    r = matrix.client.request(
        method,
        _concrete(path, Role.ADMINISTRATOR),
        headers=headers,
        json=_body(path, Role.ADMINISTRATOR),
    )
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "unauthenticated"
    assert r.headers["www-authenticate"] == "Bearer"
