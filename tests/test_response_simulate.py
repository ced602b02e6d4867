"""The simulated response: hand-built targets, responders and operators."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from northline.geo import LocalFrame
from northline.model import (
    DEFAULT_MARKING,
    Alert,
    AlertKind,
    Marking,
    PermissionDenied,
    Role,
    Severity,
    TrackBatch,
    TrackState,
    User,
)
from northline.response import (
    KIND_DEFAULTS,
    SIMULATED_OPERATOR,
    Asset,
    AssetKind,
    AssetStatus,
    DecisionAction,
    DispatchDecision,
    Outcome,
    Recommendation,
    ResponseRecord,
    ResponseRun,
    ResponseSettings,
    decide,
    match_alerts,
    response_measures,
    simulate_response,
)

F8 = npt.NDArray[np.float64]
FRAME = LocalFrame(-97.2, 49.0)
T0 = 1_768_442_400.0  # 2026-01-15T02:00Z


def lonlat(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[F8, F8]:
    return FRAME.to_lonlat(np.asarray(x, float), np.asarray(y, float))


@dataclass(frozen=True, eq=False)
class Mover:
    mover_id: str
    kind: str
    t_s: F8
    lon: F8
    lat: F8


@dataclass(frozen=True, eq=False)
class Truth:
    end_s: float
    movers: tuple[Mover, ...]


def mover(mover_id: str, kind: str, t: list[float], x: list[float], y: list[float]) -> Mover:
    """A path through waypoints (seconds after T0, local metres), sampled each second."""
    ts = np.arange(t[0], t[-1] + 1.0)
    lon, lat = lonlat(np.interp(ts, t, x), np.interp(ts, t, y))
    return Mover(mover_id, kind, T0 + ts, np.atleast_1d(lon), np.atleast_1d(lat))


def tracks(*rows: tuple[str, float, float, float, float, float]) -> TrackBatch:
    """(track id, seconds after T0, x, y, vx, vy) updates of a perfect tracker."""
    ids, t, x, y, vx, vy = (list(c) for c in zip(*rows, strict=True))
    lon, lat = lonlat(x, y)
    return TrackBatch.from_columns(
        {
            "track_id": ids,
            "t_s": T0 + np.asarray(t),
            "lon": np.atleast_1d(lon),
            "lat": np.atleast_1d(lat),
            "x_m": x,
            "y_m": y,
            "vx_mps": vx,
            "vy_mps": vy,
            "sigma_m": [10.0] * len(ids),
            "state": [TrackState.CONFIRMED.value] * len(ids),
            "hits": [10] * len(ids),
            "sector": ["test"] * len(ids),
        }
    )


def alert(alert_id: str, track_id: str, t: float, x: float, y: float) -> Alert:
    lon, lat = lonlat(x, y)
    return Alert(
        alert_id=alert_id,
        kind=AlertKind.CROSSING,
        t_s=T0 + t,
        track_id=track_id,
        lon=float(lon),
        lat=float(lat),
        severity=Severity.HIGH,
        summary="crossing",
        sector="test",
    )


def unit(asset_id: str, x: float, y: float, speed_mps: float, **kw: Any) -> Asset:
    kind = kw.pop("kind", AssetKind.PATROL_VEHICLE)
    d = KIND_DEFAULTS[kind]
    lon, lat = (float(v) for v in lonlat(x, y))
    fields: dict[str, Any] = {
        "name": asset_id,
        "home_lon": lon,
        "home_lat": lat,
        "lon": lon,
        "lat": lat,
        "status": AssetStatus.AVAILABLE,
        "speed_mps": speed_mps,
        "endurance_s": math.inf,
        "endurance_left_s": math.inf,
        "range_m": 0.0,
        "recharge_s": 0.0,
        "crew": d.crew,
        "detour_factor": 1.0,
    }
    fields.update(kw)
    return Asset(asset_id=asset_id, kind=kind, **fields)


# A walker-speed target going north across the line (y = 0) at 5 m/s from y = -200 for 600 s,
# to a hidden destination at y = 2800. "behind" is nearest but only 1 m/s faster; "ahead" is
# twice as far but placed to cut it off.
WALKER = mover("crosser-000", "crosser", [0.0, 600.0], [0.0, 0.0], [-200.0, 2800.0])
TRUTH = Truth(T0 + 1800.0, (WALKER,))
TRACKS = tracks(("T1", 40.0, 0.0, 0.0, 0.0, 5.0))
ALERTS = [alert("A1", "T1", 40.0, 0.0, 0.0)]
BEHIND = unit("behind", 0.0, -1300.0, 6.0)
AHEAD = unit("ahead", 2000.0, 2000.0, 10.0)


def run(policy: str, **kw: Any) -> ResponseRun:
    args: dict[str, Any] = {"alerts": ALERTS, "tracks_by_time": TRACKS, "truth": TRUTH}
    args["assets"] = [BEHIND, AHEAD]
    args.update(kw)
    return simulate_response(
        args.pop("alerts"),
        args.pop("tracks_by_time"),
        args.pop("truth"),
        args.pop("assets"),
        policy=policy,  # type: ignore[arg-type]
        frame=FRAME,
        **args,
    )


def test_intercept_aware_policy_cuts_off_what_the_nearest_unit_only_chases() -> None:
    northline, nearest = run("northline"), run("nearest")
    (a,) = northline.outcomes
    (b,) = nearest.outcomes
    assert a.asset_id == "ahead"
    assert a.outcome is Outcome.INTERCEPTED
    assert b.asset_id == "behind"
    assert b.outcome is Outcome.LOST
    assert math.isnan(b.intercept_t_s)
    assert northline.interception_rate == 1.0
    assert nearest.interception_rate == 0.0
    assert math.isnan(nearest.mean_time_to_intercept_s)


def test_interception_times_split_into_decision_and_travel() -> None:
    s = ResponseSettings(decision_delay_s=20.0)
    result = run("northline", settings=s)
    (o,) = result.outcomes
    assert o.time_to_decision_s == pytest.approx(20.0)
    assert o.time_on_scene_s > 0
    assert o.time_to_intercept_s == pytest.approx(o.time_to_decision_s + o.time_on_scene_s)
    assert result.mean_time_to_intercept_s == pytest.approx(o.time_to_intercept_s)
    # "ahead" needs ~200 s to the line of the walk; the walker gets there later: caught
    # where it walks, not later than it would reach the end of its path
    assert o.intercept_t_s < T0 + 600.0
    (x,), (y,) = FRAME.to_local(*WALKER_AT(o.intercept_t_s))
    assert abs(x) < 1.0
    assert 0.0 < y < 2800.0


def WALKER_AT(t: float) -> tuple[F8, F8]:
    lon = np.interp([t], WALKER.t_s, WALKER.lon)
    lat = np.interp([t], WALKER.t_s, WALKER.lat)
    return lon, lat


def test_every_tasking_follows_a_simulated_operators_decision() -> None:
    result = run("northline")
    (d,) = result.decisions
    assert isinstance(d, DispatchDecision)
    assert d.action is DecisionAction.ACCEPT
    assert d.author == SIMULATED_OPERATOR.user_id
    assert d.alert_id == "A1"
    assert d.asset_id == result.outcomes[0].asset_id
    assert d.t_s == result.outcomes[0].decision_t_s


def test_no_tasking_without_a_decision() -> None:
    def decline(
        target: Recommendation | str,
        action: DecisionAction | str,
        author: User,
        *,
        asset_id: str | None = None,
        note: str,
        now_t_s: float,
        marking: Marking = DEFAULT_MARKING,
    ) -> DispatchDecision:
        return decide(
            target, DecisionAction.DECLINE, author, note="no", now_t_s=now_t_s, marking=marking
        )

    for policy in ("northline", "nearest"):
        result = run(policy, decide=decline)
        assert result.decisions
        assert all(d.action is DecisionAction.DECLINE for d in result.decisions)
        (o,) = result.outcomes
        assert o.asset_id is None
        assert o.outcome is Outcome.LOST
        assert math.isnan(o.decision_t_s)


def test_an_author_who_may_not_decide_tasks_nobody() -> None:
    analyst = User(user_id="ann", name="Ann", role=Role.ANALYST, agency="RCMP", country="CAN")
    with pytest.raises(PermissionDenied):
        run("northline", operator=analyst)


def test_an_alert_with_no_true_mover_is_a_false_alarm() -> None:
    far = tracks(("T9", 40.0, 8000.0, 100.0, 0.0, 0.0))
    alerts = [alert("F1", "T9", 40.0, 8000.0, 100.0)]
    result = run("northline", alerts=alerts, tracks_by_time=far)
    (o,) = result.outcomes
    assert o.outcome is Outcome.FALSE_ALARM
    assert o.mover_id == ""
    assert o.asset_id is not None  # somebody went to look
    assert result.n_true_targets == 0
    assert math.isnan(result.interception_rate)


def test_a_loiterer_that_goes_back_before_anyone_arrives_turned_back() -> None:
    loiterer = mover(
        "loiterer-000",
        "loiterer",
        [0.0, 200.0, 260.0, 460.0],
        [0, 0, 0, 0],
        [-1000, -100, -100, -1000],
    )
    truth = Truth(T0 + 1800.0, (loiterer,))
    trk = tracks(("T2", 100.0, 0.0, -550.0, 0.0, 4.5))
    alerts = [alert("L1", "T2", 100.0, 0.0, -550.0)]
    slow = unit("slow", 10_000.0, 5000.0, 2.0)
    result = run("northline", alerts=alerts, tracks_by_time=trk, truth=truth, assets=[slow])
    (o,) = result.outcomes
    assert o.mover_id == "loiterer-000"
    assert o.outcome is Outcome.TURNED_BACK
    assert result.count(Outcome.TURNED_BACK) == 1


def test_later_alerts_on_a_track_fold_into_its_incident() -> None:
    alerts = [*ALERTS, alert("A2", "T1", 60.0, 0.0, 100.0)]
    result = run("northline", alerts=alerts)
    assert [o.alert_id for o in result.outcomes] == ["A1"]
    assert len(result.decisions) == 1


def test_a_busy_responder_is_not_offered_again() -> None:
    second = mover("crosser-001", "crosser", [0.0, 600.0], [500.0, 500.0], [-200.0, 2800.0])
    truth = Truth(T0 + 1800.0, (WALKER, second))
    trk = tracks(("T1", 40.0, 0.0, 0.0, 0.0, 5.0), ("T3", 45.0, 500.0, 25.0, 0.0, 5.0))
    alerts = [*ALERTS, alert("A3", "T3", 45.0, 500.0, 25.0)]
    result = run("northline", alerts=alerts, tracks_by_time=trk, truth=truth, assets=[AHEAD])
    first, *later = result.decisions
    assert first.alert_id == "A1"
    assert first.asset_id == "ahead"
    (a1,) = [o for o in result.outcomes if o.alert_id == "A1"]
    assert a1.outcome is Outcome.INTERCEPTED
    # the second alert waits until "ahead" has finished on scene with the first
    for d in later:
        assert d.alert_id == "A3"
        assert d.t_s >= a1.intercept_t_s + ResponseSettings().on_scene_s


def test_match_alerts_pins_alerts_on_the_nearest_true_mover() -> None:
    far = alert("F1", "T9", 40.0, 8000.0, 100.0)
    got = match_alerts([*ALERTS, far], TRACKS, TRUTH, frame=FRAME)
    assert got == {"A1": "crosser-000"}


def test_run_figures_are_consistent() -> None:
    doc = run("northline").to_dict()
    counted = sum(doc[o.value] for o in Outcome)
    assert counted == doc["incidents"] == 1
    assert doc["true_targets"] == doc["incidents"] - doc["false_alarm"]
    assert len(doc["times_to_intercept_s"]) == doc["intercepted"]
    assert doc["drone_sightings"] == 0  # no drone in this run
    assert doc["drone_watch_s"] == 0.0


def test_records_carry_each_incidents_response() -> None:
    result = run("northline")
    (o,) = result.outcomes
    (r,) = result.records()
    assert r == ResponseRecord(
        alert_id="A1",
        sector="test",
        asset_kind="patrol_vehicle",
        outcome="intercepted",
        alert_t_s=T0 + 40.0,
        decision_t_s=o.decision_t_s,
        on_scene_t_s=o.intercept_t_s,
    )
    m = response_measures(result.records())["overall"]
    assert m["interception_rate"] == result.interception_rate == 1.0
    assert m["decision_to_on_scene_s"]["mean"] == pytest.approx(o.time_on_scene_s, abs=1e-3)


def test_a_false_alarm_is_on_scene_when_the_search_begins() -> None:
    far = tracks(("T9", 40.0, 8000.0, 100.0, 0.0, 0.0))
    result = run("northline", alerts=[alert("F1", "T9", 40.0, 8000.0, 100.0)], tracks_by_time=far)
    (o,) = result.outcomes
    assert o.decision_t_s < o.on_scene_t_s
    assert math.isnan(o.intercept_t_s)
    (r,) = result.records()
    assert (r.outcome, r.on_scene_t_s) == ("false_alarm", o.on_scene_t_s)


# -- what Northline knows: drone sightings, the tracker, dead reckoning ---------------------
#
# TURNER walks north at 5 m/s, is tracked once at t = 40 s at the line (0, 0) and then leaves
# sensor coverage (no more updates); at t = 100 s, at y = 300, it turns east. GROUND, to the
# north, aims where the last update says the walker is going (straight north) and loses it.
# PARTNER walks the same path 300 m to the east (or, as a control, 8 km east), tracked the same
# way; DRONE is placed so the assignment gives it PARTNER: reaching PARTNER it holds PARTNER in
# view, and its 1.5 km camera sees TURNER too, which is the only way GROUND learns of the turn.


def walker(mover_id: str, dx: float) -> Mover:
    return mover(
        mover_id, "crosser", [0.0, 100.0, 1100.0], [dx, dx, dx + 5000.0], [-200.0, 300.0, 300.0]
    )


TURNER = walker("turner", 0.0)
GROUND = unit("ground", -600.0, 2000.0, 10.0)


def with_partner(dx: float, drone: Asset | None = None) -> ResponseRun:
    truth = Truth(T0 + 1800.0, (TURNER, walker("partner", dx)))
    trk = tracks(("T1", 40.0, 0.0, 0.0, 0.0, 5.0), ("T2", 40.0, dx, 0.0, 0.0, 5.0))
    alerts = [alert("A1", "T1", 40.0, 0.0, 0.0), alert("B1", "T2", 40.0, dx, 0.0)]
    if drone is None:
        drone = unit("drone", dx + 600.0, -1400.0, 15.0, kind=AssetKind.DRONE, range_m=1500.0)
    return run("northline", alerts=alerts, tracks_by_time=trk, truth=truth, assets=[GROUND, drone])


def outcome_of(result: ResponseRun, alert_id: str) -> Any:
    (o,) = [o for o in result.outcomes if o.alert_id == alert_id]
    return o


def test_a_lone_ground_unit_loses_a_mover_that_left_coverage_and_turned() -> None:
    trk = tracks(("T1", 40.0, 0.0, 0.0, 0.0, 5.0))
    truth = Truth(T0 + 1800.0, (TURNER,))
    alerts = [alert("A1", "T1", 40.0, 0.0, 0.0)]
    for policy in ("northline", "nearest"):
        result = run(policy, alerts=alerts, tracks_by_time=trk, truth=truth, assets=[GROUND])
        (o,) = result.outcomes
        assert (o.asset_id, o.outcome) == ("ground", Outcome.LOST)
        assert o.drone_watch_s == 0.0
        # tracked for track_stale_s after the update, then only dead reckoning until its end
        assert o.dead_reckoning_s > 900.0


def test_a_drone_tasked_nearby_keeps_the_turning_mover_in_view_for_the_ground_unit() -> None:
    seen, control = with_partner(300.0), with_partner(8000.0)
    for result in (seen, control):
        b1 = outcome_of(result, "B1")
        assert (b1.asset_id, b1.outcome) == ("drone", Outcome.INTERCEPTED)
    a, c = outcome_of(seen, "A1"), outcome_of(control, "A1")
    # the same responder, tasked at the same time, on the same track: only the sighting differs
    assert a.asset_id == c.asset_id == "ground"
    assert a.decision_t_s == c.decision_t_s
    assert c.outcome is Outcome.LOST
    assert c.drone_watch_s == 0.0
    assert a.outcome is Outcome.INTERCEPTED
    assert a.drone_watch_s > 0.0
    # caught after the turn, east of where the last update said it would be
    assert a.intercept_t_s > T0 + 100.0
    (x,), (y,) = FRAME.to_local(*at(TURNER, a.intercept_t_s))
    assert x > 100.0
    assert y == pytest.approx(300.0)
    assert seen.drone_sightings == 1
    assert seen.to_dict()["drone_watch_s"] == pytest.approx(a.drone_watch_s)
    assert control.drone_sightings == 0


def test_a_drone_that_is_not_tasked_sees_nothing() -> None:
    idle = unit(
        "drone",
        1000.0,
        300.0,
        15.0,
        kind=AssetKind.DRONE,
        range_m=1500.0,
        status=AssetStatus.OFF_DUTY,
    )
    trk = tracks(("T1", 40.0, 0.0, 0.0, 0.0, 5.0))
    truth = Truth(T0 + 1800.0, (TURNER,))
    alerts = [alert("A1", "T1", 40.0, 0.0, 0.0)]
    result = run("northline", alerts=alerts, tracks_by_time=trk, truth=truth, assets=[GROUND, idle])
    (o,) = result.outcomes
    assert (o.asset_id, o.outcome, o.drone_watch_s) == ("ground", Outcome.LOST, 0.0)


def at(m: Mover, t: float) -> tuple[F8, F8]:
    return np.interp([t], m.t_s, m.lon), np.interp([t], m.t_s, m.lat)


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="no policy"):
        run("fastest")
