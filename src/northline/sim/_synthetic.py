"""Synthetic targets in a bare local frame, for measuring trackers (no sector, no sensors)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["manoeuvring_targets"]

F8 = npt.NDArray[np.float64]


def manoeuvring_targets(
    n: int, steps: int, rng: np.random.Generator, *, side_m: float | None = None
) -> F8:
    """True positions (n, steps, 2), one step a second, of targets at 10–20 m/s that run
    straight, turn at 3–6 °/s for 20–40 s, then run straight again.

    They start uniformly in a square of ``side_m`` (default: 2 km · √n).
    """
    side = 2000.0 * math.sqrt(n) if side_m is None else side_m
    pos = rng.uniform(0, side, (n, 2))
    heading = rng.uniform(0, 2 * np.pi, n)
    speed = rng.uniform(10, 20, n)
    start = rng.integers(20, 40, n)
    length = rng.integers(20, 40, n)
    rate = rng.choice([-1, 1], n) * np.radians(rng.uniform(3, 6, n))
    out = np.empty((n, steps, 2))
    for k in range(steps):  # over time steps; every target moves at once
        out[:, k] = pos
        turning = (k >= start) & (k < start + length)
        heading = heading + np.where(turning, rate, 0.0)
        pos = pos + speed[:, None] * np.column_stack([np.sin(heading), np.cos(heading)])
    return out
