"""Whole runs: deterministic per seed, written to disk and read back, on both boundaries."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from northline.geo import builtin_boundary, load_boundary
from northline.model import SensorKind
from northline.sim import (
    DETECTIONS_FILE,
    SENSORS_FILE,
    TRUTH_FILE,
    GroundTruth,
    MoverKind,
    Scenario,
    SimulationResult,
    load_scenario,
    read_sensors,
    simulate,
)
from northline.sim import write_outputs as write

EMERSON = Path(__file__).resolve().parents[1] / "scenarios" / "emerson.toml"


@pytest.fixture(scope="module")
def emerson() -> Scenario:
    return load_scenario(EMERSON)


@pytest.fixture(scope="module")
def short(emerson: Scenario) -> SimulationResult:
    return simulate(replace(emerson, duration_s=900.0), builtin_boundary())


def test_same_seed_same_events(emerson: Scenario, short: SimulationResult) -> None:
    again = simulate(replace(emerson, duration_s=900.0), builtin_boundary())
    assert again.events == short.events
    assert np.array_equal(again.event_times, short.event_times)
    assert [c.crossing_id for c in again.truth.crossings] == [
        c.crossing_id for c in short.truth.crossings
    ]


def test_different_seed_different_events(emerson: Scenario, short: SimulationResult) -> None:
    other = simulate(replace(emerson, duration_s=900.0).with_seed(50), builtin_boundary())
    assert other.events != short.events
    assert len(set(other.events) & set(short.events)) < len(short.events) // 100


def test_events_are_time_sorted_and_labelled(short: SimulationResult) -> None:
    assert len(short.events) == len(short.event_times) == len(short.detections)
    assert np.all(np.diff(short.event_times) >= 0)
    assert np.array_equal(short.detections.t_s, short.event_times)
    assert short.event_times[0] >= short.scenario.start_s
    assert short.event_times[-1] <= short.scenario.end_s
    ids = {m.mover_id for m in short.truth.movers} | {""}
    assert set(short.detections.mover_id.tolist()) <= ids


def test_outputs_round_trip(short: SimulationResult, tmp_path: Path) -> None:
    paths = write(short, tmp_path / "out")
    assert {p.name for p in paths.values()} == {DETECTIONS_FILE, TRUTH_FILE, SENSORS_FILE}
    lines = (tmp_path / "out" / DETECTIONS_FILE).read_text(encoding="utf-8").splitlines()
    assert lines == short.events

    truth = GroundTruth.read(paths["truth"])
    assert truth.scenario == "emerson"
    assert truth.seed == 49
    assert (truth.start_s, truth.end_s) == (short.truth.start_s, short.truth.end_s)
    assert [c.crossing_id for c in truth.crossings] == [
        c.crossing_id for c in short.truth.crossings
    ]
    for a, b in zip(truth.crossings, short.truth.crossings, strict=True):
        assert (a.direction, a.port_code, a.mover_id) == (b.direction, b.port_code, b.mover_id)
        assert a.t_s == pytest.approx(b.t_s, abs=1e-3)
        assert a.lon == pytest.approx(b.lon, abs=1e-7)
    assert len(truth.movers) == len(short.truth.movers)
    for m, n in zip(truth.movers, short.truth.movers, strict=True):
        assert (m.mover_id, m.kind, m.mode) == (n.mover_id, n.kind, n.mode)
        assert np.array_equal(m.t_s, n.t_s)
        assert np.allclose(m.lat, n.lat, atol=1e-7)

    sensors = read_sensors(paths["sensors"])
    assert sensors == short.sensors
    doc = json.loads(paths["sensors"].read_text(encoding="utf-8"))
    tower, ugs = doc["sensors"][0], doc["sensors"][-1]
    assert tower["kind"] == "tower"
    assert {"id", "lon", "lat", "range_m", "scan_period_s", "sigma_m", "pd"} <= set(tower)
    assert ugs["kind"] == "ugs"
    assert {"id", "lon", "lat", "radius_m", "sigma_m", "pd"} <= set(ugs)


@pytest.mark.slow
def test_the_default_scenario_end_to_end(emerson: Scenario) -> None:
    t0 = time.perf_counter()
    run = simulate(emerson, builtin_boundary())
    elapsed = time.perf_counter() - t0
    assert elapsed < 10.0  # about half a second on a laptop
    # 4 towers x 3,600 scans x 10 clutter, plus the movers
    assert 150_000 < len(run.events) < 400_000
    truth = run.truth
    assert len(truth.between_ports) == 14
    assert {c.mover_id for c in truth.between_ports} == {
        m.mover_id for m in truth.movers if m.kind == MoverKind.CROSSER
    }
    # about 40 vehicles an hour through Pembina for two hours
    assert 50 <= len(truth.port_transits) <= 110
    assert {s.sensor_id for s in run.sensors if s.kind == SensorKind.TOWER} == {
        "T1",
        "T2",
        "T3",
        "T4",
    }
    assert all(s.kind == SensorKind.UGS for s in run.sensors[4:])


def test_the_real_boundary_is_where_the_movers_cross(emerson: Scenario, shared_data: Path) -> None:
    boundary = load_boundary(shared_data, fallback=False)
    assert boundary.source.startswith("data:")
    run = simulate(replace(emerson, duration_s=3600.0), boundary)
    sector = run.sector
    # Natural Earth puts the line about 860 m south of 49°N here: nothing assumes 49.0
    assert run.truth.crossings
    for c in run.truth.crossings:
        assert float(sector.distance_to_border_m(c.lon, c.lat)[()]) < 1.0
        assert c.lat < 48.995
    for s in run.sensors:
        d = float(sector.distance_to_border_m(s.lon, s.lat)[()])
        assert d == pytest.approx(1000.0 if s.kind == SensorKind.TOWER else 20.0, abs=1.0)
        assert bool(sector.is_canada_xy(*sector.frame.to_local(s.lon, s.lat))[()])
    loiterers = [m for m in run.truth.movers if m.kind == MoverKind.LOITERER]
    for m in loiterers:
        assert len(set(sector.side(m.lon, m.lat).tolist())) == 1
    assert all(c.port_code == "3401" for c in run.truth.port_transits)
