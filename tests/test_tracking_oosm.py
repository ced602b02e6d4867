"""Out-of-sequence scans, soft (PDA) updates and the tracker's memory per track."""

from __future__ import annotations

import numpy as np
import pytest

from northline.model import InvalidInput
from northline.tracking import ScanBuffer, Tracker, TrackerConfig, mixture_update, update


def test_scan_buffer_reorders_within_the_lag_and_rejects_older() -> None:
    buf: ScanBuffer[str] = ScanBuffer(max_lag_s=2.0)
    released: list[tuple[float, str]] = []
    for t, name in [(1.0, "a"), (3.0, "c"), (2.0, "b"), (4.0, "d"), (6.5, "f"), (0.5, "late")]:
        released += buf.push(t, name)
    assert [n for _, n in released] == ["a", "b", "c", "d"]
    assert buf.rejected == 1  # "late" is older than what was already released
    released += buf.flush()
    assert [t for t, _ in released] == sorted(t for t, _ in released)
    assert [n for _, n in released][-1] == "f"
    with pytest.raises(InvalidInput):
        ScanBuffer(max_lag_s=-1.0)


def test_tracker_fed_through_the_buffer_equals_in_order_feeding() -> None:
    rng = np.random.default_rng(8)
    truth = rng.uniform(-2000, 2000, (4, 2))
    vel = rng.uniform(-5, 5, (4, 2))
    scans = [
        (float(k) + 0.5 * s, truth + vel * (k + 0.5 * s) + rng.normal(0, 5, (4, 2)))
        for k in range(30)
        for s in (0, 1)
    ]
    shuffled = scans.copy()
    # Swap neighbours: every scan arrives at most one scan late.
    for i in range(0, len(shuffled) - 1, 2):
        shuffled[i], shuffled[i + 1] = shuffled[i + 1], shuffled[i]
    a, b = Tracker(), Tracker()
    for t, z in scans:
        a.step(t, z, 5.0)
    buf: ScanBuffer[np.ndarray] = ScanBuffer(max_lag_s=1.0)
    for t, z in shuffled:
        for tt, zz in buf.push(t, z):
            b.step(tt, zz, 5.0)
    for tt, zz in buf.flush():
        b.step(tt, zz, 5.0)
    assert b.rejected_scans == 0
    ia, xa, _ = a.estimates()
    ib, xb, _ = b.estimates()
    assert ia.tolist() == ib.tolist()
    np.testing.assert_allclose(xa, xb)


def test_tracker_rejects_and_counts_what_the_buffer_would_not_fix() -> None:
    t = Tracker()
    t.step(5.0, [[0.0, 0.0]], 5.0)
    assert t.step(4.0, [[0.0, 0.0]], 5.0).rejected
    assert t.rejected_scans == 1


def _random_spd(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    a = rng.normal(size=(n, d, d))
    return a @ a.transpose(0, 2, 1) + np.eye(d)


def test_soft_update_is_the_moment_matched_mixture() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(3, 4))
    p = _random_spd(rng, 3, 4)
    z = rng.normal(size=(4, 2))
    r = _random_spd(rng, 4, 2)
    track = np.array([0, 0, 1, 2])
    det = np.array([0, 1, 2, 3])
    w = np.array([0.5, 0.3, 0.9, 0.4])
    miss = np.array([0.2, 0.1, 0.6])
    xn, pn = mixture_update(x, p, track, det, w, miss, z, r)
    for i in range(3):
        comps = [(miss[i], x[i], p[i])]
        for k in np.flatnonzero(track == i):
            xi, pi = update(
                x[i : i + 1], p[i : i + 1], z[det[k] : det[k] + 1], r[det[k] : det[k] + 1]
            )
            comps.append((w[k], xi[0], pi[0]))
        mean = sum(wk * xk for wk, xk, _ in comps)
        cov = sum(wk * (pk + np.outer(xk - mean, xk - mean)) for wk, xk, pk in comps)
        np.testing.assert_allclose(xn[i], mean, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(pn[i], cov, rtol=1e-9, atol=1e-12)


def test_hard_weights_are_the_kalman_update() -> None:
    rng = np.random.default_rng(10)
    x = rng.normal(size=(5, 4))
    p = _random_spd(rng, 5, 4)
    z = rng.normal(size=(2, 2))
    r = _random_spd(rng, 2, 2)
    track, det = np.array([3, 1]), np.array([0, 1])
    miss = np.ones(5)
    miss[track] = 0
    xn, pn = mixture_update(x, p, track, det, np.ones(2), miss, z, r)
    xk, pk = update(x[track], p[track], z[det], r[det])
    np.testing.assert_allclose(xn[track], xk)
    np.testing.assert_allclose(pn[track], pk)
    untouched = [0, 2, 4]
    np.testing.assert_array_equal(xn[untouched], x[untouched])


@pytest.mark.parametrize("motion", ["cv", "imm"])
def test_memory_per_live_track_is_under_a_kilobyte_at_ten_thousand(motion: str) -> None:
    rng = np.random.default_rng(12)
    n = 10_000
    pos = rng.uniform(0, 100_000, (n, 2))
    tracker = Tracker(TrackerConfig(motion=motion))
    for k in range(4):
        tracker.step(float(k), pos + rng.normal(0, 5, (n, 2)), 5.0)
    assert tracker.n_live >= n
    per_track = tracker.memory_bytes() / tracker.n_live
    assert per_track < 1024, per_track
