"""One JSON error shape for every error, and the committed OpenAPI document is current."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from northline.api import openapi_document
from northline.model import Role
from test_api_service import Service

ROOT = Path(__file__).resolve().parents[1]


def assert_error_shape(body: Any, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "context"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["context"], dict)
    assert "Traceback" not in json.dumps(body)


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Service]:
    with Service(tmp_path, data_dir=tmp_path / "empty", raise_server_exceptions=False) as s:
        s.seed()
        yield s


CASES = [
    # (method, path, role or None, json body, status, code)
    ("GET", "/api/v1/alerts", None, None, 401, "unauthenticated"),
    ("GET", "/api/v1/audit", Role.OPERATOR, None, 403, "permission_denied"),
    ("GET", "/api/v1/alerts/nope", Role.OPERATOR, None, 404, "not_found"),
    ("GET", "/api/v1/no/such/route", None, None, 404, "not_found"),
    ("GET", "/nothing-here", None, None, 404, "not_found"),
    ("DELETE", "/api/v1/health", None, None, 405, "method_not_allowed"),
    ("GET", "/api/v1/basemap/land", Role.OPERATOR, None, 404, "data_unavailable"),
    ("POST", "/api/v1/auth/login", None, {"user_id": "x"}, 422, "invalid_input"),
    ("POST", "/api/v1/auth/login", None, "not json", 422, "invalid_input"),
    ("GET", "/api/v1/tracks", Role.OPERATOR, None, 200, ""),
    ("GET", "/api/v1/tracks?t_at=soon", Role.OPERATOR, None, 422, "invalid_input"),
    ("GET", "/api/v1/audit?limit=0", Role.AUDITOR, None, 422, "invalid_input"),
    ("POST", "/api/v1/alerts/alert-can/reopen", Role.SUPERVISOR, {"note": "x"}, 409, "conflict"),
    ("POST", "/api/v1/users", Role.ADMINISTRATOR, {"user_id": "a"}, 422, "invalid_input"),
]


@pytest.mark.parametrize(("method", "path", "role", "body", "status", "code"), CASES)
def test_every_error_has_one_shape(
    svc: Service, method: str, path: str, role: Role | None, body: Any, status: int, code: str
) -> None:
    headers = svc.headers(role) if role is not None else {}
    if isinstance(body, str):
        headers["Content-Type"] = "application/json"
        r = svc.client.request(method, path, headers=headers, content=body)
    else:
        r = svc.client.request(method, path, headers=headers, json=body)
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.headers["content-type"] == "application/json"
        assert_error_shape(r.json(), code)


def test_validation_errors_say_where(svc: Service) -> None:
    r = svc.client.post("/api/v1/auth/login", json={"user_id": "x"})
    problems = r.json()["error"]["context"]["errors"]
    assert problems[0]["loc"] == ["body", "password"]
    assert "password" in r.json()["error"]["message"]


def test_an_unexpected_failure_is_500_internal_without_a_trace(svc: Service) -> None:
    svc.call(svc.store.close)  # the database goes away under the service
    r = svc.get("/api/v1/alerts", Role.OPERATOR)
    assert r.status_code == 500
    assert_error_shape(r.json(), "internal")
    assert r.json()["error"]["message"] == "internal error"


def test_the_committed_openapi_is_current() -> None:
    committed = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    assert committed == openapi_document(), (
        "openapi.json is out of date with the routes: regenerate it with "
        "`python -m northline.api.openapi` from the repository root and commit it"
    )
