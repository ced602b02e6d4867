"""Responders and dispatch: assets, recommendations, a person's decision, response measures.

The API wires the store to :mod:`northline.response` and :mod:`northline.alerts`; the rules
live there. A recommendation (:func:`~northline.response.recommend`) is made on request from
what is stored now and tasks nobody; only a person's dispatch decision does:

    action   asset_id                                  then
    accept   one of the current recommendations        the alert is tasked, the unit tasked
             (omitted: the top one; else 409)
    change   any unit the user may see that is         the alert is tasked, the unit tasked
             available or returning (else 409)
    decline  none                                      nothing is tasked

Every decision is stored (with the alert's marking) and audited (``dispatch``); a tasking also
steps the alert (``task``, authored by the user), records the unit's new status as an asset
event, is published live (``dispatch_decision``, ``asset``, ``alert_event``, ``alert``) and is
told to the app's ``on_tasking`` callbacks. Assets the user may not see are left out of every
list and are 404 by id, like alerts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from fastapi import Body, Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from ..alerts import next_state, step
from ..geo import LocalFrame, load_ports
from ..model import (
    Alert,
    AlertAction,
    AlertState,
    Conflict,
    InvalidInput,
    NotFound,
    TrackUpdate,
    User,
)
from ..response import (
    DISPATCHABLE,
    Asset,
    AssetStatus,
    DecisionAction,
    DispatchDecision,
    Recommendation,
    asset_event,
    decide,
    load_assets,
    recommend,
    response_measures,
    response_records,
    taskings,
)
from ._auth import signed_in
from ._context import Context, OnTasking, context
from ._permissions import PREFIX
from ._routes_alerts import alert_dict, visible_alert
from ._serial import record_dict, visible, visible_tracks

__all__ = ["EVENTS_SHOWN", "MAX_RECOMMENDATIONS", "register"]

_log = logging.getLogger("northline.api")

MAX_RECOMMENDATIONS: Final = 10
"""The most recommendations asked for at once, and how deep ``accept`` looks for its unit."""
EVENTS_SHOWN: Final = 100
"""How many of an asset's latest events ``GET /assets/{asset_id}`` shows."""

_USER = Depends(signed_in)
_NOTE = Field(default="", max_length=4000)
_K = Query(3, ge=1, le=MAX_RECOMMENDATIONS, description="How many responders, best first.")
_TABLE = Body(
    description=(
        "One responder as a scenario's `[[assets]]` table: `id`, `kind`, `lon` and `lat` "
        "required, the rest optional (`name`, `status`, `speed_mps`, `endurance_s`, "
        "`shift_start`, `agency`, `releasability`, …; see `northline.response.load_assets`)."
    ),
    examples=[
        {
            "id": "drone-1",
            "kind": "drone",
            "name": "Emerson drone 1",
            "lon": -97.21,
            "lat": 49.01,
            "releasability": "CAN-USA",
        }
    ],
)


class AssetChangeIn(BaseModel):
    """A responder's new status, its position, or both, with a note (an asset event)."""

    model_config = ConfigDict(extra="forbid")

    status: AssetStatus | None = None
    lon: float | None = Field(default=None, ge=-180.0, le=180.0)
    lat: float | None = Field(default=None, ge=-90.0, le=90.0)
    alert_id: str | None = Field(default=None, min_length=1, max_length=200)
    note: str = _NOTE


class DispatchIn(BaseModel):
    """A person's decision on the recommendations for an alert."""

    model_config = ConfigDict(extra="forbid")

    action: DecisionAction
    asset_id: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = _NOTE


# -- reading what is stored ------------------------------------------------------------------


def _visible_asset(ctx: Context, user: User, asset_id: str) -> Asset:
    """The asset, or NotFound alike for one that does not exist and one not releasable."""
    try:
        asset = ctx.store.asset(asset_id)
    except NotFound:
        asset = None
    if asset is None or not user.may_see(asset.marking):
        raise NotFound(f"no asset {asset_id}", asset_id=asset_id)
    return asset


def _open_taskings(
    alerts: Sequence[Alert], decisions: Sequence[DispatchDecision]
) -> dict[str, str]:
    """Alert id → tasked asset id, for the alerts not resolved."""
    resolved = {a.alert_id for a in alerts if a.state is AlertState.RESOLVED}
    return {k: v for k, v in taskings(decisions).items() if k not in resolved}


def _tasked_alerts(ctx: Context, user: User) -> dict[str, str]:
    """Asset id → the open alert (one the user may see) it was last tasked to."""
    alerts = ctx.store.alerts()
    decisions = ctx.store.dispatch_decisions()
    open_ = _open_taskings(alerts, decisions)
    seen = {a.alert_id for a in visible(user, alerts)}
    out: dict[str, str] = {}
    for d in decisions:  # in order: the latest tasking of each asset stands
        if d.asset_id is not None and open_.get(d.alert_id) == d.asset_id and d.alert_id in seen:
            out[d.asset_id] = d.alert_id
    return out


def _asset_dict(asset: Asset, tasked_alert_id: str | None) -> dict[str, Any]:
    out = record_dict(asset)
    out["tasked_alert_id"] = tasked_alert_id
    return out


def _latest_update(ctx: Context, user: User, track_id: str) -> dict[str, TrackUpdate]:
    batch = visible_tracks(user, ctx.store.track_updates(track_id))
    if len(batch) == 0:
        return {}
    return {track_id: batch.take([len(batch) - 1]).to_records()[0]}


def _recommendations(
    ctx: Context, user: User, alert: Alert, k: int, now_t_s: float
) -> tuple[list[Recommendation], dict[str, Asset]]:
    """:func:`~northline.response.recommend` now for one alert, over the assets the user may
    see (returned by id too), loaded by the taskings of open alerts; none for a resolved one."""
    assets = visible(user, ctx.store.assets())
    by_id = {a.asset_id: a for a in assets}
    if alert.state is AlertState.RESOLVED or not assets:
        return [], by_id
    recs = recommend(
        [alert],
        _latest_update(ctx, user, alert.track_id),
        assets,
        frame=LocalFrame(alert.lon, alert.lat),
        now_t_s=now_t_s,
        k=k,
        ports=load_ports(ctx.data_dir),
        taskings=_open_taskings(ctx.store.alerts(), ctx.store.dispatch_decisions()),
    )
    return recs[alert.alert_id], by_id


def _recommendation_dict(rec: Recommendation, asset: Asset) -> dict[str, Any]:
    out = record_dict(rec)
    out["asset_name"] = asset.name
    out["asset_kind"] = asset.kind.value
    out["asset_status"] = asset.status.value
    return out


def _asset_from_table(table: Mapping[str, Any]) -> Asset:
    """One ``[[assets]]`` table read by :func:`~northline.response.load_assets`; its errors
    name the body's field, as FastAPI's validation errors do."""
    try:
        (asset,) = load_assets({"assets": [table]})
    except InvalidInput as exc:
        field = str(exc.context.get("field", "")).removeprefix("assets[0]").lstrip(".")
        problem = exc.message.split(": ", 1)[-1]
        loc = ["body", *field.split(".")] if field else ["body"]
        where = ".".join(loc)
        raise InvalidInput(
            f"{where}: {problem}",
            field=field,
            errors=[{"loc": loc, "msg": problem, "type": exc.code}],
        ) from None
    return asset


# -- measures --------------------------------------------------------------------------------


# -- a person's decision ---------------------------------------------------------------------


def _decision(
    ctx: Context, user: User, alert: Alert, body: DispatchIn, now_t_s: float
) -> tuple[DispatchDecision, Asset | None]:
    """The person's decision checked against what is stored now, and the unit it sends (None
    for decline); nothing is written yet."""
    if alert.state is AlertState.RESOLVED:
        raise Conflict(
            f"alert {alert.alert_id} is resolved: reopen it before dispatching",
            alert_id=alert.alert_id,
            state=alert.state.value,
        )
    recs, assets = _recommendations(ctx, user, alert, MAX_RECOMMENDATIONS, now_t_s)
    target: Recommendation | str = recs[0] if recs else alert.alert_id
    if body.action is DecisionAction.ACCEPT:
        wanted = body.asset_id or (recs[0].asset_id if recs else None)
        chosen = next((r for r in recs if r.asset_id == wanted), None)
        if chosen is None:
            what = f"{wanted} is" if wanted else "no unit is"
            raise Conflict(
                f"{what} no longer recommended; change to send it anyway",
                alert_id=alert.alert_id,
                asset_id=wanted,
            )
        target = chosen
    decision = decide(
        target,
        body.action,
        user,
        asset_id=body.asset_id,
        note=body.note,
        now_t_s=now_t_s,
        marking=alert.marking,
    )
    if decision.asset_id is None:
        return decision, None
    asset = assets.get(decision.asset_id)
    if asset is None or asset.status not in DISPATCHABLE:
        raise Conflict(
            f"no unit {decision.asset_id} that is available or returning",
            asset_id=decision.asset_id,
            dispatchable=sorted(s.value for s in DISPATCHABLE),
        )
    next_state(alert.state, AlertAction.TASK, user.role)  # its Conflict before any write
    return decision, asset


def _dispatch(ctx: Context, user: User, alert_id: str, body: DispatchIn) -> dict[str, Any]:
    alert = visible_alert(ctx, user, alert_id)
    now = ctx.clock()
    decision, asset = _decision(ctx, user, alert, body, now)
    before = taskings(ctx.store.dispatch_decisions(alert_id)).get(alert_id)
    if not ctx.store.add_dispatch_decision(decision):
        raise Conflict("this decision is already recorded", decision_id=decision.decision_id)
    released = _release(ctx, user, alert_id, before, decision, now)
    if asset is not None:
        alert = step(
            ctx.store,
            alert_id,
            AlertAction.TASK,
            user,
            note=f"dispatch {asset.asset_id}: {body.note}",
            now_t_s=now,
        )
        asset = ctx.store.add_asset_event(
            asset_event(
                asset,
                t_s=now,
                author=user.user_id,
                status=AssetStatus.TASKED,
                alert_id=alert_id,
                note=body.note,
            )
        )
    events = ctx.store.alert_events(alert_id)
    ctx.audit(
        user.user_id,
        "dispatch",
        "alert",
        alert_id,
        f"{decision.action.value} asset={decision.asset_id or '-'} "
        f"recommended={decision.recommended_asset_id or '-'} decision={decision.decision_id}",
    )
    ctx.hub.publish("dispatch_decision", decision)
    if released is not None:
        ctx.hub.publish("asset", released)
    if asset is not None:
        ctx.hub.publish("asset", asset)
        if events:
            ctx.hub.publish("alert_event", events[-1], marking=alert.marking)
        ctx.hub.publish("alert", alert)
        _tell(ctx.on_tasking, alert, asset, decision)
    if released is not None:
        _tell(ctx.on_stand_down, alert, released, decision)
    return {
        "decision": record_dict(decision),
        "alert": alert_dict(alert, events),
        "asset": _asset_dict(asset, alert_id) if asset is not None else None,
    }


def _release(
    ctx: Context,
    user: User,
    alert_id: str,
    before: str | None,
    decision: DispatchDecision,
    now: float,
) -> Asset | None:
    """A unit tasked to the alert by an earlier decision, stood down by this one (a decline,
    or a change to another unit): returning to base, or available if it is there. None when
    nothing was stood down (no earlier tasking, the same unit, or a unit no longer stored)."""
    if before is None or before == decision.asset_id:
        return None
    try:
        old = ctx.store.asset(before)
    except NotFound:
        return None
    if old.status not in (AssetStatus.TASKED, AssetStatus.EN_ROUTE, AssetStatus.ON_SCENE):
        return None
    home = math.isclose(old.lon, old.home_lon, abs_tol=1e-6) and math.isclose(
        old.lat, old.home_lat, abs_tol=1e-6
    )
    return ctx.store.add_asset_event(
        asset_event(
            old,
            t_s=now,
            author=user.user_id,
            status=AssetStatus.AVAILABLE if home else AssetStatus.RETURNING,
            alert_id=alert_id,
            note=f"stood down: {decision.action.value} {decision.decision_id}",
        )
    )


def _tell(
    callbacks: Sequence[OnTasking], alert: Alert, asset: Asset, decision: DispatchDecision
) -> None:
    """Every ``on_tasking`` (or ``on_stand_down``) callback; one that fails is logged and the
    others still run."""
    for fn in callbacks:
        try:
            fn(alert, asset, decision)
        except Exception:
            _log.exception("callback %r failed for alert %s", fn, alert.alert_id)


# -- routes ------------------------------------------------------------------------------------


def register(app: FastAPI) -> None:
    @app.get(f"{PREFIX}/assets", tags=["response"])
    async def assets(conn: HTTPConnection, user: User = _USER) -> list[dict[str, Any]]:
        """Responders as they are now, by id, each with the open alert it was last tasked to
        (``tasked_alert_id``, null when none)."""
        ctx = context(conn)
        found = visible(user, ctx.store.assets())
        tasked = _tasked_alerts(ctx, user) if found else {}
        ctx.audit(user.user_id, "read", "asset", "*", f"{len(found)} assets")
        return [_asset_dict(a, tasked.get(a.asset_id)) for a in found]

    @app.get(f"{PREFIX}/assets/{{asset_id}}", tags=["response"])
    async def asset(asset_id: str, conn: HTTPConnection, user: User = _USER) -> dict[str, Any]:
        """One responder with its latest events (``events``, at most 100, oldest first)."""
        ctx = context(conn)
        found = _visible_asset(ctx, user, asset_id)
        events = ctx.store.asset_events(asset_id)[-EVENTS_SHOWN:]
        ctx.audit(user.user_id, "read", "asset", asset_id)
        out = _asset_dict(found, _tasked_alerts(ctx, user).get(asset_id))
        out["events"] = [record_dict(e) for e in events]
        return out

    @app.post(f"{PREFIX}/assets", tags=["response"], status_code=201)
    async def put_asset(
        conn: HTTPConnection, table: dict[str, Any] = _TABLE, user: User = _USER
    ) -> dict[str, Any]:
        """Create a responder, or replace one by its ``id``; 422 naming the field when the
        table is wrong. The marking must be releasable to the caller."""
        ctx = context(conn)
        new = _asset_from_table(table)
        if not user.may_see(new.marking):
            raise InvalidInput(
                f"body.releasability: {new.marking.releasability} is not releasable to "
                f"{user.country}, who would then not see the asset",
                field="releasability",
            )
        try:
            old: Asset | None = ctx.store.asset(new.asset_id)
        except NotFound:
            old = None
        if old is not None and not user.may_see(old.marking):
            raise Conflict(f"the asset id {new.asset_id} is taken", field="id")
        ctx.store.put_asset(new, t_s=ctx.clock(), author=user.user_id)
        ctx.audit(
            user.user_id,
            "create" if old is None else "replace",
            "asset",
            new.asset_id,
            f"kind={new.kind.value} status={new.status.value}",
        )
        ctx.hub.publish("asset", new)
        return _asset_dict(new, _tasked_alerts(ctx, user).get(new.asset_id))

    @app.patch(f"{PREFIX}/assets/{{asset_id}}", tags=["response"])
    async def change_asset(
        asset_id: str, body: AssetChangeIn, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """Record a responder's new status, position (``lon`` and ``lat`` together) or both,
        with a note, and the alert it concerns if any. ``tasked`` is not set here: a unit is
        tasked by a dispatch decision (``POST /alerts/{alert_id}/dispatch``)."""
        ctx = context(conn)
        found = _visible_asset(ctx, user, asset_id)
        if body.status is AssetStatus.TASKED:
            raise InvalidInput(
                "body.status: a unit is tasked by a dispatch decision, "
                "POST /alerts/{alert_id}/dispatch",
                field="status",
            )
        if body.status is None and body.lon is None and body.lat is None and not body.note:
            raise InvalidInput("body: give a status, a position or a note", field="status")
        if body.alert_id is not None:
            visible_alert(ctx, user, body.alert_id)
        event = asset_event(
            found,
            t_s=ctx.clock(),
            author=user.user_id,
            status=body.status,
            lon=body.lon,
            lat=body.lat,
            alert_id=body.alert_id,
            note=body.note,
        )
        after = ctx.store.add_asset_event(event)
        detail = [f"status={body.status.value}"] if body.status is not None else []
        detail += ["position"] if body.lon is not None else []
        detail += [f"alert={body.alert_id}"] if body.alert_id is not None else []
        ctx.audit(user.user_id, "update", "asset", asset_id, " ".join(detail))
        ctx.hub.publish("asset", after)
        return _asset_dict(after, _tasked_alerts(ctx, user).get(asset_id))

    @app.get(f"{PREFIX}/alerts/{{alert_id}}/recommendations", tags=["response"])
    async def recommendations(
        alert_id: str, conn: HTTPConnection, k: int = _K, user: User = _USER
    ) -> list[dict[str, Any]]:
        """The best ``k`` responders for the alert now, best first, with why: from the latest
        update of its track, the responders the caller may see and their open taskings. They
        task nobody; a decision does (``POST /alerts/{alert_id}/dispatch``). A resolved
        alert has none."""
        ctx = context(conn)
        found = visible_alert(ctx, user, alert_id)
        recs, by_id = _recommendations(ctx, user, found, k, ctx.clock())
        ctx.audit(user.user_id, "read", "recommendation", alert_id, f"{len(recs)} responders")
        return [_recommendation_dict(r, by_id[r.asset_id]) for r in recs]

    @app.post(f"{PREFIX}/alerts/{{alert_id}}/dispatch", tags=["response"])
    async def dispatch(
        alert_id: str, body: DispatchIn, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """A person's decision: ``accept`` a current recommendation (``asset_id``, default
        the top one; 409 when it is no longer recommended), ``change`` to another unit that is
        available or returning (409 otherwise), or ``decline``. Accept and change task the
        alert and the unit. 409 on a resolved alert. Answers the decision, the alert and the
        unit (null for decline)."""
        return _dispatch(context(conn), user, alert_id, body)

    @app.get(f"{PREFIX}/response/measures", tags=["response"])
    async def measures(
        conn: HTTPConnection,
        t_from: float | None = None,
        t_to: float | None = None,
        user: User = _USER,
    ) -> dict[str, Any]:
        """How the response went for the alerts raised ``t_from <= t_s < t_to`` that the
        caller may see: counts, interception rate and the time from alert to decision and
        from decision to on scene, overall, by kind of unit and by sector."""
        ctx = context(conn)
        alerts = visible(user, ctx.store.alerts(t_from=t_from, t_to=t_to))
        records = response_records(
            alerts,
            ctx.store.dispatch_decisions(),
            ctx.store.asset_events(),
            ctx.store.alert_events(),
            {a.asset_id: a.kind.value for a in ctx.store.assets()},
        )
        ctx.audit(user.user_id, "read", "response", "*", f"{len(records)} alerts")
        return response_measures(records)
