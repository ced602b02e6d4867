"""Gating and data association.

Gating first narrows the pairs with a k-d tree over positions (SciPy ``cKDTree``), then keeps
pairs whose squared Mahalanobis distance is inside the chi-square gate. Association is solved
per connected cluster of gated tracks and detections: a cluster of one track and one detection
is assigned directly (vectorised); larger clusters get ``linear_sum_assignment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = ["Association", "Associator", "GatedPairs", "GlobalNearestNeighbour", "gate"]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class GatedPairs:
    """Candidate (track, detection) pairs inside the gate, with their costs."""

    n_tracks: int
    n_detections: int
    track: I8
    detection: I8
    d2: F8  # squared Mahalanobis distance
    cost: F8  # d² + ln det S; the Gaussian log-likelihood is -cost/2 - dim·ln(2π)/2
    miss_cost: F8  # per track: the cost of leaving it unassigned (GNN)

    @property
    def log_likelihood(self) -> F8:
        """ln N(ν; 0, S) of each pair, for a 2-D measurement."""
        out: F8 = -0.5 * self.cost - np.log(2.0 * np.pi)
        return out


@dataclass(frozen=True, slots=True)
class Association:
    """Which detections update which tracks, and with what weight.

    A hard associator (GNN) gives weight 1 to each chosen pair and ``miss_weight`` 1 to each
    track left alone. A soft one (JPDA) gives each gated pair its marginal probability β_ij
    and each track its probability β_i0 that none of its gated detections is its own; for
    every track the weights of its pairs plus its miss weight sum to 1.
    ``unclaimed`` marks detections that no track should keep for itself (they may start new
    tracks).
    """

    track: I8
    detection: I8
    weight: F8
    miss_weight: F8  # per track
    unclaimed: npt.NDArray[np.bool_]  # per detection

    @classmethod
    def hard(cls, n_tracks: int, n_detections: int, track: I8, detection: I8) -> Association:
        miss = np.ones(n_tracks)
        miss[track] = 0.0
        unclaimed = np.ones(n_detections, dtype=bool)
        unclaimed[detection] = False
        return cls(track, detection, np.ones(len(track)), miss, unclaimed)


def gate(
    track_xy: F8,
    track_s_pos: F8,
    det_xy: F8,
    det_r: F8,
    gate_d2: float,
) -> tuple[I8, I8, F8, F8]:
    """Pairs within the Mahalanobis gate.

    ``track_s_pos`` is each track's predicted position covariance (n, 2, 2) and ``det_r`` each
    detection's covariance (m, 2, 2). Returns track index, detection index, d² and ln det S.
    """
    n, m = len(track_xy), len(det_xy)
    empty_i = np.empty(0, dtype=np.int64)
    empty_f = np.empty(0)
    if n == 0 or m == 0:
        return empty_i, empty_i, empty_f, empty_f
    # A Euclidean radius that contains every point inside the Mahalanobis gate.
    eig_t = _max_eig2(track_s_pos)
    eig_d = _max_eig2(det_r)
    radius = np.sqrt(gate_d2 * (eig_t + eig_d.max()))
    tree_t = cKDTree(track_xy)
    tree_d = cKDTree(det_xy)
    pairs = tree_t.sparse_distance_matrix(tree_d, float(radius.max()), output_type="ndarray")
    ti = pairs["i"].astype(np.int64)
    dj = pairs["j"].astype(np.int64)
    keep = pairs["v"] <= radius[ti]
    ti, dj = ti[keep], dj[keep]
    s = track_s_pos[ti] + det_r[dj]
    a, b, c, d = s[:, 0, 0], s[:, 0, 1], s[:, 1, 0], s[:, 1, 1]
    det = a * d - b * c
    nu = det_xy[dj] - track_xy[ti]
    d2 = (d * nu[:, 0] ** 2 - (b + c) * nu[:, 0] * nu[:, 1] + a * nu[:, 1] ** 2) / det
    inside = d2 <= gate_d2
    return ti[inside], dj[inside], d2[inside], np.log(det[inside])


def _max_eig2(s: F8) -> F8:
    """Largest eigenvalue of each symmetric 2×2 matrix, in closed form."""
    a, b, d = s[:, 0, 0], 0.5 * (s[:, 0, 1] + s[:, 1, 0]), s[:, 1, 1]
    out: F8 = 0.5 * (a + d) + np.sqrt((0.5 * (a - d)) ** 2 + b * b)
    return out


class Associator(Protocol):
    """Chooses which detection updates which track."""

    def associate(self, pairs: GatedPairs) -> Association:
        """The weights with which each gated detection updates each track."""
        ...


class GlobalNearestNeighbour:
    """The single most likely joint assignment (GNN), solved per cluster."""

    def associate(self, pairs: GatedPairs) -> Association:
        t, d = self.assign(pairs)
        return Association.hard(pairs.n_tracks, pairs.n_detections, t, d)

    def assign(self, pairs: GatedPairs) -> tuple[I8, I8]:
        """Assigned (track index, detection index) pairs, each track and detection at most once."""
        n, m = pairs.n_tracks, pairs.n_detections
        if len(pairs.track) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        if (
            np.bincount(pairs.track, minlength=n).max() <= 1
            and np.bincount(pairs.detection, minlength=m).max() <= 1
        ):
            # Every cluster is one track and one detection: no competition to resolve.
            lone = pairs.cost < pairs.miss_cost[pairs.track]
            return pairs.track[lone], pairs.detection[lone]
        # Clusters: connected components of the bipartite gating graph (tracks 0..n-1,
        # detections n..n+m-1).
        graph = coo_matrix(
            (np.ones(len(pairs.track)), (pairs.track, pairs.detection + n)), shape=(n + m, n + m)
        )
        _, label = connected_components(graph, directed=False)
        pair_label = label[pairs.track]
        n_pairs_in = np.bincount(pair_label, minlength=label.max() + 1)
        simple = n_pairs_in[pair_label] == 1  # one track, one detection, one pair
        # A lone pair is assigned when it costs less than leaving the track unassigned.
        lone = simple & (pairs.cost < pairs.miss_cost[pairs.track])
        out_t = [pairs.track[lone]]
        out_d = [pairs.detection[lone]]
        complex_labels = np.unique(pair_label[~simple])
        if complex_labels.size:
            order = np.argsort(pair_label, kind="stable")
            sorted_labels = pair_label[order]
            starts = np.searchsorted(sorted_labels, complex_labels, side="left")
            ends = np.searchsorted(sorted_labels, complex_labels, side="right")
            for s0, s1 in zip(starts.tolist(), ends.tolist(), strict=True):
                sel = order[s0:s1]
                t_idx, t_local = np.unique(pairs.track[sel], return_inverse=True)
                d_idx, d_local = np.unique(pairs.detection[sel], return_inverse=True)
                nt, nd = len(t_idx), len(d_idx)
                big = 1e12
                cost = np.full((nt, nd + nt), big)
                cost[t_local, d_local] = pairs.cost[sel]
                cost[np.arange(nt), nd + np.arange(nt)] = pairs.miss_cost[t_idx]
                rows, cols = linear_sum_assignment(cost)
                real = (cols < nd) & (cost[rows, cols] < big)
                out_t.append(t_idx[rows[real]])
                out_d.append(d_idx[cols[real]])
        return np.concatenate(out_t).astype(np.int64), np.concatenate(out_d).astype(np.int64)
