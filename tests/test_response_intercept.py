"""Time to intercept: the closed form against a brute-force time search, batch against scalar."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.response import intercept

coord = st.floats(-20_000, 20_000, allow_nan=False)
vel = st.floats(-40, 40, allow_nan=False)
speed = st.floats(0.5, 60, allow_nan=False)
reach = st.sampled_from([0.0, 0.0, 500.0, 1500.0])


def brute_force(
    a: tuple[float, float], s: float, p: tuple[float, float], v: tuple[float, float], r: float
) -> float:
    """The first time on a fine grid, then bisection, where the target is within reach."""
    ts = np.linspace(0.0, 4000.0, 400_001)
    gap = s * ts + r - np.hypot(p[0] + v[0] * ts - a[0], p[1] + v[1] * ts - a[1])
    hit = np.nonzero(gap >= 0)[0]
    if not len(hit):
        return math.inf
    k = int(hit[0])
    if k == 0:
        return 0.0
    lo, hi = float(ts[k - 1]), float(ts[k])
    for _ in range(60):
        mid = (lo + hi) / 2
        g = s * mid + r - math.hypot(p[0] + v[0] * mid - a[0], p[1] + v[1] * mid - a[1])
        lo, hi = (lo, mid) if g >= 0 else (mid, hi)
    return hi


def grid_max_gap(
    a: tuple[float, float], s: float, p: tuple[float, float], v: tuple[float, float], r: float
) -> float:
    ts = np.linspace(0.0, 4000.0, 400_001)
    gap = s * ts + r - np.hypot(p[0] + v[0] * ts - a[0], p[1] + v[1] * ts - a[1])
    return float(gap.max())


@settings(max_examples=150, deadline=None)
@given(ax=coord, ay=coord, s=speed, px=coord, py=coord, vx=vel, vy=vel, r=reach)
def test_matches_brute_force_time_search(
    ax: float, ay: float, s: float, px: float, py: float, vx: float, vy: float, r: float
) -> None:
    got = intercept([ax, ay], s, [px, py], [vx, vy], 4000.0, reach_m=r)
    want = brute_force((ax, ay), s, (px, py), (vx, vy), r)
    t = float(got.t_s)
    if math.isinf(want) and got.on_path:
        # a grazing touch (the window is narrower than the grid): the meeting must still hold
        gap = s * t + r - math.hypot(px + vx * t - ax, py + vy * t - ay)
        assert gap == pytest.approx(0.0, abs=1e-6 * (1 + s * t))
        assert grid_max_gap((ax, ay), s, (px, py), (vx, vy), r) > -0.05 * (1 + s)
    elif math.isinf(want):
        assert got.t_s == pytest.approx(max(math.hypot(px - ax, py - ay) - r, 0.0) / s)
        assert float(got.x_m) == pytest.approx(px)
        assert float(got.y_m) == pytest.approx(py)
    else:
        assert got.on_path
        assert float(got.t_s) == pytest.approx(want, abs=0.02, rel=1e-6)
        # the aim point is on the predicted path, and within reach at that time
        assert float(got.x_m) == pytest.approx(px + vx * want, abs=1.0)
        gap = math.hypot(float(got.x_m) - ax, float(got.y_m) - ay) - s * float(got.t_s) - r
        assert gap <= 1e-6 * (1 + s * float(got.t_s))


def test_head_on_and_tail_chase() -> None:
    # target 1000 m east coming west at 5 m/s, responder at 5 m/s: meet half-way at 100 s
    got = intercept([0.0, 0.0], 5.0, [1000.0, 0.0], [-5.0, 0.0], 3600.0)
    assert float(got.t_s) == pytest.approx(100.0)
    assert float(got.x_m) == pytest.approx(500.0)
    # the same target running away at 4 m/s: closing at 1 m/s
    got = intercept([0.0, 0.0], 5.0, [1000.0, 0.0], [4.0, 0.0], 3600.0)
    assert float(got.t_s) == pytest.approx(1000.0)
    # equal speeds, running away: no intercept, fall back to where it is now
    got = intercept([0.0, 0.0], 5.0, [1000.0, 0.0], [5.0, 0.0], 3600.0)
    assert not got.on_path
    assert float(got.t_s) == pytest.approx(200.0)
    # already within camera range
    got = intercept([0.0, 0.0], 5.0, [1000.0, 0.0], [5.0, 0.0], 3600.0, reach_m=1500.0)
    assert float(got.t_s) == 0.0
    assert got.on_path


def test_beyond_the_horizon_falls_back_to_the_current_position() -> None:
    got = intercept([0.0, 0.0], 5.0, [1000.0, 0.0], [4.0, 0.0], 500.0)
    assert not got.on_path
    assert float(got.t_s) == pytest.approx(200.0)
    assert float(got.x_m) == pytest.approx(1000.0)


def test_a_responder_that_cannot_move_never_arrives() -> None:
    got = intercept([0.0, 0.0], 0.0, [1000.0, 0.0], [-5.0, 0.0], 3600.0)
    assert math.isinf(float(got.t_s))
    assert not got.on_path


def test_vectorised_agrees_with_scalar() -> None:
    rng = np.random.default_rng(7)
    n, m = 23, 17
    a = rng.uniform(-20_000, 20_000, (n, 2))
    s = rng.uniform(1, 60, n)
    r = rng.choice([0.0, 1500.0], n)
    p = rng.uniform(-20_000, 20_000, (m, 2))
    v = rng.uniform(-30, 30, (m, 2))
    batch = intercept(a[:, None], s[:, None], p[None], v[None], 1800.0, reach_m=r[:, None])
    assert batch.t_s.shape == (n, m)
    for i in range(n):
        for j in range(m):
            one = intercept(a[i], s[i], p[j], v[j], 1800.0, reach_m=r[i])
            assert float(one.t_s) == batch.t_s[i, j]
            assert float(one.x_m) == batch.x_m[i, j]
            assert float(one.y_m) == batch.y_m[i, j]
            assert bool(one.on_path) == batch.on_path[i, j]
    assert batch.on_path.any()
    assert not batch.on_path.all()
