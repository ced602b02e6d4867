"""SQLiteStore's responders (schema version 3): assets as they are now, the asset events that
move them and people's dispatch decisions — on real files, with the append-only guards tried
behind the store's back and an upgrade from a version-2 file."""

from __future__ import annotations

import dataclasses
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from northline.model import (
    Alert,
    AlertAction,
    AlertEvent,
    AlertKind,
    AlertState,
    InvalidInput,
    Marking,
    NotFound,
    Role,
    Severity,
    User,
)
from northline.response import (
    DAY_S,
    Asset,
    AssetEvent,
    AssetKind,
    AssetStatus,
    DecisionAction,
    DispatchDecision,
    Recommendation,
    asset_event,
    decide,
)
from northline.store import COUNT_KEYS, MIGRATIONS, SQLiteStore

T0 = 1768442400.0
CAN = Marking("RCMP", "CAN")
USA = Marking("CBP", "CAN-USA")
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "northline.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(db_path) as s:
        yield s


def drone(asset_id: str = "drone-1", **kw: object) -> Asset:
    fields: dict[str, object] = {
        "kind": AssetKind.DRONE, "name": "Emerson drone 1", "home_lon": -97.21,
        "home_lat": 49.01, "lon": -97.21, "lat": 49.01, "status": AssetStatus.AVAILABLE,
        "speed_mps": 15.0, "endurance_s": 2400.0, "endurance_left_s": 1800.0, "range_m": 1500.0,
        "recharge_s": 1200.0, "crew": 0, "port_code": "0901", "marking": USA,
    }  # fmt: skip
    fields.update(kw)
    return Asset(asset_id=asset_id, **fields)  # type: ignore[arg-type]


def patrol(asset_id: str = "car-1", **kw: object) -> Asset:
    fields: dict[str, object] = {
        "kind": AssetKind.PATROL_VEHICLE, "name": asset_id, "home_lon": -97.3, "home_lat": 49.0,
        "lon": -97.3, "lat": 49.0, "status": AssetStatus.AVAILABLE, "speed_mps": 20.0,
        "endurance_s": math.inf, "endurance_left_s": math.inf, "range_m": 0.0,
        "recharge_s": 0.0, "crew": 2, "detour_factor": 1.3, "marking": CAN,
    }  # fmt: skip
    fields.update(kw)
    return Asset(asset_id=asset_id, **fields)  # type: ignore[arg-type]


def alert(alert_id: str = "a-1", t_s: float = T0, marking: Marking = CAN) -> Alert:
    return Alert(
        alert_id=alert_id, kind=AlertKind.CROSSING, t_s=t_s, track_id="T1", lon=-97.25,
        lat=49.0, severity=Severity.HIGH, summary="crossing", sector="S1", marking=marking,
    )  # fmt: skip


def operator(user_id: str = "op1", role: Role = Role.OPERATOR) -> User:
    return User(user_id=user_id, name="Ana Op", role=role, agency="RCMP", country="CAN")


def raw(path: Path) -> sqlite3.Connection:
    """A second connection to the file, behind the store's back."""
    return sqlite3.connect(path, isolation_level=None)


# -- assets --------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
endurance = st.floats(min_value=1.0, allow_nan=False) | st.just(math.inf)
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True)
texts = st.text(st.characters(codec="utf-8"), max_size=30)
markings = st.builds(
    Marking,
    agency=st.sampled_from(["RCMP", "CBP", "USBP", "CBSA"]),
    releasability=st.sampled_from(["CAN", "USA", "CAN-USA", "CAN-USA-GBR"]),
)
assets = st.builds(
    Asset,
    asset_id=ids,
    kind=st.sampled_from(AssetKind),
    name=texts,
    home_lon=finite,
    home_lat=finite,
    lon=st.floats(-180.0, 180.0),
    lat=st.floats(-90.0, 90.0),
    status=st.sampled_from(AssetStatus),
    speed_mps=st.floats(min_value=0.01, max_value=1e6, allow_nan=False),
    endurance_s=endurance,
    endurance_left_s=endurance | st.just(0.0),
    range_m=finite,
    recharge_s=finite,
    crew=st.integers(0, 2**31),
    detour_factor=st.floats(min_value=1.0, allow_nan=False),
    shift_start_s=st.floats(0.0, DAY_S),
    shift_end_s=st.floats(0.0, DAY_S),
    port_code=texts,
    marking=markings,
)


@PROPERTY
@given(asset=assets)
def test_every_field_of_an_asset_round_trips(store: SQLiteStore, asset: Asset) -> None:
    store.put_asset(asset, t_s=T0, author="admin")
    assert store.asset(asset.asset_id) == asset
    assert asset in store.assets()


def test_an_endless_endurance_is_kept_as_infinity(store: SQLiteStore, db_path: Path) -> None:
    store.put_asset(patrol(), t_s=T0, author="admin")
    store.close()
    with SQLiteStore(db_path) as again:
        car = again.asset("car-1")
    assert car.endurance_s == car.endurance_left_s == math.inf
    conn = raw(db_path)
    try:
        row = conn.execute("SELECT typeof(endurance_s), endurance_s > 1e308 FROM assets").fetchone()
    finally:
        conn.close()
    assert row == ("real", 1)


def test_put_asset_inserts_or_replaces_and_notes_who(store: SQLiteStore, db_path: Path) -> None:
    store.put_asset(patrol("car-2"), t_s=T0, author="admin")
    store.put_asset(drone(), t_s=T0 + 1, author="admin")
    store.put_asset(patrol("car-1"), t_s=T0 + 2, author="admin")
    assert [a.asset_id for a in store.assets()] == ["car-1", "car-2", "drone-1"]  # by id
    moved = drone(lon=-97.0, status=AssetStatus.MAINTENANCE, marking=CAN)
    store.put_asset(moved, t_s=T0 + 3, author="sup1")
    assert store.asset("drone-1") == moved
    assert store.counts()["assets"] == 3
    conn = raw(db_path)
    try:
        row = conn.execute(
            "SELECT updated_t_s, updated_by FROM assets WHERE asset_id = 'drone-1'"
        ).fetchone()
    finally:
        conn.close()
    assert row == (T0 + 3, "sup1")


def test_put_asset_refuses_a_time_that_is_not_finite_or_no_author(store: SQLiteStore) -> None:
    with pytest.raises(InvalidInput):
        store.put_asset(drone(), t_s=math.nan, author="admin")
    with pytest.raises(InvalidInput):
        store.put_asset(drone(), t_s=T0, author="")
    assert store.assets() == []


def test_an_unknown_asset_is_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFound) as err:
        store.asset("nope")
    assert err.value.context == {"asset_id": "nope"}
    with pytest.raises(NotFound):
        store.add_asset_event(asset_event(drone(), t_s=T0, author="op1", lon=-97.0, lat=49.0))
    assert store.asset_events() == []


# -- asset events --------------------------------------------------------------------------------


def test_an_asset_event_is_applied_to_the_asset(store: SQLiteStore, db_path: Path) -> None:
    store.add_alerts([alert()])
    store.put_asset(drone(), t_s=T0, author="admin")
    tasked = asset_event(
        drone(), t_s=T0 + 10, author="op1", status="tasked", alert_id="a-1", note="go"
    )
    after = store.add_asset_event(tasked)
    assert after == drone(status=AssetStatus.TASKED) == store.asset("drone-1")
    fix = asset_event(drone(), t_s=T0 + 20, author="tak:DRONE1", lon=-97.1, lat=49.02)
    after = store.add_asset_event(fix)
    assert after == drone(status=AssetStatus.TASKED, lon=-97.1, lat=49.02)
    assert store.asset("drone-1") == after
    assert store.add_asset_event(
        asset_event(drone(), t_s=T0 + 30, author="op1", note="just a note")
    ) == after  # fmt: skip
    assert store.asset_events("drone-1") == [tasked, fix, store.asset_events()[-1]]
    conn = raw(db_path)
    try:
        row = conn.execute("SELECT updated_t_s, updated_by FROM assets").fetchone()
    finally:
        conn.close()
    assert row == (T0 + 20, "tak:DRONE1")  # the last event that changed it


def test_a_repeated_asset_event_is_a_no_op(store: SQLiteStore) -> None:
    store.put_asset(drone(), t_s=T0, author="admin")
    first = asset_event(drone(), t_s=T0 + 1, author="op1", status="en_route")
    store.add_asset_event(first)
    store.add_asset_event(asset_event(drone(), t_s=T0 + 2, author="op1", status="on_scene"))
    again = store.add_asset_event(first)  # replayed: not applied a second time
    assert again.status is AssetStatus.ON_SCENE
    assert store.asset("drone-1").status is AssetStatus.ON_SCENE
    assert len(store.asset_events()) == 2
    assert store.counts()["asset_events"] == 2


def test_an_event_about_an_unknown_alert_changes_nothing(store: SQLiteStore) -> None:
    store.put_asset(drone(), t_s=T0, author="admin")
    with pytest.raises(NotFound) as err:
        store.add_asset_event(
            asset_event(drone(), t_s=T0 + 1, author="op1", status="tasked", alert_id="ghost")
        )
    assert err.value.context == {"alert_id": "ghost"}
    assert store.asset("drone-1") == drone()
    assert store.asset_events() == []


def test_asset_events_filter_by_asset_and_time_in_stored_order(store: SQLiteStore) -> None:
    store.put_asset(drone(), t_s=T0, author="admin")
    store.put_asset(patrol(), t_s=T0, author="admin")
    late = asset_event(drone(), t_s=T0 + 50, author="op1", status="en_route")
    early = asset_event(drone(), t_s=T0 + 10, author="op1", lon=-97.2, lat=49.0)
    car = asset_event(patrol(), t_s=T0 + 30, author="op1", status="tasked")
    for e in (late, early, car):
        store.add_asset_event(e)
    assert store.asset_events() == [late, early, car]  # stored order, not time order
    assert store.asset_events("drone-1") == [late, early]
    assert store.asset_events("car-1") == [car]
    assert store.asset_events(t_from=T0 + 10, t_to=T0 + 50) == [early, car]  # half-open
    assert store.asset_events("drone-1", t_from=T0 + 20) == [late]
    assert store.asset_events("nope") == []


@PROPERTY
@given(
    status=st.none() | st.sampled_from(AssetStatus),
    position=st.none() | st.tuples(st.floats(-180.0, 180.0), st.floats(-90.0, 90.0)),
    alert_id=st.none() | st.just("a-1"),
    author=texts.filter(bool),
    note=texts,
    t_s=finite,
    marking=markings,
    event_id=ids,
)
def test_every_field_of_an_asset_event_round_trips(
    store: SQLiteStore,
    status: AssetStatus | None,
    position: tuple[float, float] | None,
    alert_id: str | None,
    author: str,
    note: str,
    t_s: float,
    marking: Marking,
    event_id: str,
) -> None:
    store.add_alerts([alert()])
    store.put_asset(drone(), t_s=T0, author="admin")
    lon, lat = position if position is not None else (None, None)
    event = AssetEvent(
        event_id=event_id, asset_id="drone-1", t_s=t_s, author=author, status=status, lon=lon,
        lat=lat, alert_id=alert_id, note=note, marking=marking,
    )  # fmt: skip
    known = {e.event_id for e in store.asset_events()}
    before = store.asset("drone-1")
    after = store.add_asset_event(event)
    if event_id in known:
        assert after == before
    else:
        assert store.asset_events()[-1] == event
        assert after == event.apply(before) == store.asset("drone-1")


# -- dispatch decisions --------------------------------------------------------------------------


def test_decisions_round_trip_in_the_order_taken(store: SQLiteStore) -> None:
    store.add_alerts([alert("a-1"), alert("a-2", T0 + 5, USA)])
    store.put_asset(drone(), t_s=T0, author="admin")
    store.put_asset(patrol(), t_s=T0, author="admin")
    rec = Recommendation(
        alert_id="a-2", asset_id="drone-1", rank=1, eta_s=120.0, intercept_lon=-97.2,
        intercept_lat=49.0, score=120.0, reasons=("fastest",),
    )  # fmt: skip
    accept = decide(rec, "accept", operator(), note="ok", now_t_s=T0 + 20, marking=USA)
    change = decide(
        "a-1", DecisionAction.CHANGE, operator("sup1", Role.SUPERVISOR), asset_id="car-1",
        note="closer by road", now_t_s=T0 + 10,
    )  # fmt: skip
    decline = decide("a-1", "decline", operator(), note="false alarm", now_t_s=T0 + 30)
    for d in (accept, change, decline):
        assert store.add_dispatch_decision(d) is True
    assert store.dispatch_decisions() == [accept, change, decline]
    assert store.dispatch_decisions("a-1") == [change, decline]
    assert store.dispatch_decisions("a-2") == [accept]
    (kept,) = store.dispatch_decisions("a-2")
    assert kept.marking == USA
    assert kept.recommended_asset_id == "drone-1"
    assert kept.action is DecisionAction.ACCEPT
    assert store.dispatch_decisions("a-1")[1].asset_id is None
    assert store.dispatch_decisions("nope") == []
    assert store.counts()["dispatch_decisions"] == 3


def test_a_known_decision_is_not_stored_twice(store: SQLiteStore) -> None:
    store.add_alerts([alert()])
    store.put_asset(patrol(), t_s=T0, author="admin")
    d = decide("a-1", "change", operator(), asset_id="car-1", note="", now_t_s=T0 + 1)
    assert store.add_dispatch_decision(d) is True
    assert store.add_dispatch_decision(d) is False
    assert store.add_dispatch_decision(dataclasses.replace(d, note="edited")) is False
    assert store.dispatch_decisions() == [d]


def test_a_decision_on_an_unknown_alert_or_asset_is_not_found(store: SQLiteStore) -> None:
    store.add_alerts([alert()])
    with pytest.raises(NotFound) as err:
        store.add_dispatch_decision(decide("ghost", "decline", operator(), note="", now_t_s=T0))
    assert err.value.context == {"alert_id": "ghost"}
    with pytest.raises(NotFound) as err:
        store.add_dispatch_decision(
            decide("a-1", "change", operator(), asset_id="car-9", note="", now_t_s=T0)
        )
    assert err.value.context == {"asset_id": "car-9"}
    endless = DispatchDecision(
        decision_id="d-1", alert_id="a-1", asset_id=None, action=DecisionAction.DECLINE,
        author="op1", t_s=math.inf,
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        store.add_dispatch_decision(endless)
    assert store.dispatch_decisions() == []


# -- append-only guards --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE asset_events SET note = 'rewritten'",
        "UPDATE asset_events SET status = 'available' WHERE seq = 1",
        "DELETE FROM asset_events",
        "UPDATE dispatch_decisions SET author = 'someone else'",
        "DELETE FROM dispatch_decisions WHERE seq = 1",
    ],
)
def test_event_tables_refuse_update_and_delete(
    store: SQLiteStore, db_path: Path, statement: str
) -> None:
    store.add_alerts([alert()])
    store.put_asset(drone(), t_s=T0, author="admin")
    e = asset_event(drone(), t_s=T0 + 1, author="op1", status="tasked", alert_id="a-1")
    store.add_asset_event(e)
    rec = Recommendation(
        alert_id="a-1", asset_id="drone-1", rank=1, eta_s=60.0, intercept_lon=-97.2,
        intercept_lat=49.0, score=60.0, reasons=(),
    )  # fmt: skip
    d = decide(rec, "accept", operator(), note="", now_t_s=T0 + 1)
    store.add_dispatch_decision(d)
    conn = raw(db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="is append-only"):
            conn.execute(statement)
    finally:
        conn.close()
    assert store.asset_events() == [e]
    assert store.dispatch_decisions() == [d]


def test_assets_themselves_may_change(store: SQLiteStore, db_path: Path) -> None:
    store.put_asset(drone(), t_s=T0, author="admin")
    conn = raw(db_path)
    try:
        conn.execute("UPDATE assets SET name = 'renamed'")
    finally:
        conn.close()
    assert store.asset("drone-1").name == "renamed"


# -- the upgrade from version 2 ------------------------------------------------------------------


def test_a_version_2_database_upgrades_to_version_3(db_path: Path) -> None:
    assert MIGRATIONS[2].version == 3
    with SQLiteStore(db_path, migrations=MIGRATIONS[:2]) as v2:
        v2.add_alerts([alert("a-1"), alert("a-2", T0 + 1, USA)])
        acknowledged = AlertEvent(
            event_id="e-1", alert_id="a-1", t_s=T0 + 2, action=AlertAction.ACKNOWLEDGE,
            actor="op1", state=AlertState.ACKNOWLEDGED,
        )  # fmt: skip
        v2.add_alert_event(acknowledged)
        v2.add_user(operator(), password_hash="$argon2id$x")
        v2.append_audit(t_s=T0, actor="op1", action="update", record_kind="alert", record_id="a-1")
        alerts_before, users_before = v2.alerts(), v2.users()
        events_before, audit_before = v2.alert_events(), v2.audit_entries()
    conn = raw(db_path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert "assets" not in tables
    with SQLiteStore(db_path) as store:
        assert store.schema_version() == 3
        assert [v for v, _, _ in store.migrations_applied()] == [1, 2, 3]
        assert store.alerts() == alerts_before  # all kept through the upgrade
        assert store.alert_events() == events_before
        assert store.users() == users_before
        assert store.password_hash("op1") == "$argon2id$x"
        assert store.audit_entries() == audit_before
        assert store.verify_audit().ok
        assert store.counts()["alerts"] == 2
        store.put_asset(drone(), t_s=T0 + 3, author="admin")
        after = store.add_asset_event(
            asset_event(drone(), t_s=T0 + 4, author="op1", status="tasked", alert_id="a-1")
        )
        assert after.status is AssetStatus.TASKED
        d = decide("a-1", "change", operator(), asset_id="drone-1", note="", now_t_s=T0 + 4)
        assert store.add_dispatch_decision(d)
        assert store.append_audit(
            t_s=T0 + 4, actor="op1", action="dispatch", record_kind="alert", record_id="a-1"
        ).seq == 2  # fmt: skip
        assert store.verify_audit().ok
    conn = raw(db_path)
    try:
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    finally:
        conn.close()
    assert triggers == {
        "alert_events_no_update", "alert_events_no_delete",
        "audit_log_no_update", "audit_log_no_delete",
        "asset_events_no_update", "asset_events_no_delete",
        "dispatch_decisions_no_update", "dispatch_decisions_no_delete",
    }  # fmt: skip


def test_counts_cover_responders(store: SQLiteStore) -> None:
    assert tuple(store.counts()) == COUNT_KEYS
    assert {"assets", "asset_events", "dispatch_decisions"} <= set(COUNT_KEYS)
    assert set(store.counts().values()) == {0}


def test_a_second_connection_sees_the_asset_after_its_event(db_path: Path) -> None:
    with SQLiteStore(db_path) as writer, SQLiteStore(db_path) as reader:
        writer.put_asset(drone(), t_s=T0, author="admin")
        writer.add_asset_event(
            asset_event(drone(), t_s=T0 + 1, author="tak:D1", lon=-97.0, lat=49.1)
        )
        assert (reader.asset("drone-1").lon, reader.asset("drone-1").lat) == (-97.0, 49.1)
        assert len(reader.asset_events("drone-1")) == 1
