"""The alert queue: reading alerts and a person's steps on them.

A step is checked by :func:`northline.alerts.step` (the lifecycle's rule) after the route's
roles (:data:`~._permissions.PERMISSIONS`); an alert the user may not see is 404 here, before
any step. A step taken is audited and published live, as ``alert_event`` and then ``alert``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from ..alerts import current_assignee, step
from ..model import Alert, AlertAction, AlertEvent, AlertKind, AlertState, NotFound, User
from ._auth import signed_in
from ._context import Context, context
from ._permissions import PREFIX
from ._serial import record_dict, visible

__all__ = ["alert_dict", "register", "visible_alert"]

_USER = Depends(signed_in)
_NOTE = Field(default="", max_length=4000)


class NoteIn(BaseModel):
    note: str = _NOTE


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=64)
    note: str = _NOTE


class ResolveIn(BaseModel):
    outcome: str = Field(min_length=1, max_length=64)
    note: str = _NOTE


def alert_dict(alert: Alert, events: Iterable[AlertEvent]) -> dict[str, Any]:
    out = record_dict(alert)
    out["assignee"] = current_assignee(events)
    return out


def visible_alert(ctx: Context, user: User, alert_id: str) -> Alert:
    """The alert, or NotFound alike for one that does not exist and one not releasable."""
    try:
        alert = ctx.store.alert(alert_id)
    except NotFound:
        alert = None
    if alert is None or not user.may_see(alert.marking):
        raise NotFound(f"no alert {alert_id}", alert_id=alert_id)
    return alert


def _step(
    ctx: Context,
    user: User,
    alert_id: str,
    action: AlertAction,
    note: str,
    *,
    assignee: str | None = None,
    outcome: str | None = None,
) -> dict[str, Any]:
    visible_alert(ctx, user, alert_id)
    alert = step(
        ctx.store,
        alert_id,
        action,
        user,
        note=note,
        assignee=assignee,
        outcome=outcome,
        now_t_s=ctx.clock(),
    )
    events = ctx.store.alert_events(alert_id)
    detail = f"state={alert.state.value}" + (f" assignee={assignee}" if assignee else "")
    ctx.audit(user.user_id, action.value, "alert", alert_id, detail)
    if events:
        ctx.hub.publish("alert_event", events[-1], marking=alert.marking)
    ctx.hub.publish("alert", alert)
    return alert_dict(alert, events)


def register(app: FastAPI) -> None:
    @app.get(f"{PREFIX}/alerts", tags=["alerts"])
    async def alerts(
        conn: HTTPConnection,
        state: AlertState | None = None,
        kind: AlertKind | None = None,
        t_from: float | None = None,
        t_to: float | None = None,
        user: User = _USER,
    ) -> list[dict[str, Any]]:
        """Alerts with their current state and assignee, oldest first."""
        ctx = context(conn)
        found = [
            a
            for a in visible(user, ctx.store.alerts(state=state, t_from=t_from, t_to=t_to))
            if kind is None or a.kind == kind
        ]
        by_alert: dict[str, list[AlertEvent]] = {}
        if found:
            for e in ctx.store.alert_events():
                by_alert.setdefault(e.alert_id, []).append(e)
        ctx.audit(user.user_id, "read", "alert", "*", f"{len(found)} alerts")
        return [alert_dict(a, by_alert.get(a.alert_id, ())) for a in found]

    @app.get(f"{PREFIX}/alerts/{{alert_id}}", tags=["alerts"])
    async def alert(alert_id: str, conn: HTTPConnection, user: User = _USER) -> dict[str, Any]:
        """One alert with every step taken on it (``events``) and every dispatch decision on
        it (``decisions``), in order."""
        ctx = context(conn)
        found = visible_alert(ctx, user, alert_id)
        events = ctx.store.alert_events(alert_id)
        ctx.audit(user.user_id, "read", "alert", alert_id)
        out = alert_dict(found, events)
        out["events"] = [record_dict(e) for e in events]
        out["decisions"] = [record_dict(d) for d in ctx.store.dispatch_decisions(alert_id)]
        return out

    @app.post(f"{PREFIX}/alerts/{{alert_id}}/acknowledge", tags=["alerts"])
    async def acknowledge(
        alert_id: str, body: NoteIn, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """new → acknowledged: someone is looking at it."""
        return _step(context(conn), user, alert_id, AlertAction.ACKNOWLEDGE, body.note)

    @app.post(f"{PREFIX}/alerts/{{alert_id}}/assign", tags=["alerts"])
    async def assign(
        alert_id: str, body: AssignIn, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """Name who handles it (an operator may name only themselves); the state stays."""
        return _step(
            context(conn), user, alert_id, AlertAction.ASSIGN, body.note, assignee=body.assignee
        )

    @app.post(f"{PREFIX}/alerts/{{alert_id}}/task", tags=["alerts"])
    async def task(
        alert_id: str, body: NoteIn, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """→ tasked: a person has sent a responder."""
        return _step(context(conn), user, alert_id, AlertAction.TASK, body.note)

    @app.post(f"{PREFIX}/alerts/{{alert_id}}/resolve", tags=["alerts"])
    async def resolve(
        alert_id: str, body: ResolveIn, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """→ resolved, with an outcome and a note saying why."""
        return _step(
            context(conn), user, alert_id, AlertAction.RESOLVE, body.note, outcome=body.outcome
        )

    @app.post(f"{PREFIX}/alerts/{{alert_id}}/reopen", tags=["alerts"])
    async def reopen(
        alert_id: str, body: NoteIn, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """resolved → acknowledged (supervisors), with a note saying why."""
        return _step(context(conn), user, alert_id, AlertAction.REOPEN, body.note)
