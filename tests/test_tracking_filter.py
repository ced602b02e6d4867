"""The Kalman pieces against hand-derived steps and plain linear algebra."""

from __future__ import annotations

import numpy as np

from northline.tracking import ConstantVelocity, inv2, mahalanobis2, predict, update


def test_constant_velocity_matrices_by_hand() -> None:
    cv = ConstantVelocity(q=0.8)
    dt = 2.0
    f = cv.transition(dt)
    assert f.tolist() == [[1, 0, 2, 0], [0, 1, 0, 2], [0, 0, 1, 0], [0, 0, 0, 1]]
    q = cv.noise(dt)
    # Per axis: q·[[dt³/3, dt²/2], [dt²/2, dt]] = 0.8·[[8/3, 2], [2, 2]].
    np.testing.assert_allclose(q[0, 0], 0.8 * 8 / 3)
    np.testing.assert_allclose(q[0, 2], 0.8 * 2)
    np.testing.assert_allclose(q[2, 2], 0.8 * 2)
    assert q[0, 1] == q[0, 3] == 0.0


def test_single_target_step_matches_scalar_derivation() -> None:
    # Independent axes, so each axis is a 2-state filter we can write out with scalars.
    q, dt, r = 0.5, 1.0, 25.0
    x0 = np.array([[10.0, -5.0, 2.0, 1.0]])
    p0 = np.diag([100.0, 100.0, 4.0, 4.0])[None]
    cv = ConstantVelocity(q)
    xp, pp = predict(x0, p0, cv.transition(dt), cv.noise(dt))
    # x-axis by hand: position 10 + 2·1, P = [[100+4+q/3, 4+q/2], [4+q/2, 4+q]].
    p_pos = 100 + 4 + q / 3
    p_cross = 4 + q / 2
    p_vel = 4 + q
    np.testing.assert_allclose(xp[0], [12.0, -4.0, 2.0, 1.0])
    np.testing.assert_allclose(pp[0, 0, 0], p_pos)
    np.testing.assert_allclose(pp[0, 0, 2], p_cross)
    np.testing.assert_allclose(pp[0, 2, 2], p_vel)

    z = np.array([[15.0, -4.0]])
    xu, pu = update(xp, pp, z, np.diag([r, r])[None])
    s = p_pos + r
    k_pos, k_vel = p_pos / s, p_cross / s
    nu = 15.0 - 12.0
    np.testing.assert_allclose(xu[0, 0], 12.0 + k_pos * nu)
    np.testing.assert_allclose(xu[0, 2], 2.0 + k_vel * nu)
    np.testing.assert_allclose(xu[0, 1], -4.0)  # no residual on y
    np.testing.assert_allclose(pu[0, 0, 0], (1 - k_pos) * p_pos)
    np.testing.assert_allclose(pu[0, 2, 2], p_vel - k_vel * p_cross)
    np.testing.assert_allclose(pu[0, 0, 2], (1 - k_pos) * p_cross)


def test_batched_update_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    n = 50
    a = rng.normal(size=(n, 4, 4))
    p = a @ a.transpose(0, 2, 1) + np.eye(4)
    x = rng.normal(size=(n, 4))
    z = rng.normal(size=(n, 2))
    b = rng.normal(size=(n, 2, 2))
    r = b @ b.transpose(0, 2, 1) + 0.1 * np.eye(2)
    xb, pb = update(x, p, z, r)
    h = np.zeros((2, 4))
    h[0, 0] = h[1, 1] = 1
    for i in range(n):
        s = h @ p[i] @ h.T + r[i]
        k = p[i] @ h.T @ np.linalg.inv(s)
        np.testing.assert_allclose(xb[i], x[i] + k @ (z[i] - h @ x[i]), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(pb[i], (np.eye(4) - k @ h) @ p[i], rtol=1e-7, atol=1e-9)


def test_inv2_and_mahalanobis_against_linalg() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=(20, 2, 2))
    s = a @ a.transpose(0, 2, 1) + 0.5 * np.eye(2)
    inv, det = inv2(s)
    np.testing.assert_allclose(inv, np.linalg.inv(s), rtol=1e-10)
    np.testing.assert_allclose(det, np.linalg.det(s), rtol=1e-10)
    nu = rng.normal(size=(20, 2))
    expect = [v @ np.linalg.solve(m, v) for v, m in zip(nu, s, strict=True)]
    np.testing.assert_allclose(mahalanobis2(nu, inv), expect, rtol=1e-10)
