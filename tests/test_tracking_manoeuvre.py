"""On manoeuvring targets the IMM (CV + coordinated turn) beats constant velocity alone."""

from __future__ import annotations

import numpy as np
import pytest

from northline.sim import manoeuvring_targets
from northline.tracking import Tracker, TrackerConfig, gospa


def mean_gospa(motion: str, seed: int) -> float:
    rng = np.random.default_rng(seed)
    n = 30
    truth = manoeuvring_targets(n, 100, rng, side_m=20_000.0)
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
