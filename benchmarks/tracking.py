"""Tracking benchmark: Northline against Stone Soup on the same detections.

Run ``make bench`` (or ``.venv/bin/python benchmarks/tracking.py [--quick]``). It prints; it
asserts nothing about speed.

Scenario (seeded, 2-D, metres and seconds)
------------------------------------------
* ``N`` is the expected number of targets inside a square surveillance region whose side is
  ``sqrt(N / density)``, density 1 target per km²: 10 targets in 3.2 km, 10 000 in 100 km.
* Targets move at nearly constant velocity (speed uniform in 1–20 m/s, heading uniform, white
  acceleration noise of spectral density ``TRUTH_Q`` = 0.05 m²/s³ per axis). They are laid out
  with the same density over the square widened by how far the fastest target goes in the run,
  so targets flow in and out across the edges and the density inside stays constant. The truth
  at a scan is the targets inside the square; only they are detected.
* Each target inside is detected with probability 0.9, with Gaussian noise of 10 m per axis;
  Poisson(10) clutter points per scan fall uniformly over the square. 100 scans at 1 s for
  every N, 10 000 included (``--scans-large`` can set fewer for N ≥ 10 000).

Trackers and how their settings map (Northline ``TrackerConfig`` ↔ Stone Soup)
----------------------------------------------------------------------------------
=========================  ===============================  =================================
what                       Northline                        Stone Soup
=========================  ===============================  =================================
motion                     ``ConstantVelocity(q)``,         ``CombinedLinearGaussianTransition
                           ``process_noise_q`` = 0.5        Model([ConstantVelocity(0.5)]*2)``:
                           m²/s³, state [x, y, vx, vy]      the same Q(dt); state [x, vx, y, vy]
measurement                ``sigma_m`` = 10 m per axis      ``LinearGaussian(ndim_state=4,
                                                            mapping=(0, 2), noise_covar=
                                                            diag(100, 100))``
filter                     batched Kalman (Joseph form)     ``KalmanPredictor``,
                                                            ``KalmanUpdater``
gate                       ``gate_d2`` = 13.82 (χ², 2 dof,  GNN: ``DistanceHypothesiser(
                           99.9 %) on d² = νᵀS⁻¹ν           measure=Mahalanobis(),
                                                            missed_distance=√13.82)``, a hard
                                                            gate on d = √(νᵀS⁻¹ν); JPDA:
                                                            ``PDAHypothesiser(prob_gate=
                                                            0.999)`` (its gate is χ²⁻¹(0.999, 2)
                                                            = 13.82)
GNN association            ``GlobalNearestNeighbour``: one  ``GNNWith2DAssignment``: one
                           assignment, cost d² + ln det S,  assignment, cost d (Mahalanobis
                           miss ≈ gate_d2 + ln det S        distance, not squared), miss √13.82;
                                                            row "GNN kd": the same wrapped in
                                                            ``DetectionKDTreeGNN2D`` (a k-d tree
                                                            pre-filter of 500 m, as Northline
                                                            pre-filters with one; the gate still
                                                            decides), in the initiator too
JPDA association           ``JointProbabilisticDA(pd=0.9,   ``JPDA(PDAHypothesiser(prob_detect=
                           clutter_density=λ,               0.9, clutter_spatial_density=λ,
                           gate_probability=0.999)``, if    prob_gate=0.999))`` in a
                           ``northline.tracking`` exports   ``MultiTargetMixtureTracker``: exact
                           it (else the row says n/a);      enumeration of the joint events of
                           λ = 10 / side² per m² per scan   *all* tracks at once; row "JPDA
                                                            LBP": ``JPDAwithLBP``, its loopy
                                                            belief propagation approximation
initiation                 every detection left over        every detection left over starts a
                           starts a tentative track,        holding track in
                           P = diag(σ², σ², 12², 12²)       ``MultiMeasurementInitiator``,
                           (``init_speed_sigma_mps`` = 12)  prior ``GaussianState(0, diag(0,
                                                            12², 0, 12²))``: the same P
confirmation               ``confirm_m`` = 3 hits within    ``min_points`` = 3 updates (the
                           ``confirm_n`` = 5 looks          first detection counts, as in
                                                            Northline) and the holding deleter
                                                            ``MofNHoldingDeleter(3, 5)`` below:
                                                            the same M-of-N
deletion                   ``confirmed_max_misses`` = 6     ``UpdateTimeStepsDeleter(
                           misses in a row                  time_steps_since_update=6)``: the
                           (``max_coast_s`` = 30 s never    same (6 predictions in a row)
                           binds at 1 Hz)
=========================  ===============================  =================================

Known differences that remain: Northline associates tentative and confirmed tracks in one
assignment, Stone Soup associates its confirmed tracks first and hands the rest of the
detections to the initiator's holding tracks (which always use GNN, also in the JPDA run, as
in Stone Soup's JPDA tutorial); and the GNN costs differ as the table says.

Measures
--------
* ms/scan and detections/s: wall time of the tracker's per-scan call only (Northline
  ``Tracker.step``; Stone Soup ``MultiTargetTracker.update_tracker``), on detections already
  in each library's input form. The runs go one after another in one process.
* GOSPA: ``northline.tracking._metrics.gospa_series`` with c = 100 m, p = 1, alpha = 2, each
  scan, between the truth inside the square and the *mature* tracks (Northline states
  ``confirmed`` and ``coasting``, the rows ``northline track`` writes; Stone Soup's
  ``tracker.tracks``, which hold only tracks its initiator released). The mean leaves out the
  first ``WARMUP_SCANS`` scans, while no tracker can have confirmed anything yet.
* Stone Soup runs only up to ``--stonesoup-max-n`` (200) and each run is stopped after
  ``--budget-s`` (120 s) of wall time; its rates are over the scans it finished, and its
  GOSPA is compared with Northline's over the same scans.
* Memory: the tracker's own arrays (``Tracker.memory_bytes()`` when it has it, else the sum of
  the ``nbytes`` of its track arrays) at their peak over the run, per live track then.
"""

from __future__ import annotations

import os

# One core, as the figures claim: no threaded BLAS under NumPy's small matrix products.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import dataclasses
import datetime as dt
import inspect
import math
import platform
import resource
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import chi2

import northline.tracking as nt
from northline.model import TrackState
from northline.sim import manoeuvring_targets
from northline.tracking import gospa_series

F8 = npt.NDArray[np.float64]

DENSITY_PER_KM2 = 1.0
SPEED_MPS = (1.0, 20.0)
TRUTH_Q = 0.05  # m²/s³, the targets' own white-acceleration spectral density
TRACKER_Q = 0.5  # m²/s³, both trackers' process noise (Northline's default)
PD = 0.9
CLUTTER_PER_SCAN = 10.0
SIGMA_M = 10.0
DT_S = 1.0
GATE_D2 = 13.82
GATE_PROBABILITY = float(chi2.cdf(GATE_D2, 2))  # 0.999
KD_PREFILTER_M = 500.0  # Stone Soup kd-tree radius: a pre-filter, the Mahalanobis gate decides
CONFIRM_M, CONFIRM_N, MAX_MISSES = 3, 5, 6
INIT_SPEED_SIGMA_MPS = 12.0
GOSPA_C, GOSPA_P, GOSPA_ALPHA = 100.0, 1.0, 2.0
WARMUP_SCANS = 5
MATURE = (TrackState.CONFIRMED.value, TrackState.COASTING.value)


# -- scenario --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    n_targets: int
    side_m: float
    times_s: F8  # (K,)
    truth_t: F8  # (rows,) one row per target inside the square per scan
    truth_xy: F8  # (rows, 2)
    truth_id: npt.NDArray[np.int64]  # (rows,) which target
    detections: list[F8]  # per scan (m_k, 2), targets and clutter shuffled together

    @property
    def n_detections(self) -> int:
        return sum(len(z) for z in self.detections)

    @property
    def clutter_density_per_m2(self) -> float:
        return CLUTTER_PER_SCAN / self.side_m**2


def make_scenario(n_targets: int, n_scans: int, seed: int) -> Scenario:
    rng = np.random.default_rng([seed, n_targets])
    side = math.sqrt(n_targets / DENSITY_PER_KM2) * 1000.0
    margin = SPEED_MPS[1] * n_scans * DT_S
    wide = side + 2 * margin
    n_all = rng.poisson(n_targets * (wide / side) ** 2)
    pos = rng.uniform(-margin, side + margin, (n_all, 2))
    speed = rng.uniform(*SPEED_MPS, n_all)
    heading = rng.uniform(0.0, 2 * np.pi, n_all)
    vel = np.stack([speed * np.cos(heading), speed * np.sin(heading)], axis=1)
    # Exact discretisation of white-acceleration noise, per axis: Q = q [[dt³/3, dt²/2], ...].
    q = TRUTH_Q * np.array([[DT_S**3 / 3, DT_S**2 / 2], [DT_S**2 / 2, DT_S]])
    chol = np.linalg.cholesky(q)
    times = np.arange(n_scans, dtype=np.float64) * DT_S
    truth_t, truth_xy, truth_id, detections = [], [], [], []
    for k, t in enumerate(times.tolist()):
        if k:
            w = rng.standard_normal((n_all, 2, 2)) @ chol.T  # [axis, (dpos, dvel)]
            pos = pos + vel * DT_S + w[:, :, 0]
            vel = vel + w[:, :, 1]
        inside = np.all((pos >= 0.0) & (pos <= side), axis=1)
        truth = pos[inside]
        truth_t.append(np.full(len(truth), t))
        truth_xy.append(truth)
        truth_id.append(np.flatnonzero(inside))
        seen = truth[rng.random(len(truth)) < PD]
        z = seen + rng.normal(0.0, SIGMA_M, seen.shape)
        clutter = rng.uniform(0.0, side, (rng.poisson(CLUTTER_PER_SCAN), 2))
        both = np.concatenate([z, clutter])
        detections.append(both[rng.permutation(len(both))])
    return Scenario(
        n_targets=n_targets,
        side_m=side,
        times_s=times,
        truth_t=np.concatenate(truth_t),
        truth_xy=np.concatenate(truth_xy),
        truth_id=np.concatenate(truth_id),
        detections=detections,
    )


# -- runs ------------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    family: str  # "gnn" or "jpda": which Northline run it is compared with
    step_s: list[float] = dataclasses.field(default_factory=list)  # per finished scan
    n_det: list[int] = dataclasses.field(default_factory=list)  # per finished scan
    est_t: list[F8] = dataclasses.field(default_factory=list)
    est_xy: list[F8] = dataclasses.field(default_factory=list)
    note: str = ""
    ran: bool = True
    peak_bytes: int = 0
    live_at_peak: int = 0

    @property
    def scans(self) -> int:
        return len(self.step_s)

    def seconds(self, upto: int) -> float:
        return float(sum(self.step_s[:upto]))

    def ms_per_scan(self, upto: int) -> float:
        return 1e3 * self.seconds(upto) / upto if upto else math.nan

    def detections_per_s(self, upto: int) -> float:
        s = self.seconds(upto)
        return sum(self.n_det[:upto]) / s if s > 0 else math.nan

    def record(self, t: float, seconds: float, n_det: int, xy: F8) -> None:
        self.step_s.append(seconds)
        self.n_det.append(n_det)
        self.est_t.append(np.full(len(xy), t))
        self.est_xy.append(xy.reshape(-1, 2))


class _OutOfTime(Exception):
    pass


@contextmanager
def _budget(seconds: float) -> Iterator[None]:
    """Raise ``_OutOfTime`` in the main thread after ``seconds`` of wall time."""

    def _alarm(signum: int, frame: Any) -> None:
        raise _OutOfTime

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, old)


def northline_config(scn: Scenario) -> nt.TrackerConfig:
    return nt.TrackerConfig(
        pd=PD,
        clutter_density_per_m2=scn.clutter_density_per_m2,
        process_noise_q=TRACKER_Q,
        gate_d2=GATE_D2,
        init_speed_sigma_mps=INIT_SPEED_SIGMA_MPS,
        confirm_m=CONFIRM_M,
        confirm_n=CONFIRM_N,
        confirmed_max_misses=MAX_MISSES,
    )


def northline_jpda(scn: Scenario) -> Any | None:
    """``JointProbabilisticDA`` with the scenario's pd and clutter, if Northline exports it."""
    cls = getattr(nt, "JointProbabilisticDA", None)
    if cls is None:
        return None
    wanted = {
        "pd": PD,
        "clutter_density": scn.clutter_density_per_m2,
        "gate_probability": GATE_PROBABILITY,
    }
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in wanted.items() if k in accepted})


def _tracker_bytes(tracker: Any) -> int:
    if hasattr(tracker, "memory_bytes"):
        return int(tracker.memory_bytes())
    tracks = tracker._tracks
    total = 0
    for name in getattr(tracks, "__dataclass_fields__", vars(tracks)):
        value = getattr(tracks, name)
        if isinstance(value, np.ndarray):
            total += value.nbytes
    return total


def run_northline(scn: Scenario, family: str) -> Run:
    run = Run(f"Northline {family.upper()}", family)
    if family == "gnn":
        tracker = nt.Tracker(northline_config(scn))
    else:
        associator = northline_jpda(scn)
        if associator is None:
            run.ran, run.note = False, "n/a: northline.tracking has no JointProbabilisticDA"
            return run
        tracker = nt.Tracker(northline_config(scn), associator=associator)
    for t, z in zip(scn.times_s.tolist(), scn.detections, strict=True):
        start = time.perf_counter()
        res = tracker.step(t, z, SIGMA_M)
        elapsed = time.perf_counter() - start
        tb = res.tracks
        mature = np.isin(tb.state, MATURE)
        run.record(t, elapsed, len(z), np.stack([tb.x_m[mature], tb.y_m[mature]], axis=1))
        used = _tracker_bytes(tracker)
        if used > run.peak_bytes:
            run.peak_bytes, run.live_at_peak = used, tracker.n_live
    return run


# -- Stone Soup ------------------------------------------------------------------------------

# name: (family, associator); see the module docstring.
STONESOUP_RUNS = {
    "Stone Soup GNN": ("gnn", "GNNWith2DAssignment"),
    "Stone Soup GNN kd": ("gnn", "DetectionKDTreeGNN2D"),
    "Stone Soup JPDA": ("jpda", "JPDA"),
    "Stone Soup JPDA LBP": ("jpda", "JPDAwithLBP"),
}


def stonesoup_version() -> str | None:
    try:
        from importlib.metadata import version

        import stonesoup  # noqa: F401
    except ImportError:
        return None
    return version("stonesoup")


def _stonesoup_tracker(associator: str, clutter_density: float) -> tuple[Any, Any]:
    """A Stone Soup tracker set up as the module docstring says, and its measurement model."""
    from stonesoup.base import Property
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.dataassociator.probability import JPDA, JPDAwithLBP
    from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
    from stonesoup.deleter.base import Deleter
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.probability import PDAHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetMixtureTracker, MultiTargetTracker
    from stonesoup.types.state import GaussianState
    from stonesoup.types.update import Update
    from stonesoup.updater.kalman import KalmanUpdater

    class MofNHoldingDeleter(Deleter):  # type: ignore[misc]
        """Delete a holding track once it can no longer make ``m`` updates in ``n`` looks.

        Northline's tentative-track rule; the initiator releases a track at ``m`` updates
        before it asks the deleter, as Northline confirms before it deletes."""

        m: int = Property(doc="updates needed")
        n: int = Property(doc="within this many looks (states) from the first detection")

        def check_for_deletion(self, track: Any, **kwargs: Any) -> bool:
            looks = len(track)
            hits = sum(1 for state in track if isinstance(state, Update))
            return bool(looks >= self.n or hits + (self.n - looks) < self.m)

    transition = CombinedLinearGaussianTransitionModel(
        [ConstantVelocity(TRACKER_Q), ConstantVelocity(TRACKER_Q)]
    )
    measurement = LinearGaussian(
        ndim_state=4, mapping=(0, 2), noise_covar=np.diag([SIGMA_M**2, SIGMA_M**2])
    )
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(measurement)
    distance = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=math.sqrt(GATE_D2)
    )

    def gnn() -> Any:
        if associator == "DetectionKDTreeGNN2D":
            return DetectionKDTreeGNN2D(
                hypothesiser=distance,
                predictor=predictor,
                updater=updater,
                max_distance=KD_PREFILTER_M,
            )
        return GNNWith2DAssignment(distance)

    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(
            np.zeros((4, 1)),
            np.diag([0.0, INIT_SPEED_SIGMA_MPS**2, 0.0, INIT_SPEED_SIGMA_MPS**2]),
        ),
        measurement_model=measurement,
        deleter=MofNHoldingDeleter(m=CONFIRM_M, n=CONFIRM_N),
        data_associator=gnn(),
        updater=updater,
        min_points=CONFIRM_M,
    )
    deleter = UpdateTimeStepsDeleter(time_steps_since_update=MAX_MISSES)
    if associator in ("GNNWith2DAssignment", "DetectionKDTreeGNN2D"):
        tracker = MultiTargetTracker(
            initiator=initiator,
            deleter=deleter,
            detector=None,
            data_associator=gnn(),
            updater=updater,
        )
    else:
        pda = PDAHypothesiser(
            predictor,
            updater,
            clutter_spatial_density=clutter_density,
            prob_detect=PD,
            prob_gate=GATE_PROBABILITY,
        )
        jpda = JPDAwithLBP(pda) if associator == "JPDAwithLBP" else JPDA(pda)
        tracker = MultiTargetMixtureTracker(
            initiator=initiator,
            deleter=deleter,
            detector=None,
            data_associator=jpda,
            updater=updater,
        )
    return tracker, measurement


def run_stonesoup(scn: Scenario, name: str, budget_s: float) -> Run:
    from stonesoup.types.array import StateVector
    from stonesoup.types.detection import Detection

    family, associator = STONESOUP_RUNS[name]
    tracker, measurement = _stonesoup_tracker(associator, scn.clutter_density_per_m2)
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    stamps = [t0 + dt.timedelta(seconds=t) for t in scn.times_s.tolist()]
    scans = [
        {
            Detection(StateVector(v), timestamp=stamp, measurement_model=measurement)
            for v in z.tolist()
        }
        for z, stamp in zip(scn.detections, stamps, strict=True)
    ]
    run = Run(name, family)
    began = time.perf_counter()
    try:
        with _budget(budget_s):
            for t, stamp, dets in zip(scn.times_s.tolist(), stamps, scans, strict=True):
                start = time.perf_counter()
                _, tracks = tracker.update_tracker(stamp, dets)
                elapsed = time.perf_counter() - start
                xy = np.array([[tr.state_vector[0, 0], tr.state_vector[2, 0]] for tr in tracks])
                run.record(t, elapsed, len(dets), xy)
    except _OutOfTime:
        stuck = time.perf_counter() - began - run.seconds(run.scans)
        run.note = (
            f"stopped at the {budget_s:.0f} s budget: {run.scans} of {len(scans)} scans done, "
            f"scan {run.scans + 1} unfinished after {stuck:.0f} s"
        )
    return run


# -- scoring and printing --------------------------------------------------------------------


def mean_gospa(scn: Scenario, run: Run, upto: int) -> tuple[float, float, float]:
    """Mean GOSPA, missed truths and false tracks per scan over scans WARMUP_SCANS..upto-1."""
    if upto <= WARMUP_SCANS:
        return math.nan, math.nan, math.nan
    times = scn.times_s[:upto]
    keep = scn.truth_t <= times[-1]
    g = gospa_series(
        times,
        scn.truth_t[keep],
        scn.truth_xy[keep],
        np.concatenate(run.est_t[:upto]),
        np.concatenate(run.est_xy[:upto]),
        c=GOSPA_C,
        p=GOSPA_P,
        alpha=GOSPA_ALPHA,
    )
    w = slice(WARMUP_SCANS, upto)
    return (
        float(g.distance[w].mean()),
        float(g.n_missed[w].mean()),
        float(g.n_false[w].mean()),
    )


def _fmt(value: float, spec: str) -> str:
    return "n/a" if math.isnan(value) else format(value, spec)


def print_table(scn: Scenario, runs: list[Run]) -> None:
    k = len(scn.times_s)
    print(
        f"\nN = {scn.n_targets}: square {scn.side_m / 1000:.1f} km, {k} scans, "
        f"{len(scn.truth_t) / k:.1f} targets and {scn.n_detections / k:.1f} detections per scan"
    )
    header = (
        f"  {'tracker':<20} {'scans':>5} {'det/s':>10} {'ms/scan':>9} {'GOSPA':>8} "
        f"{'missed':>6} {'false':>6} {'NL speed×':>9} {'NL GOSPA÷':>9}  note"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    northline = {r.family: r for r in runs if r.name.startswith("Northline") and r.ran}
    for run in runs:
        if not run.ran or not run.scans:
            print(f"  {run.name:<20} {'–':>5}  {run.note}")
            continue
        upto = run.scans
        g, miss, false = mean_gospa(scn, run, upto)
        speed = gospa_ratio = math.nan
        ref = northline.get(run.family)
        if ref is not None and ref is not run:
            # Northline of the same family, over the scans this (possibly stopped) run did.
            speed = run.seconds(upto) / ref.seconds(upto)
            gospa_ratio = mean_gospa(scn, ref, upto)[0] / g
        print(
            f"  {run.name:<20} {upto:>5} {_fmt(run.detections_per_s(upto), ',.0f'):>10} "
            f"{_fmt(run.ms_per_scan(upto), '.2f'):>9} {_fmt(g, '.1f'):>8} "
            f"{_fmt(miss, '.2f'):>6} {_fmt(false, '.2f'):>6} {_fmt(speed, ',.0f'):>9} "
            f"{_fmt(gospa_ratio, '.3f'):>9}  {run.note}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: N = 10, 100; 8 scans")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 200, 1000, 10000])
    ap.add_argument("--scans", type=int, default=100)
    ap.add_argument(
        "--scans-large", type=int, default=0, help="scans for N >= 10000 (0: same as --scans)"
    )
    ap.add_argument("--stonesoup-max-n", type=int, default=200)
    ap.add_argument("--budget-s", type=float, default=120.0, help="wall time per Stone Soup run")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--no-manoeuvre", action="store_true", help="skip the CV vs IMM section")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.scans, args.budget_s = [10, 100], 8, 3.0

    ss_version = stonesoup_version()
    print(
        f"Northline tracking benchmark · Python {platform.python_version()} · "
        f"NumPy {np.__version__} · Stone Soup {ss_version or 'not installed'} · "
        f"seed {args.seed}"
    )
    print(
        f"GOSPA: c = {GOSPA_C:.0f} m, p = {GOSPA_P:.0f}, alpha = {GOSPA_ALPHA:.0f}, mature "
        f"tracks vs truth, mean over scans {WARMUP_SCANS}..end; missed/false: per scan.\n"
        "NL speed×: this row's time over Northline's (same family) on the same scans; "
        "NL GOSPA÷: Northline's mean GOSPA over this row's, same scans (> 1: Northline worse)."
    )
    gave_up: dict[str, int] = {}
    largest: Run | None = None
    for n in args.sizes:
        scans = args.scans_large if (n >= 10000 and args.scans_large) else args.scans
        scn = make_scenario(n, scans, args.seed)
        largest = run_northline(scn, "gnn")
        runs = [largest, run_northline(scn, "jpda")]
        if n <= args.stonesoup_max_n:
            for name, (family, _) in STONESOUP_RUNS.items():
                if ss_version is None:
                    runs.append(Run(name, family, ran=False, note="n/a: stonesoup not installed"))
                elif name in gave_up:
                    note = f"skipped: did not get past warm-up at N = {gave_up[name]}"
                    runs.append(Run(name, family, ran=False, note=note))
                else:
                    run = run_stonesoup(scn, name, args.budget_s)
                    if run.scans <= WARMUP_SCANS:
                        gave_up[name] = n
                    runs.append(run)
        print_table(scn, runs)
        sys.stdout.flush()
    if largest is not None and largest.live_at_peak:
        print(
            f"\nNorthline GNN at N = {args.sizes[-1]}: the tracker's arrays peaked at "
            f"{largest.peak_bytes / 1024:,.0f} KiB with {largest.live_at_peak:,} live tracks, "
            f"{largest.peak_bytes / largest.live_at_peak:.0f} bytes per live track "
            f"(process peak RSS, everything included: {_max_rss_mib():,.0f} MiB)"
        )
    if not args.no_manoeuvre:
        manoeuvre_section(args.seed, scans=20 if args.quick else 100, runs=1 if args.quick else 3)
    return 0


def manoeuvre_section(seed: int, n: int = 100, scans: int = 100, runs: int = 3) -> None:
    """Constant velocity against the IMM (CV + coordinated turn) on the same detections."""
    print(
        f"\nManoeuvring targets: N = {n}, {scans} scans, pd {PD}, 10 clutter per scan, "
        f"sigma {SIGMA_M:.0f} m; Northline GNN, mean GOSPA (c = {GOSPA_C:.0f} m) over {runs} seeds"
    )
    print(f"  {'motion':8} {'GOSPA':>8} {'missed':>7} {'false':>6} {'ms/scan':>8}")
    results: dict[str, list[tuple[float, float, float, float]]] = {"cv": [], "imm": []}
    for r in range(runs):
        rng = np.random.default_rng(seed + r)
        truth = manoeuvring_targets(n, scans, rng)
        side = float(truth.max()) + 1000.0
        dets = []
        for k in range(scans):
            seen = rng.random(n) < PD
            clutter = rng.uniform(0, side, (rng.poisson(10), 2))
            dets.append(
                np.vstack([truth[seen, k] + rng.normal(0, SIGMA_M, (seen.sum(), 2)), clutter])
            )
        for motion in results:
            cfg = nt.TrackerConfig(
                motion=motion,
                pd=PD,
                clutter_density_per_m2=10.0 / side**2,
                process_noise_q=TRACKER_Q,
            )
            tracker = nt.Tracker(cfg)
            g, miss, false, elapsed = [], [], [], 0.0
            for k, z in enumerate(dets):
                t0 = time.perf_counter()
                tb = tracker.step(float(k), z, SIGMA_M).tracks
                elapsed += time.perf_counter() - t0
                mature = np.isin(tb.state, MATURE)
                if k >= WARMUP_SCANS:
                    est = np.stack([tb.x_m[mature], tb.y_m[mature]], axis=1)
                    res = nt.gospa(truth[:, k], est, c=GOSPA_C, p=GOSPA_P, alpha=GOSPA_ALPHA)
                    g.append(res.distance)
                    miss.append(res.n_missed)
                    false.append(res.n_false)
            results[motion].append(
                (
                    float(np.mean(g)),
                    float(np.mean(miss)),
                    float(np.mean(false)),
                    1000.0 * elapsed / scans,
                )
            )
    for motion, rows in results.items():
        a = np.mean(np.array(rows), axis=0)
        print(f"  {motion.upper():8} {a[0]:8.1f} {a[1]:7.2f} {a[2]:6.2f} {a[3]:8.2f}")
    cv = np.mean([r[0] for r in results["cv"]])
    imm = np.mean([r[0] for r in results["imm"]])
    print(f"  IMM / CV mean GOSPA: {imm / cv:.3f}")


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


if __name__ == "__main__":
    sys.exit(main())
