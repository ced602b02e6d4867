"""SQLiteStore: round trips, idempotence, filters, WAL and a second connection."""

from __future__ import annotations

import dataclasses
import math
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from northline.model import (
    Alert,
    AlertKind,
    AlertState,
    Crossing,
    Direction,
    InvalidInput,
    LonLat,
    Marking,
    NotFound,
    Observation,
    ObservationBatch,
    QuarantinedMessage,
    RangeBearing,
    SensorKind,
    Severity,
    TrackBatch,
    TrackState,
)
from northline.store import SQLiteStore

T0 = 1768442400.0
USA = Marking("CBP", "CAN-USA")


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    with SQLiteStore(":memory:") as s:
        yield s


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "northline.db"


def observations(n: int = 6) -> ObservationBatch:
    records = []
    for i in range(n):
        polar = i % 3 == 2
        position = (
            RangeBearing(1200.0 + i, 45.5, -97.2, 49.0, 5.0, 0.25)
            if polar
            else LonLat(-97.2 + i * 1e-3, 48.99 + i * 1e-3)
        )
        records.append(
            Observation(
                obs_id=f"obs-{i}",
                t_s=T0 + i,
                sensor_id=f"TWR-{i % 2}",
                sensor_kind=SensorKind.TOWER if i % 2 else SensorKind.UGS,
                position=position,
                sigma_m=15.0 + i,
                vel_east_mps=None if i % 2 else 1.5,
                vel_north_mps=None if i % 2 else -0.5,
                classification="a-u-G",
                identity=f"uid-{i}",
                source="test",
                marking=USA if i % 2 else Marking("RCMP", "CAN"),
            )
        )
    return ObservationBatch.from_records(records)


def tracks() -> TrackBatch:
    n = 6
    return TrackBatch.from_columns(
        {
            "track_id": ["T1", "T2", "T1", "T2", "T1", "T3"],
            "t_s": [T0, T0, T0 + 1, T0 + 1, T0 + 2, T0 + 2],
            "lon": np.linspace(-97.3, -97.2, n),
            "lat": np.linspace(48.98, 49.01, n),
            "x_m": np.arange(n) * 10.0,
            "y_m": [0.0, 1.0, math.nan, 3.0, 4.0, 5.0],
            "vx_mps": np.ones(n),
            "vy_mps": [0.5, math.nan, 0.5, 0.5, 0.5, 0.5],
            "sigma_m": np.full(n, 7.5),
            "state": ["tentative", "confirmed", "confirmed", "coasting", "confirmed", "deleted"],
            "hits": [1, 3, 2, 4, 3, 9],
            "sector": ["S1"] * n,
            "agency": ["RCMP", "CBP", "RCMP", "CBP", "RCMP", "RCMP"],
            "releasability": ["CAN", "CAN-USA", "CAN", "CAN-USA", "CAN", "CAN"],
        },
        n=n,
    )


def crossings() -> list[Crossing]:
    return [
        Crossing(
            crossing_id="x-1", track_id="T1", t_s=T0 + 1.25, detected_t_s=T0 + 2, lon=-97.25,
            lat=49.0, direction=Direction.USA_TO_CAN, confidence=0.93, sector="S1",
        ),
        Crossing(
            crossing_id="x-2", track_id="T2", t_s=T0 + 0.5, detected_t_s=T0 + 1, lon=-97.2,
            lat=49.0, direction=Direction.CAN_TO_USA, confidence=math.nan, sector="S1",
            port_code="3401", marking=USA,
        ),
    ]  # fmt: skip


def alerts() -> list[Alert]:
    return [
        Alert(
            alert_id="a-1", kind=AlertKind.CROSSING, t_s=T0 + 2, track_id="T1", lon=-97.25,
            lat=49.0, severity=Severity.HIGH, summary="crossing USA→CAN «near» 'post' 5",
            sector="S1", ref_id="x-1",
        ),
        Alert(
            alert_id="a-2", kind=AlertKind.APPROACH, t_s=T0 + 1, track_id="T2", lon=-97.2,
            lat=48.995, severity=Severity.MEDIUM, summary="approach", sector="S1",
            distance_m=120.5, eta_s=30.0, state=AlertState.ACKNOWLEDGED, marking=USA,
        ),
    ]  # fmt: skip


def quarantined() -> list[QuarantinedMessage]:
    return [
        QuarantinedMessage(
            quarantine_id=f"q-{i}", received_t_s=T0 + i, source="udp:4242", decoder="cot",
            reason_code="xml_syntax", reason="not well-formed", raw=raw,
            marking=USA if i else Marking("RCMP", "CAN"),
        )
        for i, raw in enumerate([b"\x00\xff<event", b"", b"<event uid='x'/>" * 100])
    ]  # fmt: skip


def assert_batches_equal(
    a: ObservationBatch | TrackBatch, b: ObservationBatch | TrackBatch
) -> None:
    assert type(a) is type(b)
    assert len(a) == len(b)
    for name in a.columns():
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        if x.dtype == np.float64:
            np.testing.assert_array_equal(x, y, err_msg=name)  # NaN == NaN here
        else:
            assert x.tolist() == y.tolist(), name


def test_observations_round_trip(store: SQLiteStore) -> None:
    batch = observations()
    assert store.add_observations(batch) == len(batch)
    back = store.observations()
    assert_batches_equal(back, batch)
    assert back.to_records() == batch.to_records()  # positions, NaN → None, markings
    assert np.isnan(back.lon[2])
    assert back.range_m[2] == 1202.0


def test_track_updates_round_trip(store: SQLiteStore) -> None:
    batch = tracks()
    assert store.add_track_updates(batch) == len(batch)
    assert_batches_equal(store.track_updates(), batch)
    assert {u.state for u in store.track_updates().to_records()} == set(TrackState)


def test_records_round_trip(store: SQLiteStore) -> None:
    assert store.add_crossings(crossings()) == 2
    assert store.add_alerts(alerts()) == 2
    assert store.add_quarantined(quarantined()) == 3
    back = store.crossings()
    assert [c.crossing_id for c in back] == ["x-2", "x-1"]  # time order
    assert back[1] == crossings()[0]
    assert math.isnan(back[0].confidence)
    assert back[0] == dataclasses.replace(crossings()[1], confidence=back[0].confidence)
    assert store.alerts() == sorted(alerts(), key=lambda a: a.t_s)
    assert store.quarantined() == quarantined()


def test_re_inserting_changes_nothing(store: SQLiteStore) -> None:
    store.add_observations(observations())
    store.add_track_updates(tracks())
    store.add_crossings(crossings())
    store.add_alerts(alerts())
    store.add_quarantined(quarantined())
    before = store.counts()
    assert before == {
        "observations": 6, "track_updates": 6, "crossings": 2, "alerts": 2, "quarantined": 3,
        "assets": 0, "asset_events": 0, "dispatch_decisions": 0,
    }  # fmt: skip
    assert store.add_observations(observations()) == 0
    assert store.add_track_updates(tracks()) == 0
    assert store.add_crossings(crossings()) == 0
    assert store.add_alerts(iter(alerts())) == 0
    assert store.add_quarantined(quarantined()) == 0
    assert store.counts() == before
    assert store.add_observations(observations(8)) == 2  # only the new rows


def test_empty_inputs(store: SQLiteStore) -> None:
    assert store.add_observations(ObservationBatch.empty()) == 0
    assert store.add_track_updates(TrackBatch.empty()) == 0
    assert store.add_crossings([]) == 0
    assert len(store.observations()) == 0
    assert len(store.track_updates("T1")) == 0
    assert store.crossings() == []
    assert store.alerts() == []
    assert store.quarantined() == []


def test_filters_by_time_and_track(store: SQLiteStore) -> None:
    store.add_observations(observations())
    store.add_track_updates(tracks())
    assert store.observations(t_from=T0 + 2).t_s.tolist() == [T0 + i for i in (2, 3, 4, 5)]
    assert store.observations(t_to=T0 + 2).t_s.tolist() == [T0, T0 + 1]
    assert store.observations(t_from=T0 + 1, t_to=T0 + 3).obs_id.tolist() == ["obs-1", "obs-2"]
    assert len(store.observations(t_from=T0 + 10)) == 0
    t1 = store.track_updates("T1")
    assert t1.track_id.tolist() == ["T1"] * 3
    assert t1.t_s.tolist() == [T0, T0 + 1, T0 + 2]
    assert store.track_updates("T1", t_from=T0 + 1).t_s.tolist() == [T0 + 1, T0 + 2]
    assert store.track_updates(t_to=T0 + 1).track_id.tolist() == ["T1", "T2"]
    assert len(store.track_updates("nope")) == 0


def test_a_row_that_breaks_the_schema_is_refused_and_nothing_is_kept(store: SQLiteStore) -> None:
    batch = observations(3)
    broken = ObservationBatch.from_columns(
        {**{c: getattr(batch, c) for c in batch.columns()}, "t_s": [T0, math.nan, T0]}, n=3
    )
    with pytest.raises(InvalidInput):
        store.add_observations(broken)
    assert store.counts()["observations"] == 0  # the whole call was one transaction


def test_file_database_is_wal_with_normal_sync(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        store.add_observations(observations())
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()
    with SQLiteStore(db_path) as again:
        conn = again._conn  # reading pragmas of this very connection
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert again.counts()["observations"] == 6


# Tables of oversight, not of surveillance records: an alert step is released with its alert,
# a user carries agency and country, a token its user, and the audit log is the auditors'.
NOT_MARKED = {
    "schema_migrations",
    "sqlite_sequence",
    "alert_events",
    "users",
    "tokens",
    "audit_log",
}


def test_every_table_has_markings(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    raw = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert NOT_MARKED - {"sqlite_sequence"} <= set(tables)
        for table in set(tables) - NOT_MARKED:
            columns = {r[1] for r in raw.execute(f"PRAGMA table_info({table})")}
            assert {"agency", "releasability"} <= columns, table
        indexes = {r[0] for r in raw.execute("SELECT sql FROM sqlite_master WHERE type='index'")}
        assert any("observations (t_s)" in (sql or "") for sql in indexes)
    finally:
        raw.close()


def test_a_reader_keeps_its_snapshot_while_a_writer_commits(db_path: Path) -> None:
    with SQLiteStore(db_path) as writer:
        writer.add_observations(observations(2))
        reader = sqlite3.connect(db_path, isolation_level=None)
        try:
            reader.execute("BEGIN")
            assert reader.execute("SELECT count(*) FROM observations").fetchone()[0] == 2
            # with a rollback journal this commit would wait for the reader and fail
            assert writer.add_observations(observations(6)) == 4
            assert reader.execute("SELECT count(*) FROM observations").fetchone()[0] == 2
            reader.execute("COMMIT")
            assert reader.execute("SELECT count(*) FROM observations").fetchone()[0] == 6
        finally:
            reader.close()


def test_a_second_store_reads_while_the_first_writes(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    errors: list[BaseException] = []
    batches = 40

    def write() -> None:
        try:
            with SQLiteStore(db_path) as w:
                for k in range(batches):
                    batch = observations(5)
                    ids = np.array([f"obs-{k}-{i}" for i in range(5)], dtype=object)
                    w.add_observations(
                        ObservationBatch.from_columns(
                            {**{c: getattr(batch, c) for c in batch.columns()}, "obs_id": ids},
                            n=5,
                        )
                    )
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=write)
    seen = []
    with SQLiteStore(db_path) as reader:
        thread.start()
        while thread.is_alive():
            seen.append(len(reader.observations()))
        thread.join()
        seen.append(len(reader.observations()))
    assert not errors
    assert seen == sorted(seen)  # never goes back, never sees half a batch
    assert all(n % 5 == 0 for n in seen)
    assert seen[-1] == batches * 5


def test_a_missing_directory_or_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        SQLiteStore(tmp_path / "absent" / "n.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InvalidInput):
        SQLiteStore(junk)


def test_close_is_idempotent(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    store.close()
    store.close()
