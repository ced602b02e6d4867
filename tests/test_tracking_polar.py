"""Range/bearing scans: the tracker's per-pair linearisation is the extended Kalman update."""

from __future__ import annotations

import numpy as np

from northline.tracking import ConstantVelocity, Tracker, TrackerConfig, predict
from northline.tracking._measurement import ekf_update_rb, rb_predict


def test_one_polar_update_equals_the_ekf_update() -> None:
    sensor = np.array([1000.0, -3000.0])
    tracker = Tracker(TrackerConfig(process_noise_q=0.3))
    tracker.step(0.0, [[4000.0, 2000.0]], 15.0)
    _, x0, p0 = tracker.estimates()
    truth_next = np.array([[4010.0, 2005.0]])
    z = rb_predict(truth_next, sensor) + np.array([[7.0, 0.002]])
    r = np.diag([10.0**2, 0.004**2])[None]
    tracker.step_polar(1.0, z, 10.0, 0.004, sensor)
    _, x1, p1 = tracker.estimates()
    cv = ConstantVelocity(0.3)
    xp, pp = predict(x0, p0, cv.transition(1.0), cv.noise(1.0))
    xe, pe, _, _ = ekf_update_rb(xp, pp, z, r, sensor)
    np.testing.assert_allclose(x1, xe, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(p1, pe, rtol=1e-7, atol=1e-6)


def test_tracks_a_target_from_range_and_bearing_and_wraps_due_south() -> None:
    rng = np.random.default_rng(21)
    sensor = np.array([0.0, 0.0])
    tracker = Tracker()
    # A target passing due south of the sensor, where bearings wrap at ±180°.
    for k in range(80):
        truth = np.array([[-400.0 + 10.0 * k, -5000.0]])
        z = rb_predict(truth, sensor) + rng.normal(0, 1, (1, 2)) * [8.0, 0.003]
        res = tracker.step_polar(float(k), z, 8.0, 0.003, sensor)
    tb = res.tracks
    assert len(tb) == 1
    assert tb.state.tolist() == ["confirmed"]
    assert abs(tb.x_m[0] - (-400.0 + 790.0)) < 30.0
    assert abs(tb.vx_mps[0] - 10.0) < 1.5
