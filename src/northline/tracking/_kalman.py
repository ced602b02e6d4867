"""Batched Kalman filter steps for a 2-D position measurement of a 4-state model.

Every function takes stacks: states ``x`` of shape (n, 4), covariances ``P`` of shape
(n, 4, 4), measurements ``z`` of shape (n, 2) and their covariances ``R`` of shape (n, 2, 2).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["innovation", "inv2", "mahalanobis2", "predict", "update"]

F8 = npt.NDArray[np.float64]


def predict(x: F8, p: F8, f: F8, q: F8) -> tuple[F8, F8]:
    """x ← F x, P ← F P Fᵀ + Q for every row at once."""
    return x @ f.T, f @ p @ f.T + q


def inv2(s: F8) -> tuple[F8, F8]:
    """Inverse and determinant of a stack of 2×2 matrices, in closed form."""
    a, b, c, d = s[:, 0, 0], s[:, 0, 1], s[:, 1, 0], s[:, 1, 1]
    det = a * d - b * c
    inv = np.empty_like(s)
    inv[:, 0, 0] = d / det
    inv[:, 0, 1] = -b / det
    inv[:, 1, 0] = -c / det
    inv[:, 1, 1] = a / det
    return inv, det


def innovation(x: F8, p: F8, z: F8, r: F8) -> tuple[F8, F8]:
    """Residual ν = z − H x and its covariance S = H P Hᵀ + R, for H selecting x, y."""
    return z - x[:, :2], p[:, :2, :2] + r


def mahalanobis2(nu: F8, s_inv: F8) -> F8:
    """Squared Mahalanobis distance νᵀ S⁻¹ ν for each row."""
    out: F8 = np.einsum("ni,nij,nj->n", nu, s_inv, nu)
    return out


def update(x: F8, p: F8, z: F8, r: F8) -> tuple[F8, F8]:
    """The Kalman update of each row with its own measurement (Joseph form for P)."""
    nu, s = innovation(x, p, z, r)
    s_inv, _ = inv2(s)
    pht = p[:, :, :2]  # P Hᵀ
    k = pht @ s_inv  # (n, 4, 2)
    x_new = x + np.einsum("nij,nj->ni", k, nu)
    n = x.shape[1]
    i_kh = np.broadcast_to(np.eye(n), p.shape).copy()
    i_kh[:, :, :2] -= k
    p_new = i_kh @ p @ np.transpose(i_kh, (0, 2, 1)) + k @ r @ np.transpose(k, (0, 2, 1))
    return x_new, 0.5 * (p_new + np.transpose(p_new, (0, 2, 1)))
