"""Range/bearing measurements from a sensor position, and their extended Kalman update.

A measurement is ``z = [range_m, bearing_rad]``: slant range in metres and bearing in radians
clockwise from grid north (the +y axis), from the sensor at ``(sx, sy)`` in the same local
frame (x east, y north, metres). With dx = x − sx, dy = y − sy::

    h(x) = [√(dx² + dy²), atan2(dx, dy)]
    x = sx + range·sin(bearing),  y = sy + range·cos(bearing)

``sensor_xy`` is either one position (2,) for the whole scan or one per row (n, 2). Bearings
and bearing residuals are wrapped to (−π, π].
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..model import InvalidInput
from ._kalman import inv2

__all__ = [
    "ekf_update_rb",
    "rb_covariance_xy",
    "rb_jacobian",
    "rb_predict",
    "rb_to_xy",
    "wrap_angle",
]

F8 = npt.NDArray[np.float64]

_MIN_RANGE_M = 1e-6  # a target on top of the sensor has no bearing; keep the Jacobian finite


def _sensor(sensor_xy: npt.ArrayLike, n: int) -> F8:
    s = np.asarray(sensor_xy, dtype=np.float64)
    if s.shape not in {(2,), (n, 2)}:
        raise InvalidInput(
            "sensor_xy must be one position (2,) or one per row (n, 2)",
            field="sensor_xy",
            shape=list(s.shape),
        )
    return np.broadcast_to(s, (n, 2))


def wrap_angle(a: npt.ArrayLike) -> F8:
    """Angles wrapped to (−π, π]: w = π − ((π − a) mod 2π)."""
    w = np.pi - np.mod(np.pi - np.asarray(a, dtype=np.float64), 2.0 * np.pi)
    out: F8 = np.where(w <= -np.pi, w + 2.0 * np.pi, w)
    return out


def rb_predict(x_pos: F8, sensor_xy: npt.ArrayLike) -> F8:
    """Predicted ``[range_m, bearing_rad]`` (n, 2) of positions ``x_pos`` (n, 2): h(x)."""
    d = x_pos - _sensor(sensor_xy, len(x_pos))
    z = np.empty_like(d)
    z[:, 0] = np.hypot(d[:, 0], d[:, 1])
    z[:, 1] = wrap_angle(np.arctan2(d[:, 0], d[:, 1]))
    return z


def rb_jacobian(x_pos: F8, sensor_xy: npt.ArrayLike) -> F8:
    """∂h/∂(x, y) (n, 2, 2) with ρ = √(dx² + dy²)::

    [[dx/ρ,  dy/ρ ],
     [dy/ρ², −dx/ρ²]]

    ρ is floored at 1 µm so that a target on the sensor gives a large but finite H.
    """
    d = x_pos - _sensor(sensor_xy, len(x_pos))
    dx, dy = d[:, 0], d[:, 1]
    rho2 = np.maximum(dx * dx + dy * dy, _MIN_RANGE_M**2)
    rho = np.sqrt(rho2)
    h = np.empty((len(d), 2, 2))
    h[:, 0, 0], h[:, 0, 1] = dx / rho, dy / rho
    h[:, 1, 0], h[:, 1, 1] = dy / rho2, -dx / rho2
    return h


def rb_to_xy(z: F8, sensor_xy: npt.ArrayLike) -> F8:
    """Local positions (n, 2): x = sx + range·sin(bearing), y = sy + range·cos(bearing)."""
    s = _sensor(sensor_xy, len(z))
    rng, b = z[:, 0], z[:, 1]
    out: F8 = s + np.stack([rng * np.sin(b), rng * np.cos(b)], axis=1)
    return out


def rb_covariance_xy(z: F8, r_polar: F8) -> F8:
    """The linearised covariance (n, 2, 2) of :func:`rb_to_xy`: J R Jᵀ with J = ∂(x, y)/∂(r, b)::

    J = [[sin b,  r cos b],
         [cos b, −r sin b]]

    It does not depend on the sensor position (a translation). Good for spatial pre-gating and
    for a converted-measurement filter far from the sensor; near it, use :func:`ekf_update_rb`.
    """
    rng, b = z[:, 0], z[:, 1]
    sb, cb = np.sin(b), np.cos(b)
    j = np.empty((len(z), 2, 2))
    j[:, 0, 0], j[:, 0, 1] = sb, rng * cb
    j[:, 1, 0], j[:, 1, 1] = cb, -rng * sb
    out: F8 = j @ r_polar @ np.swapaxes(j, -1, -2)
    return 0.5 * (out + np.swapaxes(out, -1, -2))


def ekf_update_rb(x: F8, p: F8, z: F8, r: F8, sensor_xy: npt.ArrayLike) -> tuple[F8, F8, F8, F8]:
    """The extended Kalman update of each row (x (n, d), P (n, d, d), d ≥ 2, position first).

    H = [∂h/∂(x, y), 0] (n, 2, d), ν = z − h(x) with the bearing residual wrapped to (−π, π],
    S = H P Hᵀ + R, K = P Hᵀ S⁻¹, x ← x + K ν, P ← (I − K H) P (I − K H)ᵀ + K R Kᵀ (Joseph).
    Returns the updated x and P, and ν (n, 2) and S (n, 2, 2) for gating and likelihoods.
    """
    n, d = x.shape
    s_xy = _sensor(sensor_xy, n)
    h_pos = rb_jacobian(x[:, :2], s_xy)
    nu = z - rb_predict(x[:, :2], s_xy)
    nu[:, 1] = wrap_angle(nu[:, 1])
    h_t = np.swapaxes(h_pos, -1, -2)
    pht = p[:, :, :2] @ h_t  # P Hᵀ, (n, d, 2)
    s = h_pos @ pht[:, :2, :] + r
    s_inv, _ = inv2(s)
    gain = pht @ s_inv
    x_new = x + np.einsum("nij,nj->ni", gain, nu)
    i_kh = np.broadcast_to(np.eye(d), p.shape).copy()
    i_kh[:, :, :2] -= gain @ h_pos
    p_new = i_kh @ p @ np.swapaxes(i_kh, -1, -2) + gain @ r @ np.swapaxes(gain, -1, -2)
    return x_new, 0.5 * (p_new + np.swapaxes(p_new, -1, -2)), nu, s
