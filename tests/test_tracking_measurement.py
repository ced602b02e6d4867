"""Range/bearing measurements: Jacobians, conversions, wrapping and the EKF update."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.model import InvalidInput
from northline.tracking import update
from northline.tracking._measurement import (
    ekf_update_rb,
    rb_covariance_xy,
    rb_jacobian,
    rb_predict,
    rb_to_xy,
    wrap_angle,
)

DEG = np.pi / 180.0


def _spd(rng: np.random.Generator, n: int, d: int, scale: float) -> np.ndarray:
    a = rng.normal(0.0, scale, (n, d, d))
    return a @ np.swapaxes(a, -1, -2) + scale**2 * np.eye(d)


def test_jacobian_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    n, h = 30, 1e-4
    sensor = rng.uniform(-100.0, 100.0, (n, 2))
    pos = sensor + rng.uniform(50.0, 5000.0, (n, 1)) * np.stack(
        [np.sin(a := rng.uniform(-np.pi, np.pi, n)), np.cos(a)], axis=1
    )
    jac = rb_jacobian(pos, sensor)
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        diff = rb_predict(pos + e, sensor) - rb_predict(pos - e, sensor)
        diff[:, 1] = wrap_angle(diff[:, 1])
        np.testing.assert_allclose(jac[:, :, k], diff / (2 * h), rtol=1e-7, atol=1e-10)


def test_bearing_is_clockwise_from_grid_north() -> None:
    pos = np.array([[0.0, 10.0], [10.0, 0.0], [0.0, -10.0], [-10.0, 0.0], [13.0, 17.0]])
    z = rb_predict(pos, np.array([0.0, 0.0]))
    np.testing.assert_allclose(z[:4, 1], [0.0, np.pi / 2, np.pi, -np.pi / 2], atol=1e-15)
    np.testing.assert_allclose(z[:, 0], [10.0, 10.0, 10.0, 10.0, np.hypot(13.0, 17.0)])
    np.testing.assert_allclose(rb_predict(pos + 5.0, np.array([5.0, 5.0])), z)


def test_conversion_round_trips() -> None:
    rng = np.random.default_rng(2)
    n = 200
    sensor = rng.uniform(-1e4, 1e4, (n, 2))
    z = np.stack([rng.uniform(1.0, 2e4, n), rng.uniform(-np.pi, np.pi, n)], axis=1)
    xy = rb_to_xy(z, sensor)
    np.testing.assert_allclose(rb_predict(xy, sensor), z, rtol=1e-9, atol=1e-9)
    pos = rng.uniform(-1e4, 1e4, (n, 2))
    one_sensor = np.array([250.0, -40.0])
    np.testing.assert_allclose(rb_to_xy(rb_predict(pos, one_sensor), one_sensor), pos, atol=1e-8)


def test_wrap_angle_by_hand() -> None:
    a = np.array([0.0, np.pi, -np.pi, 3 * np.pi, -3 * np.pi, 1.5 * np.pi, -1.5 * np.pi, 7.0])
    expect = [0.0, np.pi, np.pi, np.pi, np.pi, -0.5 * np.pi, 0.5 * np.pi, 7.0 - 2 * np.pi]
    np.testing.assert_allclose(wrap_angle(a), expect, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False))
def test_wrap_angle_lands_in_the_half_open_interval(a: float) -> None:
    w = float(wrap_angle(a))
    assert -np.pi < w <= np.pi
    turns = (a - w) / (2 * np.pi)
    assert abs(turns - round(turns)) < 1e-9


def test_converted_covariance_is_the_linearised_one() -> None:
    rng = np.random.default_rng(3)
    n, h = 10, 1e-6
    z = np.stack([rng.uniform(100.0, 5000.0, n), rng.uniform(-np.pi, np.pi, n)], axis=1)
    r_polar = np.zeros((n, 2, 2))
    r_polar[:, 0, 0], r_polar[:, 1, 1] = 25.0, (0.5 * DEG) ** 2
    jac = np.empty((n, 2, 2))
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        jac[:, :, k] = (rb_to_xy(z + e, np.zeros(2)) - rb_to_xy(z - e, np.zeros(2))) / (2 * h)
    expect = jac @ r_polar @ np.swapaxes(jac, -1, -2)
    np.testing.assert_allclose(rb_covariance_xy(z, r_polar), expect, rtol=1e-6)


def test_due_south_bearings_either_side_of_the_cut_give_small_residuals() -> None:
    # Target due south of the sensor: predicted bearing π; measured ±179.9° are 0.1° either side.
    x = np.array([[0.0, -1000.0, 0.0, 0.0], [0.0, -1000.0, 0.0, 0.0]])
    p = np.broadcast_to(np.diag([400.0, 400.0, 25.0, 25.0]), (2, 4, 4)).copy()
    z = np.array([[1000.0, 179.9 * DEG], [1000.0, -179.9 * DEG]])
    r = np.broadcast_to(np.diag([25.0, (0.05 * DEG) ** 2]), (2, 2, 2)).copy()
    assert rb_predict(x[:, :2], np.zeros(2))[0, 1] == np.pi
    x_new, _, nu, _ = ekf_update_rb(x, p, z, r, np.zeros(2))
    np.testing.assert_allclose(nu[:, 1], [-0.1 * DEG, 0.1 * DEG], rtol=1e-9)
    # 179.9° is just east of south, −179.9° just west: ≈ 1000 m · 0.1° ≈ 1.75 m across.
    assert 1.5 < x_new[0, 0] < 1.8
    assert -1.8 < x_new[1, 0] < -1.5
    np.testing.assert_allclose(x_new[:, 1], -1000.0, atol=0.1)


def test_ekf_far_from_the_sensor_agrees_with_the_converted_measurement_kf() -> None:
    rng = np.random.default_rng(4)
    n = 25
    sensor = np.array([-300.0, 800.0])
    truth = sensor + rng.uniform(8e3, 12e3, (n, 1)) * np.stack(
        [np.sin(b := rng.uniform(-np.pi, np.pi, n)), np.cos(b)], axis=1
    )
    x = np.zeros((n, 4))
    x[:, :2] = truth + rng.normal(0.0, 15.0, (n, 2))
    x[:, 2:] = rng.normal(0.0, 5.0, (n, 2))
    p = np.broadcast_to(np.diag([400.0, 400.0, 25.0, 25.0]), (n, 4, 4)).copy()
    r_polar = np.broadcast_to(np.diag([5.0**2, (0.1 * DEG) ** 2]), (n, 2, 2)).copy()
    z = rb_predict(truth, sensor) + rng.normal(0.0, [5.0, 0.1 * DEG], (n, 2))
    x_ekf, p_ekf, _, _ = ekf_update_rb(x, p, z, r_polar, sensor)
    x_kf, p_kf = update(x, p, rb_to_xy(z, sensor), rb_covariance_xy(z, r_polar))
    np.testing.assert_allclose(x_ekf[:, :2], x_kf[:, :2], atol=0.5)
    np.testing.assert_allclose(x_ekf[:, 2:], x_kf[:, 2:], atol=0.05)
    # The two linearise at bearings ~15 m / 10 km apart: equal to about 1 % of P's size.
    scale = np.linalg.norm(p_kf, axis=(1, 2))
    assert np.all(np.linalg.norm(p_ekf - p_kf, axis=(1, 2)) < 0.01 * scale)


def test_ekf_update_matches_explicit_matrices() -> None:
    rng = np.random.default_rng(5)
    n, d = 12, 5
    sensor = rng.uniform(-50.0, 50.0, (n, 2))
    x = rng.normal(0.0, 500.0, (n, d))
    p = _spd(rng, n, d, 10.0)
    z = rb_predict(x[:, :2], sensor) + rng.normal(0.0, [3.0, 0.01], (n, 2))
    z[:, 1] = wrap_angle(z[:, 1])
    r = np.broadcast_to(np.diag([9.0, 1e-4]), (n, 2, 2)).copy()
    x_new, p_new, nu, s = ekf_update_rb(x, p, z, r, sensor)
    for i in range(n):
        dx, dy = x[i, :2] - sensor[i]
        rho = np.hypot(dx, dy)
        h = np.zeros((2, d))
        h[0, :2] = [dx / rho, dy / rho]
        h[1, :2] = [dy / rho**2, -dx / rho**2]
        res = z[i] - [rho, np.arctan2(dx, dy)]
        res[1] = (res[1] + np.pi) % (2 * np.pi) - np.pi
        s_i = h @ p[i] @ h.T + r[i]
        k = p[i] @ h.T @ np.linalg.inv(s_i)
        np.testing.assert_allclose(nu[i], res, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(s[i], s_i, rtol=1e-9)
        np.testing.assert_allclose(x_new[i], x[i] + k @ res, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(p_new[i], (np.eye(d) - k @ h) @ p[i], rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("turns", [1, -1, 3])
def test_ekf_update_is_invariant_to_whole_turns_of_the_measured_bearing(turns: int) -> None:
    rng = np.random.default_rng(6)
    n = 10
    x = np.zeros((n, 4))
    x[:, :2] = rng.uniform(-2e3, 2e3, (n, 2))
    p = np.broadcast_to(np.diag([100.0, 100.0, 9.0, 9.0]), (n, 4, 4)).copy()
    z = rb_predict(x[:, :2], np.zeros(2)) + rng.normal(0.0, [4.0, 0.02], (n, 2))
    r = np.broadcast_to(np.diag([16.0, 4e-4]), (n, 2, 2)).copy()
    base = ekf_update_rb(x, p, z, r, np.zeros(2))
    z_turned = z + np.array([0.0, 2 * np.pi * turns])
    for a, b in zip(base, ekf_update_rb(x, p, z_turned, r, np.zeros(2)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_sensor_position_must_be_one_or_one_per_row() -> None:
    with pytest.raises(InvalidInput):
        rb_predict(np.zeros((3, 2)), np.zeros((2, 2)))
    jac = rb_jacobian(np.zeros((1, 2)), np.zeros(2))  # on the sensor: large but finite
    assert np.all(np.isfinite(jac))
