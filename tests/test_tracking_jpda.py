"""JPDA marginals against brute-force enumeration; belief propagation against exact."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest

from northline.model import InvalidInput
from northline.tracking import Associator, GatedPairs, gate
from northline.tracking._jpda import JointProbabilisticDA

PD, CLUTTER, PG = 0.9, 1e-7, 0.999


@dataclass(frozen=True)
class Scene:
    """Gated pairs described by their d² and det S, from which the test derives N_ij itself."""

    n_tracks: int
    n_detections: int
    track: np.ndarray
    detection: np.ndarray
    d2: np.ndarray
    det_s: np.ndarray

    def pairs(self) -> GatedPairs:
        cost = self.d2 + np.log(self.det_s)
        miss = np.full(self.n_tracks, 20.0)
        return GatedPairs(
            self.n_tracks, self.n_detections, self.track, self.detection, self.d2, cost, miss
        )

    def likelihood(self) -> list[float]:
        """N(ν; 0, S) of each pair, 2-D."""
        return [
            math.exp(-0.5 * d2) / (2.0 * math.pi * math.sqrt(det_s))
            for d2, det_s in zip(self.d2.tolist(), self.det_s.tolist(), strict=True)
        ]


def _scene(n_tracks: int, n_detections: int, mask: np.ndarray, rng: np.random.Generator) -> Scene:
    track, detection = np.nonzero(mask)
    d2 = rng.uniform(0.0, 13.8, len(track))
    det_s = np.exp(rng.uniform(math.log(50.0), math.log(5e4), len(track)))
    return Scene(
        n_tracks, n_detections, track.astype(np.int64), detection.astype(np.int64), d2, det_s
    )


def _scene_with_psi(
    n_tracks: int, n_detections: int, track: np.ndarray, detection: np.ndarray, psi: np.ndarray
) -> Scene:
    """A scene whose pairs have ψ_ij = pd·N_ij / (λ·(1 − pd·pg)) as given (default settings)."""
    likelihood = psi * CLUTTER * (1.0 - PD * PG) / PD
    d2 = np.zeros(len(track))
    det_s = (1.0 / (2.0 * np.pi * likelihood)) ** 2
    return Scene(
        n_tracks, n_detections, track.astype(np.int64), detection.astype(np.int64), d2, det_s
    )


def _brute(
    scene: Scene, pd: float, clutter: float, pg: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """β_ij, β_i0 and the number of joint events, by enumerating every joint event."""
    likelihood = scene.likelihood()
    options: list[list[int | None]] = [[None] for _ in range(scene.n_tracks)]
    for k, i in enumerate(scene.track.tolist()):
        options[i].append(k)
    detection = scene.detection.tolist()
    beta = [0.0] * len(detection)
    miss = [0.0] * scene.n_tracks
    total, n_events = 0.0, 0
    for event in itertools.product(*options):
        used = [detection[k] for k in event if k is not None]
        if len(used) != len(set(used)):
            continue
        n_events += 1
        w = 1.0
        for k in event:
            w *= (1.0 - pd * pg) if k is None else pd * likelihood[k] / clutter
        total += w
        for i, k in enumerate(event):
            if k is None:
                miss[i] += w
            else:
                beta[k] += w
    return np.array(beta) / total, np.array(miss) / total, n_events


def _random_tree(rng: np.random.Generator, n_nodes: int) -> tuple[int, int, np.ndarray, np.ndarray]:
    """A random tree on the bipartite gating graph: each new node hangs off an earlier node of
    the other kind (tracks and detections)."""
    kind, index = [0], [0]
    n_tracks, n_dets = 1, 0
    track, det = [], []
    for _ in range(n_nodes - 1):
        parent = int(rng.integers(len(kind)))
        if kind[parent] == 0:
            track.append(index[parent])
            det.append(n_dets)
            kind.append(1)
            index.append(n_dets)
            n_dets += 1
        else:
            track.append(n_tracks)
            det.append(index[parent])
            kind.append(0)
            index.append(n_tracks)
            n_tracks += 1
    return n_tracks, n_dets, np.array(track), np.array(det)


def _check_probabilities(pairs: GatedPairs, weight: np.ndarray, miss: np.ndarray) -> None:
    assert np.all((weight >= 0.0) & (weight <= 1.0))
    assert np.all((miss >= 0.0) & (miss <= 1.0))
    rows = miss + np.bincount(pairs.track, weights=weight, minlength=pairs.n_tracks)
    np.testing.assert_allclose(rows, 1.0, rtol=0, atol=1e-12)
    columns = np.bincount(pairs.detection, weights=weight, minlength=pairs.n_detections)
    assert np.all(columns <= 1.0 + 1e-9)


# --- exact ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_marginals_equal_brute_force_on_small_random_scenes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_tracks, n_dets = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    scene = _scene(n_tracks, n_dets, rng.random((n_tracks, n_dets)) < rng.uniform(0.2, 0.9), rng)
    pd = 1.0 if seed % 5 == 0 else float(rng.uniform(0.5, 1.0))
    clutter = float(10.0 ** rng.uniform(-8, -4))
    pg = float(rng.uniform(0.9, 0.9999))
    beta, miss, _ = _brute(scene, pd, clutter, pg)
    out = JointProbabilisticDA(pd, clutter, pg, max_exact_events=10**6).associate(scene.pairs())
    np.testing.assert_allclose(out.weight, beta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.miss_weight, miss, rtol=0, atol=1e-12)
    _check_probabilities(scene.pairs(), out.weight, out.miss_weight)


def test_exact_up_to_max_exact_events_and_belief_propagation_beyond() -> None:
    rng = np.random.default_rng(7)
    scene = _scene(5, 6, np.ones((5, 6), dtype=bool), rng)  # complete: 4051 joint events
    beta, miss, n_events = _brute(scene, PD, CLUTTER, PG)
    assert n_events == 4051
    exact = JointProbabilisticDA(max_exact_events=n_events).associate(scene.pairs())
    np.testing.assert_allclose(exact.weight, beta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact.miss_weight, miss, rtol=0, atol=1e-12)
    beyond = JointProbabilisticDA(max_exact_events=n_events - 1).associate(scene.pairs())
    bp = JointProbabilisticDA(max_exact_events=0).associate(scene.pairs())
    np.testing.assert_array_equal(beyond.weight, bp.weight)
    assert np.abs(beyond.weight - beta).max() > 1e-6


def test_single_track_clusters_have_the_closed_form() -> None:
    rng = np.random.default_rng(3)
    # Tracks 0..3 each with their own detections; track 4 has none.
    owner = np.array([0, 0, 0, 1, 2, 2, 3, 3, 3, 3])
    mask = np.zeros((5, len(owner)), dtype=bool)
    mask[owner, np.arange(len(owner))] = True
    scene = _scene(5, len(owner), mask, rng)
    beta, miss, _ = _brute(scene, PD, CLUTTER, PG)
    w = PD * np.array(scene.likelihood()) / CLUTTER
    w0 = 1.0 - PD * PG
    z = w0 + np.bincount(scene.track, weights=w, minlength=5)
    np.testing.assert_allclose(beta, w / z[scene.track], rtol=1e-12)
    np.testing.assert_allclose(miss, w0 / z, rtol=1e-12)
    for max_exact in (0, 2000):
        out = JointProbabilisticDA(max_exact_events=max_exact).associate(scene.pairs())
        np.testing.assert_allclose(out.weight, beta, rtol=0, atol=1e-12)
        np.testing.assert_allclose(out.miss_weight, miss, rtol=0, atol=1e-12)
    assert out.miss_weight[4] == 1.0


def test_unclaimed_marks_exactly_the_detections_gated_to_no_track() -> None:
    rng = np.random.default_rng(4)
    mask = np.zeros((3, 6), dtype=bool)
    mask[0, [0, 1]] = True
    mask[1, [1, 4]] = True
    mask[2, 4] = True
    out = JointProbabilisticDA().associate(_scene(3, 6, mask, rng).pairs())
    np.testing.assert_array_equal(out.unclaimed, [False, False, True, True, False, True])


def test_no_pairs_leaves_every_track_missed_and_every_detection_unclaimed() -> None:
    empty = np.empty(0, dtype=np.int64)
    pairs = GatedPairs(3, 2, empty, empty, np.empty(0), np.empty(0), np.zeros(3))
    out = JointProbabilisticDA().associate(pairs)
    np.testing.assert_array_equal(out.miss_weight, np.ones(3))
    np.testing.assert_array_equal(out.unclaimed, [True, True])
    assert out.weight.shape == (0,)


def test_weights_follow_the_order_of_the_pairs() -> None:
    rng = np.random.default_rng(5)
    scene = _scene(4, 5, rng.random((4, 5)) < 0.7, rng)
    perm = rng.permutation(len(scene.track))
    shuffled = Scene(
        4, 5, scene.track[perm], scene.detection[perm], scene.d2[perm], scene.det_s[perm]
    )
    jpda = JointProbabilisticDA()
    a, b = jpda.associate(scene.pairs()), jpda.associate(shuffled.pairs())
    np.testing.assert_allclose(b.weight, a.weight[perm], rtol=0, atol=1e-14)
    np.testing.assert_allclose(b.miss_weight, a.miss_weight, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(b.track, shuffled.track)


# --- belief propagation --------------------------------------------------------------------


@pytest.mark.parametrize("psi_scale", [0.3, 10.0, 1e3, 1e5])
def test_belief_propagation_is_exact_on_trees(psi_scale: float) -> None:
    # On the bipartite gating graph (tracks and detections as nodes, gated pairs as edges) the
    # joint events are the consistent assignments of a pairwise Markov random field whose graph
    # is the gating graph itself, so BP is exact when that graph is acyclic.
    for seed in range(25):
        rng = np.random.default_rng(seed)
        n_tracks, n_dets, track, det = _random_tree(rng, int(rng.integers(3, 13)))
        psi = psi_scale * np.exp(rng.uniform(-4.0, 0.0, len(track)))
        scene = _scene_with_psi(n_tracks, n_dets, track, det, psi)
        beta, miss, _ = _brute(scene, PD, CLUTTER, PG)
        out = JointProbabilisticDA(max_exact_events=0).associate(scene.pairs())
        np.testing.assert_allclose(out.weight, beta, rtol=0, atol=1e-12)
        np.testing.assert_allclose(out.miss_weight, miss, rtol=0, atol=1e-12)


def test_belief_propagation_is_not_exact_on_a_cycle() -> None:
    # Two tracks and two detections all gated: the gating graph is a 4-cycle.
    track, det = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    scene = _scene_with_psi(2, 2, track, det, np.array([10.0, 3.0, 5.0, 8.0]))
    beta, _, _ = _brute(scene, PD, CLUTTER, PG)
    out = JointProbabilisticDA(max_exact_events=0).associate(scene.pairs())
    assert np.abs(out.weight - beta).max() > 1e-3


@pytest.mark.parametrize("psi_scale", [0.3, 1.0, 3.0])
def test_belief_propagation_is_close_on_moderately_ambiguous_clusters(psi_scale: float) -> None:
    # Dense, loopy clusters of 3–6 tracks and 3–8 detections, where a miss or a false
    # detection competes with an assignment (ψ of order 1). When ψ ≫ 1 (few false
    # detections) LBP is markedly overconfident on cycles; see the module docstring.
    errors = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n_tracks, n_dets = int(rng.integers(3, 7)), int(rng.integers(3, 9))
        track, det = np.nonzero(rng.random((n_tracks, n_dets)) < rng.uniform(0.4, 0.8))
        psi = psi_scale * np.exp(-0.5 * rng.uniform(0.0, 9.21, len(track)))
        pairs = _scene_with_psi(n_tracks, n_dets, track, det, psi).pairs()
        exact = JointProbabilisticDA(max_exact_events=10**6).associate(pairs)
        bp = JointProbabilisticDA(max_exact_events=0).associate(pairs)
        _check_probabilities(pairs, bp.weight, bp.miss_weight)
        errors.append(
            max(
                np.abs(bp.weight - exact.weight).max(initial=0.0),
                np.abs(bp.miss_weight - exact.miss_weight).max(),
            )
        )
    assert max(errors) < 0.05
    assert float(np.median(errors)) < 0.005


# --- scale ---------------------------------------------------------------------------------


def _radar_scene(seed: int, n_tracks: int, n_dets: int, side_m: float) -> GatedPairs:
    rng = np.random.default_rng(seed)
    track_xy = rng.uniform(0.0, side_m, (n_tracks, 2))
    a = rng.normal(0.0, 4.0, (n_tracks, 2, 2))
    track_s = a @ a.transpose(0, 2, 1) + 60.0 * np.eye(2)
    seen = np.flatnonzero(rng.random(n_tracks) < 0.9)[:n_dets]
    det_xy = np.vstack(
        [
            track_xy[seen] + rng.normal(0.0, 10.0, (len(seen), 2)),
            rng.uniform(0.0, side_m, (n_dets - len(seen), 2)),
        ]
    )
    det_r = np.broadcast_to(np.diag([100.0, 100.0]), (n_dets, 2, 2)).copy()
    ti, dj, d2, log_det = gate(track_xy, track_s, det_xy, det_r, 13.82)
    return GatedPairs(n_tracks, n_dets, ti, dj, d2, d2 + log_det, np.full(n_tracks, 24.0))


def _subset(pairs: GatedPairs, keep: np.ndarray) -> GatedPairs:
    return GatedPairs(
        pairs.n_tracks,
        pairs.n_detections,
        pairs.track[keep],
        pairs.detection[keep],
        pairs.d2[keep],
        pairs.cost[keep],
        pairs.miss_cost,
    )


@pytest.mark.parametrize("max_exact", [2000, 30])
def test_a_large_sparse_scene_is_consistent_cluster_by_cluster(max_exact: int) -> None:
    pairs = _radar_scene(0, 2000, 2500, 4000.0)
    jpda = JointProbabilisticDA(max_exact_events=max_exact)
    out = jpda.associate(pairs)
    _check_probabilities(pairs, out.weight, out.miss_weight)
    gated = np.zeros(pairs.n_detections, dtype=bool)
    gated[pairs.detection] = True
    np.testing.assert_array_equal(out.unclaimed, ~gated)
    # Clusters, found here by a union-find over the pairs.
    root = list(range(pairs.n_tracks + pairs.n_detections))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for i, j in zip(pairs.track.tolist(), pairs.detection.tolist(), strict=True):
        root[find(i)] = find(pairs.n_tracks + j)
    cluster = np.array([find(i) for i in pairs.track.tolist()])
    labels, n_in = np.unique(cluster, return_counts=True)
    tracks_in = np.unique(np.unique(np.c_[cluster, pairs.track], axis=0)[:, 0], return_counts=True)
    # All three methods are used: one-track clusters, small shared ones and, with
    # max_exact=30, clusters of at least 30 pairs (so more than 30 joint events).
    assert tracks_in[1].min() == 1
    assert tracks_in[1].max() >= 5
    assert n_in.max() >= 30
    # Each cluster solved alone gives the same marginals as the whole scene; the small ones
    # match brute force as well.
    tried = 0
    for c in labels[np.argsort(-n_in)][:40].tolist() + labels[n_in <= 6][:40].tolist():
        keep = cluster == c
        alone = jpda.associate(_subset(pairs, keep))
        np.testing.assert_allclose(alone.weight, out.weight[keep], rtol=0, atol=1e-12)
        members = np.unique(pairs.track[keep])
        np.testing.assert_allclose(
            alone.miss_weight[members], out.miss_weight[members], rtol=0, atol=1e-12
        )
        if n_in[labels == c][0] <= 6:
            t_ids, t_local = np.unique(pairs.track[keep], return_inverse=True)
            d_ids, d_local = np.unique(pairs.detection[keep], return_inverse=True)
            scene = Scene(
                len(t_ids),
                len(d_ids),
                t_local,
                d_local,
                pairs.d2[keep],
                np.exp(pairs.cost[keep] - pairs.d2[keep]),
            )
            beta, _, _ = _brute(scene, PD, CLUTTER, PG)
            np.testing.assert_allclose(out.weight[keep], beta, rtol=0, atol=1e-12)
            tried += 1
    assert tried > 10


# --- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pd": 0.0}, "pd"),
        ({"pd": 1.2}, "pd"),
        ({"pd": math.nan}, "pd"),
        ({"clutter_density": 0.0}, "clutter_density"),
        ({"clutter_density": -1e-7}, "clutter_density"),
        ({"clutter_density": math.inf}, "clutter_density"),
        ({"clutter_density": math.nan}, "clutter_density"),
        ({"gate_probability": 1.0}, "gate_probability"),
        ({"gate_probability": 0.0}, "gate_probability"),
        ({"max_exact_events": -1}, "max_exact_events"),
        ({"max_exact_events": 2.5}, "max_exact_events"),
        ({"max_exact_events": True}, "max_exact_events"),
    ],
)
def test_bad_arguments_are_invalid_input(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        JointProbabilisticDA(**kwargs)  # type: ignore[arg-type]
    assert err.value.context["field"] == field


def test_it_is_an_associator() -> None:
    associator: Associator = JointProbabilisticDA()
    assert associator.associate(_radar_scene(1, 50, 60, 500.0)).miss_weight.shape == (50,)
