"""Signing in and out, users and API tokens, and the audit lines they leave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from northline.api import TOKEN_TTL_S, hash_password
from northline.model import Role, User
from test_api_service import Service, user_id_for

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Service]:
    with Service(tmp_path) as s:
        person = User(user_id="ana", name="Ana", role=Role.OPERATOR, agency="RCMP", country="CAN")
        s.call(s.store.add_user, person, hash_password("correct horse"))
        yield s


def _audit(svc: Service) -> list[tuple[str, str, str, str]]:
    return [
        (e.actor, e.action, e.record_kind, e.record_id) for e in svc.call(svc.store.audit_entries)
    ]


def test_login_me_logout(svc: Service) -> None:
    r = svc.client.post(LOGIN, json={"user_id": "ana", "password": "correct horse"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["expires_t_s"] == pytest.approx(svc.clock() + TOKEN_TTL_S)
    assert body["user"]["user_id"] == "ana"
    assert body["user"]["role"] == "operator"
    assert len(body["token"]) >= 40
    auth = {"Authorization": f"Bearer {body['token']}"}
    assert svc.client.get("/api/v1/me", headers=auth).json()["user_id"] == "ana"
    assert svc.client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    r = svc.client.get("/api/v1/me", headers=auth)
    assert r.status_code == 401
    assert ("ana", "login", "user", "ana") in _audit(svc)
    assert ("ana", "logout", "user", "ana") in _audit(svc)


def test_the_token_is_kept_only_as_its_hash(svc: Service) -> None:
    token = svc.client.post(LOGIN, json={"user_id": "ana", "password": "correct horse"}).json()[
        "token"
    ]
    db = Path(svc.store.path).read_bytes() + Path(svc.store.path + "-wal").read_bytes()
    assert token.encode() not in db
    assert b"correct horse" not in db


@pytest.mark.parametrize(
    ("user_id", "password"),
    [("ana", "wrong"), ("nobody", "correct horse"), (user_id_for(Role.ANALYST), "x")],
)
def test_a_wrong_login_is_401_and_audited(svc: Service, user_id: str, password: str) -> None:
    r = svc.client.post(LOGIN, json={"user_id": user_id, "password": password})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert r.json()["error"]["message"] == "wrong user id or password"
    assert (user_id, "login_failed", "user", user_id) in _audit(svc)


def test_a_session_expires(svc: Service) -> None:
    token = svc.client.post(LOGIN, json={"user_id": "ana", "password": "correct horse"}).json()[
        "token"
    ]
    auth = {"Authorization": f"Bearer {token}"}
    svc.clock.t_s += TOKEN_TTL_S - 1
    assert svc.client.get("/api/v1/me", headers=auth).status_code == 200
    svc.clock.t_s += 2
    r = svc.client.get("/api/v1/me", headers=auth)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_a_disabled_user_is_out_at_once(svc: Service) -> None:
    token = svc.client.post(LOGIN, json={"user_id": "ana", "password": "correct horse"}).json()[
        "token"
    ]
    r = svc.post("/api/v1/users/ana/disable", Role.ADMINISTRATOR)
    assert r.status_code == 200
    assert r.json()["disabled"] is True
    assert (
        svc.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    r = svc.client.post(LOGIN, json={"user_id": "ana", "password": "correct horse"})
    assert r.status_code == 401
    assert (user_id_for(Role.ADMINISTRATOR), "update", "user", "ana") in _audit(svc)


def test_users_list_and_create(svc: Service) -> None:
    admin = user_id_for(Role.ADMINISTRATOR)
    new = {
        "user_id": "bo",
        "name": "Bo",
        "role": "supervisor",
        "agency": "CBSA",
        "country": "CAN",
        "password": "a long password",
    }
    r = svc.post("/api/v1/users", Role.ADMINISTRATOR, json=new)
    assert r.status_code == 201, r.text
    assert r.json()["user_id"] == "bo"
    assert "password" not in r.json()
    listed = svc.get("/api/v1/users", Role.ADMINISTRATOR).json()
    assert "bo" in {u["user_id"] for u in listed}
    assert all("hash" not in k and "password" not in k for u in listed for k in u)
    assert (
        svc.client.post(LOGIN, json={"user_id": "bo", "password": "a long password"}).status_code
        == 200
    )
    assert svc.post("/api/v1/users", Role.ADMINISTRATOR, json=new).status_code == 409
    bad = svc.post("/api/v1/users", Role.ADMINISTRATOR, json={**new, "user_id": "Bad Id"})
    assert bad.status_code == 422
    assert bad.json()["error"]["context"]["field"] == "user_id"
    assert (admin, "create", "user", "bo") in _audit(svc)
    assert (admin, "read", "user", "*") in _audit(svc)


def test_an_api_token_for_a_machine(svc: Service) -> None:
    machine = {"user_id": "feed.emerson", "name": "Emerson feed", "role": "operator",
               "agency": "RCMP", "country": "CAN"}  # fmt: skip
    assert svc.post("/api/v1/users", Role.ADMINISTRATOR, json=machine).status_code == 201
    r = svc.post(
        "/api/v1/tokens",
        Role.ADMINISTRATOR,
        json={"user_id": "feed.emerson", "label": "tower feed", "expires_in_s": 60},
    )
    assert r.status_code == 201, r.text
    auth = {"Authorization": f"Bearer {r.json()['token']}"}
    assert svc.client.get("/api/v1/me", headers=auth).json()["user_id"] == "feed.emerson"
    svc.clock.t_s += 61
    assert svc.client.get("/api/v1/me", headers=auth).status_code == 401
    nobody = svc.post("/api/v1/tokens", Role.ADMINISTRATOR, json={"user_id": "nobody"})
    assert nobody.status_code == 404
    assert (user_id_for(Role.ADMINISTRATOR), "token", "user", "feed.emerson") in _audit(svc)


def test_the_auditor_reads_and_verifies_the_audit_log(svc: Service) -> None:
    svc.client.post(LOGIN, json={"user_id": "ana", "password": "wrong"})
    r = svc.get("/api/v1/audit", Role.AUDITOR)
    assert r.status_code == 200
    entries = r.json()
    assert entries[0]["action"] == "login_failed"
    assert {"seq", "t_s", "actor", "action", "record_kind", "record_id", "hash"} <= set(entries[0])
    after = svc.get(
        "/api/v1/audit", Role.AUDITOR, params={"after_seq": entries[0]["seq"], "limit": 1}
    )
    assert [e["seq"] for e in after.json()] == [entries[0]["seq"] + 1]
    report = svc.get("/api/v1/audit/verify", Role.AUDITOR).json()
    assert report["ok"] is True
    assert report["entries"] >= 2
    assert report["first_bad_seq"] is None


def test_an_operator_cannot_read_the_audit_log(svc: Service) -> None:
    for path in ("/api/v1/audit", "/api/v1/audit/verify"):
        r = svc.get(path, Role.OPERATOR)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "permission_denied"
