"""The SQLite schema as data: ordered migrations, each applied once in its own transaction.

The schema version is ``PRAGMA user_version``; ``schema_migrations`` records when each
migration was applied. To change the schema, append a :class:`Migration`; never edit one that
has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import InvalidInput

__all__ = ["MIGRATIONS", "Migration", "check_migrations"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    sql: str

    @property
    def statements(self) -> list[str]:
        """The SQL cut into complete statements (triggers and quoted ``;`` survive)."""
        out: list[str] = []
        pending = ""
        for piece in self.sql.split(";"):
            pending += piece + ";"
            if sqlite3.complete_statement(pending):
                if pending.strip(" \t\r\n;"):
                    out.append(pending.strip())
                pending = ""
        if pending.strip(" \t\r\n;"):
            raise InvalidInput(
                f"migration {self.version} ends with an incomplete statement",
                field="sql",
                version=self.version,
            )
        return out


def check_migrations(migrations: Sequence[Migration]) -> None:
    """Versions must be 1, 2, 3 … in order."""
    for expected, m in enumerate(migrations, start=1):
        if m.version != expected:
            raise InvalidInput(
                f"migration versions must run 1, 2, 3 …; found {m.version} at place {expected}",
                field="migrations",
                version=m.version,
            )


_V1 = """
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
);

CREATE TABLE observations (
    obs_id TEXT PRIMARY KEY,
    t_s REAL NOT NULL,
    sensor_id TEXT NOT NULL,
    sensor_kind TEXT NOT NULL,
    lon REAL,
    lat REAL,
    range_m REAL,
    bearing_deg REAL,
    sensor_lon REAL,
    sensor_lat REAL,
    sigma_m REAL,
    sigma_range_m REAL,
    sigma_bearing_deg REAL,
    vel_east_mps REAL,
    vel_north_mps REAL,
    classification TEXT NOT NULL,
    identity TEXT NOT NULL,
    source TEXT NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL
);
CREATE INDEX observations_t_s ON observations (t_s);

CREATE TABLE track_updates (
    track_id TEXT NOT NULL,
    t_s REAL NOT NULL,
    lon REAL,
    lat REAL,
    x_m REAL,
    y_m REAL,
    vx_mps REAL,
    vy_mps REAL,
    sigma_m REAL,
    state TEXT NOT NULL,
    hits INTEGER NOT NULL,
    sector TEXT NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL,
    PRIMARY KEY (track_id, t_s)
);
CREATE INDEX track_updates_t_s ON track_updates (t_s);

CREATE TABLE crossings (
    crossing_id TEXT PRIMARY KEY,
    track_id TEXT NOT NULL,
    t_s REAL NOT NULL,
    detected_t_s REAL,
    lon REAL,
    lat REAL,
    direction TEXT NOT NULL,
    confidence REAL,
    sector TEXT NOT NULL,
    port_code TEXT NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL
);
CREATE INDEX crossings_t_s ON crossings (t_s);
CREATE INDEX crossings_track_id ON crossings (track_id);

CREATE TABLE alerts (
    alert_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    t_s REAL NOT NULL,
    track_id TEXT NOT NULL,
    lon REAL,
    lat REAL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    sector TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    distance_m REAL,
    eta_s REAL,
    state TEXT NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL
);
CREATE INDEX alerts_t_s ON alerts (t_s);
CREATE INDEX alerts_track_id ON alerts (track_id);

CREATE TABLE quarantine (
    quarantine_id TEXT PRIMARY KEY,
    received_t_s REAL NOT NULL,
    source TEXT NOT NULL,
    decoder TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw BLOB NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL
);
CREATE INDEX quarantine_received_t_s ON quarantine (received_t_s);
CREATE INDEX quarantine_reason_code ON quarantine (reason_code);
"""

# Version 2: sensors, and the records of oversight. ``alert_events`` and ``audit_log`` are
# append-only: triggers abort any UPDATE or DELETE. ``audit_log.seq`` is AUTOINCREMENT so that
# sqlite_sequence remembers the highest line ever written (lines cut off the end show as a gap).
_V2 = """
CREATE TABLE sensors (
    sensor_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    range_m REAL NOT NULL,
    name TEXT NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL
);

CREATE TABLE alert_events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    alert_id TEXT NOT NULL REFERENCES alerts (alert_id),
    t_s REAL NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee TEXT,
    outcome TEXT,
    note TEXT NOT NULL
);
CREATE INDEX alert_events_alert_id ON alert_events (alert_id, seq);

CREATE TRIGGER alert_events_no_update BEFORE UPDATE ON alert_events
BEGIN SELECT RAISE(ABORT, 'alert_events is append-only'); END;
CREATE TRIGGER alert_events_no_delete BEFORE DELETE ON alert_events
BEGIN SELECT RAISE(ABORT, 'alert_events is append-only'); END;

CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    agency TEXT NOT NULL,
    country TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_t_s REAL NOT NULL,
    password_hash TEXT
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    expires_t_s REAL,
    label TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user_id ON tokens (user_id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    t_s REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

# Version 3: responders and dispatch. ``assets`` holds each responder as it is now (every field
# of ``response.Asset``; REAL keeps ``inf`` for an endurance without limit, NaN is NULL) and who
# changed it last. ``asset_events`` and ``dispatch_decisions`` are append-only like
# ``alert_events``: triggers abort any UPDATE or DELETE.
_V3 = """
CREATE TABLE assets (
    asset_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    home_lon REAL,
    home_lat REAL,
    lon REAL,
    lat REAL,
    status TEXT NOT NULL,
    speed_mps REAL NOT NULL,
    endurance_s REAL,
    endurance_left_s REAL,
    range_m REAL,
    recharge_s REAL,
    crew INTEGER NOT NULL,
    detour_factor REAL NOT NULL,
    shift_start_s REAL,
    shift_end_s REAL,
    port_code TEXT NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL,
    updated_t_s REAL NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE asset_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    asset_id TEXT NOT NULL REFERENCES assets (asset_id),
    t_s REAL NOT NULL,
    author TEXT NOT NULL,
    status TEXT,
    lon REAL,
    lat REAL,
    alert_id TEXT REFERENCES alerts (alert_id),
    note TEXT NOT NULL,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL
);
CREATE INDEX asset_events_asset_id ON asset_events (asset_id, seq);
CREATE INDEX asset_events_alert_id ON asset_events (alert_id, seq);
CREATE INDEX asset_events_t_s ON asset_events (t_s);

CREATE TRIGGER asset_events_no_update BEFORE UPDATE ON asset_events
BEGIN SELECT RAISE(ABORT, 'asset_events is append-only'); END;
CREATE TRIGGER asset_events_no_delete BEFORE DELETE ON asset_events
BEGIN SELECT RAISE(ABORT, 'asset_events is append-only'); END;

CREATE TABLE dispatch_decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id TEXT NOT NULL UNIQUE,
    alert_id TEXT NOT NULL REFERENCES alerts (alert_id),
    asset_id TEXT REFERENCES assets (asset_id),
    action TEXT NOT NULL,
    author TEXT NOT NULL,
    t_s REAL NOT NULL,
    note TEXT NOT NULL,
    recommended_asset_id TEXT,
    agency TEXT NOT NULL,
    releasability TEXT NOT NULL
);
CREATE INDEX dispatch_decisions_alert_id ON dispatch_decisions (alert_id, seq);

CREATE TRIGGER dispatch_decisions_no_update BEFORE UPDATE ON dispatch_decisions
BEGIN SELECT RAISE(ABORT, 'dispatch_decisions is append-only'); END;
CREATE TRIGGER dispatch_decisions_no_delete BEFORE DELETE ON dispatch_decisions
BEGIN SELECT RAISE(ABORT, 'dispatch_decisions is append-only'); END;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "observations, track updates, crossings, alerts and quarantine, with markings",
        _V1,
    ),
    Migration(
        2,
        "sensors, alert events, users, tokens and the hash-chained audit log (append-only)",
        _V2,
    ),
    Migration(
        3,
        "responders (assets), their events and dispatch decisions (append-only)",
        _V3,
    ),
)
