"""Run a scenario end to end in replay: simulate → CoT on disk → ingest → store → track →
border → alerts, then score the alerts against the simulator's ground truth."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..border import BorderConfig
from ..geo import load_boundary
from ..ingest import iter_cot_file
from ..model import ObservationBatch, QuarantinedMessage, SensorKind
from ..pipeline import (
    PipelineResult,
    ReplayPipeline,
    SensorInfo,
    alerts_json,
    crossings_geojson,
    tracks_geojson,
    write_json,
)
from ..sim import Score, SimulationResult, load_scenario, score, simulate, write_outputs
from ..store import SQLiteStore
from ..tracking import TrackerConfig

if TYPE_CHECKING:
    from ..response import Asset, ResponseRun

__all__ = ["DemoResult", "default_scenario_path", "run_demo"]

Progress = Callable[[str, int, int], None]
STORE_NAME = "northline.sqlite"


def default_scenario_path() -> Path:
    """``emerson.toml``: packaged with the wheel, or from the checkout's ``scenarios/``."""
    packaged = resources.files("northline").joinpath("_scenarios/emerson.toml")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "scenarios" / "emerson.toml"


def default_plan_path() -> Path:
    """``plan.toml``, the plan's commitments and what is deployed: packaged with the wheel, or
    from the checkout's ``examples/``."""
    packaged = resources.files("northline").joinpath("_examples/plan.toml")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "examples" / "plan.toml"


@dataclass
class DemoResult:
    scenario: str
    seed: int
    boundary_source: str
    out_dir: Path
    n_events: int
    n_observations: int
    n_quarantined: int
    pipeline: PipelineResult
    score: Score
    timings_s: dict[str, float] = field(default_factory=dict)
    response: dict[str, Any] | None = None  # the simulated response, when there are assets
    report: dict[str, Any] | None = None  # the evidence report written for the run

    def summary(self) -> dict[str, Any]:
        """The figures the demo prints, JSON-ready (undefined figures are null)."""
        p, s = self.pipeline, self.score.to_dict()
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "boundary": self.boundary_source,
            "detections": self.n_observations,
            "quarantined": self.n_quarantined,
            "confirmed_tracks": len(p.confirmed_tracks),
            "true_crossings": s["true_crossings"],
            "crossings_detected": s["detected"],
            "detection_rate": s["detection_rate"],
            "median_delay_s": s["median_delay_s"],
            "false_crossing_alerts": s["false_crossing_alerts"],
            "false_alerts_per_hour": s["false_alerts_per_hour"],
            "late_crossing_alerts": s["late_crossing_alerts"],
            "approach_warnings": s["approach_warnings"],
            "port_transits": sum(1 for c in p.crossings if c.port_code),
            "response": self.response,
            "report": self.report,
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
        }


def _sensor_infos(sim: SimulationResult) -> dict[str, SensorInfo]:
    return {
        s.sensor_id: SensorInfo(
            sensor_id=s.sensor_id,
            kind=SensorKind(s.kind),
            lon=s.lon,
            lat=s.lat,
            range_m=s.range_m if s.kind == SensorKind.TOWER.value else float("nan"),
            sigma_m=s.sigma_m,
        )
        for s in sim.sensors
    }


@dataclass
class Prepared:
    """A scenario simulated, written to disk and ingested: what a run tracks."""

    scenario: Any
    boundary_source: str
    sim: SimulationResult
    observations: ObservationBatch
    quarantined: list[QuarantinedMessage]
    timings_s: dict[str, float] = field(default_factory=dict)

    def pipeline(self) -> ReplayPipeline:
        """A fresh pipeline for the scenario's sector, sensors and settings."""
        return ReplayPipeline(
            self.sim.sector,
            _sensor_infos(self.sim),
            tracker=TrackerConfig.from_dict(self.scenario.pipeline.get("tracker", {})),
            border=BorderConfig.from_dict(self.scenario.pipeline.get("border", {})),
            marking=self.scenario.marking,
        )


def fresh_store_path(out_dir: Path) -> Path:
    """``out_dir/northline.sqlite``, with any earlier run's database removed."""
    db = out_dir / STORE_NAME
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


def prepare(
    scenario_path: Path | None,
    out_dir: Path,
    store: SQLiteStore,
    *,
    seed: int | None = None,
    progress: Progress | None = None,
) -> Prepared:
    """Simulate the scenario, write its outputs to ``out_dir``, and ingest the CoT it wrote
    into ``store`` (observations and quarantine)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    scenario = load_scenario(scenario_path or default_scenario_path())
    if seed is not None:
        scenario = scenario.with_seed(seed)
    boundary = load_boundary()
    out_dir.mkdir(parents=True, exist_ok=True)
    sim = simulate(scenario, boundary)
    write_outputs(sim, out_dir)
    timings["simulate"] = time.perf_counter() - t0
    if progress:
        progress("simulate", 1, 1)
    t1 = time.perf_counter()
    batches: list[ObservationBatch] = []
    quarantined: list[QuarantinedMessage] = []
    for part in iter_cot_file(out_dir / "detections.cot", source="sim:detections.cot"):
        batches.append(part.batch)
        quarantined.extend(part.quarantined)
        store.add_observations(part.batch)
    store.add_quarantined(quarantined)
    timings["ingest"] = time.perf_counter() - t1
    if progress:
        progress("ingest", 1, 1)
    return Prepared(
        scenario, boundary.source, sim, ObservationBatch.concat(batches), quarantined, timings
    )


def run_demo(
    scenario_path: Path | None = None,
    out_dir: Path = Path("out/demo"),
    *,
    seed: int | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Simulate, ingest, track and score one scenario; write the results to ``out_dir``."""
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    with SQLiteStore(fresh_store_path(out_dir)) as store:
        prep = prepare(scenario_path, out_dir, store, seed=seed, progress=progress)
        timings = prep.timings_s
        t2 = time.perf_counter()
        result = prep.pipeline().run(
            prep.observations, (lambda k, n: progress("track", k, n)) if progress else None
        )
        timings["track"] = time.perf_counter() - t2

        t3 = time.perf_counter()
        store.add_track_updates(result.track_updates)
        store.add_crossings(result.crossings)
        store.add_alerts(result.alerts)
    write_json(out_dir / "tracks.geojson", tracks_geojson(result.track_updates))
    write_json(out_dir / "crossings.geojson", crossings_geojson(result.crossings))
    write_json(out_dir / "alerts.json", alerts_json(result.alerts))
    timings["store_and_export"] = time.perf_counter() - t3

    sc = score(prep.sim.truth, result.crossings, result.alerts)
    t4 = time.perf_counter()
    response = _simulated_response(prep, result, out_dir / STORE_NAME)
    if response is not None:
        timings["response"] = time.perf_counter() - t4
    t5 = time.perf_counter()
    report = _write_report(out_dir / STORE_NAME, out_dir / "report.html", prep)
    timings["report"] = time.perf_counter() - t5
    timings["total"] = time.perf_counter() - t0
    demo = DemoResult(
        scenario=prep.scenario.name,
        seed=prep.scenario.seed,
        boundary_source=prep.boundary_source,
        out_dir=out_dir,
        n_events=len(prep.sim.events),
        n_observations=len(prep.observations),
        n_quarantined=len(prep.quarantined),
        pipeline=result,
        score=sc,
        timings_s=timings,
        response=response,
        report=report,
    )
    write_json(out_dir / "summary.json", demo.summary())
    return demo


def _simulated_response(
    prep: Prepared, result: PipelineResult, store_path: Path
) -> dict[str, Any] | None:
    """The response to the run's alerts, simulated with Northline's recommendations and a
    stand-in operator who accepts them (``northline.response``); None without assets. The
    run is also kept in the store (:func:`_record_response`), as a real one would be.

    The run's figures (:meth:`ResponseRun.to_dict` without the list of times), the mean
    alert → decision and decision → on scene times, and :func:`response_measures` of its
    records: ``overall``, ``by_asset_kind`` and ``by_sector``."""
    from ..response import load_assets, response_measures, simulate_response

    assets = load_assets({"assets": list(prep.scenario.assets)})
    if not assets:
        return None
    sim = prep.sim
    hour = int((sim.truth.start_s % 86_400) // 3600)
    run = simulate_response(
        result.alerts,
        result.track_updates,
        sim.truth,
        assets,
        policy="northline",
        frame=sim.sector.frame,
        ports=tuple(sim.sector.ports),
        night=hour < 13,  # Manitoba (UTC-6) between 18:00 and 07:00
        bounds_m=sim.sector.extent_local.bounds,
    )
    with SQLiteStore(store_path) as store:
        _record_response(store, assets, run, end_s=float(sim.truth.end_s))
    figures = run.to_dict()
    figures.pop("times_to_intercept_s", None)
    measures = response_measures(run.records())
    overall = measures["overall"]

    def mean(key: str) -> float | None:
        stats = overall[key]
        return None if stats is None else round(stats["mean"], 1)

    return {
        **figures,
        "mean_alert_to_decision_s": mean("alert_to_decision_s"),
        "mean_decision_to_on_scene_s": mean("decision_to_on_scene_s"),
        **measures,
    }


_RESOLVED_AS = {  # the simulated outcome as the operator would resolve the alert
    "intercepted": "intercepted",
    "lost": "not_found",
    "false_alarm": "false_alarm",
    "turned_back": "turned_back",
}


def _record_response(
    store: SQLiteStore, assets: Sequence[Asset], run: ResponseRun, *, end_s: float
) -> None:
    """Keep a simulated response in the store as the service keeps a real one: the responders,
    every decision (by the simulated operator), the alert's ``task`` and ``resolve`` steps,
    and each tasked unit's asset events (tasked, on scene, returning). Later alerts that the
    simulation folded into an incident on the same track are left as they were raised."""
    from ..alerts import step
    from ..model import AlertAction
    from ..response import SIMULATED_OPERATOR, AssetStatus, ResponseSettings, asset_event

    by_id = {a.asset_id: a for a in assets}
    start = min((o.alert_t_s for o in run.outcomes), default=end_s)
    for a in assets:
        store.put_asset(a, t_s=start, author="scenario")
    on_scene_s = ResponseSettings().on_scene_s
    steps: list[tuple[float, int, str, str, str | None]] = []  # t, order, alert, action, outcome
    moves: list[tuple[float, str, AssetStatus, str]] = []  # t, asset, status, alert
    for d in run.decisions:
        store.add_dispatch_decision(d)
        if d.asset_id is not None:
            steps.append((d.t_s, 0, d.alert_id, "task", None))
    for o in run.outcomes:
        resolved_t = o.on_scene_t_s if math.isfinite(o.on_scene_t_s) else end_s
        steps.append((resolved_t, 1, o.alert_id, "resolve", _RESOLVED_AS[o.outcome.value]))
        if o.asset_id is None or o.asset_id not in by_id:
            continue
        if math.isfinite(o.decision_t_s):
            moves.append((o.decision_t_s, o.asset_id, AssetStatus.TASKED, o.alert_id))
        if math.isfinite(o.on_scene_t_s):
            moves.append((o.on_scene_t_s, o.asset_id, AssetStatus.ON_SCENE, o.alert_id))
            t_back = o.on_scene_t_s + on_scene_s
            moves.append((t_back, o.asset_id, AssetStatus.RETURNING, o.alert_id))
        elif math.isfinite(o.decision_t_s):  # it got away: the unit goes home
            moves.append((resolved_t, o.asset_id, AssetStatus.RETURNING, o.alert_id))
    for t, _, alert_id, action, outcome in sorted(steps):
        step(
            store,
            alert_id,
            AlertAction(action),
            SIMULATED_OPERATOR,
            note="simulated response" if action == "resolve" else "simulated operator",
            outcome=outcome,
            now_t_s=t,
        )
    for t, asset_id, status, alert_id in sorted(moves):
        store.add_asset_event(
            asset_event(
                by_id[asset_id], t_s=t, author=f"sim:{asset_id}", status=status, alert_id=alert_id
            )
        )


def _write_report(store_path: Path, out: Path, prep: Prepared) -> dict[str, Any]:
    """The evidence report of the run (``northline report`` over its store and period, with
    the example plan): where it is and how many sourced figures it holds."""
    from ..reports import build_report

    truth = prep.sim.truth
    plan = default_plan_path()
    with SQLiteStore(store_path) as store:
        r = build_report(
            store,
            t_from_s=float(truth.start_s),
            t_to_s=float(truth.end_s) + 1.0,
            out=out,
            plan=plan if plan.is_file() else None,
        )
    return {
        "html": r.html.name,
        "json": r.json.name,
        "csv": r.csv.name if r.csv is not None else None,
        "figures": len(r.figures),
        "notes": list(r.notes),
    }
