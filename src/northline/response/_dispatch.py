"""Dispatch recommendations: the best few responders per alert, and one per alert across many.

Nothing here tasks anyone. :func:`recommend` and :func:`assign` return
:class:`Recommendation` records for an operator to accept, change or decline
(:func:`~northline.response.decide`); only a decision makes a tasking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from ..geo import LocalFrame, PortOfEntry
from ..model import Alert, TrackUpdate
from ._assets import Asset, AssetStatus
from ._costs import (
    _NO_TASKINGS,
    _NOTHING,
    DispatchCosts,
    DispatchPolicy,
    _targets,
    dispatch_costs,
)

__all__ = ["Recommendation", "assign", "nearest_available", "recommend"]

_POLICY = DispatchPolicy()


@dataclass(frozen=True, slots=True, kw_only=True)
class Recommendation:
    """A suggested responder for an alert; ``score`` is a cost in seconds, lower is better."""

    alert_id: str
    asset_id: str
    rank: int  # 1 is the best for this alert
    eta_s: float  # time from ``t_s`` to the meeting point
    intercept_lon: float
    intercept_lat: float
    score: float
    reasons: tuple[str, ...]
    on_path: bool = True  # False: aimed at the last position (no intercept on the path)
    t_s: float = 0.0  # when it was made


def recommend(
    alerts: Sequence[Alert],
    tracks: Mapping[str, TrackUpdate],
    assets: Sequence[Asset],
    *,
    frame: LocalFrame,
    now_t_s: float,
    k: int = 3,
    night: bool = False,
    ports: Sequence[PortOfEntry] = (),
    suspected_drugs: Set[str] = _NOTHING,
    taskings: Mapping[str, str] = _NO_TASKINGS,
    policy: DispatchPolicy = _POLICY,
) -> dict[str, list[Recommendation]]:
    """Up to ``k`` feasible responders per alert, best first (alert id → list, in order).

    The arguments are those of :func:`dispatch_costs`; with a sector, pass
    ``frame=sector.frame, ports=sector.ports``.
    """
    costs = dispatch_costs(
        alerts, tracks, assets, frame=frame, now_t_s=now_t_s, night=night, ports=ports,
        suspected_drugs=suspected_drugs, taskings=taskings, policy=policy,
    )  # fmt: skip
    out: dict[str, list[Recommendation]] = {a.alert_id: [] for a in alerts}
    if not assets or not alerts:
        return out
    order = np.argsort(costs.cost, axis=0, kind="stable")[: max(k, 0)]
    lon, lat = frame.to_lonlat(costs.meet.x_m, costs.meet.y_m)
    for j, alert in enumerate(alerts):
        for rank, i in enumerate(order[:, j], start=1):
            if not np.isfinite(costs.cost[i, j]):
                break
            out[alert.alert_id].append(_recommendation(costs, int(i), j, rank, lon, lat, now_t_s))
    return out


def assign(
    alerts: Sequence[Alert],
    tracks: Mapping[str, TrackUpdate],
    assets: Sequence[Asset],
    *,
    frame: LocalFrame,
    now_t_s: float,
    night: bool = False,
    ports: Sequence[PortOfEntry] = (),
    suspected_drugs: Set[str] = _NOTHING,
    taskings: Mapping[str, str] = _NO_TASKINGS,
    policy: DispatchPolicy = _POLICY,
) -> dict[str, Recommendation | None]:
    """At most one responder per alert and one alert per responder, minimising the total cost
    (``scipy.optimize.linear_sum_assignment``). An alert gets None rather than a responder
    costing more than ``policy.no_asset_cost_s`` (each alert has its own "no asset" column)."""
    costs = dispatch_costs(
        alerts, tracks, assets, frame=frame, now_t_s=now_t_s, night=night, ports=ports,
        suspected_drugs=suspected_drugs, taskings=taskings, policy=policy,
    )  # fmt: skip
    out: dict[str, Recommendation | None] = dict.fromkeys((a.alert_id for a in alerts), None)
    m, n = len(alerts), len(assets)
    if not m or not n:
        return out
    real = np.where(costs.cost <= policy.no_asset_cost_s, costs.cost, np.inf).T  # (m, n)
    none = np.full((m, m), np.inf)
    np.fill_diagonal(none, policy.no_asset_cost_s)
    rows, cols = linear_sum_assignment(np.hstack([real, none]))
    lon, lat = frame.to_lonlat(costs.meet.x_m, costs.meet.y_m)
    for j, i in zip(rows, cols, strict=True):
        if i < n:
            out[alerts[int(j)].alert_id] = _recommendation(
                costs, int(i), int(j), 1, lon, lat, now_t_s
            )
    return out


def nearest_available(
    alerts: Sequence[Alert],
    tracks: Mapping[str, TrackUpdate],
    assets: Sequence[Asset],
    *,
    frame: LocalFrame,
    now_t_s: float,
) -> dict[str, Recommendation | None]:
    """The baseline: alerts in order, each given the nearest unused available, on-shift unit
    by straight-line distance to the target's current position (its track extrapolated to
    ``now_t_s``, as in :func:`dispatch_costs`), going there at its effective speed."""
    out: dict[str, Recommendation | None] = dict.fromkeys((a.alert_id for a in alerts), None)
    free = [
        i for i, a in enumerate(assets) if a.status is AssetStatus.AVAILABLE and a.on_shift(now_t_s)
    ]
    if not free or not alerts:
        return out
    ax, ay = frame.to_local([assets[i].lon for i in free], [assets[i].lat for i in free])
    target, _ = _targets(alerts, tracks, frame, now_t_s)
    tx, ty = target[:, 0], target[:, 1]
    tlon, tlat = frame.to_lonlat(tx, ty)
    d = np.hypot(np.atleast_1d(ax)[:, None] - tx[None, :], np.atleast_1d(ay)[:, None] - ty[None, :])
    used = np.zeros(len(free), dtype=bool)
    for j, alert in enumerate(alerts):
        col = np.where(used, np.inf, d[:, j])
        best = int(np.argmin(col))
        if not np.isfinite(col[best]):
            break
        used[best] = True
        asset = assets[free[best]]
        eta = float(col[best]) / asset.effective_speed_mps
        out[alert.alert_id] = Recommendation(
            alert_id=alert.alert_id,
            asset_id=asset.asset_id,
            rank=1,
            eta_s=eta,
            intercept_lon=float(tlon[j]),
            intercept_lat=float(tlat[j]),
            score=eta,
            reasons=(f"nearest available unit, {float(col[best]) / 1000:.1f} km",),
            on_path=False,
            t_s=float(now_t_s),
        )
    return out


def _recommendation(
    costs: DispatchCosts,
    i: int,
    j: int,
    rank: int,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    now_t_s: float,
) -> Recommendation:
    return Recommendation(
        alert_id=costs.alert_ids[j],
        asset_id=costs.asset_ids[i],
        rank=rank,
        eta_s=float(costs.meet.t_s[i, j]),
        intercept_lon=float(lon[i, j]),
        intercept_lat=float(lat[i, j]),
        score=float(costs.cost[i, j]),
        reasons=tuple(costs.reasons(i, j)),
        on_path=bool(costs.meet.on_path[i, j]),
        t_s=float(now_t_s),
    )
