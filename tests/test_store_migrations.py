"""Schema migrations: applied in order from an empty database, one transaction each,
tracked in PRAGMA user_version and schema_migrations; a newer database is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from northline.model import Conflict, InvalidInput
from northline.store import MIGRATIONS, Migration, SQLiteStore


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
    v2 = Migration(
        len(MIGRATIONS) + 1,
        "sensors table",
        "CREATE TABLE sensors (sensor_id TEXT PRIMARY KEY, note TEXT DEFAULT 'a;b', "
        "agency TEXT NOT NULL, releasability TEXT NOT NULL);\n"
        "CREATE INDEX sensors_note ON sensors (note);",
    )
    with SQLiteStore(path, migrations=(*MIGRATIONS, v2)) as store:
        assert store.schema_version() == v2.version
        assert store.migrations_applied()[-1][:2] == (v2.version, "sensors table")
    assert user_version(path) == v2.version


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
