"""On manoeuvring targets the IMM (CV + coordinated turn) beats constant velocity alone."""

from __future__ import annotations

import numpy as np
import pytest

from northline.tracking import Tracker, TrackerConfig, gospa


def manoeuvring(n: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    """Targets that run straight, turn at 3–6 °/s for 20–40 s, then run straight again."""
    pos = rng.uniform(0, 20_000, (n, 2))
    heading = rng.uniform(0, 2 * np.pi, n)
    speed = rng.uniform(10, 20, n)
    start = rng.integers(20, 40, n)
    length = rng.integers(20, 40, n)
    rate = rng.choice([-1, 1], n) * np.radians(rng.uniform(3, 6, n))
    out = np.empty((n, steps, 2))
    for k in range(steps):
        out[:, k] = pos
        turning = (k >= start) & (k < start + length)
        heading = heading + np.where(turning, rate, 0.0)
        pos = pos + speed[:, None] * np.column_stack([np.sin(heading), np.cos(heading)])
    return out


def mean_gospa(motion: str, seed: int) -> float:
    rng = np.random.default_rng(seed)
    n = 30
    truth = manoeuvring(n, 100, rng)
    tracker = Tracker(TrackerConfig(motion=motion, process_noise_q=0.5))
    values = []
    for k in range(truth.shape[1]):
        seen = rng.random(n) < 0.95
        z = np.vstack(
            [truth[seen, k] + rng.normal(0, 10, (seen.sum(), 2)), rng.uniform(0, 20_000, (3, 2))]
        )
        tb = tracker.step(float(k), z, 10.0).tracks
        mature = tb.state != "tentative"
        if k >= 10:
            est = np.column_stack([tb.x_m[mature], tb.y_m[mature]])
            values.append(gospa(truth[:, k], est, c=100.0).distance)
    return float(np.mean(values))


@pytest.mark.parametrize("seed", [1, 2])
def test_imm_has_lower_gospa_than_cv_on_manoeuvring_targets(seed: int) -> None:
    cv, imm = mean_gospa("cv", seed), mean_gospa("imm", seed)
    assert imm < cv, (cv, imm)
