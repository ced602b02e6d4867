"""Gating and GNN against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from northline.tracking import GatedPairs, GlobalNearestNeighbour, gate


def _brute_gate(txy, ts, dxy, dr, g):
    out = set()
    for i in range(len(txy)):
        for j in range(len(dxy)):
            nu = dxy[j] - txy[i]
            s = ts[i] + dr[j]
            if nu @ np.linalg.solve(s, nu) <= g:
                out.add((i, j))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_gate_finds_exactly_the_pairs_inside_the_mahalanobis_gate(seed: int) -> None:
    rng = np.random.default_rng(seed)
    txy = rng.uniform(0, 500, (30, 2))
    a = rng.normal(0, 8, (30, 2, 2))
    ts = a @ a.transpose(0, 2, 1) + 25 * np.eye(2)
    dxy = rng.uniform(0, 500, (40, 2))
    dr = np.broadcast_to(np.diag([100.0, 400.0]), (40, 2, 2)).copy()
    ti, dj, d2, logdet = gate(txy, ts, dxy, dr, 9.21)
    assert set(zip(ti.tolist(), dj.tolist(), strict=True)) == _brute_gate(txy, ts, dxy, dr, 9.21)
    for i, j, v, ld in zip(ti, dj, d2, logdet, strict=True):
        s = ts[i] + dr[j]
        nu = dxy[j] - txy[i]
        np.testing.assert_allclose(v, nu @ np.linalg.solve(s, nu), rtol=1e-9)
        np.testing.assert_allclose(ld, np.log(np.linalg.det(s)), rtol=1e-9)


def _brute_best(pairs: GatedPairs) -> float:
    """Least total cost over every assignment (each track: one gated detection or a miss)."""
    options: list[list[tuple[int, float]]] = []
    for i in range(pairs.n_tracks):
        opts = [(-1, float(pairs.miss_cost[i]))]
        sel = pairs.track == i
        opts += [
            (int(j), float(c)) for j, c in zip(pairs.detection[sel], pairs.cost[sel], strict=True)
        ]
        options.append(opts)
    best = np.inf
    for combo in itertools.product(*options):
        used = [j for j, _ in combo if j >= 0]
        if len(used) != len(set(used)):
            continue
        best = min(best, sum(c for _, c in combo))
    return best


@pytest.mark.parametrize("seed", range(20))
def test_gnn_finds_the_least_cost_joint_assignment(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    mask = rng.random((n, m)) < 0.6
    ti, dj = np.nonzero(mask)
    cost = rng.uniform(0, 12, len(ti))
    miss = rng.uniform(4, 14, n)
    pairs = GatedPairs(n, m, ti.astype(np.int64), dj.astype(np.int64), cost, cost, miss)
    at, ad = GlobalNearestNeighbour().assign(pairs)
    assert len(set(at.tolist())) == len(at)
    assert len(set(ad.tolist())) == len(ad)
    lookup = {(i, j): c for i, j, c in zip(ti.tolist(), dj.tolist(), cost.tolist(), strict=True)}
    total = sum(lookup[(i, j)] for i, j in zip(at.tolist(), ad.tolist(), strict=True))
    total += sum(miss[i] for i in range(n) if i not in set(at.tolist()))
    np.testing.assert_allclose(total, _brute_best(pairs), rtol=1e-12)
