"""Filters over all tracks at once: the state-estimation strategy of the tracker.

A filter owns the per-track estimation state (a struct of arrays) and knows four verbs:
``initiate`` new tracks from detections, ``predict`` every track over ``dt``, expose the
``combined`` state (position and velocity first) for gating and output, and ``update`` tracks
with weighted detections. Measurements reach ``update`` as linear position measurements, one
per (track, detection) pair, so association (hard or soft) and measurement models (Cartesian,
or range/bearing linearised per pair) stay outside the filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, Self, TypeVar

import numpy as np
import numpy.typing as npt

from ._kalman import predict, update
from ._motion import ConstantVelocity

__all__ = ["CVState", "KalmanFilterCV", "TrackFilter", "mixture_update"]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]


class FilterState(Protocol):
    def take(self, index: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> Self: ...

    @classmethod
    def concat(cls, states: Sequence[Self]) -> Self: ...

    @property
    def nbytes(self) -> int: ...

    def __len__(self) -> int: ...


S = TypeVar("S", bound=FilterState)


class TrackFilter(Protocol[S]):
    """The estimation strategy: any state type, the same four verbs."""

    def initiate(self, z: F8, r: F8, speed_sigma: float) -> S: ...

    def predict(self, state: S, dt: float) -> S: ...

    def combined(self, state: S) -> tuple[F8, F8]:
        """Moment-matched state (n, d) and covariance (n, d, d); x, y, vx, vy come first."""
        ...

    def update(
        self,
        state: S,
        track_idx: I8,
        det_idx: I8,
        weights: F8,
        miss_weight: F8,
        z: F8,
        r: F8,
    ) -> S:
        """Update track ``track_idx[k]`` with position measurement ``z[det_idx[k]]`` at weight
        ``weights[k]``; ``miss_weight[i]`` is the weight of track i's own prediction."""
        ...


@dataclass(frozen=True, slots=True)
class CVState:
    x: F8  # (n, 4)
    p: F8  # (n, 4, 4)

    def take(self, index: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> CVState:
        return CVState(self.x[index], self.p[index])

    @classmethod
    def concat(cls, states: Sequence[CVState]) -> CVState:
        return cls(np.concatenate([s.x for s in states]), np.concatenate([s.p for s in states]))

    @property
    def nbytes(self) -> int:
        return int(self.x.nbytes + self.p.nbytes)

    def __len__(self) -> int:
        return int(self.x.shape[0])


def mixture_update(
    x: F8,
    p: F8,
    track_idx: I8,
    det_idx: I8,
    weights: F8,
    miss_weight: F8,
    z: F8,
    r: F8,
) -> tuple[F8, F8]:
    """Kalman update of each track by a weighted set of its detections (PDA form).

    Each pair (i, j) gives the ordinary update (x_ij, P_ij); track i becomes the moment-matched
    mixture of its prediction (weight β_i0) and those updates (weights β_ij). With weights in
    {0, 1} and each track updated at most once this is exactly the Kalman update.
    """
    n = x.shape[0]
    if len(track_idx) == 0:
        return x, p
    xi, pi = update(x[track_idx], p[track_idx], z[det_idx], r[det_idx])
    hard = bool(np.all(weights == 1.0)) and len(np.unique(track_idx)) == len(track_idx)
    if hard:
        x_new, p_new = x.copy(), p.copy()
        x_new[track_idx], p_new[track_idx] = xi, pi
        return x_new, p_new
    # Normalise each track's weights (they should already sum to 1).
    total = miss_weight.astype(np.float64).copy()
    np.add.at(total, track_idx, weights)
    total = np.where(total > 0, total, 1.0)
    m0 = miss_weight / total
    w = (weights / total[track_idx])[:, None]
    x_new = m0[:, None] * x
    np.add.at(x_new, track_idx, w * xi)
    d0 = x - x_new
    p_new = m0[:, None, None] * (p + d0[:, :, None] * d0[:, None, :])
    dk = xi - x_new[track_idx]
    np.add.at(p_new, track_idx, w[:, :, None] * (pi + dk[:, :, None] * dk[:, None, :]))
    assert x_new.shape[0] == n
    return x_new, 0.5 * (p_new + np.transpose(p_new, (0, 2, 1)))


@dataclass(frozen=True, slots=True)
class KalmanFilterCV:
    """Nearly-constant-velocity Kalman filter, state ``[x, y, vx, vy]``."""

    q: float = 0.5

    def initiate(self, z: F8, r: F8, speed_sigma: float) -> CVState:
        k = len(z)
        x = np.zeros((k, 4))
        x[:, :2] = z
        p = np.zeros((k, 4, 4))
        p[:, :2, :2] = r
        p[:, 2, 2] = p[:, 3, 3] = speed_sigma**2
        return CVState(x, p)

    def predict(self, state: CVState, dt: float) -> CVState:
        if dt <= 0 or len(state) == 0:
            return state
        cv = ConstantVelocity(self.q)
        x, p = predict(state.x, state.p, cv.transition(dt), cv.noise(dt))
        return CVState(x, p)

    def combined(self, state: CVState) -> tuple[F8, F8]:
        return state.x, state.p

    def update(
        self,
        state: CVState,
        track_idx: I8,
        det_idx: I8,
        weights: F8,
        miss_weight: F8,
        z: F8,
        r: F8,
    ) -> CVState:
        x, p = mixture_update(state.x, state.p, track_idx, det_idx, weights, miss_weight, z, r)
        return CVState(x, p)
