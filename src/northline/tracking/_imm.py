"""Interacting Multiple Model (IMM) filter: constant velocity + coordinated turn, batched.

Every model shares one 5-D state ``[x, y, vx, vy, ω]`` (m, m, m/s, m/s, rad/s) in the local
frame, ω > 0 turning anticlockwise (from +x towards +y). Model ``CV`` (0) is nearly-constant
velocity and holds ω at 0 with a tiny variance, so that mixing is a weighted sum over one state;
model ``CT`` (1) is the nearly-coordinated turn, linearised as an extended Kalman filter.

One IMM cycle for n tracks and r models, Markov transition π_ij = P(model j now | i before)
(Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to Tracking*, §11.6):

1. mix (:func:`imm_mix`): c̄_j = Σ_i π_ij μ_i, μ_{i|j} = π_ij μ_i / c̄_j,
   x0_j = Σ_i μ_{i|j} x_i, P0_j = Σ_i μ_{i|j} [P_i + (x_i − x0_j)(x_i − x0_j)ᵀ];
2. predict each model from its own mixed start (:func:`cv5_predict`, :func:`ct_predict`);
3. update each model with its detections and get its likelihood Λ_j (:meth:`IMMFilter.update`);
4. mode probabilities μ_j = Λ_j c̄_j / Σ_l Λ_l c̄_l (:func:`imm_mode_update`, in log space);
5. combine for gating and output (:func:`imm_combine`).

:class:`IMMFilter` stores c̄ in the state's ``mu`` between predict and update (c̄ *is* the
predicted mode probability), so ``combined`` after ``predict`` is the predicted estimate and a
track with no detection keeps c̄ as its mode probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from ..model import InvalidInput
from ._kalman import inv2

__all__ = [
    "CT",
    "CV",
    "IMMFilter",
    "IMMState",
    "ct_noise",
    "ct_predict",
    "ct_transition",
    "cv5_noise",
    "cv5_predict",
    "cv5_transition",
    "imm_combine",
    "imm_mix",
    "imm_mode_update",
]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]
Index = npt.NDArray[np.integer[Any]] | npt.NDArray[np.bool_]

CV, CT = 0, 1  # model index along the r axis
DIM = 5
_SMALL_TURN = 1e-2  # |ω·dt| (rad) below which the derivatives use their Taylor series
_LOG_2PI = float(np.log(2.0 * np.pi))


def _sym(p: F8) -> F8:
    out: F8 = 0.5 * (p + np.swapaxes(p, -1, -2))
    return out


def _check_dt(dt_s: float) -> None:
    if not (np.isfinite(dt_s) and dt_s >= 0.0):
        raise InvalidInput("dt_s must be finite and non-negative", field="dt_s", dt_s=dt_s)


def _wna_noise(dt_s: float, q_acc: float) -> F8:
    """Continuous white acceleration of density q_acc on x, y: q·[[T³/3, T²/2], [T²/2, T]]."""
    q = np.zeros((DIM, DIM))
    d3, d2 = q_acc * dt_s**3 / 3.0, q_acc * dt_s**2 / 2.0
    q[0, 0] = q[1, 1] = d3
    q[0, 2] = q[2, 0] = q[1, 3] = q[3, 1] = d2
    q[2, 2] = q[3, 3] = q_acc * dt_s
    return q


# -- motion models -----------------------------------------------------------------------


def ct_transition(x: F8, dt_s: float) -> tuple[F8, F8]:
    """The coordinated-turn motion f(x) of each row (n, 5) and its Jacobian F = ∂f/∂x (n, 5, 5).

    With θ = ωT, a = sin θ / ω and b = (1 − cos θ) / ω::

        x' = x + a vx − b vy        vx' = cos θ vx − sin θ vy
        y' = y + b vx + a vy        vy' = sin θ vx + cos θ vy        ω' = ω

    F has the linear part in columns 0–3 and, in column 4,
    ∂x'/∂ω = a′ vx − b′ vy, ∂y'/∂ω = b′ vx + a′ vy, ∂vx'/∂ω = −T(sin θ vx + cos θ vy),
    ∂vy'/∂ω = T(cos θ vx − sin θ vy), with a′ = T²(θ cos θ − sin θ)/θ² and
    b′ = T²(θ sin θ − 1 + cos θ)/θ². No division by ω: a = T·sinc(θ), b = T·sin(θ/2)·sinc(θ/2)
    (unnormalised sinc), and for |θ| < 10⁻² a′ = T²(−θ/3 + θ³/30 − θ⁵/840) and
    b′ = T²(1/2 − θ²/8 + θ⁴/144 − θ⁶/5760), so ω → 0 gives the constant-velocity limit
    a → T, b → 0, a′ → 0, b′ → T²/2.
    """
    t = float(dt_s)
    vx, vy, w = x[:, 2], x[:, 3], x[:, 4]
    th = w * t
    s, c = np.sin(th), np.cos(th)
    a = t * np.sinc(th / np.pi)
    b = t * np.sin(0.5 * th) * np.sinc(th / (2.0 * np.pi))
    small = np.abs(th) < _SMALL_TURN
    th_safe = np.where(small, 1.0, th)
    th2 = th * th
    ga = np.where(
        small,
        th * (-1.0 / 3.0 + th2 * (1.0 / 30.0 - th2 / 840.0)),
        (th_safe * c - s) / th_safe**2,
    )
    gb = np.where(
        small,
        0.5 + th2 * (-1.0 / 8.0 + th2 * (1.0 / 144.0 - th2 / 5760.0)),
        (th_safe * s - (1.0 - c)) / th_safe**2,
    )
    da, db = t * t * ga, t * t * gb
    fx = np.empty_like(x)
    fx[:, 0] = x[:, 0] + a * vx - b * vy
    fx[:, 1] = x[:, 1] + b * vx + a * vy
    fx[:, 2] = c * vx - s * vy
    fx[:, 3] = s * vx + c * vy
    fx[:, 4] = w
    f = np.zeros((len(x), DIM, DIM))
    f[:, 0, 0] = f[:, 1, 1] = f[:, 4, 4] = 1.0
    f[:, 0, 2], f[:, 0, 3] = a, -b
    f[:, 1, 2], f[:, 1, 3] = b, a
    f[:, 2, 2], f[:, 2, 3] = c, -s
    f[:, 3, 2], f[:, 3, 3] = s, c
    f[:, 0, 4] = da * vx - db * vy
    f[:, 1, 4] = db * vx + da * vy
    f[:, 2, 4] = -t * (s * vx + c * vy)
    f[:, 3, 4] = t * (c * vx - s * vy)
    return fx, f


def ct_noise(dt_s: float, q_acc: float, q_omega: float) -> F8:
    """Process noise Q (5, 5) of the coordinated turn.

    White acceleration of density ``q_acc`` (m²/s³) on each axis, in the constant-velocity form
    q_acc·[[T³/3, T²/2], [T²/2, T]] (exact at ω = 0, the usual approximation for a turn), and a
    random walk of the turn rate with density ``q_omega`` (rad²/s³): Q_ωω = q_omega·T.
    """
    q = _wna_noise(dt_s, q_acc)
    q[4, 4] = q_omega * dt_s
    return q


def ct_predict(x: F8, p: F8, dt_s: float, q_acc: float, q_omega: float) -> tuple[F8, F8]:
    """EKF prediction of each row by the coordinated turn: x ← f(x), P ← F P Fᵀ + Q."""
    _check_dt(dt_s)
    fx, f = ct_transition(x, dt_s)
    return fx, _sym(f @ p @ np.swapaxes(f, -1, -2) + ct_noise(dt_s, q_acc, q_omega))


def cv5_transition(dt_s: float) -> F8:
    """Constant velocity in the 5-D state: x' = x + T vx, y' = y + T vy, v' = v, ω' = 0."""
    f = np.eye(DIM)
    f[0, 2] = f[1, 3] = dt_s
    f[4, 4] = 0.0
    return f


def cv5_noise(dt_s: float, q_acc: float, omega_var: float) -> F8:
    """White acceleration ``q_acc`` (m²/s³) on x, y, and Q_ωω = ``omega_var`` (rad²/s²)."""
    q = _wna_noise(dt_s, q_acc)
    q[4, 4] = omega_var
    return q


def cv5_predict(x: F8, p: F8, dt_s: float, q_acc: float, omega_var: float = 1e-10) -> tuple[F8, F8]:
    """Kalman prediction of each row by constant velocity: x ← F x, P ← F P Fᵀ + Q.

    ω is reset to 0 with variance ``omega_var`` and no correlation with the rest of the state.
    """
    _check_dt(dt_s)
    f = cv5_transition(dt_s)
    return x @ f.T, _sym(f @ p @ f.T + cv5_noise(dt_s, q_acc, omega_var))


# -- IMM steps ---------------------------------------------------------------------------


def imm_mix(mu: F8, trans: F8, x: F8, p: F8) -> tuple[F8, F8, F8]:
    """Mixed starts of every model: x0 (n, r, 5), P0 (n, r, 5, 5) and c̄ (n, r).

    c̄_j = Σ_i π_ij μ_i; μ_{i|j} = π_ij μ_i / c̄_j; x0_j = Σ_i μ_{i|j} x_i;
    P0_j = Σ_i μ_{i|j} [P_i + (x_i − x0_j)(x_i − x0_j)ᵀ]. A model no model can move into
    (c̄_j = 0) is started from μ_{i|j} = μ_i.
    """
    joint = mu[:, :, None] * trans[None, :, :]  # (n, i, j): π_ij μ_i
    c_bar: F8 = joint.sum(axis=1)
    cond = np.broadcast_to(mu[:, :, None], joint.shape).copy()
    np.divide(joint, c_bar[:, None, :], out=cond, where=c_bar[:, None, :] > 0.0)
    x0: F8 = np.einsum("nij,nid->njd", cond, x)
    dx = x[:, :, None, :] - x0[:, None, :, :]  # (n, i, j, d)
    p0 = np.einsum("nij,nide->njde", cond, p) + np.einsum("nij,nijd,nije->njde", cond, dx, dx)
    return x0, _sym(p0), c_bar


def imm_mode_update(c_bar: F8, log_lik: F8) -> F8:
    """Mode probabilities μ_j = c̄_j Λ_j / Σ_l c̄_l Λ_l (n, r) from log-likelihoods ln Λ (n, r).

    Computed as softmax(ln c̄ + ln Λ) with the row maximum subtracted, so likelihoods far below
    the smallest float are fine. A row where every Λ is 0 (ln Λ = −∞: nothing to tell the
    models apart) keeps c̄.
    """
    with np.errstate(divide="ignore"):
        log_c = np.log(c_bar)
    a = log_c + log_lik
    top = a.max(axis=1, keepdims=True)
    a = np.where(np.isfinite(top), a, log_c)
    top = a.max(axis=1, keepdims=True)
    e = np.exp(a - top)
    out: F8 = e / e.sum(axis=1, keepdims=True)
    return out


def imm_combine(mu: F8, x: F8, p: F8) -> tuple[F8, F8]:
    """Moment-matched combination: x = Σ_j μ_j x_j, P = Σ_j μ_j [P_j + (x_j − x)(x_j − x)ᵀ]."""
    xc: F8 = np.einsum("nj,njd->nd", mu, x)
    dx = x - xc[:, None, :]
    pc = np.einsum("nj,njde->nde", mu, p) + np.einsum("nj,njd,nje->nde", mu, dx, dx)
    return xc, _sym(pc)


# -- state and filter --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IMMState:
    """Struct of arrays of n tracks under r models: x (n, r, 5), p (n, r, 5, 5), mu (n, r)."""

    x: F8
    p: F8
    mu: F8

    def __len__(self) -> int:
        return int(self.mu.shape[0])

    @property
    def n_models(self) -> int:
        return int(self.mu.shape[1])

    @property
    def nbytes(self) -> int:
        return int(self.x.nbytes + self.p.nbytes + self.mu.nbytes)

    def take(self, idx: Index) -> IMMState:
        """The tracks at ``idx`` (integer indices or a boolean mask), as copies."""
        return IMMState(self.x[idx], self.p[idx], self.mu[idx])

    @classmethod
    def empty(cls, n_models: int = 2) -> IMMState:
        return cls(
            np.empty((0, n_models, DIM)), np.empty((0, n_models, DIM, DIM)), np.empty((0, n_models))
        )

    @classmethod
    def concat(cls, states: Sequence[IMMState]) -> IMMState:
        """The tracks of every state in order; all must have the same models."""
        if not states:
            raise InvalidInput("concat needs at least one state", field="states")
        if len({s.n_models for s in states}) != 1:
            raise InvalidInput("states have different model sets", field="states")
        return cls(
            np.concatenate([s.x for s in states]),
            np.concatenate([s.p for s in states]),
            np.concatenate([s.mu for s in states]),
        )


@dataclass(frozen=True, slots=True)
class IMMFilter:
    """The CV + CT interacting multiple model filter over a batch of tracks.

    ``q_cv``, ``q_ct``: white-acceleration densities of the two models (m²/s³); ``q_omega``:
    turn-rate random-walk density of CT (rad²/s³); ``p_stay``: probability of staying in the
    same model from one predict to the next (π_jj; π_ij = 1 − p_stay otherwise);
    ``init_omega_sigma``: CT's initial turn-rate 1-sigma (rad/s); ``cv_omega_var``: the tiny
    variance at which CV holds ω = 0 (rad²/s²).
    """

    q_cv: float = 0.5
    q_ct: float = 0.1
    q_omega: float = 1e-4
    p_stay: float = 0.95
    init_omega_sigma: float = 0.05
    cv_omega_var: float = 1e-10

    MODELS: ClassVar[tuple[str, str]] = ("cv", "ct")

    def __post_init__(self) -> None:
        if min(self.q_cv, self.q_ct, self.q_omega) < 0.0:
            raise InvalidInput("process noise densities must be non-negative", field="q")
        if not 0.0 < self.p_stay <= 1.0:
            raise InvalidInput("p_stay must be in (0, 1]", field="p_stay", p_stay=self.p_stay)
        if self.init_omega_sigma <= 0.0 or self.cv_omega_var <= 0.0:
            raise InvalidInput("turn-rate variances must be positive", field="init_omega_sigma")

    @property
    def n_models(self) -> int:
        return len(self.MODELS)

    @property
    def trans(self) -> F8:
        """The Markov transition matrix π (r, r), rows summing to 1."""
        r = self.n_models
        off = (1.0 - self.p_stay) / (r - 1)
        return np.full((r, r), off) + (self.p_stay - off) * np.eye(r)

    def initiate(self, z: F8, r: F8, speed_sigma_mps: float | F8) -> IMMState:
        """New tracks at positions ``z`` (k, 2) with covariances ``r`` (k, 2, 2), at rest.

        Velocity 0 with 1-sigma ``speed_sigma_mps`` per axis, ω = 0 with CT's variance
        ``init_omega_sigma²`` (CV's ``cv_omega_var``), equal mode probabilities.
        """
        zz = np.asarray(z, dtype=np.float64).reshape(-1, 2)
        rr = np.asarray(r, dtype=np.float64).reshape(-1, 2, 2)
        k, nm = len(zz), self.n_models
        if len(rr) != k:
            raise InvalidInput("need one covariance per position", field="r")
        sig = np.broadcast_to(np.asarray(speed_sigma_mps, dtype=np.float64), (k,))
        x = np.zeros((k, nm, DIM))
        x[:, :, :2] = zz[:, None, :]
        p = np.zeros((k, nm, DIM, DIM))
        p[:, :, :2, :2] = rr[:, None]
        p[:, :, 2, 2] = p[:, :, 3, 3] = sig[:, None] ** 2
        p[:, CV, 4, 4] = self.cv_omega_var
        p[:, CT, 4, 4] = self.init_omega_sigma**2
        return IMMState(x, p, np.full((k, nm), 1.0 / nm))

    def predict(self, state: IMMState, dt_s: float) -> IMMState:
        """Mix, then predict each model ``dt_s`` seconds ahead; ``mu`` becomes c̄.

        The Markov transition applies once per call with dt_s > 0; dt_s = 0 is a no-op.
        """
        _check_dt(dt_s)
        if dt_s == 0.0:
            return state
        x0, p0, c_bar = imm_mix(state.mu, self.trans, state.x, state.p)
        xv, pv = cv5_predict(x0[:, CV], p0[:, CV], dt_s, self.q_cv, self.cv_omega_var)
        xt, pt = ct_predict(x0[:, CT], p0[:, CT], dt_s, self.q_ct, self.q_omega)
        return IMMState(np.stack([xv, xt], axis=1), np.stack([pv, pt], axis=1), c_bar)

    def combined(self, state: IMMState) -> tuple[F8, F8]:
        """The moment-matched estimate of each track: x (n, 5), P (n, 5, 5)."""
        return imm_combine(state.mu, state.x, state.p)

    def update(
        self,
        state: IMMState,
        track_idx: I8,
        det_idx: I8,
        weights: F8,
        miss_weight: F8,
        z: F8,
        r: F8,
        *,
        pd: float = 1.0,
        pg: float = 1.0,
        clutter_per_m2: float = 0.0,
    ) -> IMMState:
        """Update every model of every track with its weighted detections (IMM-PDA).

        Pair k updates track i = ``track_idx[k]`` with detection j = ``det_idx[k]`` (position
        ``z[j]`` (m, 2), covariance ``r[j]`` (m, 2, 2), H selecting x, y) at weight β_ij =
        ``weights[k]``; ``miss_weight[i]`` = β_i0 is the weight of "none of them", and for
        each track Σ_j β_ij + β_i0 = 1. For every model, with x_ij the Kalman update by j::

            x_i ← β_i0 x_i + Σ_j β_ij x_ij
            P_i ← β_i0 [P_i + d_i0 d_i0ᵀ] + Σ_j β_ij [P_ij + d_ij d_ijᵀ],   d = x_· − x_i(new)

        the moments of the mixture. For a common R it is the PDA update
        x + K ν̄ with ν̄ = Σ_j β_ij ν_ij, and P = β_0 P + (1 − β_0)(P − K S Kᵀ)
        + K (Σ_j β_ij ν_ij ν_ijᵀ − ν̄ ν̄ᵀ) Kᵀ (the spread of innovations); with β ∈ {0, 1} it
        is the plain Kalman update. Model likelihood, over the track's pairs with β_ij > 0::

            Λ_ir = (1 − pd·pg)·λ + pd · Σ_j N(ν_irj; 0, S_irj)

        with ``pd`` the detection probability, ``pg`` the gate probability and λ =
        ``clutter_per_m2`` the false-detection density. The defaults (1, 1, 0) give the plain
        IMM for hard (GNN) weights: Λ_ir = N_irj of the assigned detection. A track with no
        pair of positive weight keeps its ``mu`` (c̄) unchanged.
        """
        n, nm = state.mu.shape
        ti = np.asarray(track_idx, dtype=np.int64).reshape(-1)
        dj = np.asarray(det_idx, dtype=np.int64).reshape(-1)
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        w0 = np.asarray(miss_weight, dtype=np.float64).reshape(-1)
        zz = np.asarray(z, dtype=np.float64).reshape(-1, 2)
        rr = np.asarray(r, dtype=np.float64).reshape(-1, 2, 2)
        _check_update_args(n, ti, dj, w, w0, zz, rr, pd, pg, clutter_per_m2)
        if len(ti) == 0:
            return state

        # Kalman update of every (pair, model): (k, r, ...).
        xs, ps = state.x[ti], state.p[ti]
        rk = rr[dj][:, None]
        nu = zz[dj][:, None, :] - xs[..., :2]
        s = ps[..., :2, :2] + rk
        s_inv, det = inv2(s.reshape(-1, 2, 2))
        s_inv = s_inv.reshape(s.shape)
        gain = ps[..., :, :2] @ s_inv  # K = P Hᵀ S⁻¹, (k, r, 5, 2)
        x_upd = xs + np.einsum("krij,krj->kri", gain, nu)
        i_kh = np.broadcast_to(np.eye(DIM), ps.shape).copy()
        i_kh[..., :, :2] -= gain
        gain_t = np.swapaxes(gain, -1, -2)
        p_upd = i_kh @ ps @ np.swapaxes(i_kh, -1, -2) + gain @ rk @ gain_t
        d2 = np.einsum("kri,krij,krj->kr", nu, s_inv, nu)
        log_n = -0.5 * d2 - 0.5 * np.log(det.reshape(d2.shape)) - _LOG_2PI

        # Moments of the mixture of "no detection" and each weighted update.
        x_new = w0[:, None, None] * state.x
        np.add.at(x_new, ti, w[:, None, None] * x_upd)
        d0 = state.x - x_new
        p_new = w0[:, None, None, None] * (state.p + d0[..., :, None] * d0[..., None, :])
        dk = x_upd - x_new[ti]
        np.add.at(p_new, ti, w[:, None, None, None] * (p_upd + dk[..., :, None] * dk[..., None, :]))

        # Model likelihoods, in log space: ln Λ = ln[(1 − pd pg) λ + pd Σ_j N_j].
        use = w > 0.0
        tu = ti[use]
        base = (1.0 - pd * pg) * clutter_per_m2
        log_base = np.log(base) if base > 0.0 else -np.inf
        terms = np.log(pd) + log_n[use]
        top = np.full((n, nm), log_base)
        np.maximum.at(top, tu, terms)
        top = np.where(np.isfinite(top), top, 0.0)
        acc = np.exp(log_base - top)
        np.add.at(acc, tu, np.exp(terms - top[tu]))
        with np.errstate(divide="ignore"):
            log_lik = top + np.log(acc)
        has = np.zeros(n, dtype=bool)
        has[tu] = True
        mu = np.where(has[:, None], imm_mode_update(state.mu, log_lik), state.mu)
        return IMMState(x_new, _sym(p_new), mu)


def _check_update_args(
    n: int,
    ti: I8,
    dj: I8,
    w: F8,
    w0: F8,
    z: F8,
    r: F8,
    pd: float,
    pg: float,
    clutter_per_m2: float,
) -> None:
    if not (len(ti) == len(dj) == len(w)):
        raise InvalidInput("track_idx, det_idx and weights must have one entry per pair")
    if len(w0) != n:
        raise InvalidInput("need one miss weight per track", field="miss_weight")
    if len(r) != len(z):
        raise InvalidInput("need one covariance per detection", field="r")
    if len(ti) and (ti.min() < 0 or ti.max() >= n or dj.min() < 0 or dj.max() >= len(z)):
        raise InvalidInput("pair index out of range", field="track_idx")
    if np.any(w < 0.0) or np.any(w0 < 0.0):
        raise InvalidInput("association weights must be non-negative", field="weights")
    total = np.bincount(ti, weights=w, minlength=n) + w0
    if not np.allclose(total, 1.0, rtol=0.0, atol=1e-9):
        raise InvalidInput("each track's weights and miss weight must sum to 1", field="weights")
    if not (0.0 < pd <= 1.0 and 0.0 < pg <= 1.0 and clutter_per_m2 >= 0.0):
        raise InvalidInput("need 0 < pd, pg <= 1 and clutter density >= 0", field="pd")
