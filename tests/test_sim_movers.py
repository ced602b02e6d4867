"""Movers and ground truth: paths where they should be, crossings found where they happen."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from northline.geo import PortOfEntry, Sector, builtin_boundary
from northline.model import Direction
from northline.sim import (
    MoverKind,
    SimulationResult,
    Trajectories,
    find_crossings,
    parse_scenario,
    simulate,
)

PEMBINA = PortOfEntry("3401", "Pembina", -97.237036, 49.000453, 400.0)
START = 1_768_442_400.0  # 2026-01-15T02:00:00Z


def scenario_doc(**movers: Any) -> dict[str, Any]:
    return {
        "seed": 11,
        "start": "2026-01-15T02:00:00Z",
        "duration_s": 7200,
        "sector": {"name": "emerson", "lon": -97.237036, "lat": 49.0},
        "ports": [{"code": "3401", "name": "Pembina", "lon": -97.237036, "lat": 49.000453}],
        "movers": movers,
    }


@pytest.fixture(scope="module")
def sector() -> Sector:
    return Sector.around("emerson", -97.237036, 49.0, builtin_boundary(), ports=[PEMBINA])


@pytest.fixture(scope="module")
def run() -> SimulationResult:
    doc = scenario_doc(
        port_traffic={"vehicles_per_hour": 30},
        crossers={"count": 30},
        loiterers={"count": 20, "min_approach_m": 60, "max_approach_m": 400},
    )
    return simulate(parse_scenario(doc), builtin_boundary())


def line_y(sector: Sector, x: float) -> float:
    _, y = sector.nearest_border_point_xy([x], [0.0])
    return float(y[0])


def straight(
    sector: Sector, mover_id: str, x: float, y0: float, y1: float, t0: float, t1: float
) -> tuple[str, MoverKind, str, Any, Any, Any]:
    return (
        mover_id,
        MoverKind.CROSSER,
        "foot",
        np.array([t0, t1]),
        np.array([x, x]),
        np.array([y0, y1]),
    )


def test_hand_built_straight_path_crosses_at_the_known_time(sector: Sector) -> None:
    x = -8000.0
    yl = line_y(sector, x)
    # 1 m/s southwards from 500 m north of the line: on the line at t = 500.0 s
    traj = Trajectories.from_waypoints(
        [straight(sector, "m1", x, yl + 500, yl - 500, 0, 1000)], 1000
    )
    (c,) = find_crossings(traj, sector, START)
    assert c.mover_id == "m1"
    assert c.crossing_id == "m1/x0"
    assert c.t_s == pytest.approx(START + 500.0, abs=1e-3)
    assert c.direction == Direction.CAN_TO_USA
    assert c.port_code == ""
    assert float(sector.distance_to_border_m(c.lon, c.lat)[()]) < 0.01
    cx, _ = sector.frame.to_local(c.lon, c.lat)
    assert float(cx) == pytest.approx(x, abs=0.01)


def test_back_and_forth_gives_two_crossings_in_time_order(sector: Sector) -> None:
    x = 9000.0
    yl = line_y(sector, x)
    t = np.array([0.0, 100.0, 250.0])
    y = np.array([yl - 100.0, yl + 100.0, yl - 50.0])  # north over the line, then back south
    traj = Trajectories.from_waypoints([("m", MoverKind.CROSSER, "foot", t, np.full(3, x), y)], 300)
    first, second = find_crossings(traj, sector, START)
    assert (first.crossing_id, second.crossing_id) == ("m/x0", "m/x1")
    assert first.direction == Direction.USA_TO_CAN
    assert second.direction == Direction.CAN_TO_USA
    assert first.t_s == pytest.approx(START + 50.0, abs=1e-3)
    assert second.t_s == pytest.approx(START + 200.0, abs=1e-3)


def test_crossing_through_the_port_zone_gets_the_port_code(sector: Sector) -> None:
    x, _ = sector.frame.to_local(PEMBINA.lon, PEMBINA.lat)
    yl = line_y(sector, float(x))
    paths = [
        straight(sector, "through", float(x) + 3.0, yl - 2000, yl + 2000, 0, 200),
        straight(sector, "beside", float(x) + 600.0, yl - 2000, yl + 2000, 0, 200),
    ]
    by_mover = {
        c.mover_id: c
        for c in find_crossings(Trajectories.from_waypoints(paths, 200), sector, START)
    }
    assert by_mover["through"].port_code == "3401"
    assert by_mover["through"].at_port
    assert by_mover["beside"].port_code == ""


def test_samples_on_the_one_second_grid_within_the_run(sector: Sector) -> None:
    paths = [
        straight(sector, "early", 0, -3000, 3000, -50.5, 20.2),
        straight(sector, "never", 0, -3000, 3000, 500, 900),
    ]
    traj = Trajectories.from_waypoints(paths, 300)
    assert traj.mover_id == ("early",)  # "never" has no sample in [0, 300]
    assert traj.sample_tick.tolist() == list(range(21))
    assert traj.y_m[0] == pytest.approx(-3000 + 6000 * 50.5 / 70.7)


def test_at_times_interpolates_every_live_mover(sector: Sector) -> None:
    paths = [straight(sector, "a", 0, 0, 100, 0, 100), straight(sector, "b", 50, 0, -20, 10, 30)]
    traj = Trajectories.from_waypoints(paths, 100)
    mover, ti, x, y = traj.at_times(np.array([5.5, 20.25, 99.0]))
    got = {
        (int(m), int(i)): (float(a), float(b)) for m, i, a, b in zip(mover, ti, x, y, strict=True)
    }
    assert got[(0, 0)] == pytest.approx((0.0, 5.5))
    assert got[(0, 1)] == pytest.approx((0.0, 20.25))
    assert got[(0, 2)] == pytest.approx((0.0, 99.0))
    assert got[(1, 1)] == pytest.approx((50.0, -10.25))
    assert len(got) == 4  # b is alive at 20.25 only


def test_every_crosser_crosses_once_between_ports(run: SimulationResult) -> None:
    truth, sector = run.truth, run.sector
    crossers = [m for m in truth.movers if m.kind == MoverKind.CROSSER]
    assert len(crossers) == 30
    by_mover: dict[str, list[Any]] = {}
    for c in truth.crossings:
        by_mover.setdefault(c.mover_id, []).append(c)
    port_x, _ = sector.frame.to_local(PEMBINA.lon, PEMBINA.lat)
    for m in crossers:
        (c,) = by_mover[m.mover_id]
        assert c.port_code == ""
        cx, _ = sector.frame.to_local(c.lon, c.lat)
        assert abs(float(cx) - float(port_x)) >= 2000.0 - 1.0
        assert truth.start_s + 0.1 * 7200 - 1 <= c.t_s <= truth.start_s + 0.9 * 7200 + 1
    assert {c.mover_id for c in truth.between_ports} == {m.mover_id for m in crossers}
    assert truth.n_true_crossings == 30


def test_crossers_start_and_end_where_configured(run: SimulationResult) -> None:
    truth, sector = run.truth, run.sector
    checked_start = checked_end = 0
    for m in truth.movers:
        if m.kind != MoverKind.CROSSER:
            continue
        x, y = sector.frame.to_local(m.lon, m.lat)
        d = sector.signed_distance_xy(x, y)
        if m.t_s[0] > truth.start_s:  # planned start inside the run
            assert 2000.0 - 1 <= abs(d[0]) <= 6000.0 + 1
            checked_start += 1
        if m.t_s[-1] < truth.end_s:  # left inside the run
            assert 1000.0 - 1 <= abs(d[-1]) <= 3000.0 + 1
            assert np.sign(d[-1]) != np.sign(d[0])
            checked_end += 1
        speed = np.hypot(np.diff(x), np.diff(y))
        lo, hi = {"foot": (1.0, 1.8), "vehicle": (6.0, 15.0), "snowmobile": (8.0, 20.0)}[m.mode]
        moving = speed[speed > 0.01]
        # a sample interval that holds a waypoint is a little shorter than the leg speed
        assert np.all(moving <= hi + 1e-6)
        assert np.median(moving) >= lo - 1e-6
    assert checked_start >= 5
    assert checked_end >= 5
    assert {m.mode for m in truth.movers if m.kind == MoverKind.CROSSER} == {
        "foot",
        "vehicle",
        "snowmobile",
    }


def test_loiterers_never_cross_and_come_within_the_approach_band(run: SimulationResult) -> None:
    truth, sector = run.truth, run.sector
    loiterers = [m for m in truth.movers if m.kind == MoverKind.LOITERER]
    assert len(loiterers) == 20
    ids = {m.mover_id for m in loiterers}
    assert not [c for c in truth.crossings if c.mover_id in ids]
    for m in loiterers:
        x, y = sector.frame.to_local(m.lon, m.lat)
        sides = set(sector.side_xy(x, y).tolist())
        assert len(sides) == 1
        closest = float(np.min(sector.distance_to_border_xy(x, y)))
        assert 60.0 - 0.5 <= closest <= 400.0 + 0.5
        # it pauses at the closest point, then turns back
        d = sector.distance_to_border_xy(x, y)
        k = int(np.argmin(d))
        assert d[0] > closest + 100 or m.t_s[0] == truth.start_s
        assert d[-1] > closest + 100 or m.t_s[-1] == truth.end_s
        assert int(np.sum(np.abs(d - closest) < 0.5)) >= 59
        assert 0 < k < len(d) - 1 or m.t_s[0] == truth.start_s or m.t_s[-1] == truth.end_s


def test_port_traffic_crosses_through_the_port(run: SimulationResult) -> None:
    truth = run.truth
    traffic = {m.mover_id for m in truth.movers if m.kind == MoverKind.PORT_TRAFFIC}
    transits = [c for c in truth.crossings if c.mover_id in traffic]
    assert transits
    assert all(c.port_code == "3401" for c in transits)
    assert {c.direction for c in transits} == {Direction.CAN_TO_USA, Direction.USA_TO_CAN}
    assert len(truth.port_transits) == len(transits)
    # 30 vehicles an hour for two hours: Poisson(60), checked at about 4 sigma
    assert abs(len(transits) - 60) <= 4 * np.sqrt(60)
    assert all(c.t_s - truth.start_s > 0 for c in transits)
    northbound = [c for c in transits if c.direction == Direction.USA_TO_CAN]
    assert all("-n" in c.mover_id for c in northbound)


def test_trails_pull_crossers_to_their_longitudes() -> None:
    trail = -97.40
    doc = scenario_doc(
        crossers={"count": 12, "trail_lons": [trail], "trail_fraction": 1.0, "trail_spread_m": 20}
    )
    result = simulate(parse_scenario(doc), builtin_boundary())
    sector = result.sector
    tx, _ = sector.frame.to_local(trail, 49.0)
    for c in result.truth.between_ports:
        cx, _ = sector.frame.to_local(c.lon, c.lat)
        assert abs(float(cx) - float(tx)) < 20 * 5


def test_a_trail_next_to_the_port_is_refused() -> None:
    from northline.model import ScenarioError

    doc = scenario_doc(crossers={"count": 2, "trail_lons": [-97.24], "trail_fraction": 0.5})
    with pytest.raises(ScenarioError) as info:
        simulate(parse_scenario(doc), builtin_boundary())
    assert info.value.context["field"] == "movers.crossers.trail_lons[0]"
