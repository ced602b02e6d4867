"""The operational picture: sensors, tracks, crossings and quarantined input.

Every answer goes through the marking filter: what the user may not see is left out of
lists and is 404 when asked for by id, exactly like something that does not exist.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import Depends, FastAPI, Query
from starlette.requests import HTTPConnection

from ..model import NotFound, TrackState, User
from ._auth import signed_in
from ._context import context
from ._permissions import PREFIX
from ._serial import record_dict, visible, visible_tracks

__all__ = ["register"]

_USER = Depends(signed_in)
PICTURE_STATES = (TrackState.CONFIRMED, TrackState.COASTING)
DEFAULT_MAX_AGE_S = 300.0
_MAX_AGE = Query(DEFAULT_MAX_AGE_S, gt=0, description="Leave out tracks not updated for longer.")
_STATES = Query(list(PICTURE_STATES), description="Track states to show.")


def register(app: FastAPI) -> None:
    @app.get(f"{PREFIX}/sensors", tags=["picture"])
    async def sensors(conn: HTTPConnection, user: User = _USER) -> list[dict[str, Any]]:
        """Sensors on the map with their coverage radius."""
        return [record_dict(s) for s in visible(user, context(conn).store.sensors())]

    @app.get(f"{PREFIX}/tracks", tags=["picture"])
    async def tracks(
        conn: HTTPConnection,
        t_at: float | None = None,
        max_age_s: float = _MAX_AGE,
        state: list[TrackState] = _STATES,
        user: User = _USER,
    ) -> list[dict[str, Any]]:
        """Current tracks: each track's last update at or before ``t_at`` (default: the
        latest stored), if that update is in one of the ``state``s (default confirmed and
        coasting: the picture, not every clutter blip) and at most ``max_age_s`` old."""
        ctx = context(conn)
        batch = visible_tracks(user, ctx.store.latest_track_updates(t_at=t_at))
        if len(batch):
            ref = float(batch.t_s.max()) if t_at is None else t_at
            keep = np.isin(batch.state, [s.value for s in state])
            keep &= batch.t_s >= ref - max_age_s
            batch = batch.take(np.flatnonzero(keep))
        ctx.audit(user.user_id, "read", "track", "*", f"{len(batch)} current tracks")
        return [record_dict(r) for r in batch.to_records()]

    @app.get(f"{PREFIX}/tracks/{{track_id}}", tags=["picture"])
    async def track(
        track_id: str,
        conn: HTTPConnection,
        t_from: float | None = None,
        t_to: float | None = None,
        user: User = _USER,
    ) -> list[dict[str, Any]]:
        """One track's history, ``t_from <= t_s < t_to``; 404 when there is no such track."""
        ctx = context(conn)
        batch = visible_tracks(user, ctx.store.track_updates(track_id, t_from=t_from, t_to=t_to))
        if len(batch) == 0 and len(visible_tracks(user, ctx.store.track_updates(track_id))) == 0:
            raise NotFound(f"no track {track_id}", track_id=track_id)
        ctx.audit(user.user_id, "read", "track", track_id, f"{len(batch)} updates")
        return [record_dict(r) for r in batch.to_records()]

    @app.get(f"{PREFIX}/crossings", tags=["picture"])
    async def crossings(
        conn: HTTPConnection,
        t_from: float | None = None,
        t_to: float | None = None,
        user: User = _USER,
    ) -> list[dict[str, Any]]:
        """Crossings of the boundary, ``t_from <= t_s < t_to``."""
        ctx = context(conn)
        found = [
            c
            for c in visible(user, ctx.store.crossings())
            if (t_from is None or c.t_s >= t_from) and (t_to is None or c.t_s < t_to)
        ]
        ctx.audit(user.user_id, "read", "crossing", "*", f"{len(found)} crossings")
        return [record_dict(c) for c in found]

    @app.get(f"{PREFIX}/quarantine", tags=["quarantine"])
    async def quarantine(conn: HTTPConnection, user: User = _USER) -> list[dict[str, Any]]:
        """Input the decoders refused, without its bytes."""
        ctx = context(conn)
        found = visible(user, ctx.store.quarantined())
        ctx.audit(user.user_id, "read", "quarantine", "*", f"{len(found)} messages")
        out = []
        for q in found:
            d = record_dict(q)
            d.pop("raw", None)
            d["raw_bytes"] = len(q.raw)
            out.append(d)
        return out

    @app.get(f"{PREFIX}/quarantine/{{quarantine_id}}", tags=["quarantine"])
    async def quarantined(
        quarantine_id: str, conn: HTTPConnection, user: User = _USER
    ) -> dict[str, Any]:
        """One refused message with its bytes as base64 (``raw``)."""
        ctx = context(conn)
        found = [
            q for q in visible(user, ctx.store.quarantined()) if q.quarantine_id == quarantine_id
        ]
        if not found:
            raise NotFound(f"no quarantined message {quarantine_id}", quarantine_id=quarantine_id)
        ctx.audit(user.user_id, "read", "quarantine", quarantine_id)
        return record_dict(found[0])
