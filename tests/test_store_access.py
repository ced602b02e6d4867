"""SQLiteStore's newer records: current alert state, latest tracks, sensors, alert events,
users, tokens and the hash-chained audit log — on real files, tampered with behind its back."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from northline.model import (
    Alert,
    AlertAction,
    AlertEvent,
    AlertKind,
    AlertState,
    AuditEntry,
    Conflict,
    InvalidInput,
    Marking,
    NotFound,
    Role,
    Sensor,
    SensorKind,
    Severity,
    TrackBatch,
    User,
)
from northline.store import SQLiteStore

T0 = 1768442400.0
USA = Marking("CBP", "CAN-USA")
CAN = Marking("RCMP", "CAN")
ZEROS = "0" * 64
TOKEN = hashlib.sha256(b"the token itself").hexdigest()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "northline.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(db_path) as s:
        yield s


def alert(alert_id: str, t_s: float, marking: Marking = CAN, **kw: object) -> Alert:
    fields: dict[str, object] = {
        "kind": AlertKind.CROSSING, "track_id": "T1", "lon": -97.25, "lat": 49.0,
        "severity": Severity.HIGH, "summary": "crossing", "sector": "S1",
    }  # fmt: skip
    fields.update(kw)
    return Alert(alert_id=alert_id, t_s=t_s, marking=marking, **fields)  # type: ignore[arg-type]


def event(
    n: int, alert_id: str, action: AlertAction, state: AlertState, **kw: object
) -> AlertEvent:
    return AlertEvent(
        event_id=f"e-{n}", alert_id=alert_id, t_s=T0 + 100 + n, action=action, actor="op1",
        state=state, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def person(user_id: str = "op1", role: Role = Role.OPERATOR, **kw: object) -> User:
    fields: dict[str, object] = {"name": "Ana Op", "agency": "RCMP", "country": "CAN"}
    fields.update(kw)
    return User(user_id=user_id, role=role, **fields)  # type: ignore[arg-type]


def raw_sql(path: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    """Tamper with the file behind the store's back: drop the guards, then run statements."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for trigger in ("audit_log_no_update", "audit_log_no_delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for s in statements:
            conn.execute(s, params if "?" in s else ())
    finally:
        conn.close()


def line_hash(e: AuditEntry) -> str:
    """The audit hash as specified: SHA-256 of canonical JSON of every field but ``hash``."""
    fields = {k: getattr(e, k) for k in ("seq", "t_s", "actor", "action", "record_kind")}
    fields |= {"record_id": e.record_id, "detail": e.detail, "prev_hash": e.prev_hash}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- alerts with their current state ------------------------------------------------------------


def test_alerts_carry_the_state_of_their_last_event(store: SQLiteStore) -> None:
    store.add_alerts([alert("a-1", T0 + 2), alert("a-2", T0 + 1, USA, eta_s=30.0)])
    after = store.add_alert_event(event(1, "a-1", AlertAction.ACKNOWLEDGE, AlertState.ACKNOWLEDGED))
    assert after == alert("a-1", T0 + 2, state=AlertState.ACKNOWLEDGED)
    assert store.alert("a-1").state is AlertState.ACKNOWLEDGED
    store.add_alert_event(event(2, "a-1", AlertAction.TASK, AlertState.TASKED))
    assert [(a.alert_id, a.state) for a in store.alerts()] == [
        ("a-2", AlertState.NEW),
        ("a-1", AlertState.TASKED),
    ]
    assert store.alert("a-2") == alert("a-2", T0 + 1, USA, eta_s=30.0)  # marking kept
    assert store.alert("a-2").marking == USA


def test_alert_filters_by_current_state_and_time(store: SQLiteStore) -> None:
    store.add_alerts([alert(f"a-{i}", T0 + i) for i in range(5)])
    store.add_alert_event(event(1, "a-1", AlertAction.RESOLVE, AlertState.RESOLVED, outcome="x"))
    store.add_alert_event(event(2, "a-3", AlertAction.RESOLVE, AlertState.RESOLVED, outcome="x"))
    store.add_alert_event(event(3, "a-3", AlertAction.REOPEN, AlertState.ACKNOWLEDGED))
    ids = lambda alerts: [a.alert_id for a in alerts]  # noqa: E731
    assert ids(store.alerts(state=AlertState.RESOLVED)) == ["a-1"]
    assert ids(store.alerts(state=AlertState.ACKNOWLEDGED)) == ["a-3"]
    assert ids(store.alerts(state=AlertState.NEW)) == ["a-0", "a-2", "a-4"]
    assert ids(store.alerts(t_from=T0 + 1, t_to=T0 + 3)) == ["a-1", "a-2"]
    assert ids(store.alerts(state=AlertState.NEW, t_from=T0 + 1)) == ["a-2", "a-4"]
    assert store.alerts(state=AlertState.TASKED) == []


def test_one_alert_or_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFound) as err:
        store.alert("nope")
    assert err.value.context == {"alert_id": "nope"}


def test_alert_events_round_trip_in_the_order_taken(store: SQLiteStore) -> None:
    store.add_alerts([alert("a-1", T0), alert("a-2", T0 + 1)])
    steps = [
        event(3, "a-2", AlertAction.ASSIGN, AlertState.NEW, assignee="op2", note="yours"),
        event(1, "a-1", AlertAction.ACKNOWLEDGE, AlertState.ACKNOWLEDGED),
        event(
            2, "a-1", AlertAction.RESOLVE, AlertState.RESOLVED, outcome="no_threat", note="elk «x»"
        ),
    ]
    for e in steps:
        store.add_alert_event(e)
    assert store.alert_events() == steps
    assert store.alert_events("a-1") == steps[1:]
    assert store.alert_events("nope") == []


def test_an_event_needs_a_known_alert_and_a_fresh_id(store: SQLiteStore) -> None:
    store.add_alerts([alert("a-1", T0)])
    with pytest.raises(NotFound):
        store.add_alert_event(event(1, "nope", AlertAction.ACKNOWLEDGE, AlertState.ACKNOWLEDGED))
    first = event(1, "a-1", AlertAction.ACKNOWLEDGE, AlertState.ACKNOWLEDGED)
    store.add_alert_event(first)
    with pytest.raises(Conflict):
        store.add_alert_event(dataclasses.replace(first, state=AlertState.RESOLVED))
    assert store.alert_events() == [first]
    assert store.alert("a-1").state is AlertState.ACKNOWLEDGED


def test_alert_events_cannot_be_changed_or_removed(store: SQLiteStore, db_path: Path) -> None:
    store.add_alerts([alert("a-1", T0)])
    store.add_alert_event(event(1, "a-1", AlertAction.ACKNOWLEDGE, AlertState.ACKNOWLEDGED))
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        for sql in ("UPDATE alert_events SET state = 'new'", "DELETE FROM alert_events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(sql)
    finally:
        raw.close()
    assert store.alert("a-1").state is AlertState.ACKNOWLEDGED


# -- latest track updates and sensors ---------------------------------------------------------


def tracks() -> TrackBatch:
    n = 6
    return TrackBatch.from_columns(
        {
            "track_id": ["T1", "T2", "T1", "T2", "T1", "T3"],
            "t_s": [T0, T0, T0 + 1, T0 + 1, T0 + 2, T0 + 5],
            "lon": np.linspace(-97.3, -97.2, n),
            "lat": np.linspace(48.98, 49.01, n),
            "x_m": np.arange(n) * 10.0,
            "y_m": [0.0, 1.0, math.nan, 3.0, 4.0, 5.0],
            "vx_mps": np.ones(n),
            "vy_mps": np.ones(n),
            "sigma_m": np.full(n, 7.5),
            "state": ["tentative", "confirmed", "confirmed", "coasting", "confirmed", "deleted"],
            "hits": [1, 3, 2, 4, 3, 9],
            "sector": ["S1"] * n,
            "agency": ["RCMP", "CBP", "RCMP", "CBP", "RCMP", "RCMP"],
            "releasability": ["CAN", "CAN-USA", "CAN", "CAN-USA", "CAN", "CAN"],
        },
        n=n,
    )


def test_latest_track_updates(store: SQLiteStore) -> None:
    store.add_track_updates(tracks())
    latest = store.latest_track_updates()
    assert list(zip(latest.track_id.tolist(), latest.t_s.tolist(), strict=True)) == [
        ("T2", T0 + 1),
        ("T1", T0 + 2),
        ("T3", T0 + 5),
    ]
    assert latest.releasability.tolist() == ["CAN-USA", "CAN", "CAN"]
    at = store.latest_track_updates(t_at=T0 + 1)  # at or before
    assert list(zip(at.track_id.tolist(), at.t_s.tolist(), strict=True)) == [
        ("T1", T0 + 1),
        ("T2", T0 + 1),
    ]
    assert math.isnan(at.y_m[0])
    assert len(store.latest_track_updates(t_at=T0 - 1)) == 0


def test_sensors_are_inserted_or_replaced(store: SQLiteStore) -> None:
    tower = Sensor(
        sensor_id="TWR-1", kind=SensorKind.TOWER, lon=-97.2, lat=49.0, range_m=8000.0,
        name="Emerson tower", marking=USA,
    )  # fmt: skip
    ugs = Sensor(sensor_id="UGS-7", kind=SensorKind.UGS, lon=-97.1, lat=48.99, range_m=30.0)
    assert store.add_sensors([ugs, tower]) == 2
    assert store.sensors() == [tower, ugs]
    assert store.add_sensors([tower, ugs]) == 0  # the same again changes nothing
    moved = dataclasses.replace(tower, lon=-97.21, range_m=9000.0)
    assert store.add_sensors([moved]) == 1
    assert store.sensors() == [moved, ugs]
    assert store.sensors()[0].marking == USA
    with pytest.raises(InvalidInput):
        store.add_sensors([dataclasses.replace(ugs, sensor_id="bad", range_m=math.nan)])
    assert len(store.sensors()) == 2


# -- users and tokens ---------------------------------------------------------------------------


def test_users_round_trip(store: SQLiteStore) -> None:
    op = person(created_t_s=T0)
    liaison = person(
        "cbp.liaison@cbp", Role.PARTNER_LIAISON, name="Sam", agency="CBP", country="USA",
        created_t_s=T0 + 1,
    )  # fmt: skip
    bot = person("feed-bot", Role.ANALYST, name="Feed", created_t_s=T0 + 2)
    store.add_user(liaison, "$argon2id$v=19$liaison")
    store.add_user(op, "$argon2id$v=19$op")
    store.add_user(bot)
    assert store.users() == [op, liaison, bot]  # by creation time
    assert store.user("cbp.liaison@cbp") == liaison
    assert store.password_hash("op1") == "$argon2id$v=19$op"
    assert store.password_hash("feed-bot") is None
    assert store.password_hash("nobody") is None
    with pytest.raises(NotFound):
        store.user("nobody")


def test_a_taken_user_id_is_a_conflict(store: SQLiteStore) -> None:
    store.add_user(person(), "h1")
    with pytest.raises(Conflict) as err:
        store.add_user(person(name="Someone Else"), "h2")
    assert err.value.context == {"user_id": "op1"}
    assert store.user("op1").name == "Ana Op"
    assert store.password_hash("op1") == "h1"


def test_disabling_a_user(store: SQLiteStore) -> None:
    store.add_user(person())
    assert store.set_user_disabled("op1", True).disabled
    assert store.user("op1").disabled
    assert not store.set_user_disabled("op1", False).disabled
    with pytest.raises(NotFound):
        store.set_user_disabled("nobody", True)


def test_tokens_by_hash_expire_and_are_revoked(store: SQLiteStore, db_path: Path) -> None:
    store.add_user(person())
    store.add_token(TOKEN, "op1", kind="session", expires_t_s=T0 + 60, label="browser")
    api = hashlib.sha256(b"api").hexdigest()
    store.add_token(api, "op1", kind="api", expires_t_s=None)
    assert store.token_user(TOKEN, T0) == person()
    assert store.token_user(TOKEN, T0 + 59.999) == person()
    assert store.token_user(TOKEN, T0 + 60) is None  # expired at its expiry time
    assert store.token_user(api, T0 + 1e9) == person()  # an api token without expiry
    assert store.token_user(hashlib.sha256(b"other").hexdigest(), T0) is None
    assert store.revoke_token(api) is True
    assert store.revoke_token(api) is False  # already revoked
    assert store.revoke_token(hashlib.sha256(b"other").hexdigest()) is False
    assert store.token_user(api, T0) is None
    store.set_user_disabled("op1", True)
    assert store.token_user(TOKEN, T0) is None
    store.set_user_disabled("op1", False)
    assert store.token_user(TOKEN, T0) == person()
    raw = sqlite3.connect(db_path)
    try:
        kept = {r[0] for r in raw.execute("SELECT token_hash FROM tokens")}
    finally:
        raw.close()
    assert kept == {TOKEN, api}


def test_bad_tokens_are_refused(store: SQLiteStore) -> None:
    store.add_user(person())
    with pytest.raises(InvalidInput):
        store.add_token("not-a-hash-but-the-token", "op1", kind="api", expires_t_s=None)
    with pytest.raises(InvalidInput):
        store.add_token(TOKEN, "op1", kind="forever", expires_t_s=None)
    with pytest.raises(NotFound):
        store.add_token(TOKEN, "nobody", kind="api", expires_t_s=None)
    store.add_token(TOKEN, "op1", kind="api", expires_t_s=None)
    with pytest.raises(Conflict):
        store.add_token(TOKEN, "op1", kind="session", expires_t_s=T0)


# -- the audit log --------------------------------------------------------------------------


def fill(store: SQLiteStore, n: int = 5) -> list[AuditEntry]:
    return [
        store.append_audit(
            t_s=T0 + i, actor="op1", action="read", record_kind="alert", record_id=f"a-{i}",
            detail=f"Überblick {i}" if i % 2 else "",
        )
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_audit_lines_are_hash_chained(store: SQLiteStore) -> None:
    lines = fill(store)
    assert [e.seq for e in lines] == [1, 2, 3, 4, 5]
    assert lines[0].prev_hash == ZEROS
    for before, e in itertools.pairwise(lines):
        assert e.prev_hash == before.hash
    assert all(e.hash == line_hash(e) for e in lines)
    assert store.audit_entries() == lines
    assert store.audit_entries(after_seq=2) == lines[2:]
    assert store.audit_entries(after_seq=1, limit=2) == lines[1:3]
    assert store.audit_entries(limit=0) == []
    with pytest.raises(InvalidInput):
        store.audit_entries(limit=-1)
    assert store.verify_audit().ok
    assert store.verify_audit().entries == 5


def test_an_empty_audit_log_verifies(store: SQLiteStore) -> None:
    report = store.verify_audit()
    assert (report.ok, report.entries, report.first_bad_seq) == (True, 0, None)


def test_the_chain_continues_after_reopening(db_path: Path) -> None:
    with SQLiteStore(db_path) as first:
        fill(first, 2)
    with SQLiteStore(db_path) as again:
        third = again.append_audit(
            t_s=T0, actor="system", action="login", record_kind="user", record_id="op1"
        )
        assert third.seq == 3
        assert third.prev_hash == again.audit_entries()[1].hash
        assert again.verify_audit().ok


def test_two_writers_share_one_chain(db_path: Path) -> None:
    with SQLiteStore(db_path) as a, SQLiteStore(db_path) as b:
        a.append_audit(t_s=T0, actor="a", action="read", record_kind="alert", record_id="1")
        b.append_audit(t_s=T0, actor="b", action="read", record_kind="alert", record_id="2")
        a.append_audit(t_s=T0, actor="a", action="read", record_kind="alert", record_id="3")
        assert [e.actor for e in a.audit_entries()] == ["a", "b", "a"]
        assert a.verify_audit().ok


def test_audit_times_must_be_finite(store: SQLiteStore) -> None:
    with pytest.raises(InvalidInput):
        store.append_audit(t_s=math.nan, actor="a", action="r", record_kind="k", record_id="1")
    assert store.audit_entries() == []


def test_audit_appends_are_fast(store: SQLiteStore) -> None:
    start = time.perf_counter()
    fill(store, 2000)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, elapsed  # one INSERT each; typically well under a second
    assert store.verify_audit().ok


def test_the_audit_log_refuses_updates_and_deletes(store: SQLiteStore, db_path: Path) -> None:
    fill(store, 2)
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        for sql in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log WHERE seq = 2"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(sql)
    finally:
        raw.close()
    assert store.verify_audit().ok


def verify(path: Path) -> tuple[bool, int | None, str]:
    with SQLiteStore(path) as s:
        r = s.verify_audit()
        return r.ok, r.first_bad_seq, r.problem


def test_an_edited_line_is_found(store: SQLiteStore, db_path: Path) -> None:
    fill(store)
    raw_sql(db_path, "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3")
    ok, bad, problem = verify(db_path)
    assert (ok, bad) == (False, 3)
    assert "edited" in problem


def test_a_removed_line_is_found(store: SQLiteStore, db_path: Path) -> None:
    fill(store)
    raw_sql(db_path, "DELETE FROM audit_log WHERE seq = 2")
    ok, bad, problem = verify(db_path)
    assert (ok, bad) == (False, 2)
    assert "removed" in problem


def test_lines_cut_off_the_end_are_found(store: SQLiteStore, db_path: Path) -> None:
    fill(store)
    raw_sql(db_path, "DELETE FROM audit_log WHERE seq >= 4")
    ok, bad, problem = verify(db_path)
    assert (ok, bad) == (False, 4)
    assert "end" in problem
    with SQLiteStore(db_path) as again:  # writing on does not hide the cut
        assert (
            again.append_audit(
                t_s=T0, actor="a", action="read", record_kind="alert", record_id="x"
            ).seq
            == 6
        )
        assert (again.verify_audit().ok, again.verify_audit().first_bad_seq) == (False, 4)


def test_an_inserted_line_is_found(store: SQLiteStore, db_path: Path) -> None:
    lines = fill(store)
    # A forger renumbers lines 3… up by one and slips a well-formed line in at 3.
    forged = AuditEntry(
        seq=3, t_s=T0 + 2.5, actor="op1", action="read", record_kind="alert",
        record_id="planted", prev_hash=lines[1].hash,
    )  # fmt: skip
    forged = dataclasses.replace(forged, hash=line_hash(forged))
    rows = [forged] + [dataclasses.replace(e, seq=e.seq + 1) for e in lines[2:]]
    inserts = [
        "INSERT INTO audit_log VALUES "
        f"({e.seq}, {e.t_s!r}, '{e.actor}', '{e.action}', '{e.record_kind}', '{e.record_id}', "
        f"'{e.detail}', '{e.prev_hash}', '{e.hash}')"
        for e in rows
    ]
    raw_sql(db_path, "DELETE FROM audit_log WHERE seq >= 3", *inserts)
    ok, bad, problem = verify(db_path)
    assert (ok, bad) == (False, 4)  # line 3 is self-consistent; line 4 does not follow it
    assert "prev_hash" in problem


def test_a_line_with_a_made_up_predecessor_is_found(store: SQLiteStore, db_path: Path) -> None:
    fill(store, 3)
    raw_sql(
        db_path,
        "INSERT INTO audit_log VALUES (4, 1.0, 'x', 'read', 'alert', 'a', '', ?, ?)",
        params=("f" * 64, "e" * 64),
    )
    ok, bad, problem = verify(db_path)
    assert (ok, bad) == (False, 4)
    assert "prev_hash" in problem


def test_reordered_lines_are_found(store: SQLiteStore, db_path: Path) -> None:
    fill(store)
    raw_sql(
        db_path,
        "UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3)",
        "UPDATE audit_log SET seq = 3 WHERE seq = -2",
        "UPDATE audit_log SET seq = 2 WHERE seq = -3",
    )
    ok, bad, problem = verify(db_path)
    assert (ok, bad) == (False, 2)
    assert "prev_hash" in problem
