"""Time to intercept a constant-velocity target, closed form and vectorised.

A responder at ``a`` moving at speed ``s`` in a straight line, seeing ``r`` metres ahead (a
drone's camera range; 0 to be on the spot), meets a target at ``p + v t`` at the earliest
``t >= 0`` with ``|p + v t - a| <= s t + r``. With ``d = p - a`` that boundary is the quadratic

    (v·v - s²) t² + 2 (d·v - s r) t + (d·d - r²) = 0,

whose smallest non-negative root is the intercept (``t = 0`` when the target is already within
``r``). The left side minus the right is concave in ``t``, so the squared equation has no
spurious roots for ``t >= 0``. Where there is no root (a faster target moving away) or it lies
beyond ``horizon_s`` (the predicted path is not trusted that far), the answer falls back to
going to where the target is now: ``t = max(|d| - r, 0) / s``, aiming at ``p``, and
``on_path`` is False.

Everything is in one local metric frame (x east, y north, metres; seconds); arrays broadcast,
so responders × alerts is ``asset_xy[:, None]`` against ``target_xy[None, :]``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Intercept", "intercept"]

F8 = npt.NDArray[np.float64]


class Intercept(NamedTuple):
    """Where and when responders meet targets (arrays of the broadcast shape)."""

    t_s: F8  # time from now to the meeting; inf for a responder that cannot move
    x_m: F8  # the point aimed at (the target's predicted position at t_s, or where it is now)
    y_m: F8
    on_path: npt.NDArray[np.bool_]  # True: met on the predicted path within the horizon


def intercept(
    asset_xy: npt.ArrayLike,
    speed_mps: npt.ArrayLike,
    target_xy: npt.ArrayLike,
    target_v_mps: npt.ArrayLike,
    horizon_s: float,
    *,
    reach_m: npt.ArrayLike = 0.0,
) -> Intercept:
    """The earliest meeting of responders and constant-velocity targets (see the module).

    ``asset_xy`` and ``target_xy`` are ``(..., 2)`` positions, ``target_v_mps`` ``(..., 2)``
    velocities, ``speed_mps`` and ``reach_m`` broadcast against the leading shape.
    """
    a = np.asarray(asset_xy, dtype=np.float64)
    p = np.asarray(target_xy, dtype=np.float64)
    v = np.asarray(target_v_mps, dtype=np.float64)
    s = np.asarray(speed_mps, dtype=np.float64)
    r = np.asarray(reach_m, dtype=np.float64)
    d = p - a
    dx, dy = d[..., 0], d[..., 1]
    vx, vy = np.broadcast_arrays(v[..., 0], v[..., 1])
    dx, dy, vx, vy, s, r = np.broadcast_arrays(dx, dy, vx, vy, s, r)

    qa = vx * vx + vy * vy - s * s
    qb = 2.0 * (dx * vx + dy * vy - s * r)
    qc = dx * dx + dy * dy - r * r
    t = _smallest_nonnegative_root(qa, qb, qc)
    moving = s > 0
    on_path = moving & (t <= horizon_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        chase = np.where(moving, np.maximum(np.hypot(dx, dy) - r, 0.0) / s, np.inf)
    t_out = np.where(on_path, t, chase)
    t_meet = np.where(on_path, t, 0.0)
    x = p[..., 0] + vx * t_meet
    y = p[..., 1] + vy * t_meet
    return Intercept(
        t_s=np.asarray(t_out, dtype=np.float64),
        x_m=np.asarray(x, dtype=np.float64),
        y_m=np.asarray(y, dtype=np.float64),
        on_path=np.asarray(on_path, dtype=bool),
    )


def _smallest_nonnegative_root(qa: F8, qb: F8, qc: F8) -> F8:
    """Smallest ``t >= 0`` with ``qa t² + qb t + qc = 0`` (0 where ``qc <= 0``), else inf.

    Uses the cancellation-free pair ``q / qa`` and ``qc / q`` with
    ``q = -(qb + sign(qb) √disc) / 2``; a zero ``qa`` leaves the linear root ``qc / q``.
    """
    disc = qb * qb - 4.0 * qa * qc
    real = disc >= 0
    sq = np.sqrt(np.where(real, disc, 0.0))
    sign = np.where(qb >= 0, 1.0, -1.0)
    q = -0.5 * (qb + sign * sq)
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.where(qa != 0, q / qa, np.nan)
        r2 = np.where(q != 0, qc / q, np.nan)
    r1 = np.where(real & (r1 >= 0), r1, np.inf)
    r2 = np.where(real & (r2 >= 0), r2, np.inf)
    t = np.minimum(r1, r2)
    out: F8 = np.where(qc <= 0, 0.0, t)
    return out
