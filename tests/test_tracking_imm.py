"""The CV + CT IMM: motion models by hand, IMM steps against per-track loops, a manoeuvre."""

from __future__ import annotations

import numpy as np
import pytest

from northline.model import InvalidInput
from northline.tracking import ConstantVelocity, predict, update
from northline.tracking._imm import (
    CT,
    CV,
    IMMFilter,
    IMMState,
    ct_noise,
    ct_predict,
    ct_transition,
    cv5_predict,
    imm_combine,
    imm_mix,
    imm_mode_update,
)


def _spd(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    d = shape[-1]
    a = rng.normal(0.0, scale, (*shape[:-1], d))
    return a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(d)


def _states(rng: np.random.Generator, n: int, turn_rate: float = 0.05) -> np.ndarray:
    x = np.empty((n, 5))
    x[:, :2] = rng.uniform(-1000.0, 1000.0, (n, 2))
    x[:, 2:4] = rng.normal(0.0, 10.0, (n, 2))
    x[:, 4] = rng.normal(0.0, turn_rate, n)
    return x


def _gauss(nu: np.ndarray, s: np.ndarray) -> float:
    return float(
        np.exp(-0.5 * nu @ np.linalg.solve(s, nu)) / (2 * np.pi * np.sqrt(np.linalg.det(s)))
    )


# -- (1) the coordinated turn -------------------------------------------------------------


@pytest.mark.parametrize("omega", [0.0, 1e-12, -1e-12])
def test_ct_predict_without_turn_equals_constant_velocity(omega: float) -> None:
    rng = np.random.default_rng(1)
    n, dt, q = 20, 2.5, 0.7
    x = _states(rng, n)
    x[:, 4] = omega
    p = _spd(rng, (n, 5, 5), 3.0)
    p[:, 4, :] = p[:, :, 4] = 0.0  # no turn-rate uncertainty to leak into the kinematics
    cv = ConstantVelocity(q)
    x_cv, p_cv = predict(x[:, :4], p[:, :4, :4], cv.transition(dt), cv.noise(dt))
    x_ct, p_ct = ct_predict(x, p, dt, q, 0.0)
    np.testing.assert_allclose(x_ct[:, :4], x_cv, rtol=0, atol=1e-9)
    np.testing.assert_allclose(p_ct[:, :4, :4], p_cv, rtol=0, atol=1e-9)
    x5, p5 = cv5_predict(x, p, dt, q)
    np.testing.assert_allclose(x5[:, :4], x_cv, rtol=0, atol=1e-9)
    np.testing.assert_allclose(p5[:, :4, :4], p_cv, rtol=0, atol=1e-9)
    assert np.all(x5[:, 4] == 0.0)


@pytest.mark.parametrize(("omega", "dt"), [(0.05, 1.0), (-0.2, 3.0), (np.radians(3.0), 30.0)])
def test_ct_position_lies_on_the_turn_circle(omega: float, dt: float) -> None:
    # A turn at rate ω with velocity v circles the centre c = p + (−vy, vx)/ω at radius |v|/|ω|;
    # after T the velocity is v rotated by ωT and the position is c − (−vy', vx')/ω.
    p0, v0 = np.array([100.0, -50.0]), np.array([12.0, 5.0])
    x = np.array([[*p0, *v0, omega]])
    xp, _ = ct_transition(x, dt)
    centre = p0 + np.array([-v0[1], v0[0]]) / omega
    th = omega * dt
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    v1 = rot @ v0
    np.testing.assert_allclose(xp[0, 2:4], v1, rtol=1e-12)
    np.testing.assert_allclose(xp[0, :2], centre - np.array([-v1[1], v1[0]]) / omega, rtol=1e-12)
    radius = np.hypot(*v0) / abs(omega)
    np.testing.assert_allclose(np.hypot(*(xp[0, :2] - centre)), radius, rtol=1e-12)
    assert xp[0, 4] == omega


@pytest.mark.parametrize(
    "omega", [0.3, -0.07, 1e-2 / 2.0 + 1e-9, 1e-2 / 2.0 - 1e-9, 1e-7, 0.0, -1e-4]
)
def test_ct_jacobian_matches_finite_differences(omega: float) -> None:
    rng = np.random.default_rng(2)
    dt, h = 2.0, 1e-6
    x = _states(rng, 8)
    x[:, 4] = omega
    _, f = ct_transition(x, dt)
    fd = np.empty_like(f)
    for k in range(5):  # five coordinates, each perturbed over the whole batch
        e = np.zeros(5)
        e[k] = h
        hi, _ = ct_transition(x + e, dt)
        lo, _ = ct_transition(x - e, dt)
        fd[:, :, k] = (hi - lo) / (2 * h)
    np.testing.assert_allclose(f, fd, rtol=0, atol=1e-6)


def test_ct_jacobian_is_continuous_across_the_series_threshold() -> None:
    dt = 4.0
    x = np.array([[0.0, 0.0, 8.0, -3.0, 1e-2 / dt * (1 - 1e-12)], [0.0, 0.0, 8.0, -3.0, 0.0]])
    x[1, 4] = 1e-2 / dt * (1 + 1e-12)
    _, f = ct_transition(x, dt)
    np.testing.assert_allclose(f[0], f[1], rtol=0, atol=1e-10)


def test_ct_noise_by_hand() -> None:
    q = ct_noise(2.0, 0.5, 1e-3)
    np.testing.assert_allclose(q[0, 0], 0.5 * 8 / 3)
    np.testing.assert_allclose(q[1, 3], 0.5 * 2)
    np.testing.assert_allclose(q[3, 3], 0.5 * 2)
    np.testing.assert_allclose(q[4, 4], 2e-3)
    assert q[0, 1] == q[0, 4] == q[2, 4] == 0.0


# -- (2) mixing and combining -------------------------------------------------------------


def _random_imm(rng: np.random.Generator, n: int, r: int) -> tuple[np.ndarray, ...]:
    mu = rng.dirichlet(np.ones(r), n)
    trans = rng.dirichlet(np.ones(r), r)
    x = rng.normal(0.0, 5.0, (n, r, 5))
    p = _spd(rng, (n, r, 5, 5))
    return mu, trans, x, p


@pytest.mark.parametrize("r", [2, 3])
def test_imm_mix_matches_a_per_track_loop(r: int) -> None:
    rng = np.random.default_rng(3)
    n = 15
    mu, trans, x, p = _random_imm(rng, n, r)
    x0, p0, c_bar = imm_mix(mu, trans, x, p)
    np.testing.assert_allclose(c_bar.sum(axis=1), 1.0, rtol=1e-12)
    for t in range(n):
        for j in range(r):
            c = sum(trans[i, j] * mu[t, i] for i in range(r))
            w = [trans[i, j] * mu[t, i] / c for i in range(r)]
            assert abs(sum(w) - 1.0) < 1e-12  # mixing probabilities μ_{i|j} sum to 1 over i
            xm = sum(w[i] * x[t, i] for i in range(r))
            pm = sum(w[i] * (p[t, i] + np.outer(x[t, i] - xm, x[t, i] - xm)) for i in range(r))
            np.testing.assert_allclose(c_bar[t, j], c, rtol=1e-12)
            np.testing.assert_allclose(x0[t, j], xm, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(p0[t, j], pm, rtol=1e-10, atol=1e-12)


def test_imm_mix_leaves_identical_models_alone() -> None:
    rng = np.random.default_rng(4)
    mu, trans, x, p = _random_imm(rng, 6, 2)
    x[:, 1], p[:, 1] = x[:, 0], p[:, 0]
    x0, p0, _ = imm_mix(mu, trans, x, p)
    np.testing.assert_allclose(x0, x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p0, p, rtol=1e-12, atol=1e-12)


def test_imm_combine_is_the_moment_matched_mixture() -> None:
    rng = np.random.default_rng(5)
    n, r = 12, 2
    mu, _, x, p = _random_imm(rng, n, r)
    xc, pc = imm_combine(mu, x, p)
    for t in range(n):
        mean = sum(mu[t, j] * x[t, j] for j in range(r))
        # Cov of a mixture = E[x xᵀ] − E[x] E[x]ᵀ, with E[x xᵀ] = Σ_j μ_j (P_j + x_j x_jᵀ).
        second = sum(mu[t, j] * (p[t, j] + np.outer(x[t, j], x[t, j])) for j in range(r))
        np.testing.assert_allclose(xc[t], mean, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(pc[t], second - np.outer(mean, mean), rtol=1e-9, atol=1e-9)


def test_imm_mode_update_survives_underflowing_likelihoods() -> None:
    c_bar = np.array([[0.7, 0.3], [0.2, 0.8], [0.5, 0.5]])
    log_lik = np.array([[-2000.0, -2001.0], [-np.inf, -900.0], [-np.inf, -np.inf]])
    mu = imm_mode_update(c_bar, log_lik)
    np.testing.assert_allclose(mu[0], np.array([0.7, 0.3 * np.exp(-1.0)]) / (0.7 + 0.3 / np.e))
    np.testing.assert_allclose(mu[1], [0.0, 1.0])
    np.testing.assert_allclose(mu[2], c_bar[2])  # nothing to tell the models apart
    np.testing.assert_allclose(mu.sum(axis=1), 1.0)


# -- (3) the update -----------------------------------------------------------------------


def _predicted(rng: np.random.Generator, n: int) -> tuple[IMMFilter, IMMState]:
    f = IMMFilter()
    z = rng.uniform(-500.0, 500.0, (n, 2))
    r = np.broadcast_to(100.0 * np.eye(2), (n, 2, 2))
    state = f.initiate(z, r, 10.0)
    return f, f.predict(state, 1.0)


def test_hard_update_is_the_kalman_update_of_each_model() -> None:
    rng = np.random.default_rng(6)
    n, m = 10, 7
    f, state = _predicted(rng, n)
    track = np.array([0, 2, 3, 5, 8, 9])
    det = np.array([4, 0, 6, 1, 3, 2])
    miss = np.ones(n)
    miss[track] = 0.0
    xc, _ = f.combined(state)
    z = xc[rng.integers(0, n, m), :2] + rng.normal(0.0, 20.0, (m, 2))
    z[det] = xc[track, :2] + rng.normal(0.0, 15.0, (len(track), 2))
    r = _spd(rng, (m, 2, 2), 8.0)
    out = f.update(state, track, det, np.ones(len(track)), miss, z, r)
    for j in (CV, CT):
        xk, pk = update(state.x[track, j], state.p[track, j], z[det], r[det])
        np.testing.assert_allclose(out.x[track, j], xk, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(out.p[track, j], pk, rtol=1e-9, atol=1e-9)
    missed = miss == 1.0
    assert np.array_equal(out.x[missed], state.x[missed])
    assert np.array_equal(out.p[missed], state.p[missed])
    assert np.array_equal(out.mu[missed], state.mu[missed])  # mu stays c̄
    for i, d in zip(track, det, strict=True):
        lik = [_gauss(z[d] - state.x[i, j, :2], state.p[i, j, :2, :2] + r[d]) for j in (CV, CT)]
        expect = state.mu[i] * lik / np.dot(state.mu[i], lik)
        np.testing.assert_allclose(out.mu[i], expect, rtol=1e-9)


def test_soft_update_is_the_pda_update_with_the_imm_pda_likelihood() -> None:
    rng = np.random.default_rng(7)
    n, m = 4, 5
    f, state = _predicted(rng, n)
    xc, _ = f.combined(state)
    z = np.repeat(xc[:, :2], 2, axis=0)[:m] + rng.normal(0.0, 12.0, (m, 2))
    r_common = np.array([[90.0, 10.0], [10.0, 120.0]])
    r = np.broadcast_to(r_common, (m, 2, 2)).copy()
    # Track 0 sees detections 0, 1, 2; track 1 sees 1, 2; track 2 sees 4; track 3 nothing.
    track = np.array([0, 0, 0, 1, 1, 2])
    det = np.array([0, 1, 2, 1, 2, 4])
    weight = np.array([0.5, 0.2, 0.1, 0.3, 0.3, 0.6])
    miss = np.array([0.2, 0.4, 0.4, 1.0])
    pd, pg, lam = 0.9, 0.99, 1e-5
    out = f.update(state, track, det, weight, miss, z, r, pd=pd, pg=pg, clutter_per_m2=lam)
    h = np.zeros((2, 5))
    h[0, 0] = h[1, 1] = 1.0
    for i in range(n):
        sel = track == i
        lik = np.empty(2)
        for j in (CV, CT):
            x, p = state.x[i, j], state.p[i, j]
            s = h @ p @ h.T + r_common
            k = p @ h.T @ np.linalg.inv(s)
            nus = [z[d] - h @ x for d in det[sel]]
            betas = weight[sel]
            nu_bar = sum((b * v for b, v in zip(betas, nus, strict=True)), np.zeros(2))
            spread = sum((b * np.outer(v, v) for b, v in zip(betas, nus, strict=True)), 0.0)
            spread = spread - np.outer(nu_bar, nu_bar)
            p_c = p - k @ s @ k.T
            p_pda = miss[i] * p + (1 - miss[i]) * p_c + k @ spread @ k.T
            np.testing.assert_allclose(out.x[i, j], x + k @ nu_bar, rtol=1e-10, atol=1e-9)
            np.testing.assert_allclose(out.p[i, j], p_pda, rtol=1e-9, atol=1e-9)
            lik[j] = (1 - pd * pg) * lam + pd * sum(_gauss(v, s) for v in nus)
        expect = state.mu[i] * lik / np.dot(state.mu[i], lik)
        np.testing.assert_allclose(out.mu[i], expect, rtol=1e-9)


def test_update_rejects_weights_that_do_not_sum_to_one() -> None:
    rng = np.random.default_rng(8)
    f, state = _predicted(rng, 3)
    z, r = np.zeros((1, 2)), np.eye(2)[None]
    with pytest.raises(InvalidInput):
        f.update(state, np.array([0]), np.array([0]), np.array([0.5]), np.zeros(3), z, r)
    with pytest.raises(InvalidInput):
        f.update(state, np.array([0]), np.array([3]), np.array([1.0]), np.array([0, 1, 1.0]), z, r)


# -- the filter and its state -------------------------------------------------------------


def test_filter_matrices_and_state_bookkeeping() -> None:
    f = IMMFilter(p_stay=0.9)
    np.testing.assert_allclose(f.trans, [[0.9, 0.1], [0.1, 0.9]])
    a = f.initiate(np.zeros((3, 2)), np.broadcast_to(np.eye(2), (3, 2, 2)), 5.0)
    b = f.initiate(np.ones((2, 2)), np.broadcast_to(np.eye(2), (2, 2, 2)), np.array([1.0, 2.0]))
    assert a.x.shape == (3, 2, 5)
    assert a.p.shape == (3, 2, 5, 5)
    assert a.mu.shape == (3, 2)
    assert a.p[0, CT, 4, 4] == f.init_omega_sigma**2
    assert b.p[1, CV, 2, 2] == 4.0
    both = IMMState.concat([a, IMMState.empty(), b])
    assert len(both) == 5
    assert both.n_models == 2
    assert both.nbytes == a.nbytes + b.nbytes
    picked = both.take(np.array([4, 0]))
    assert np.array_equal(picked.x[0], b.x[1])
    assert np.array_equal(picked.p[1], a.p[0])
    assert len(both.take(both.mu[:, 0] > 0)) == 5
    assert f.predict(a, 0.0) is a
    with pytest.raises(InvalidInput):
        f.predict(a, -1.0)
    with pytest.raises(InvalidInput):
        IMMFilter(p_stay=1.5)
    empty = f.predict(IMMState.empty(), 1.0)
    none_i, none_f = np.empty(0, np.int64), np.empty(0)
    out = f.update(empty, none_i, none_i, none_f, none_f, np.empty((0, 2)), np.empty((0, 2, 2)))
    assert len(out) == 0


# -- (4) a manoeuvring target -------------------------------------------------------------


def _manoeuvre(speed_mps: float = 15.0, rate_deg_s: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Truth at 1 s steps: 60 s straight east, a 90° left turn at 3°/s, 60 s straight north."""
    omega = np.radians(rate_deg_s)
    n_turn = round(90.0 / rate_deg_s)
    rates = np.concatenate([np.zeros(60), np.full(n_turn, omega), np.zeros(60)])
    x = np.array([[0.0, 0.0, speed_mps, 0.0, 0.0]])
    out = [x[0, :2].copy()]
    for w in rates:
        x[0, 4] = w
        x, _ = ct_transition(x, 1.0)
        out.append(x[0, :2].copy())
    return np.array(out), np.concatenate([[False], rates > 0])


def test_imm_beats_constant_velocity_through_a_turn(record_property: pytest.RecordProperty) -> None:
    truth, turning = _manoeuvre()
    runs, sigma = 50, 10.0  # 50 noise realisations of the one target, filtered as one batch
    rng = np.random.default_rng(2024)
    z = truth[None] + rng.normal(0.0, sigma, (runs, len(truth), 2))
    r = np.broadcast_to(sigma**2 * np.eye(2), (runs, 2, 2))
    imm = IMMFilter(q_cv=0.5)
    cv = ConstantVelocity(q=0.5)
    f_cv, q_cv = cv.transition(1.0), cv.noise(1.0)
    x_cv = np.zeros((runs, 4))
    x_cv[:, :2] = z[:, 0]
    p_cv = np.zeros((runs, 4, 4))
    p_cv[:, 0, 0] = p_cv[:, 1, 1] = sigma**2
    p_cv[:, 2, 2] = p_cv[:, 3, 3] = 20.0**2
    state = imm.initiate(z[:, 0], r, 20.0)
    idx, ones, zeros = np.arange(runs), np.ones(runs), np.zeros(runs)
    err_cv, err_imm, mu_ct = [], [], []
    for k in range(1, len(truth)):
        x_cv, p_cv = predict(x_cv, p_cv, f_cv, q_cv)
        x_cv, p_cv = update(x_cv, p_cv, z[:, k], r)
        state = imm.update(imm.predict(state, 1.0), idx, idx, ones, zeros, z[:, k], r)
        x_imm, _ = imm.combined(state)
        err_cv.append(np.sum((x_cv[:, :2] - truth[k]) ** 2, axis=1))
        err_imm.append(np.sum((x_imm[:, :2] - truth[k]) ** 2, axis=1))
        mu_ct.append(state.mu[:, CT].mean())
    settle = 5
    rmse_cv = float(np.sqrt(np.mean(err_cv[settle:])))
    rmse_imm = float(np.sqrt(np.mean(err_imm[settle:])))
    mu = np.array(mu_ct)
    turn = turning[1:]
    first_leg = slice(settle, 60)
    record_property("rmse_cv_m", rmse_cv)
    record_property("rmse_imm_m", rmse_imm)
    summary = (
        f"RMSE CV {rmse_cv:.2f} m, IMM {rmse_imm:.2f} m; mean μ_CT in turn {mu[turn].mean():.2f}"
    )
    assert rmse_imm < 0.95 * rmse_cv, summary
    assert mu[turn].mean() > mu[first_leg].mean() + 0.1, summary
    assert mu[turn].max() > mu[first_leg].max() + 0.1, summary
