"""One simulation run: movers, sensors, wire output and ground truth, from a scenario."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..geo import Boundary, Sector
from ..model import SensorKind
from ._cot import cot_lines
from ._movers import Trajectories, sample_movers
from ._scenario import Scenario
from ._sensors import Detections, SensorInfo, detect, resolve_sensors, write_sensors
from ._truth import GroundTruth, TruthMover, find_crossings

__all__ = [
    "DETECTIONS_FILE",
    "SENSORS_FILE",
    "TRUTH_FILE",
    "SimulationResult",
    "simulate",
    "write_detections_csv",
    "write_outputs",
]

F8 = npt.NDArray[np.float64]
DETECTIONS_FILE = "detections.cot"
DETECTIONS_CSV_FILE = "detections.csv"
TRUTH_FILE = "truth.json"
SENSORS_FILE = "sensors.json"
_MOVER_STREAMS = 3  # port traffic, crossers, loiterers; then one stream per sensor


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """A run's output: the CoT lines (time-sorted), their detections and times, and the truth."""

    scenario: Scenario
    sector: Sector
    sensors: tuple[SensorInfo, ...]
    detections: Detections
    events: list[str]
    event_times: F8
    truth: GroundTruth
    trajectories: Trajectories


def simulate(scenario: Scenario, boundary: Boundary) -> SimulationResult:
    """Run ``scenario`` on ``boundary``: the same scenario and boundary give the same output.

    Random numbers come from ``numpy.random.default_rng(scenario.seed)``, split into
    independent streams for each kind of mover and each sensor, so adding a sensor does not
    move the movers. Event times are whole milliseconds (as written in the CoT).
    """
    sector = scenario.build_sector(boundary)
    sensors, sensor_x, sensor_y = resolve_sensors(scenario, sector)
    streams = np.random.default_rng(scenario.seed).spawn(_MOVER_STREAMS + len(sensors))
    traj = sample_movers(scenario, sector, streams[:_MOVER_STREAMS])
    raw = detect(scenario, sensor_x, sensor_y, traj, streams[_MOVER_STREAMS:])

    t = np.round((scenario.start_s + raw.t_rel) * 1000.0) / 1000.0
    order = np.lexsort((raw.order, raw.sensor, t))
    t, sensor, mover = t[order], raw.sensor[order], raw.mover[order]
    x, y = raw.x_m[order], raw.y_m[order]
    by_sensor = np.argsort(sensor, kind="stable")
    group_start = np.searchsorted(sensor[by_sensor], sensor[by_sensor], side="left")
    seq = np.empty(t.size, dtype=np.int64)
    seq[by_sensor] = np.arange(t.size) - group_start + 1  # per-sensor counter from 1

    lon, lat = sector.frame.to_lonlat(x, y)
    is_ugs = np.array([s.kind == SensorKind.UGS for s in sensors], dtype=bool)[sensor]
    lon = np.where(is_ugs, np.array([s.lon for s in sensors])[sensor], lon)
    lat = np.where(is_ugs, np.array([s.lat for s in sensors])[sensor], lat)
    ids = np.array([s.sensor_id for s in sensors], dtype=object)
    kinds = np.array([s.kind.value for s in sensors], dtype=object)
    sigma = np.array([s.sigma_m for s in sensors], dtype=np.float64)
    mover_ids = np.array([*traj.mover_id, ""], dtype=object)  # index -1 is ""
    detections = Detections(
        t_s=t,
        sensor_id=ids[sensor],
        sensor_kind=kinds[sensor],
        seq=seq,
        lon=lon,
        lat=lat,
        x_m=x,
        y_m=y,
        sigma_m=sigma[sensor],
        mover_id=mover_ids[mover],
    )
    events = cot_lines(t, sensor, seq, lon, lat, sensors, scenario.marking)
    return SimulationResult(
        scenario=scenario,
        sector=sector,
        sensors=sensors,
        detections=detections,
        events=events,
        event_times=t,
        truth=_truth(scenario, sector, traj),
        trajectories=traj,
    )


def _truth(scenario: Scenario, sector: Sector, traj: Trajectories) -> GroundTruth:
    lon, lat = sector.frame.to_lonlat(traj.x_m, traj.y_m)
    t = scenario.start_s + traj.sample_tick.astype(np.float64)
    movers = tuple(
        TruthMover(
            mover_id=traj.mover_id[m],
            kind=traj.kind[m],
            mode=traj.mode[m],
            t_s=t[a:b],
            lon=lon[a:b],
            lat=lat[a:b],
        )
        for m, (a, b) in enumerate(
            zip(traj.offsets[:-1].tolist(), traj.offsets[1:].tolist(), strict=True)
        )
    )
    return GroundTruth(
        scenario=scenario.name,
        seed=scenario.seed,
        start_s=scenario.start_s,
        end_s=scenario.end_s,
        sector=sector.name,
        movers=movers,
        crossings=find_crossings(traj, sector, scenario.start_s),
    )


def write_outputs(result: SimulationResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``detections.cot``, ``truth.json`` and ``sensors.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "detections": out / DETECTIONS_FILE,
        "truth": out / TRUTH_FILE,
        "sensors": out / SENSORS_FILE,
    }
    with paths["detections"].open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(result.events))
        if result.events:
            fh.write("\n")
    result.truth.write(paths["truth"])
    write_sensors(result.sensors, paths["sensors"], scenario=result.scenario.name)
    return paths


def write_detections_csv(
    result: SimulationResult,
    path: str | Path,
    *,
    sensors: tuple[str, ...] = (),
) -> int:
    """Tower detections as plain CSV in the sector's local frame, for any tracker to read.

    Columns ``scan,time_s,x_m,y_m,sigma_m,sensor_id``; a scan is one sensor at one time,
    numbered in time order; ``time_s`` counts from the scenario's start. ``sensors`` limits
    the output to those sensor ids (default: every tower). Returns the rows written.
    """
    d = result.detections
    keep = d.sensor_kind == SensorKind.TOWER.value
    if sensors:
        keep = np.isin(d.sensor_id, np.asarray(sensors, dtype=object))
    sel = d.take(keep)
    order = np.lexsort((sel.sensor_id.astype(str), sel.t_s))
    sel = sel.take(order)
    new_scan = np.ones(len(sel), dtype=bool)
    new_scan[1:] = (np.diff(sel.t_s) != 0) | (sel.sensor_id[1:] != sel.sensor_id[:-1])
    scan = np.cumsum(new_scan) - 1
    t = sel.t_s - result.scenario.start_s
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        f"{k},{ti:.3f},{x:.3f},{y:.3f},{sg:.2f},{sid}"
        for k, ti, x, y, sg, sid in zip(
            scan.tolist(),
            t.tolist(),
            sel.x_m.tolist(),
            sel.y_m.tolist(),
            sel.sigma_m.tolist(),
            sel.sensor_id.tolist(),
            strict=True,
        )
    ]
    out.write_text("scan,time_s,x_m,y_m,sigma_m,sensor_id\n" + "".join(r + "\n" for r in rows))
    return len(rows)
