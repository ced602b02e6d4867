"""The tracker end to end on seeded synthetic targets, checked against the truth it was given."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from northline.model import InvalidInput
from northline.tracking import OUTPUT_COLUMNS, Coverage, Tracker, TrackerConfig, track_csv


def _run(
    tracker: Tracker,
    truth: np.ndarray,
    rng: np.random.Generator,
    pd: float = 1.0,
    sigma: float = 10.0,
    clutter: int = 0,
    extent: float = 5000.0,
):
    results = []
    for k in range(truth.shape[1]):
        pos = truth[:, k]
        seen = rng.random(len(pos)) < pd
        z = pos[seen] + rng.normal(0, sigma, (seen.sum(), 2))
        c = rng.uniform(-extent, extent, (clutter, 2))
        results.append(tracker.step(float(k), np.vstack([z, c]), sigma))
    return results


def _straight(n: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    start = rng.uniform(-4000, 4000, (n, 2))
    vel = rng.uniform(-10, 10, (n, 2))
    t = np.arange(steps)
    return start[:, None, :] + vel[:, None, :] * t[None, :, None]


def test_confirms_each_target_once_and_keeps_its_id() -> None:
    rng = np.random.default_rng(7)
    truth = _straight(5, 40, rng)
    tracker = Tracker(TrackerConfig(confirm_m=3, confirm_n=4))
    results = _run(tracker, truth, rng)
    assert (results[1].tracks.state == "tentative").all()
    confirmed_at = next(k for k, r in enumerate(results) if (r.tracks.state == "confirmed").any())
    assert confirmed_at == 2  # third hit in a row: 3 of 4
    last = results[-1].tracks
    assert len(last) == 5
    assert set(last.state.tolist()) == {"confirmed"}
    # The same ids from confirmation to the end.
    assert set(results[5].tracks.track_id.tolist()) == set(last.track_id.tolist())
    # Each track ends near one truth, within four of its own reported sigmas.
    err = np.hypot(
        last.x_m[:, None] - truth[None, :, -1, 0], last.y_m[:, None] - truth[None, :, -1, 1]
    ).min(axis=1)
    assert (err < 4.0 * last.sigma_m).all()
    assert (last.sigma_m < 10.0).all()  # better than one measurement
    speed_err = np.abs(
        np.hypot(last.vx_mps, last.vy_mps)[:, None]
        - np.hypot(*np.diff(truth[:, -2:], axis=1)[:, 0].T)[None, :]
    ).min(axis=1)
    assert (speed_err < 2.0).all()


def test_filter_is_consistent_nees_near_state_dimension() -> None:
    # Normalised estimation error squared, averaged over a long run of one target, should be
    # near 4 (the state dimension) when the filter's covariance is honest.
    rng = np.random.default_rng(11)
    q = 0.5
    n_steps = 400
    x = np.array([0.0, 0.0, 3.0, -1.0])
    tracker = Tracker(TrackerConfig(process_noise_q=q))
    from northline.tracking import ConstantVelocity

    cv = ConstantVelocity(q)
    f, qm = cv.transition(1.0), cv.noise(1.0)
    nees = []
    for k in range(n_steps):
        if k:
            x = f @ x + rng.multivariate_normal(np.zeros(4), qm)
        z = x[:2] + rng.normal(0, 10.0, 2)
        tracker.step(float(k), z[None], 10.0)
        if k > 50:
            _, est, cov = tracker.estimates()
            e = est[0] - x
            nees.append(e @ np.linalg.solve(cov[0], e))
    assert 3.0 < np.mean(nees) < 5.2


def test_clutter_alone_rarely_confirms() -> None:
    rng = np.random.default_rng(5)
    tracker = Tracker()
    confirmed: set[str] = set()
    for k in range(200):
        res = tracker.step(float(k), rng.uniform(-5000, 5000, (10, 2)), 10.0)
        confirmed |= set(res.tracks.track_id[res.tracks.state == "confirmed"].tolist())
    assert len(confirmed) <= 1


def test_missed_target_coasts_then_is_deleted() -> None:
    cfg = TrackerConfig(confirmed_max_misses=3)
    tracker = Tracker(cfg)
    for k in range(6):
        tracker.step(float(k), [[k * 5.0, 0.0]], 5.0)
    res = tracker.step(6.0, np.empty((0, 2)), 5.0)
    assert res.tracks.state.tolist() == ["coasting"]
    tracker.step(7.0, np.empty((0, 2)), 5.0)
    res = tracker.step(8.0, np.empty((0, 2)), 5.0)
    assert len(res.tracks) == 0
    assert res.deleted.state.tolist() == ["deleted"]


def test_track_outside_a_sensors_coverage_takes_no_misses() -> None:
    tracker = Tracker(TrackerConfig(confirmed_max_misses=2, max_coast_s=1e9))
    for k in range(5):
        tracker.step(float(k), [[0.0, 0.0]], 5.0)
    far = Coverage(50_000.0, 0.0, 1_000.0)
    for k in range(5, 15):
        res = tracker.step(float(k), np.empty((0, 2)), 5.0, coverage=far)
    assert res.tracks.state.tolist() == ["confirmed"]
    near = Coverage(0.0, 0.0, 1_000.0)
    tracker.step(15.0, np.empty((0, 2)), 5.0, coverage=near)
    res = tracker.step(16.0, np.empty((0, 2)), 5.0, coverage=near)
    assert len(res.tracks) == 0


def test_out_of_sequence_scan_is_rejected_and_counted() -> None:
    tracker = Tracker()
    tracker.step(10.0, [[0.0, 0.0]], 5.0)
    res = tracker.step(9.0, [[1.0, 0.0]], 5.0)
    assert res.rejected
    assert tracker.rejected_scans == 1
    assert tracker.n_live == 1


def test_invalid_config_is_refused() -> None:
    with pytest.raises(InvalidInput):
        TrackerConfig(confirm_m=5, confirm_n=3)
    with pytest.raises(InvalidInput, match="unknown"):
        TrackerConfig.from_dict({"gate": 3})


def test_track_csv_writes_one_row_per_confirmed_track_per_scan() -> None:
    rng = np.random.default_rng(2)
    truth = _straight(3, 30, rng)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["scan", "time_s", "x_m", "y_m"])
    for k in range(truth.shape[1]):
        for p in truth[:, k]:
            z = p + rng.normal(0, 5, 2)
            w.writerow([k, k * 2.0, z[0], z[1]])
    out = io.StringIO()
    n = track_csv(io.StringIO(buf.getvalue()), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0].keys()) == OUTPUT_COLUMNS
    assert len(rows) == n
    per_scan: dict[str, set[str]] = {}
    for r in rows:
        per_scan.setdefault(r["scan"], set()).add(r["track_id"])
    assert per_scan["29"] == per_scan["10"]
    assert all(len(ids) == 3 for s, ids in per_scan.items() if int(s) >= 3)
    assert float(rows[-1]["time_s"]) == 58.0


def test_track_csv_names_missing_columns() -> None:
    with pytest.raises(InvalidInput, match="y_m"):
        track_csv(io.StringIO("scan,time_s,x_m\n1,0,0\n"), io.StringIO())


def test_strategies_are_selected_by_configuration() -> None:
    from northline.tracking import (
        GlobalNearestNeighbour,
        IMMFilter,
        JointProbabilisticDA,
        KalmanFilterCV,
    )

    default = Tracker()
    assert isinstance(default.filter, KalmanFilterCV)
    assert isinstance(default.associator, GlobalNearestNeighbour)
    chosen = Tracker(TrackerConfig.from_dict({"motion": "imm", "association": "jpda", "pd": 0.8}))
    assert isinstance(chosen.filter, IMMFilter)
    assert isinstance(chosen.associator, JointProbabilisticDA)
    assert chosen.associator.pd == 0.8
    with pytest.raises(InvalidInput, match="motion"):
        TrackerConfig(motion="ballistic")
    with pytest.raises(InvalidInput, match="association"):
        TrackerConfig(association="mht")


@pytest.mark.parametrize("cfg", [{"motion": "imm"}, {"association": "jpda"}])
def test_every_strategy_tracks_the_same_targets(cfg: dict[str, str]) -> None:
    rng = np.random.default_rng(17)
    truth = _straight(6, 40, rng)
    tracker = Tracker(TrackerConfig.from_dict(cfg))
    last = _run(tracker, truth, rng, pd=0.9, clutter=5)[-1].tracks
    mature = last.take(last.state != "tentative")
    assert len(mature) == 6
    err = np.hypot(
        mature.x_m[:, None] - truth[None, :, -1, 0], mature.y_m[:, None] - truth[None, :, -1, 1]
    ).min(axis=1)
    assert (err < 4.0 * mature.sigma_m + 5.0).all()
