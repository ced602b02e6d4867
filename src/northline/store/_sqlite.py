"""The embedded store: one SQLite file in WAL mode (or ``:memory:``).

NaN in a float column is stored as NULL (SQLite has no NaN) and read back as NaN; an absent
optional value (``Alert.distance_m`` …) is NULL too and reads back as None; infinity is kept
(``Asset.endurance_s`` of a unit that can go all shift). A store object
belongs to the thread that opened it; open one per thread (WAL lets them read while another
writes).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import numpy as np

from ..model import (
    Alert,
    AlertKind,
    AlertState,
    Conflict,
    Crossing,
    Direction,
    InvalidInput,
    NotFound,
    ObservationBatch,
    QuarantinedMessage,
    Sensor,
    SensorKind,
    Severity,
    TrackBatch,
)
from ._schema import MIGRATIONS, Migration, check_migrations
from ._sqlite_access import AccessMixin
from ._sqlite_response import ResponseMixin
from ._sqlite_util import marking as _marking
from ._sqlite_util import nan_if_null as _f
from ._sqlite_util import none_if_nan as _none_if_nan
from ._sqlite_util import write_transaction

__all__ = ["MEMORY", "SQLiteStore"]

MEMORY = ":memory:"
BUSY_TIMEOUT_S = 5.0

_TABLES = {
    "observations": "observations",
    "track_updates": "track_updates",
    "crossings": "crossings",
    "alerts": "alerts",
    "quarantined": "quarantine",
    "assets": "assets",
    "asset_events": "asset_events",
    "dispatch_decisions": "dispatch_decisions",
}
_CROSSING = (
    "crossing_id", "track_id", "t_s", "detected_t_s", "lon", "lat", "direction",
    "confidence", "sector", "port_code", "agency", "releasability",
)  # fmt: skip
_ALERT = (
    "alert_id", "kind", "t_s", "track_id", "lon", "lat", "severity", "summary", "sector",
    "ref_id", "distance_m", "eta_s", "state", "agency", "releasability",
)  # fmt: skip
_SENSOR = ("sensor_id", "kind", "lon", "lat", "range_m", "name", "agency", "releasability")
# An alert's current state is the state after its last event, else the state it was raised in.
_ALERTS_NOW = (
    "(SELECT a.rowid AS rid, {columns}, coalesce((SELECT e.state FROM alert_events e "
    "WHERE e.alert_id = a.alert_id ORDER BY e.seq DESC LIMIT 1), a.state) AS now_state "
    "FROM alerts a)"
).format(columns=", ".join(f"a.{c}" for c in _ALERT if c != "state"))
_QUARANTINE = (
    "quarantine_id", "received_t_s", "source", "decoder", "reason_code", "reason", "raw",
    "agency", "releasability",
)  # fmt: skip


def _insert_sql(table: str, columns: Sequence[str], key: str) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT ({key}) DO NOTHING"
    )


def _select_sql(table: str, columns: Sequence[str], where: str, order: str) -> str:
    return f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY {order}, rowid"


def _where(
    t_from: float | None, t_to: float | None, extra: dict[str, object] | None = None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    for column, value in (extra or {}).items():
        clauses.append(f"{column} = ?")
        params.append(value)
    if t_from is not None:
        clauses.append("t_s >= ?")
        params.append(float(t_from))
    if t_to is not None:
        clauses.append("t_s < ?")
        params.append(float(t_to))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


class SQLiteStore(AccessMixin, ResponseMixin):
    """:class:`~northline.store.Store` on SQLite: WAL, ``synchronous=NORMAL``, foreign keys on.

    Opening migrates the database to the newest schema this code knows (``migrations`` is for
    tests); a database from newer code raises :class:`~northline.model.Conflict`.
    """

    def __init__(self, path: str | Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        check_migrations(migrations)
        self.path = str(path)
        self._migrations = tuple(migrations)
        is_memory = self.path == MEMORY
        if not is_memory and not Path(self.path).parent.is_dir():
            raise NotFound(f"no directory for the database {self.path}", path=self.path)
        self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            self._configure(is_memory)
            self._migrate()
            self._read_audit_head()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise InvalidInput(
                f"{self.path} is not a usable SQLite database: {exc}", path=self.path
            ) from exc
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------------

    def _configure(self, is_memory: bool) -> None:
        conn = self._conn
        if not is_memory:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise InvalidInput(f"{self.path} cannot use WAL (journal mode {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")

    def _migrate(self) -> None:
        known = len(self._migrations)
        found = self.schema_version()
        if found > known:
            raise Conflict(
                f"{self.path} has schema version {found}; this Northline knows up to {known}",
                found=found,
                known=known,
            )
        for m in self._migrations[found:]:
            with self._transaction() as conn:
                # Read again under the write lock: another process may have migrated already.
                if conn.execute("PRAGMA user_version").fetchone()[0] >= m.version:
                    continue
                for statement in m.statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (?, ?, ?)",
                    (m.version, m.description, datetime.now(UTC).isoformat()),
                )
                conn.execute(f"PRAGMA user_version = {int(m.version)}")

    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def migrations_applied(self) -> list[tuple[int, str, str]]:
        """``(version, description, applied_at)`` of each applied migration."""
        rows = self._conn.execute(
            "SELECT version, description, applied_at FROM schema_migrations ORDER BY version"
        ).fetchall()
        return [(int(v), str(d), str(a)) for v, d, a in rows]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with write_transaction(self._conn) as conn:
            yield conn

    def _insert(self, table: str, columns: Sequence[str], key: str, rows: Iterable[Any]) -> int:
        sql = _insert_sql(table, columns, key)
        try:
            with self._transaction() as conn:
                before = conn.total_changes
                conn.executemany(sql, rows)
                return conn.total_changes - before
        except sqlite3.IntegrityError as exc:
            raise InvalidInput(f"cannot store {table}: {exc}", table=table) from exc

    # -- writes ------------------------------------------------------------------------------

    def add_observations(self, batch: ObservationBatch) -> int:
        columns = ObservationBatch.columns()
        rows = zip(*(getattr(batch, c).tolist() for c in columns), strict=True)
        return self._insert("observations", columns, "obs_id", rows)

    def add_track_updates(self, batch: TrackBatch) -> int:
        columns = TrackBatch.columns()
        rows = zip(*(getattr(batch, c).tolist() for c in columns), strict=True)
        return self._insert("track_updates", columns, "track_id, t_s", rows)

    def add_crossings(self, crossings: Iterable[Crossing]) -> int:
        rows = (
            (
                c.crossing_id, c.track_id, c.t_s, c.detected_t_s, c.lon, c.lat,
                c.direction.value, c.confidence, c.sector, c.port_code,
                c.marking.agency, c.marking.releasability,
            )
            for c in crossings
        )  # fmt: skip
        return self._insert("crossings", _CROSSING, "crossing_id", rows)

    def add_alerts(self, alerts: Iterable[Alert]) -> int:
        rows = (
            (
                a.alert_id, a.kind.value, a.t_s, a.track_id, a.lon, a.lat, a.severity.value,
                a.summary, a.sector, a.ref_id, a.distance_m, a.eta_s, a.state.value,
                a.marking.agency, a.marking.releasability,
            )
            for a in alerts
        )  # fmt: skip
        return self._insert("alerts", _ALERT, "alert_id", rows)

    def add_quarantined(self, messages: Iterable[QuarantinedMessage]) -> int:
        rows = (
            (
                q.quarantine_id, q.received_t_s, q.source, q.decoder, q.reason_code, q.reason,
                bytes(q.raw), q.marking.agency, q.marking.releasability,
            )
            for q in messages
        )  # fmt: skip
        return self._insert("quarantine", _QUARANTINE, "quarantine_id", rows)

    # -- reads -------------------------------------------------------------------------------

    def observations(
        self, *, t_from: float | None = None, t_to: float | None = None
    ) -> ObservationBatch:
        where, params = _where(t_from, t_to)
        columns = ObservationBatch.columns()
        rows = self._conn.execute(
            _select_sql("observations", columns, where, "t_s"), params
        ).fetchall()
        return _batch(ObservationBatch, columns, rows)

    def track_updates(
        self,
        track_id: str | None = None,
        *,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> TrackBatch:
        where, params = _where(t_from, t_to, None if track_id is None else {"track_id": track_id})
        columns = TrackBatch.columns()
        rows = self._conn.execute(
            _select_sql("track_updates", columns, where, "t_s"), params
        ).fetchall()
        return _batch(TrackBatch, columns, rows)

    def crossings(self) -> list[Crossing]:
        rows = self._conn.execute(_select_sql("crossings", _CROSSING, "", "t_s")).fetchall()
        return [
            Crossing(
                crossing_id=r[0],
                track_id=r[1],
                t_s=r[2],
                detected_t_s=_f(r[3]),
                lon=_f(r[4]),
                lat=_f(r[5]),
                direction=Direction(r[6]),
                confidence=_f(r[7]),
                sector=r[8],
                port_code=r[9],
                marking=_marking(r[10], r[11]),
            )
            for r in rows
        ]

    def alerts(
        self,
        *,
        state: AlertState | None = None,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> list[Alert]:
        where, params = _where(
            t_from, t_to, None if state is None else {"now_state": AlertState(state).value}
        )
        columns = tuple("now_state" if c == "state" else c for c in _ALERT)
        sql = f"SELECT {', '.join(columns)} FROM {_ALERTS_NOW}{where} ORDER BY t_s, rid"
        return [_alert(r) for r in self._conn.execute(sql, params)]

    def alert(self, alert_id: str) -> Alert:
        sql = _select_sql("alerts", _ALERT, " WHERE alert_id = ?", "t_s")
        r = self._conn.execute(sql, (alert_id,)).fetchone()
        if r is None:
            raise NotFound(f"no alert {alert_id!r}", alert_id=alert_id)
        now = self._conn.execute(
            "SELECT state FROM alert_events WHERE alert_id = ? ORDER BY seq DESC LIMIT 1",
            (alert_id,),
        ).fetchone()
        a = _alert(r)
        return a if now is None else dataclasses.replace(a, state=AlertState(now[0]))

    def latest_track_updates(self, *, t_at: float | None = None) -> TrackBatch:
        columns = TrackBatch.columns()
        inner, params = ("", []) if t_at is None else (" WHERE t_s <= ?", [float(t_at)])
        where = (
            " WHERE (track_id, t_s) IN "
            f"(SELECT track_id, max(t_s) FROM track_updates{inner} GROUP BY track_id)"
        )
        rows = self._conn.execute(
            _select_sql("track_updates", columns, where, "t_s"), params
        ).fetchall()
        return _batch(TrackBatch, columns, rows)

    def add_sensors(self, sensors: Iterable[Sensor]) -> int:
        rows = (
            (
                s.sensor_id, SensorKind(s.kind).value, s.lon, s.lat, s.range_m, s.name,
                s.marking.agency, s.marking.releasability,
            )
            for s in sensors
        )  # fmt: skip
        changed = " OR ".join(f"{c} IS NOT excluded.{c}" for c in _SENSOR[1:])
        sql = (
            _insert_sql("sensors", _SENSOR, "sensor_id").removesuffix("DO NOTHING")
            + "DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _SENSOR[1:])
            + f" WHERE {changed}"
        )
        try:
            with self._transaction() as conn:
                before = conn.total_changes
                conn.executemany(sql, rows)
                return conn.total_changes - before
        except sqlite3.IntegrityError as exc:
            raise InvalidInput(f"cannot store sensors: {exc}", table="sensors") from exc

    def sensors(self) -> list[Sensor]:
        sql = f"SELECT {', '.join(_SENSOR)} FROM sensors ORDER BY sensor_id"
        return [
            Sensor(
                sensor_id=r[0],
                kind=SensorKind(r[1]),
                lon=r[2],
                lat=r[3],
                range_m=r[4],
                name=r[5],
                marking=_marking(r[6], r[7]),
            )
            for r in self._conn.execute(sql)
        ]

    def quarantined(self) -> list[QuarantinedMessage]:
        sql = _select_sql("quarantine", _QUARANTINE, "", "received_t_s")
        return [
            QuarantinedMessage(
                quarantine_id=r[0],
                received_t_s=r[1],
                source=r[2],
                decoder=r[3],
                reason_code=r[4],
                reason=r[5],
                raw=bytes(r[6]),
                marking=_marking(r[7], r[8]),
            )
            for r in self._conn.execute(sql).fetchall()
        ]

    def counts(self) -> dict[str, int]:
        return {
            key: int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for key, table in _TABLES.items()
        }


def _alert(r: tuple[Any, ...]) -> Alert:
    return Alert(
        alert_id=r[0],
        kind=AlertKind(r[1]),
        t_s=r[2],
        track_id=r[3],
        lon=_f(r[4]),
        lat=_f(r[5]),
        severity=Severity(r[6]),
        summary=r[7],
        sector=r[8],
        ref_id=r[9],
        distance_m=_none_if_nan(r[10]),
        eta_s=_none_if_nan(r[11]),
        state=AlertState(r[12]),
        marking=_marking(r[13], r[14]),
    )


_B = TypeVar("_B", ObservationBatch, TrackBatch)


def _batch(cls: type[_B], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> _B:
    """A batch from fetched rows; NULL in a float column becomes NaN."""
    if not rows:
        return cls.empty()
    data = {}
    for name, values in zip(columns, zip(*rows, strict=True), strict=True):
        data[name] = np.asarray(values, dtype=cls.__dataclass_fields__[name].metadata["dtype"])
    return cls.from_columns(data, n=len(rows))
