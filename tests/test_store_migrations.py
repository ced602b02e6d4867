"""Schema migrations: applied in order from an empty database, one transaction each,
tracked in PRAGMA user_version and schema_migrations; a newer database is refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from northline.model import (
    Alert,
    AlertAction,
    AlertEvent,
    AlertKind,
    AlertState,
    Conflict,
    InvalidInput,
    Marking,
    Severity,
)
from northline.store import MIGRATIONS, Migration, SQLiteStore

V1_SHA256 = "7b2b5729a6c719e43c1fe47da55a8ffc7b707bc74c8a1cf11b8547c826f3399e"


def user_version(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])
    finally:
        raw.close()


def test_an_empty_database_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    with SQLiteStore(path) as store:
        assert store.schema_version() == len(MIGRATIONS) == MIGRATIONS[-1].version
        applied = store.migrations_applied()
        assert [(v, d) for v, d, _ in applied] == [(m.version, m.description) for m in MIGRATIONS]
        assert all(at.endswith("+00:00") for _, _, at in applied)
    with SQLiteStore(path) as again:  # reopening applies nothing twice
        assert len(again.migrations_applied()) == len(MIGRATIONS)


def test_a_later_migration_is_applied_on_open(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    SQLiteStore(path).close()
    later = Migration(
        len(MIGRATIONS) + 1,
        "beacons table",
        "CREATE TABLE beacons (beacon_id TEXT PRIMARY KEY, note TEXT DEFAULT 'a;b', "
        "agency TEXT NOT NULL, releasability TEXT NOT NULL);\n"
        "CREATE INDEX beacons_note ON beacons (note);",
    )
    with SQLiteStore(path, migrations=(*MIGRATIONS, later)) as store:
        assert store.schema_version() == later.version
        assert store.migrations_applied()[-1][:2] == (later.version, "beacons table")
    assert user_version(path) == later.version


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    SQLiteStore(path).close()
    bad = Migration(
        len(MIGRATIONS) + 1, "half done", "CREATE TABLE t (x INTEGER);\nSELECT * FROM nowhere;"
    )
    with pytest.raises(InvalidInput):
        SQLiteStore(path, migrations=(*MIGRATIONS, bad))
    assert user_version(path) == len(MIGRATIONS)
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None
    finally:
        raw.close()


def test_a_database_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    SQLiteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    raw.close()
    with pytest.raises(Conflict) as err:
        SQLiteStore(path)
    assert err.value.context == {"found": len(MIGRATIONS) + 5, "known": len(MIGRATIONS)}
    assert err.value.to_dict()["error"]["code"] == "conflict"


def test_migrations_must_be_numbered_in_order() -> None:
    with pytest.raises(InvalidInput):
        SQLiteStore(":memory:", migrations=(Migration(2, "skips one", "SELECT 1;"),))


def test_statements_are_split_where_sql_says() -> None:
    m = Migration(
        1,
        "trigger",
        "CREATE TABLE a (x TEXT DEFAULT ';');\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y;z'; END;\n",
    )
    assert len(m.statements) == 2
    with pytest.raises(InvalidInput):
        _ = Migration(1, "incomplete", "CREATE TABLE a (x TEXT DEFAULT ';").statements


def test_a_version_1_database_upgrades_to_version_2(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    alert = Alert(
        alert_id="a-1", kind=AlertKind.CROSSING, t_s=100.0, track_id="T1", lon=-97.2, lat=49.0,
        severity=Severity.HIGH, summary="crossing", sector="S1", marking=Marking("CBP", "CAN-USA"),
    )  # fmt: skip
    with SQLiteStore(path, migrations=MIGRATIONS[:1]) as v1:
        assert v1.schema_version() == 1
        v1.add_alerts([alert])
    raw = sqlite3.connect(path)
    try:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        raw.close()
    assert "audit_log" not in tables
    assert user_version(path) == 1
    with SQLiteStore(path, migrations=MIGRATIONS[:2]) as store:
        assert store.schema_version() == 2
        assert [v for v, _, _ in store.migrations_applied()] == [1, 2]
        assert store.alerts() == [alert]  # kept through the upgrade
        event = AlertEvent(
            event_id="e-1", alert_id="a-1", t_s=200.0, action=AlertAction.ACKNOWLEDGE,
            actor="op", state=AlertState.ACKNOWLEDGED,
        )  # fmt: skip
        assert store.add_alert_event(event).state is AlertState.ACKNOWLEDGED
        assert (
            store.append_audit(
                t_s=1.0, actor="op", action="update", record_kind="alert", record_id="a-1"
            ).seq
            == 1
        )
        assert store.verify_audit().ok
    raw = sqlite3.connect(path)
    try:
        triggers = {
            r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    finally:
        raw.close()
    assert triggers == {
        "alert_events_no_update", "alert_events_no_delete",
        "audit_log_no_update", "audit_log_no_delete",
    }  # fmt: skip


def test_migration_1_is_as_it_shipped() -> None:
    """Migration 1 must never change: its SQL is pinned by hash."""
    digest = hashlib.sha256(MIGRATIONS[0].sql.encode()).hexdigest()
    assert MIGRATIONS[0].version == 1
    assert digest == V1_SHA256
