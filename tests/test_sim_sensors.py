"""Sensor models measured against their configuration, and the CoT they write.

Statistical checks use tolerances of about four standard errors of the quantity estimated, from
the sample size at hand: a correct model fails one of them far less than once in 10,000 runs,
and the runs are deterministic (fixed seeds) anyway.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.geo import builtin_boundary
from northline.model import SensorKind, format_iso, parse_iso
from northline.sim import SimulationResult, load_scenario, parse_scenario, simulate
from northline.sim._sensors import holdoff_mask

EMERSON = Path(__file__).resolve().parents[1] / "scenarios" / "emerson.toml"
LON0 = -97.6  # a stretch of the 49th parallel with no port


def doc(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seed": 5,
        "start": "2026-01-15T02:00:00Z",
        "duration_s": 3600,
        "sector": {"name": "west", "lon": LON0, "lat": 49.0, "length_km": 14},
    }
    base.update(extra)
    return base


@pytest.fixture(scope="module")
def tower_run() -> SimulationResult:
    tower = {
        "id": "T",
        "lon": LON0,
        "line_offset_m": 1000,
        "range_m": 6000,
        "pd": 0.8,
        "clutter_per_scan": 5,
        "sigma_m": 20,
        "scan_period_s": 2,
        "phase_s": 0.5,
    }
    movers = {"crossers": {"count": 12}, "loiterers": {"count": 8}}
    return simulate(parse_scenario(doc(towers=[tower], movers=movers)), builtin_boundary())


def scan_times(run: SimulationResult) -> npt.NDArray[np.float64]:
    k = np.arange(int((run.scenario.duration_s - 0.5) // 2) + 1, dtype=np.float64)
    return run.scenario.start_s + 0.5 + 2.0 * k


def opportunities(run: SimulationResult) -> int:
    """How many (mover, scan) pairs had the mover inside the tower's range."""
    (tower,) = run.sensors
    tx, ty = run.sector.frame.to_local(tower.lon, tower.lat)
    scans = scan_times(run)
    n = 0
    for m in run.truth.movers:
        lon, lat = m.position_at(scans)
        alive = ~np.isnan(lon)
        x, y = run.sector.frame.to_local(lon[alive], lat[alive])
        n += int(np.sum(np.hypot(x - tx, y - ty) <= tower.range_m))
    return n


def test_all_detections_of_a_scan_share_its_time(tower_run: SimulationResult) -> None:
    det = tower_run.detections
    k = (det.t_s - tower_run.scenario.start_s - 0.5) / 2.0
    assert np.array_equal(k, np.round(k))
    assert np.all(np.diff(tower_run.event_times) >= 0)
    assert set(np.unique(det.t_s)) <= set(scan_times(tower_run))


def test_detection_rate_is_pd(tower_run: SimulationResult) -> None:
    det = tower_run.detections
    hits = int(np.sum(det.mover_id != ""))
    n = opportunities(tower_run)
    assert n > 5000
    pd = 0.8
    assert abs(hits / n - pd) <= 4 * math.sqrt(pd * (1 - pd) / n)


def test_position_noise_is_sigma_per_axis(tower_run: SimulationResult) -> None:
    det = tower_run.detections
    sector = tower_run.sector
    dx: list[Any] = []
    dy: list[Any] = []
    for mover_id in set(det.mover_id.tolist()) - {""}:
        rows = det.mover_id == mover_id
        lon, lat = tower_run.truth.mover(mover_id).position_at(det.t_s[rows])
        x, y = sector.frame.to_local(lon, lat)
        dx.append(det.x_m[rows] - x)
        dy.append(det.y_m[rows] - y)
    ex, ey = np.concatenate(dx), np.concatenate(dy)
    n = ex.size
    sigma = 20.0
    for e in (ex, ey):
        assert abs(float(np.mean(e))) <= 4 * sigma / math.sqrt(n)
        # the sample standard deviation has a standard error of about sigma / sqrt(2 n)
        assert abs(float(np.std(e)) - sigma) <= 4 * sigma / math.sqrt(2 * n)
    assert np.all(det.sigma_m == sigma)


def test_clutter_is_poisson_and_uniform_over_the_disc(tower_run: SimulationResult) -> None:
    det = tower_run.detections
    (tower,) = tower_run.sensors
    clutter = det.mover_id == ""
    scans = scan_times(tower_run)
    per_scan = Counter(det.t_s[clutter].tolist())
    counts = np.array([per_scan.get(t, 0) for t in scans.tolist()], dtype=float)
    lam = 5.0
    assert abs(counts.mean() - lam) <= 4 * math.sqrt(lam / scans.size)
    assert abs(counts.var() - lam) <= 0.2 * lam  # Poisson: the variance is the mean
    tx, ty = tower_run.sector.frame.to_local(tower.lon, tower.lat)
    r2 = ((det.x_m[clutter] - tx) ** 2 + (det.y_m[clutter] - ty) ** 2) / tower.range_m**2
    assert np.all(r2 <= 1.0 + 1e-9)
    # uniform over the disc: (r/R)^2 is uniform on [0, 1], mean 1/2, sd 1/sqrt(12)
    assert abs(float(r2.mean()) - 0.5) <= 4 / math.sqrt(12 * r2.size)
    bearing = np.arctan2(det.x_m[clutter] - tx, det.y_m[clutter] - ty)
    assert abs(float(np.mean(np.cos(bearing)))) <= 4 / math.sqrt(2 * r2.size)


def test_nothing_is_detected_beyond_range(tower_run: SimulationResult) -> None:
    det = tower_run.detections
    (tower,) = tower_run.sensors
    tx, ty = tower_run.sector.frame.to_local(tower.lon, tower.lat)
    for mover_id in set(det.mover_id.tolist()) - {""}:
        rows = det.mover_id == mover_id
        lon, lat = tower_run.truth.mover(mover_id).position_at(det.t_s[rows])
        x, y = tower_run.sector.frame.to_local(lon, lat)
        assert np.all(np.hypot(x - tx, y - ty) <= tower.range_m + 1e-6)


def ugs(**over: Any) -> dict[str, Any]:
    base = {
        "id": "U",
        "lon": LON0,
        "line_offset_m": 0,
        "radius_m": 100,
        "pd": 1.0,
        "false_alarms_per_hour": 0,
        "min_interval_s": 0,
    }
    base.update(over)
    return base


def test_ugs_fires_once_per_pass_at_its_own_position() -> None:
    movers = {
        "crossers": {"count": 10, "trail_lons": [LON0], "trail_fraction": 1.0, "trail_spread_m": 10}
    }
    run = simulate(parse_scenario(doc(ugs=[ugs()], movers=movers)), builtin_boundary())
    det = run.detections
    (sensor,) = run.sensors
    assert sensor.kind == SensorKind.UGS
    assert float(run.sector.distance_to_border_m(sensor.lon, sensor.lat)[()]) < 0.5
    assert sorted(det.mover_id.tolist()) == sorted(m.mover_id for m in run.truth.movers)
    assert np.all(det.lon == sensor.lon)
    assert np.all(det.lat == sensor.lat)
    assert np.all(det.sigma_m == 100.0)
    sx, sy = run.sector.frame.to_local(sensor.lon, sensor.lat)
    for t, mover_id in zip(det.t_s.tolist(), det.mover_id.tolist(), strict=True):
        lon, lat = run.truth.mover(mover_id).position_at(t)
        x, y = run.sector.frame.to_local(lon, lat)
        # fired on entering the disc (to the millisecond the time is written with)
        assert float(np.hypot(x - sx, y - sy)[0]) == pytest.approx(100.0, abs=0.05)


def test_ugs_false_alarms_and_hold_off() -> None:
    free = simulate(
        parse_scenario(doc(ugs=[ugs(pd=0.0, false_alarms_per_hour=1800)])), builtin_boundary()
    )
    n = len(free.events)
    assert abs(n - 1800) <= 4 * math.sqrt(1800)
    assert np.all(free.detections.mover_id == "")
    held = simulate(
        parse_scenario(doc(ugs=[ugs(pd=0.0, false_alarms_per_hour=1800, min_interval_s=5)])),
        builtin_boundary(),
    )
    gaps = np.diff(held.event_times)
    assert np.all(gaps >= 5.0 - 1e-3)
    # Poisson arrivals at rate r through a dead time tau are counted at r / (1 + r tau)
    expected = 1800 / (1 + 0.5 * 5)
    assert abs(len(held.events) - expected) <= 5 * math.sqrt(expected)


def reference_holdoff(t: list[float], gap: float) -> list[bool]:
    keep, last = [], -math.inf
    for x in t:
        ok = x >= last + gap
        keep.append(ok)
        if ok:
            last = x
    return keep


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1000, allow_nan=False), max_size=300),
    st.floats(0, 50, allow_nan=False),
)
def test_holdoff_matches_the_sequential_rule(times: list[float], gap: float) -> None:
    t = np.sort(np.array(times, dtype=np.float64))
    assert holdoff_mask(t, gap).tolist() == reference_holdoff(t.tolist(), gap)


# -- the wire format ------------------------------------------------------------------------

COT = re.compile(
    r'<event version="2\.0" uid="(?P<sid>[^"]+)\.(?P<seq>\d+)" type="a-u-G" how="m-s" '
    r'time="(?P<t>[^"]+)" start="(?P=t)" stale="(?P<stale>[^"]+)">'
    r'<point lat="(?P<lat>-?\d+\.\d{7})" lon="(?P<lon>-?\d+\.\d{7})" hae="0\.0" '
    r'ce="(?P<ce>\d+\.\d)" le="9999999\.0"/>'
    r'<detail><link uid="(?P=sid)" type="a-f-G-E-S" relation="p-p"/>'
    r'<__northline sensor_kind="(?P<kind>tower|ugs)" agency="(?P<agency>[^"]+)" '
    r'releasability="(?P<rel>[^"]+)"/></detail></event>'
)


@pytest.fixture(scope="module")
def emerson_short() -> SimulationResult:
    scenario = load_scenario(EMERSON)
    from dataclasses import replace

    return simulate(replace(scenario, duration_s=180.0), builtin_boundary())


def test_cot_lines_have_exactly_the_documented_layout(emerson_short: SimulationResult) -> None:
    run = emerson_short
    sensors = {s.sensor_id: s for s in run.sensors}
    seqs: dict[str, list[int]] = {}
    assert len(run.events) > 1000
    for line, t_s, lon, lat in zip(
        run.events,
        run.event_times.tolist(),
        run.detections.lon.tolist(),
        run.detections.lat.tolist(),
        strict=True,
    ):
        assert "\n" not in line
        m = COT.fullmatch(line)
        assert m, line
        s = sensors[m["sid"]]
        assert m["kind"] == s.kind.value
        assert float(m["ce"]) == s.sigma_m
        assert (m["agency"], m["rel"]) == ("RCMP", "CAN")
        assert parse_iso(m["t"]) == pytest.approx(t_s, abs=1e-6)
        assert m["t"] == format_iso(t_s)
        assert parse_iso(m["stale"]) == pytest.approx(t_s + 10.0, abs=1e-6)
        assert m["lat"] == f"{lat:.7f}"
        assert m["lon"] == f"{lon:.7f}"
        seqs.setdefault(m["sid"], []).append(int(m["seq"]))
    for seq in seqs.values():
        assert seq == list(range(1, len(seq) + 1))
    assert set(seqs) >= {"T1", "T2", "T3", "T4"}


def test_cot_parses_with_defusedxml(emerson_short: SimulationResult) -> None:
    run = emerson_short
    for line in run.events[:: max(1, len(run.events) // 500)]:
        event = fromstring(line)
        assert event.tag == "event"
        assert event.get("type") == "a-u-G"
        assert event.get("how") == "m-s"
        point = event.find("point")
        assert point is not None
        assert -90 <= float(point.get("lat", "nan")) <= 90
        link = event.find("detail/link")
        assert link is not None
        assert link.get("relation") == "p-p"
        assert event.get("uid", "").startswith(f"{link.get('uid')}.")
        marks = event.find("detail/__northline")
        assert marks is not None
        assert marks.get("sensor_kind") in {"tower", "ugs"}


def test_cot_carries_the_scenario_marking() -> None:
    tower = {
        "id": "T:7",
        "lon": LON0,
        "lat": 49.01,
        "range_m": 3000,
        "pd": 0.9,
        "clutter_per_scan": 2,
        "sigma_m": 12.5,
        "scan_period_s": 5,
    }
    run = simulate(
        parse_scenario(
            doc(
                duration_s=60,
                towers=[tower],
                marking={"agency": "CBSA", "releasability": "CAN-USA"},
            )
        ),
        builtin_boundary(),
    )
    assert run.events
    for line in run.events:
        marks = fromstring(line).find("detail/__northline")
        assert marks is not None
        assert (marks.get("agency"), marks.get("releasability")) == ("CBSA", "CAN-USA")
        assert 'uid="T:7.' in line
        assert 'ce="12.5"' in line
