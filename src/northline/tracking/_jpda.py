"""Joint probabilistic data association (JPDA): marginal association probabilities.

A *joint event* gives each track at most one of its gated detections and each detection at
most one track. In the standard parametric JPDA its weight is

    Π_{assigned (i, j)} pd·N_ij/λ  ·  Π_{unassigned i} (1 − pd·pg)

with N_ij the Gaussian likelihood of the pair, λ the clutter density (expected false
detections per m² per scan), pd the probability of detection and pg the gate probability.
β_ij is the normalised weight of the events that give detection j to track i, β_i0 that of
the events that give track i none.

Events factorise over the connected clusters of the gating graph. Each cluster is solved by
one of three methods, each batched over all the clusters that use it (no loop per cluster):

- a cluster of one track (most clusters in a sparse scene) has the closed form
  β_ij ∝ pd·N_ij/λ, β_i0 ∝ 1 − pd·pg;
- a cluster of several tracks with at most ``max_exact_events`` joint events is enumerated
  exactly, in log space, one track at a time, dropping events that reuse a detection;
- a larger cluster is approximated by loopy belief propagation (Williams & Lau, "Approximate
  evaluation of marginal association probabilities with belief propagation", IEEE TAES 50(1),
  2014), which is exact when the cluster's gating graph is a tree.

Belief propagation is an approximation on loopy clusters, and its quality depends on
ψ_ij = pd·N_ij / (λ·(1 − pd·pg)), the odds of an assignment against a miss plus a false
detection. Where ψ is of order 1 (dense clutter) its marginals are within about 0.01 of the
exact ones; where ψ ≫ 1 (sparse clutter, tight covariances: ψ ~ 10²–10⁵ with the defaults)
it is overconfident on cycles, by up to ~0.4 on a marginal. Raise ``max_exact_events`` if
large ambiguous clusters matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..model import InvalidInput
from ._association import Association, GatedPairs

__all__ = ["JointProbabilisticDA"]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]
B1 = npt.NDArray[np.bool_]

LBP_TOLERANCE = 1e-9  # largest relative change of a message at convergence
LBP_MAX_ITERATIONS = 200


@dataclass(frozen=True, slots=True)
class JointProbabilisticDA:
    """JPDA marginals β_ij and β_i0 for every gated pair and every track.

    ``unclaimed`` marks the detections gated to no track, and only those: a gated detection
    with a small total probability Σ_i β_ij of belonging to a track is still claimed.
    Pairs are assumed distinct, as ``gate`` returns them.
    """

    pd: float = 0.9  # probability of detection
    clutter_density: float = 1e-7  # expected false detections per m² per scan
    gate_probability: float = 0.999  # probability that a track's own detection is gated
    max_exact_events: int = 2000  # larger clusters get belief propagation

    def __post_init__(self) -> None:
        if not 0.0 < self.pd <= 1.0:
            raise InvalidInput("pd must be in (0, 1]", field="pd", value=self.pd)
        if not (math.isfinite(self.clutter_density) and self.clutter_density > 0.0):
            raise InvalidInput(
                "clutter_density must be positive and finite (false detections per m² per scan)",
                field="clutter_density",
                value=self.clutter_density,
            )
        if not 0.0 < self.gate_probability < 1.0:
            raise InvalidInput(
                "gate_probability must be in (0, 1)",
                field="gate_probability",
                value=self.gate_probability,
            )
        n = self.max_exact_events
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidInput(
                "max_exact_events must be a non-negative integer", field="max_exact_events", value=n
            )

    def associate(self, pairs: GatedPairs) -> Association:
        """β_ij for each gated pair (in the order given) and β_i0 for each track."""
        n, n_pairs = pairs.n_tracks, len(pairs.track)
        unclaimed = np.ones(pairs.n_detections, dtype=bool)
        unclaimed[pairs.detection] = False
        weight = np.zeros(n_pairs)
        miss = np.ones(n)
        if n_pairs == 0:
            return Association(pairs.track, pairs.detection, weight, miss, unclaimed)
        log_w = math.log(self.pd) - math.log(self.clutter_density) + pairs.log_likelihood
        log_w0 = math.log1p(-self.pd * self.gate_probability)

        # Clusters: connected components of the bipartite gating graph (tracks 0..n-1,
        # detections n..n+m-1).
        graph = coo_matrix(
            (np.ones(n_pairs), (pairs.track, pairs.detection + n)),
            shape=(n + pairs.n_detections,) * 2,
        )
        n_clusters, label = connected_components(graph, directed=False)
        track_cluster = label[:n].astype(np.int64)
        pair_cluster = track_cluster[pairs.track]
        tracks_in = np.bincount(track_cluster, minlength=n_clusters)
        pairs_in = np.bincount(pair_cluster, minlength=n_clusters)

        # One track: closed form (tracks without pairs get β_i0 = 1).
        alone = tracks_in[track_cluster] == 1
        pair_alone = alone[pairs.track]
        w, w0 = _normalise_rows(pairs.track[pair_alone], log_w[pair_alone], log_w0, n)
        weight[pair_alone] = w
        miss[alone] = w0[alone]

        # Several tracks: exact where the events are few enough, else belief propagation.
        # A cluster has at least 1 + (its number of pairs) events.
        shared = tracks_in >= 2
        try_exact = shared & (1 + pairs_in <= self.max_exact_events)
        if try_exact.any():
            option_p, too_many = _enumerate(
                pairs,
                log_w,
                log_w0,
                track_cluster,
                label[n:].astype(np.int64),
                try_exact,
                self.max_exact_events,
            )
            exact = try_exact.copy()
            exact[np.flatnonzero(try_exact)[too_many]] = False
            pair_exact = exact[pair_cluster]
            track_exact = exact[track_cluster]
            weight[pair_exact] = option_p[:n_pairs][pair_exact]
            miss[track_exact] = option_p[n_pairs:][track_exact]
        else:
            exact = try_exact
        approx = shared & ~exact
        if approx.any():
            pair_bp = approx[pair_cluster]
            w, tracks, w0 = _belief_propagation(
                pairs.track[pair_bp],
                pairs.detection[pair_bp],
                pair_cluster[pair_bp],
                log_w[pair_bp] - log_w0,
            )
            weight[pair_bp] = w
            miss[tracks] = w0
        return Association(pairs.track, pairs.detection, weight, miss, unclaimed)


def _normalise_rows(row: I8, log_w: F8, log_w0: float, n_rows: int) -> tuple[F8, F8]:
    """Per row, each entry's weight and the miss weight (``log_w0``) normalised to sum to 1."""
    top = np.full(n_rows, log_w0)
    np.maximum.at(top, row, log_w)
    w = np.exp(log_w - top[row])
    w0 = np.exp(log_w0 - top)
    z = w0 + np.bincount(row, weights=w, minlength=n_rows)
    return w / z[row], w0 / z


def _enumerate(
    pairs: GatedPairs,
    log_w: F8,
    log_w0: float,
    track_cluster: I8,
    det_cluster: I8,
    chosen: B1,
    max_events: int,
) -> tuple[F8, B1]:
    """Exact marginals of the ``chosen`` clusters, all enumerated together.

    Events grow one track at a time (the k-th track of every cluster in step k) into a
    hypothesis tree: each partial event is extended by the track's miss and by each of its
    gated detections that the event has not used yet (a bit set over the cluster's
    detections). A partial event extends to at least one full event (the remaining tracks
    all missing), so a cluster whose partial events outnumber ``max_events`` has more full
    events than that too: it is dropped at once and flagged in ``too_many`` (one flag per
    chosen cluster, in cluster order). When a cluster's last track is placed, its events are
    normalised in log space and their probabilities are summed back up the tree, so that
    each option collects the probability of every event through it.

    Returns the probability of each option — pair p at index p, the miss of track i at
    index n_pairs + i — zero outside the enumerated clusters.
    """
    n, n_pairs = pairs.n_tracks, len(pairs.track)
    n_local = int(np.count_nonzero(chosen))
    local = np.full(len(chosen), -1, dtype=np.int64)
    local[chosen] = np.arange(n_local)
    members, size, first = _grouped(local[track_cluster], n_local)
    det_members, det_size, det_first = _grouped(local[det_cluster], n_local)
    det_bit = np.zeros(pairs.n_detections, dtype=np.int64)
    det_bit[det_members] = np.arange(len(det_members)) - np.repeat(det_first, det_size)
    n_words = -(-int(det_size.max()) // 64)
    # Each track's pairs, contiguous (CSR).
    by_track = np.argsort(pairs.track, kind="stable")
    degree = np.bincount(pairs.track, minlength=n)
    start = np.cumsum(degree) - degree

    too_many = np.zeros(n_local, dtype=bool)
    # The tree, one level per step: each node's parent (in the level above; the roots are
    # the clusters), its option and the probability of the full events ending there.
    tree: list[tuple[I8, I8, F8]] = []
    # Live partial events, sorted by cluster.
    ev_cluster = np.arange(n_local, dtype=np.int64)
    ev_node = np.arange(n_local, dtype=np.int64)
    ev_log_w = np.zeros(n_local)
    ev_used = np.zeros((n_local, n_words), dtype=np.uint64)
    k = 0
    while ev_cluster.size:
        track = members[first[ev_cluster] + k]
        n_new = 1 + degree[track]
        parent = np.repeat(np.arange(len(track)), n_new)
        slot = np.arange(len(parent)) - np.repeat(np.cumsum(n_new) - n_new, n_new)
        track = track[parent]
        is_pair = slot > 0
        pair = by_track[np.where(is_pair, start[track] + slot - 1, 0)]
        bit = det_bit[pairs.detection[pair]]
        word, flag = bit // 64, np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64))
        ok = ~is_pair | ((ev_used[parent, word] & flag) == 0)
        parent, track, is_pair, pair = parent[ok], track[ok], is_pair[ok], pair[ok]
        word, flag = word[ok], flag[ok]
        ev_used = ev_used[parent]
        rows = np.flatnonzero(is_pair)
        ev_used[rows, word[rows]] |= flag[rows]
        ev_cluster = ev_cluster[parent]
        ev_log_w = ev_log_w[parent] + np.where(is_pair, log_w[pair], log_w0)
        option = np.where(is_pair, pair, n_pairs + track)

        over = np.bincount(ev_cluster, minlength=n_local) > max_events
        too_many |= over
        done = (size == k + 1) & ~over
        mass = np.zeros(len(parent))
        harvest = done[ev_cluster]
        if harvest.any():
            mass[harvest] = _normalised(ev_cluster[harvest], ev_log_w[harvest])
        tree.append((ev_node[parent], option, mass))
        ev_node = np.flatnonzero(~(over | done)[ev_cluster])
        ev_cluster, ev_log_w, ev_used = ev_cluster[ev_node], ev_log_w[ev_node], ev_used[ev_node]
        k += 1

    option_p = np.zeros(n_pairs + n)
    flow = np.zeros(len(tree[-1][1]))  # nothing flows into the last level
    for level in range(len(tree) - 1, -1, -1):
        parent, option, mass = tree[level]
        mass = mass + flow
        option_p += np.bincount(option, weights=mass, minlength=n_pairs + n)
        n_above = len(tree[level - 1][1]) if level else n_local
        flow = np.bincount(parent, weights=mass, minlength=n_above).astype(np.float64, copy=False)
    return option_p, too_many


def _grouped(group: I8, n_groups: int) -> tuple[I8, I8, I8]:
    """The indices with ``group`` ≥ 0, contiguous by group; each group's size and start."""
    members = np.flatnonzero(group >= 0)
    members = members[np.argsort(group[members], kind="stable")]
    size = np.bincount(group[members], minlength=n_groups)
    return members, size, np.cumsum(size) - size


def _normalised(cluster: I8, log_w: F8) -> F8:
    """Event probabilities from log-weights, normalised within each cluster (sorted)."""
    new = np.r_[True, cluster[1:] != cluster[:-1]]
    head = np.flatnonzero(new)
    seg = np.cumsum(new) - 1
    p = np.exp(log_w - np.maximum.reduceat(log_w, head)[seg])
    out: F8 = p / np.add.reduceat(p, head)[seg]
    return out


def _belief_propagation(track: I8, det: I8, cluster: I8, log_psi: F8) -> tuple[F8, I8, F8]:
    """Williams & Lau loopy belief propagation for the association marginals.

    ψ_ij = pd·N_ij / (λ·(1 − pd·pg)) is the weight of pair (i, j) relative to track i missing
    and detection j being clutter. Messages track → detection μ and detection → track ν:

        μ_ij = ψ_ij / (1 + Σ_{j'≠j} ψ_ij' ν_j'i)     ν_ji = 1 / (1 + Σ_{i'≠i} μ_i'j)

    are iterated from ν = 1, all clusters together. A cluster stops once none of its ν changes
    by more than ``LBP_TOLERANCE`` (relative), so its result does not depend on the others;
    any still moving stop after ``LBP_MAX_ITERATIONS``. Then β_ij ∝ ψ_ij ν_ji and β_i0 ∝ 1.

    Returns the pair weights, the tracks present and their miss weights.
    """
    psi = np.exp(log_psi)
    tracks, row = np.unique(track, return_inverse=True)
    col = np.unique(det, return_inverse=True)[1]
    row, col = row.reshape(-1), col.reshape(-1)
    n_rows, n_cols, n_clusters = len(tracks), int(col.max()) + 1, int(cluster.max()) + 1
    nu = np.ones(len(psi))
    moving = np.arange(len(psi))
    for _ in range(LBP_MAX_ITERATIONS):
        p, r, c = psi[moving], row[moving], col[moving]
        mu = p / (1.0 + _sum_of_others(p * nu[moving], r, n_rows))
        nu_next = 1.0 / (1.0 + _sum_of_others(mu, c, n_cols))
        change = np.abs(nu_next - nu[moving]) / nu_next
        nu[moving] = nu_next
        worst = np.zeros(n_clusters)
        np.maximum.at(worst, cluster[moving], change)
        moving = moving[worst[cluster[moving]] >= LBP_TOLERANCE]
        if moving.size == 0:
            break
    s = psi * nu
    z = 1.0 + np.bincount(row, weights=s, minlength=n_rows).astype(np.float64, copy=False)
    return s / z[row], tracks, 1.0 / z


def _sum_of_others(x: F8, row: I8, n_rows: int) -> F8:
    """For each entry of ``x`` (all ≥ 0), the sum of the other entries in its row.

    ``total − x`` cancels badly when x dominates its row, so the (tied) largest entries get
    the sum of the rest directly; every other entry is at most half its row's total.
    """
    total = np.bincount(row, weights=x, minlength=n_rows)
    top = np.zeros(n_rows)
    np.maximum.at(top, row, x)
    is_top = x == top[row]
    n_top = np.bincount(row, weights=is_top, minlength=n_rows)
    rest = np.bincount(row, weights=np.where(is_top, 0.0, x), minlength=n_rows)
    out: F8 = np.where(is_top, rest[row] + (n_top[row] - 1.0) * top[row], total[row] - x)
    return out
