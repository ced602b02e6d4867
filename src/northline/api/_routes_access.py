"""Signing in and out, users, API tokens and the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Query, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from .. import __version__
from ..model import NotFound, Role, User, to_dict
from ._auth import signed_in
from ._context import context
from ._errors import Unauthenticated
from ._passwords import hash_password, hash_token, new_token, verify_password
from ._permissions import PREFIX

__all__ = ["register"]

_USER = Depends(signed_in)


class LoginIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserIn(BaseModel):
    user_id: str
    name: str
    role: Role
    agency: str
    country: str
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class TokenIn(BaseModel):
    user_id: str
    label: str = Field(default="", max_length=200)
    expires_in_s: float | None = Field(default=None, gt=0)


def _user_dict(user: User) -> dict[str, Any]:
    return to_dict(user)


def register(app: FastAPI) -> None:
    @app.get(f"{PREFIX}/health", tags=["service"])
    async def health(conn: HTTPConnection) -> dict[str, Any]:
        """Whether the service is up, its store's schema version and its version."""
        schema = context(conn).store.schema_version()
        return {"status": "ok", "schema_version": schema, "version": __version__}

    @app.post(f"{PREFIX}/auth/login", tags=["auth"])
    async def login(body: LoginIn, conn: HTTPConnection) -> dict[str, Any]:
        """A session token for a user id and password; 401 for any mismatch."""
        ctx = context(conn)
        try:
            user: User | None = ctx.store.user(body.user_id)
        except NotFound:
            user = None
        stored = ctx.store.password_hash(body.user_id) if user is not None else None
        ok = await run_in_threadpool(verify_password, stored, body.password)
        if user is None or user.disabled or not ok:
            ctx.audit(body.user_id, "login_failed", "user", body.user_id)
            raise Unauthenticated("wrong user id or password")
        token = new_token()
        expires = ctx.clock() + ctx.token_ttl_s
        ctx.store.add_token(hash_token(token), user.user_id, kind="session", expires_t_s=expires)
        ctx.audit(user.user_id, "login", "user", user.user_id)
        return {"token": token, "expires_t_s": expires, "user": _user_dict(user)}

    @app.post(f"{PREFIX}/auth/logout", status_code=204, tags=["auth"])
    async def logout(conn: HTTPConnection, user: User = _USER) -> Response:
        """Revoke the token of this request."""
        ctx = context(conn)
        ctx.store.revoke_token(conn.state.token_hash)
        ctx.hub.access_changed()
        ctx.audit(user.user_id, "logout", "user", user.user_id)
        return Response(status_code=204)

    @app.get(f"{PREFIX}/me", tags=["auth"])
    async def me(user: User = _USER) -> dict[str, Any]:
        """The signed-in user."""
        return _user_dict(user)

    @app.get(f"{PREFIX}/users", tags=["users"])
    async def users(conn: HTTPConnection, user: User = _USER) -> list[dict[str, Any]]:
        """Every user (never a password hash)."""
        ctx = context(conn)
        found = ctx.store.users()
        ctx.audit(user.user_id, "read", "user", "*", f"{len(found)} users")
        return [_user_dict(u) for u in found]

    @app.post(f"{PREFIX}/users", status_code=201, tags=["users"])
    async def add_user(body: UserIn, conn: HTTPConnection, user: User = _USER) -> dict[str, Any]:
        """Create a user; without a password it is a machine, signing in by API token only."""
        ctx = context(conn)
        new = User(
            user_id=body.user_id,
            name=body.name,
            role=body.role,
            agency=body.agency,
            country=body.country,
            created_t_s=ctx.clock(),
        )
        hashed = None
        if body.password is not None:
            hashed = await run_in_threadpool(hash_password, body.password)
        ctx.store.add_user(new, hashed)
        ctx.audit(user.user_id, "create", "user", new.user_id, f"role={new.role.value}")
        return _user_dict(new)

    @app.post(f"{PREFIX}/users/{{user_id}}/disable", tags=["users"])
    async def disable_user(
        user_id: str, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """Disable a user: their tokens stop working at once."""
        ctx = context(conn)
        changed = ctx.store.set_user_disabled(user_id, True)
        ctx.hub.access_changed()
        ctx.audit(user.user_id, "update", "user", user_id, "disabled")
        return _user_dict(changed)

    @app.post(f"{PREFIX}/tokens", status_code=201, tags=["users"])
    async def add_token(body: TokenIn, conn: HTTPConnection, user: User = _USER) -> dict[str, Any]:
        """An API token for a machine (or a person's script); shown once, kept as a hash."""
        ctx = context(conn)
        owner = ctx.store.user(body.user_id)
        token = new_token()
        expires = None if body.expires_in_s is None else ctx.clock() + body.expires_in_s
        ctx.store.add_token(
            hash_token(token), owner.user_id, kind="api", expires_t_s=expires, label=body.label
        )
        ctx.audit(user.user_id, "token", "user", owner.user_id, body.label)
        return {"token": token, "expires_t_s": expires}

    @app.get(f"{PREFIX}/audit", tags=["audit"])
    async def audit(
        conn: HTTPConnection,
        after_seq: int = Query(0, ge=0),
        limit: int | None = Query(None, ge=1, le=10_000),
        user: User = _USER,
    ) -> list[dict[str, Any]]:
        """Lines of the audit log after ``after_seq``, oldest first."""
        ctx = context(conn)
        entries = ctx.store.audit_entries(after_seq=after_seq, limit=limit)
        ctx.audit(user.user_id, "read", "audit", "*", f"after_seq={after_seq}")
        return [to_dict(e) for e in entries]

    @app.get(f"{PREFIX}/audit/verify", tags=["audit"])
    async def audit_verify(conn: HTTPConnection, user: User = _USER) -> dict[str, Any]:
        """Recompute the audit chain: ``ok``, how many lines, the first bad one."""
        ctx = context(conn)
        report = ctx.store.verify_audit()
        ctx.audit(user.user_id, "read", "audit", "verify", "ok" if report.ok else "broken")
        return to_dict(report)
