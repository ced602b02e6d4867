"""The SQLite store's responders: assets as they are now, their events and dispatch decisions.

:class:`ResponseMixin` is mixed into :class:`~northline.store.SQLiteStore` and uses its
connection. An asset row is the responder now; ``asset_events`` is what changed it, appended and
applied (:meth:`AssetEvent.apply <northline.response.AssetEvent.apply>`) in one transaction, so
the row is always the result of the events since it was last put. ``dispatch_decisions`` keeps
people's answers to recommendations. Both event tables are append-only (triggers).
"""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from ..model import InvalidInput, NotFound
from ..response import Asset, AssetEvent, AssetKind, AssetStatus, DecisionAction, DispatchDecision
from ._sqlite_util import marking as _marking
from ._sqlite_util import nan_if_null as _f
from ._sqlite_util import write_transaction

__all__ = ["ResponseMixin"]

_ASSET = (
    "asset_id", "kind", "name", "home_lon", "home_lat", "lon", "lat", "status", "speed_mps",
    "endurance_s", "endurance_left_s", "range_m", "recharge_s", "crew", "detour_factor",
    "shift_start_s", "shift_end_s", "port_code", "agency", "releasability",
)  # fmt: skip
_ASSET_WRITE = (*_ASSET, "updated_t_s", "updated_by")
_ASSET_EVENT = (
    "event_id", "asset_id", "t_s", "author", "status", "lon", "lat", "alert_id", "note",
    "agency", "releasability",
)  # fmt: skip
_DECISION = (
    "decision_id", "alert_id", "asset_id", "action", "author", "t_s", "note",
    "recommended_asset_id", "agency", "releasability",
)  # fmt: skip
_PUT_ASSET = (
    f"INSERT INTO assets ({', '.join(_ASSET_WRITE)}) VALUES ({', '.join('?' * len(_ASSET_WRITE))}) "
    "ON CONFLICT (asset_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ASSET_WRITE[1:])
)
_UPDATE_ASSET = (
    f"UPDATE assets SET {', '.join(f'{c} = ?' for c in _ASSET_WRITE[1:])} WHERE asset_id = ?"
)


def _asset_row(asset: Asset, t_s: float, author: str) -> tuple[Any, ...]:
    m = asset.marking
    return (
        asset.asset_id, AssetKind(asset.kind).value, asset.name, asset.home_lon, asset.home_lat,
        asset.lon, asset.lat, AssetStatus(asset.status).value, float(asset.speed_mps),
        asset.endurance_s, asset.endurance_left_s, asset.range_m, asset.recharge_s,
        int(asset.crew), float(asset.detour_factor), asset.shift_start_s, asset.shift_end_s,
        asset.port_code, m.agency, m.releasability, float(t_s), author,
    )  # fmt: skip


def _asset(r: tuple[Any, ...]) -> Asset:
    return Asset(
        asset_id=r[0],
        kind=AssetKind(r[1]),
        name=r[2],
        home_lon=_f(r[3]),
        home_lat=_f(r[4]),
        lon=_f(r[5]),
        lat=_f(r[6]),
        status=AssetStatus(r[7]),
        speed_mps=r[8],
        endurance_s=_f(r[9]),
        endurance_left_s=_f(r[10]),
        range_m=_f(r[11]),
        recharge_s=_f(r[12]),
        crew=int(r[13]),
        detour_factor=r[14],
        shift_start_s=_f(r[15]),
        shift_end_s=_f(r[16]),
        port_code=r[17],
        marking=_marking(r[18], r[19]),
    )


def _asset_event(r: tuple[Any, ...]) -> AssetEvent:
    return AssetEvent(
        event_id=r[0],
        asset_id=r[1],
        t_s=r[2],
        author=r[3],
        status=None if r[4] is None else AssetStatus(r[4]),
        lon=r[5],
        lat=r[6],
        alert_id=r[7],
        note=r[8],
        marking=_marking(r[9], r[10]),
    )


def _decision(r: tuple[Any, ...]) -> DispatchDecision:
    return DispatchDecision(
        decision_id=r[0],
        alert_id=r[1],
        asset_id=r[2],
        action=DecisionAction(r[3]),
        author=r[4],
        t_s=r[5],
        note=r[6],
        recommended_asset_id=r[7],
        marking=_marking(r[8], r[9]),
    )


def _finite_time(t_s: float, field: str = "t_s") -> float:
    t = float(t_s)
    if not math.isfinite(t):
        raise InvalidInput(f"time {t_s!r} is not a finite number", field=field)
    return t


def _known(conn: sqlite3.Connection, table: str, key: str, value: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {table} WHERE {key} = ?", (value,)).fetchone() is not None


class ResponseMixin:
    """Assets, asset events and dispatch decisions of :class:`SQLiteStore`."""

    _conn: sqlite3.Connection

    # -- assets --------------------------------------------------------------------------------

    def put_asset(self, asset: Asset, *, t_s: float, author: str) -> None:
        if not author:
            raise InvalidInput("putting an asset names who did it", field="author")
        row = _asset_row(asset, _finite_time(t_s), author)
        try:
            with write_transaction(self._conn) as conn:
                conn.execute(_PUT_ASSET, row)
        except sqlite3.IntegrityError as exc:
            raise InvalidInput(
                f"cannot store asset {asset.asset_id!r}: {exc}", asset_id=asset.asset_id
            ) from exc

    def assets(self) -> list[Asset]:
        sql = f"SELECT {', '.join(_ASSET)} FROM assets ORDER BY asset_id"
        return [_asset(r) for r in self._conn.execute(sql)]

    def asset(self, asset_id: str) -> Asset:
        return self._asset_in(self._conn, asset_id)

    @staticmethod
    def _asset_in(conn: sqlite3.Connection, asset_id: str) -> Asset:
        sql = f"SELECT {', '.join(_ASSET)} FROM assets WHERE asset_id = ?"
        r = conn.execute(sql, (asset_id,)).fetchone()
        if r is None:
            raise NotFound(f"no asset {asset_id!r}", asset_id=asset_id)
        return _asset(r)

    # -- asset events --------------------------------------------------------------------------

    def add_asset_event(self, event: AssetEvent) -> Asset:
        row = (
            event.event_id, event.asset_id, _finite_time(event.t_s), event.author,
            None if event.status is None else AssetStatus(event.status).value,
            event.lon, event.lat, event.alert_id, event.note,
            event.marking.agency, event.marking.releasability,
        )  # fmt: skip
        sql = (
            f"INSERT INTO asset_events ({', '.join(_ASSET_EVENT)}) "
            f"VALUES ({', '.join('?' * len(_ASSET_EVENT))})"
        )
        with write_transaction(self._conn) as conn:
            before = self._asset_in(conn, event.asset_id)
            if _known(conn, "asset_events", "event_id", event.event_id):
                return before  # already applied
            if event.alert_id is not None and not _known(
                conn, "alerts", "alert_id", event.alert_id
            ):
                raise NotFound(f"no alert {event.alert_id!r}", alert_id=event.alert_id)
            try:
                conn.execute(sql, row)
            except sqlite3.IntegrityError as exc:
                raise InvalidInput(
                    f"cannot store asset event {event.event_id!r}: {exc}",
                    event_id=event.event_id,
                ) from exc
            after = event.apply(before)
            if event.status is not None or event.lon is not None:
                changed = _asset_row(after, event.t_s, event.author)
                conn.execute(_UPDATE_ASSET, (*changed[1:], event.asset_id))
        return after

    def asset_events(
        self,
        asset_id: str | None = None,
        *,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> list[AssetEvent]:
        clauses: list[str] = []
        params: list[object] = []
        for clause, value in (
            ("asset_id = ?", asset_id),
            ("t_s >= ?", None if t_from is None else float(t_from)),
            ("t_s < ?", None if t_to is None else float(t_to)),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        sql = f"SELECT {', '.join(_ASSET_EVENT)} FROM asset_events{where} ORDER BY seq"
        return [_asset_event(r) for r in self._conn.execute(sql, params)]

    # -- dispatch decisions --------------------------------------------------------------------

    def add_dispatch_decision(self, decision: DispatchDecision) -> bool:
        row = (
            decision.decision_id, decision.alert_id, decision.asset_id,
            DecisionAction(decision.action).value, decision.author,
            _finite_time(decision.t_s), decision.note, decision.recommended_asset_id,
            decision.marking.agency, decision.marking.releasability,
        )  # fmt: skip
        sql = (
            f"INSERT INTO dispatch_decisions ({', '.join(_DECISION)}) "
            f"VALUES ({', '.join('?' * len(_DECISION))}) ON CONFLICT (decision_id) DO NOTHING"
        )
        with write_transaction(self._conn) as conn:
            if not _known(conn, "alerts", "alert_id", decision.alert_id):
                raise NotFound(f"no alert {decision.alert_id!r}", alert_id=decision.alert_id)
            if decision.asset_id is not None and not _known(
                conn, "assets", "asset_id", decision.asset_id
            ):
                raise NotFound(f"no asset {decision.asset_id!r}", asset_id=decision.asset_id)
            try:
                return conn.execute(sql, row).rowcount > 0
            except sqlite3.IntegrityError as exc:
                raise InvalidInput(
                    f"cannot store dispatch decision {decision.decision_id!r}: {exc}",
                    decision_id=decision.decision_id,
                ) from exc

    def dispatch_decisions(self, alert_id: str | None = None) -> list[DispatchDecision]:
        where, params = ("", ()) if alert_id is None else (" WHERE alert_id = ?", (alert_id,))
        sql = f"SELECT {', '.join(_DECISION)} FROM dispatch_decisions{where} ORDER BY seq"
        return [_decision(r) for r in self._conn.execute(sql, params)]
