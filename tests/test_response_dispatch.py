"""Recommendations, min-cost assignment and the nearest-unit baseline."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from northline.geo import LocalFrame, PortOfEntry
from northline.model import Alert, AlertKind, Severity, TrackState, TrackUpdate
from northline.response import (
    KIND_DEFAULTS,
    Asset,
    AssetKind,
    AssetStatus,
    DispatchPolicy,
    assign,
    dispatch_costs,
    nearest_available,
    recommend,
)

FRAME = LocalFrame(-97.2, 49.0)
NOW = 1_767_225_600.0 + 12 * 3600.0  # 2026-01-01T12:00Z


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = FRAME.to_lonlat(x, y)
    return float(lon), float(lat)


def asset(asset_id: str, kind: AssetKind, x: float, y: float, **kw: Any) -> Asset:
    d = KIND_DEFAULTS[kind]
    lon, lat = lonlat(x, y)
    fields: dict[str, Any] = {
        "name": asset_id,
        "home_lon": lon,
        "home_lat": lat,
        "lon": lon,
        "lat": lat,
        "status": AssetStatus.AVAILABLE,
        "speed_mps": d.speed_mps,
        "endurance_s": d.endurance_s,
        "endurance_left_s": d.endurance_s,
        "range_m": d.range_m,
        "recharge_s": d.recharge_s,
        "crew": d.crew,
        "detour_factor": d.detour_factor,
    }
    fields.update(kw)
    return Asset(asset_id=asset_id, kind=kind, **fields)


def alert(alert_id: str, x: float, y: float, track_id: str = "") -> Alert:
    lon, lat = lonlat(x, y)
    return Alert(
        alert_id=alert_id,
        kind=AlertKind.CROSSING,
        t_s=NOW,
        track_id=track_id or f"trk-{alert_id}",
        lon=lon,
        lat=lat,
        severity=Severity.HIGH,
        summary="crossing",
        sector="emerson",
    )


def track(track_id: str, x: float, y: float, ve: float, vn: float, t_s: float = NOW) -> TrackUpdate:
    lon, lat = lonlat(x, y)
    return TrackUpdate(
        track_id=track_id,
        t_s=t_s,
        lon=lon,
        lat=lat,
        vel_east_mps=ve,
        vel_north_mps=vn,
        sigma_m=10.0,
        state=TrackState.CONFIRMED,
        sector="emerson",
        hits=5,
    )


def test_prefers_intercepting_the_path_over_chasing() -> None:
    # A vehicle at 25 m/s runs east from the origin. Unit A is 8 km behind it, unit B is
    # 12 km ahead on its path: B is farther from where the target is now but meets it sooner.
    behind = asset("behind", AssetKind.PATROL_VEHICLE, -8000.0, 0.0, speed_mps=39.0)
    ahead = asset("ahead", AssetKind.PATROL_VEHICLE, 12_000.0, 0.0, speed_mps=39.0)
    alerts = [alert("a1", 0.0, 0.0)]
    tracks = {"trk-a1": track("trk-a1", 0.0, 0.0, 25.0, 0.0)}
    recs = recommend(alerts, tracks, [behind, ahead], frame=FRAME, now_t_s=NOW)["a1"]
    assert [r.asset_id for r in recs] == ["ahead", "behind"]
    assert recs[0].rank == 1
    assert recs[0].on_path
    assert recs[0].eta_s == pytest.approx(12_000.0 / (25.0 + 30.0), rel=1e-3)
    ix, _ = FRAME.to_local(recs[0].intercept_lon, recs[0].intercept_lat)
    assert float(ix) == pytest.approx(25.0 * recs[0].eta_s, abs=1.0)
    # the nearest-unit baseline sends the one nearer to where the target is now
    base = nearest_available(alerts, tracks, [behind, ahead], frame=FRAME, now_t_s=NOW)
    assert base["a1"] is not None
    assert base["a1"].asset_id == "behind"


def test_track_is_extrapolated_to_now() -> None:
    tracks = {"trk-a1": track("trk-a1", 0.0, 0.0, 10.0, 0.0, t_s=NOW - 100.0)}
    costs = dispatch_costs(
        [alert("a1", 0.0, 0.0)],
        tracks,
        [asset("foot", AssetKind.PATROL_FOOT, 1000.0, 0.0)],
        frame=FRAME,
        now_t_s=NOW,
    )
    assert costs.distance_m[0, 0] == pytest.approx(0.0, abs=0.5)


def test_drone_preferred_for_a_quick_look() -> None:
    # the drone (15 m/s, sees 1.5 km) and a vehicle (20/1.3 m/s) both ~2 min away
    drone = asset("drone", AssetKind.DRONE, 3000.0, 0.0)
    car = asset("car", AssetKind.PATROL_VEHICLE, 1800.0, 0.0)
    recs = recommend([alert("a1", 0.0, 0.0)], {}, [car, drone], frame=FRAME, now_t_s=NOW)["a1"]
    assert recs[0].asset_id == "drone"
    assert "drone: a quick look" in recs[0].reasons
    assert recs[0].eta_s == pytest.approx(100.0)


def test_helicopter_for_distance_or_night_only() -> None:
    helo = asset("helo", AssetKind.HELICOPTER, 0.0, 6000.0)
    car = asset("car", AssetKind.PATROL_VEHICLE, 0.0, -1500.0)
    alerts = [alert("a1", 0.0, 0.0)]
    day = recommend(alerts, {}, [helo, car], frame=FRAME, now_t_s=NOW)["a1"]
    assert day[0].asset_id == "car"  # a short hop in daylight: keep the helicopter
    night = recommend(alerts, {}, [helo, car], frame=FRAME, now_t_s=NOW, night=True)["a1"]
    assert night[0].asset_id == "helo"
    assert "helicopter: night" in night[0].reasons
    far_helo = asset("helo", AssetKind.HELICOPTER, 0.0, 40_000.0)
    far_car = asset("car", AssetKind.PATROL_VEHICLE, 0.0, -20_000.0)
    far = recommend(alerts, {}, [far_helo, far_car], frame=FRAME, now_t_s=NOW)["a1"]
    assert far[0].asset_id == "helo"
    assert "helicopter: long distance" in far[0].reasons


def test_dog_team_at_a_port_or_for_a_suspected_drug_carrier() -> None:
    k9 = asset("k9", AssetKind.K9, 0.0, 3000.0)
    car = asset("car", AssetKind.PATROL_VEHICLE, 0.0, -2500.0)
    alerts = [alert("a1", 0.0, 0.0)]
    plain = recommend(alerts, {}, [k9, car], frame=FRAME, now_t_s=NOW)["a1"]
    assert plain[0].asset_id == "car"
    port_lon, port_lat = lonlat(200.0, 0.0)
    port = PortOfEntry("0901", "Emerson", port_lon, port_lat)
    at_port = recommend(alerts, {}, [k9, car], frame=FRAME, now_t_s=NOW, ports=[port])["a1"]
    assert at_port[0].asset_id == "k9"
    assert "dog team: at a port" in at_port[0].reasons
    drugs = recommend(alerts, {}, [k9, car], frame=FRAME, now_t_s=NOW, suspected_drugs={"a1"})
    assert drugs["a1"][0].asset_id == "k9"
    assert "dog team: suspected drug carrier" in drugs["a1"][0].reasons


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"status": AssetStatus.TASKED}, "tasked"),
        ({"status": AssetStatus.EN_ROUTE}, "en route"),
        ({"status": AssetStatus.ON_SCENE}, "on scene"),
        ({"status": AssetStatus.OFF_DUTY}, "off duty"),
        ({"status": AssetStatus.MAINTENANCE}, "maintenance"),
        ({"shift_start_s": 0.0, "shift_end_s": 6 * 3600.0}, "shift over (now 12:00)"),
        ({"shift_start_s": 22 * 3600.0, "shift_end_s": 6 * 3600.0}, "night shift"),
        ({"endurance_left_s": 300.0}, "not enough endurance to go and come back"),
    ],
)
def test_exclusions(kw: dict[str, Any], why: str) -> None:
    drone = asset("drone", AssetKind.DRONE, 6000.0, 0.0, **kw)  # 300 s to within 1.5 km
    recs = recommend([alert("a1", 0.0, 0.0)], {}, [drone], frame=FRAME, now_t_s=NOW)
    assert recs == {"a1": []}, why


def test_shift_past_midnight_and_returning_units() -> None:
    night_shift = asset(
        "n", AssetKind.PATROL_FOOT, 100.0, 0.0, shift_start_s=22 * 3600.0, shift_end_s=6 * 3600.0
    )
    at_two = NOW - 10 * 3600.0
    assert night_shift.on_shift(at_two)
    assert not night_shift.on_shift(NOW)
    back = asset("back", AssetKind.PATROL_FOOT, 100.0, 0.0, status=AssetStatus.RETURNING)
    free = asset("free", AssetKind.PATROL_FOOT, 150.0, 0.0)
    recs = recommend([alert("a1", 0.0, 0.0)], {}, [back, free], frame=FRAME, now_t_s=NOW)["a1"]
    assert [r.asset_id for r in recs] == ["free", "back"]
    assert "returning to base" in recs[1].reasons


def test_load_makes_a_busy_unit_cost_more() -> None:
    busy = asset("busy", AssetKind.PATROL_FOOT, 100.0, 0.0)
    idle = asset("idle", AssetKind.PATROL_FOOT, 300.0, 0.0)
    alerts = [alert("a1", 0.0, 0.0)]
    free = recommend(alerts, {}, [busy, idle], frame=FRAME, now_t_s=NOW)["a1"]
    assert free[0].asset_id == "busy"
    loaded = recommend(
        alerts, {}, [busy, idle], frame=FRAME, now_t_s=NOW, taskings={"old": "busy"}
    )["a1"]
    assert loaded[0].asset_id == "idle"
    assert "already has 1 open tasking(s)" in loaded[1].reasons


def test_k_limits_and_orders_the_list() -> None:
    units = [asset(f"u{i}", AssetKind.PATROL_FOOT, 100.0 * (5 - i), 0.0) for i in range(5)]
    recs = recommend([alert("a1", 0.0, 0.0)], {}, units, frame=FRAME, now_t_s=NOW, k=3)["a1"]
    assert [r.asset_id for r in recs] == ["u4", "u3", "u2"]
    assert [r.rank for r in recs] == [1, 2, 3]
    assert all(a.score <= b.score for a, b in itertools.pairwise(recs))
    assert recommend([], {}, units, frame=FRAME, now_t_s=NOW) == {}
    assert recommend([alert("a1", 0.0, 0.0)], {}, [], frame=FRAME, now_t_s=NOW) == {"a1": []}


def test_min_cost_assignment_beats_greedy() -> None:
    # Unit 1 at 0, unit 2 at 100 m; alert X at 40 m, alert Y at -50 m (foot patrols, 1.5 m/s).
    # Greedy in alert order gives X the nearest (unit 1, 40 m) and leaves Y unit 2 (150 m):
    # 190 m in all. The assignment sends unit 2 to X and unit 1 to Y: 110 m.
    units = [
        asset("u1", AssetKind.PATROL_FOOT, 0.0, 0.0),
        asset("u2", AssetKind.PATROL_FOOT, 100.0, 0.0),
    ]
    alerts = [alert("x", 40.0, 0.0), alert("y", -50.0, 0.0)]
    got = assign(alerts, {}, units, frame=FRAME, now_t_s=NOW)
    assert {k: v.asset_id for k, v in got.items() if v} == {"x": "u2", "y": "u1"}
    total = sum(v.eta_s for v in got.values() if v)
    assert total == pytest.approx(110.0 / 1.5, rel=1e-3)

    costs = dispatch_costs(alerts, {}, units, frame=FRAME, now_t_s=NOW)
    used: set[int] = set()
    greedy = 0.0
    for j in range(len(alerts)):
        col = [c if i not in used else math.inf for i, c in enumerate(costs.cost[:, j])]
        i = int(np.argmin(col))
        used.add(i)
        greedy += costs.cost[i, j]
    assert greedy == pytest.approx(190.0 / 1.5, rel=1e-3)
    assert total < greedy
    base = nearest_available(alerts, {}, units, frame=FRAME, now_t_s=NOW)
    assert sum(v.eta_s for v in base.values() if v) == pytest.approx(greedy, rel=1e-3)


def test_assignment_leaves_an_alert_without_a_unit_rather_than_overpay() -> None:
    units = [asset("u1", AssetKind.PATROL_FOOT, 0.0, 0.0)]
    alerts = [alert("near", 100.0, 0.0), alert("far", 9000.0, 0.0), alert("other", 150.0, 0.0)]
    got = assign(alerts, {}, units, frame=FRAME, now_t_s=NOW)
    assert got["near"] is not None
    assert got["near"].asset_id == "u1"
    assert got["far"] is None  # 6000 s on foot is over the 3600 s "no asset" cost
    assert got["other"] is None  # one alert per unit
    cheap = assign(
        [alert("x", 3000.0, 0.0)],
        {},
        units,
        frame=FRAME,
        now_t_s=NOW,
        policy=DispatchPolicy(no_asset_cost_s=1000.0),
    )
    assert cheap == {"x": None}
    assert assign([], {}, units, frame=FRAME, now_t_s=NOW) == {}


def test_nearest_available_ignores_returning_and_off_shift_units() -> None:
    units = [
        asset("ret", AssetKind.PATROL_FOOT, 10.0, 0.0, status=AssetStatus.RETURNING),
        asset("off", AssetKind.PATROL_FOOT, 20.0, 0.0, shift_end_s=3600.0),
        asset("ok", AssetKind.PATROL_FOOT, 500.0, 0.0),
    ]
    got = nearest_available(
        [alert("a", 0.0, 0.0), alert("b", 0.0, 0.0)], {}, units, frame=FRAME, now_t_s=NOW
    )
    assert got["a"] is not None
    assert got["a"].asset_id == "ok"
    assert got["b"] is None


def test_cost_matrix_is_responders_by_alerts_and_explains_exclusions() -> None:
    rng = np.random.default_rng(3)
    kinds = list(AssetKind)
    units = [
        asset(f"u{i}", kinds[i % len(kinds)], *rng.uniform(-30_000, 30_000, 2)) for i in range(200)
    ]
    units[0] = asset("u0", AssetKind.DRONE, 0.0, 0.0, status=AssetStatus.MAINTENANCE)
    alerts = [alert(f"a{j}", *rng.uniform(-20_000, 20_000, 2)) for j in range(50)]
    tracks = {
        a.track_id: track(
            a.track_id, *map(float, FRAME.to_local(a.lon, a.lat)), *rng.uniform(-10, 10, 2)
        )
        for a in alerts
    }
    costs = dispatch_costs(alerts, tracks, units, frame=FRAME, now_t_s=NOW)
    assert costs.cost.shape == (200, 50)
    assert np.isinf(costs.cost[0]).all()
    assert costs.reasons(0, 0)[-1].startswith("excluded")
    got = assign(alerts, tracks, units, frame=FRAME, now_t_s=NOW)
    chosen = [r.asset_id for r in got.values() if r is not None]
    assert len(chosen) == len(set(chosen))
