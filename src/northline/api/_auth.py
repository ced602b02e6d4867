"""Who is calling, and may they: the one dependency every route of the app runs first.

:func:`authorize` looks the matched route up in :data:`~._permissions.PERMISSIONS` (a route
not in the table is refused to everyone), reads the bearer token (the ``token`` query
parameter on the WebSocket, where browsers cannot set headers), finds its user by the
token's hash and checks the role. 401 when there is no usable token, 403 when the role may
not use the route. On the WebSocket the same refusals close the connection (policy
violation, reason ``unauthenticated`` or ``permission_denied``).
"""

from __future__ import annotations

from fastapi import Depends, WebSocketException
from starlette.requests import HTTPConnection
from starlette.status import WS_1008_POLICY_VIOLATION

from ..model import NorthlineError, PermissionDenied, User
from ._context import context
from ._errors import Unauthenticated
from ._passwords import hash_token
from ._permissions import PUBLIC, WS, allowed_roles

__all__ = ["authorize", "bearer_token", "signed_in"]


def bearer_token(conn: HTTPConnection) -> str | None:
    """The token of a request: ``Authorization: Bearer …``, else ``?token=`` on a WebSocket."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if conn.scope["type"] == "websocket":
        return conn.query_params.get("token") or None
    return None


def _check(conn: HTTPConnection) -> User | None:
    route = conn.scope.get("route")
    path = str(getattr(route, "path", ""))
    method = WS if conn.scope["type"] == "websocket" else str(conn.scope.get("method", ""))
    allowed = allowed_roles(method, path)
    if allowed is None:
        raise PermissionDenied(
            "this route is not in the permission table", method=method, path=path
        )
    if allowed == PUBLIC:
        return None
    token = bearer_token(conn)
    if token is None:
        raise Unauthenticated("sign in: no bearer token was given")
    ctx = context(conn)
    token_hash = hash_token(token)
    user = ctx.store.token_user(token_hash, ctx.clock())
    if user is None:
        raise Unauthenticated("the token is unknown, expired or revoked")
    if user.role not in allowed:
        raise PermissionDenied(
            f"the role {user.role.value} may not use this route",
            role=user.role.value,
            method=method,
            path=path,
        )
    conn.state.user = user
    conn.state.token_hash = token_hash
    return user


async def authorize(conn: HTTPConnection) -> User | None:
    """The signed-in user of a request (None on a public route), or 401/403."""
    if conn.scope["type"] != "websocket":
        return _check(conn)
    try:
        return _check(conn)
    except NorthlineError as exc:
        raise WebSocketException(WS_1008_POLICY_VIOLATION, reason=exc.code) from exc


async def signed_in(user: User | None = Depends(authorize)) -> User:  # noqa: B008
    """The user of a route that is not public (the table guarantees there is one)."""
    if user is None:
        raise Unauthenticated("sign in: this route needs a signed-in user")
    return user
