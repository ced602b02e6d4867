"""Who may call what: ONE table, route ``(method, path)`` → the roles allowed.

A route that is not in the table is refused to everyone (403), so a new endpoint is closed
until someone decides who may use it; ``tests/test_api_permissions.py`` generates its cases
from the app's routes and this table. :data:`PUBLIC` routes need no token at all.
"""

from __future__ import annotations

from typing import Final, Literal

from ..model import Role

__all__ = [
    "ANYONE_SIGNED_IN",
    "PERMISSIONS",
    "PREFIX",
    "PUBLIC",
    "WS",
    "Allowed",
    "allowed_roles",
]

PREFIX: Final = "/api/v1"
WS: Final = "WS"  # the "method" of a WebSocket route
PUBLIC: Final = "public"  # no token needed
Allowed = frozenset[Role] | Literal["public"]

ANYONE_SIGNED_IN: Final = frozenset(Role)
_WATCH = frozenset(Role) - {Role.AUDITOR}  # the operational picture: all but the auditor
_WORK = frozenset({Role.OPERATOR, Role.SUPERVISOR})  # working the alert queue
_SUPERVISOR = frozenset({Role.SUPERVISOR})
_FLEET = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})  # which responders there are
_QUARANTINE = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR})
_AUDITOR = frozenset({Role.AUDITOR})
_ADMIN = frozenset({Role.ADMINISTRATOR})

PERMISSIONS: Final[dict[tuple[str, str], Allowed]] = {
    ("GET", f"{PREFIX}/health"): PUBLIC,
    ("POST", f"{PREFIX}/auth/login"): PUBLIC,
    ("POST", f"{PREFIX}/auth/logout"): ANYONE_SIGNED_IN,
    ("GET", f"{PREFIX}/me"): ANYONE_SIGNED_IN,
    ("GET", f"{PREFIX}/sensors"): _WATCH,
    ("GET", f"{PREFIX}/tracks"): _WATCH,
    ("GET", f"{PREFIX}/tracks/{{track_id}}"): _WATCH,
    ("GET", f"{PREFIX}/crossings"): _WATCH,
    ("GET", f"{PREFIX}/alerts"): _WATCH,
    ("GET", f"{PREFIX}/alerts/{{alert_id}}"): _WATCH,
    ("POST", f"{PREFIX}/alerts/{{alert_id}}/acknowledge"): _WORK,
    ("POST", f"{PREFIX}/alerts/{{alert_id}}/assign"): _WORK,
    ("POST", f"{PREFIX}/alerts/{{alert_id}}/task"): _WORK,
    ("POST", f"{PREFIX}/alerts/{{alert_id}}/resolve"): _WORK,
    ("POST", f"{PREFIX}/alerts/{{alert_id}}/reopen"): _SUPERVISOR,
    ("GET", f"{PREFIX}/alerts/{{alert_id}}/recommendations"): _WORK,
    ("POST", f"{PREFIX}/alerts/{{alert_id}}/dispatch"): _WORK,
    ("GET", f"{PREFIX}/assets"): _WATCH,
    ("GET", f"{PREFIX}/assets/{{asset_id}}"): _WATCH,
    ("POST", f"{PREFIX}/assets"): _FLEET,
    ("PATCH", f"{PREFIX}/assets/{{asset_id}}"): _WORK,
    ("GET", f"{PREFIX}/response/measures"): _WATCH,
    ("GET", f"{PREFIX}/quarantine"): _QUARANTINE,
    ("GET", f"{PREFIX}/quarantine/{{quarantine_id}}"): _QUARANTINE,
    ("GET", f"{PREFIX}/audit"): _AUDITOR,
    ("GET", f"{PREFIX}/audit/verify"): _AUDITOR,
    ("GET", f"{PREFIX}/users"): _ADMIN,
    ("POST", f"{PREFIX}/users"): _ADMIN,
    ("POST", f"{PREFIX}/users/{{user_id}}/disable"): _ADMIN,
    ("POST", f"{PREFIX}/tokens"): _ADMIN,
    ("GET", f"{PREFIX}/basemap/{{layer}}"): ANYONE_SIGNED_IN,
    (WS, f"{PREFIX}/live"): _WATCH,
}


def allowed_roles(method: str, path: str) -> Allowed | None:
    """The roles allowed on a route, :data:`PUBLIC` for no token, None when not in the table
    (which callers must treat as nobody)."""
    return PERMISSIONS.get((method, path))
