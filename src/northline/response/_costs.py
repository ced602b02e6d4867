"""The cost of sending each responder to each alert: one NumPy matrix, responders × alerts.

    cost = eta_s × fit + returning_penalty_s (returning units) + load_penalty_s × open taskings

``eta_s`` is the time to intercept the track's predicted path (:func:`intercept`); ``fit`` is
the product of the capability multipliers of :class:`DispatchPolicy` (below 1 is a preference,
above 1 a reluctance). A pair is excluded (cost ``inf``) when the responder is not available or
returning, off shift, cannot get there and back on its remaining endurance (``2·eta`` over it),
or cannot meet the target at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from ..geo import LocalFrame, PortOfEntry
from ..model import Alert, TrackUpdate
from ._assets import DISPATCHABLE, Asset, AssetKind, AssetStatus
from ._intercept import Intercept, intercept

__all__ = ["DispatchCosts", "DispatchPolicy", "dispatch_costs"]

F8 = npt.NDArray[np.float64]
B1 = npt.NDArray[np.bool_]
_NO_TASKINGS: Mapping[str, str] = MappingProxyType({})
_NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchPolicy:
    """The weights of the cost; the defaults are a starting point for the benchmark to tune."""

    horizon_s: float = 1800.0  # how far ahead a track's constant-velocity path is trusted
    quick_look_eta_s: float = 300.0  # a drone that can be there this soon is preferred
    drone_quick_look: float = 0.6
    long_distance_m: float = 15_000.0  # beyond this a helicopter is preferred
    helicopter_preferred: float = 0.7  # for long distance or at night
    helicopter_otherwise: float = 1.5  # a scarce, costly asset for a short hop in daylight
    k9_preferred: float = 0.6  # at or near a port, or a suspected drug carrier
    k9_otherwise: float = 1.3  # a specialist team kept for its speciality
    port_near_m: float = 1000.0  # "near" a port: within its radius plus this
    returning_penalty_s: float = 120.0
    load_penalty_s: float = 600.0  # per open tasking already given to the responder
    no_asset_cost_s: float = 3600.0  # assign(): no responder rather than one costing more


@dataclass(frozen=True, slots=True)
class DispatchCosts:
    """Costs and their parts for responders (rows) × alerts (columns)."""

    asset_ids: tuple[str, ...]
    alert_ids: tuple[str, ...]
    cost: F8  # (n_assets, n_alerts); inf where excluded
    meet: Intercept  # (n_assets, n_alerts) times and aim points in the local frame
    fit: F8  # capability multiplier
    distance_m: F8  # straight line from responder to the target's current position
    flags: _Flags = field(repr=False)

    def reasons(self, i: int, j: int) -> list[str]:
        """Why responder row ``i`` suits (or not) alert column ``j``, in plain words; made on
        demand for the few pairs an operator will see."""
        f = self.flags
        t_min = float(self.meet.t_s[i, j]) / 60.0
        why = [
            f"intercepts the predicted path in {t_min:.1f} min"
            if self.meet.on_path[i, j]
            else f"reaches the last position in {t_min:.1f} min (no intercept on the path)"
        ]
        if f.drone_quick[i, j]:
            why.append("drone: a quick look")
        if f.is_helo[i]:
            if not f.helo_case[i, j]:
                why.append("helicopter: kept for distance or night")
            else:
                why.append("helicopter: night" if f.night else "helicopter: long distance")
        if f.is_k9[i]:
            if not f.k9_case[j]:
                why.append("dog team: kept for ports and drug carriers")
            else:
                why.append(
                    "dog team: suspected drug carrier" if f.drugs[j] else "dog team: at a port"
                )
        if f.returning[i]:
            why.append("returning to base")
        if f.load[i] > 0:
            why.append(f"already has {int(f.load[i])} open tasking(s)")
        if not np.isfinite(self.cost[i, j]):
            why.append("excluded: not dispatchable, off shift, out of endurance or unreachable")
        elif self.fit[i, j] != 1.0:
            why.append(f"fit ×{self.fit[i, j]:.2f}")
        return why


@dataclass(frozen=True, slots=True)
class _Flags:
    """The capability and load masks behind the cost, kept for explaining it."""

    drone_quick: B1  # (n, m)
    is_helo: B1  # (n,)
    helo_case: B1  # (n, m)
    is_k9: B1  # (n,)
    k9_case: B1  # (m,)
    drugs: B1  # (m,)
    returning: B1  # (n,)
    load: F8  # (n,)
    night: bool


def dispatch_costs(
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
    policy: DispatchPolicy = DispatchPolicy(),  # frozen, so shared safely
) -> DispatchCosts:
    """The cost matrix (see the module). ``tracks`` holds each track's latest update by id;
    an alert whose track is not there is a target standing at the alert's position.
    ``taskings`` (alert id → asset id, from :func:`taskings`) are the open taskings, each
    loading its responder; ``suspected_drugs`` are the alert ids whose track is classified as
    a suspected drug carrier."""
    n, m = len(assets), len(alerts)
    target, vel = _targets(alerts, tracks, frame, now_t_s)
    axy = _xy(frame, [a.lon for a in assets], [a.lat for a in assets])
    speed = np.array([a.effective_speed_mps for a in assets], dtype=np.float64)
    reach = np.array([a.range_m for a in assets], dtype=np.float64)
    meet = intercept(
        axy[:, None, :],
        speed[:, None],
        target[None, :, :],
        vel[None, :, :],
        policy.horizon_s,
        reach_m=reach[:, None],
    )
    distance = np.hypot(
        target[None, :, 0] - axy[:, None, 0], target[None, :, 1] - axy[:, None, 1]
    ).reshape(n, m)
    kinds = np.array([a.kind.value for a in assets], dtype=object)
    is_drone = (kinds == AssetKind.DRONE.value)[:, None]
    is_helo = (kinds == AssetKind.HELICOPTER.value)[:, None]
    is_k9 = (kinds == AssetKind.K9.value)[:, None]
    near_port = _near_ports(frame, target, ports, policy.port_near_m)
    drugs = np.array([a.alert_id in suspected_drugs for a in alerts], dtype=bool)
    k9_case = (near_port | drugs)[None, :]
    helo_case = np.full((n, m), night) | (distance > policy.long_distance_m)
    quick = meet.t_s <= policy.quick_look_eta_s

    fit = np.ones((n, m))
    fit = np.where(is_drone & quick, fit * policy.drone_quick_look, fit)
    fit = np.where(
        is_helo,
        fit * np.where(helo_case, policy.helicopter_preferred, policy.helicopter_otherwise),
        fit,
    )
    fit = np.where(is_k9, fit * np.where(k9_case, policy.k9_preferred, policy.k9_otherwise), fit)

    status = [a.status for a in assets]
    returning = np.array([s is AssetStatus.RETURNING for s in status], dtype=bool)
    ok_asset = np.array(
        [a.status in DISPATCHABLE and a.on_shift(now_t_s) for a in assets], dtype=bool
    )
    load = _load(assets, taskings, {a.alert_id for a in alerts})
    endurance = np.array([a.endurance_left_s for a in assets], dtype=np.float64)
    feasible = ok_asset[:, None] & np.isfinite(meet.t_s) & (2.0 * meet.t_s <= endurance[:, None])
    with np.errstate(invalid="ignore"):
        raw = (
            meet.t_s * fit
            + np.where(returning, policy.returning_penalty_s, 0.0)[:, None]
            + (policy.load_penalty_s * load)[:, None]
        )
    cost = np.where(feasible, raw, np.inf)
    return DispatchCosts(
        asset_ids=tuple(a.asset_id for a in assets),
        alert_ids=tuple(a.alert_id for a in alerts),
        cost=np.asarray(cost, dtype=np.float64),
        meet=meet,
        fit=fit,
        distance_m=distance,
        flags=_Flags(
            drone_quick=is_drone & quick,
            is_helo=is_helo[:, 0],
            helo_case=helo_case,
            is_k9=is_k9[:, 0],
            k9_case=k9_case[0],
            drugs=drugs,
            returning=returning,
            load=load,
            night=night,
        ),
    )


def _xy(frame: LocalFrame, lon: Sequence[float], lat: Sequence[float]) -> F8:
    if not lon:
        return np.empty((0, 2))
    x, y = frame.to_local(lon, lat)
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def _targets(
    alerts: Sequence[Alert], tracks: Mapping[str, TrackUpdate], frame: LocalFrame, now_t_s: float
) -> tuple[F8, F8]:
    """Each alert's target position now and velocity: its track extrapolated, else standing."""
    lon, lat, vel = [], [], []
    for a in alerts:
        tr = tracks.get(a.track_id)
        if tr is None:
            lon.append(a.lon)
            lat.append(a.lat)
            vel.append((0.0, 0.0, 0.0))
        else:
            lon.append(tr.lon)
            lat.append(tr.lat)
            vel.append((tr.vel_east_mps, tr.vel_north_mps, now_t_s - tr.t_s))
    xy = _xy(frame, lon, lat)
    v = np.asarray(vel, dtype=np.float64).reshape(-1, 3)
    return xy + v[:, :2] * v[:, 2:3], v[:, :2]


def _near_ports(frame: LocalFrame, target: F8, ports: Sequence[PortOfEntry], near_m: float) -> B1:
    if not ports or not len(target):
        return np.zeros(len(target), dtype=bool)
    pxy = _xy(frame, [p.lon for p in ports], [p.lat for p in ports])
    radius = np.array([p.radius_m for p in ports]) + near_m
    d = np.hypot(target[:, None, 0] - pxy[None, :, 0], target[:, None, 1] - pxy[None, :, 1])
    near: B1 = np.any(d <= radius[None, :], axis=1)
    return near


def _load(assets: Sequence[Asset], taskings: Mapping[str, str], now_alerts: set[str]) -> F8:
    """Open taskings per responder, not counting the alerts being costed now."""
    counts: dict[str, int] = {}
    for alert_id, asset_id in taskings.items():
        if alert_id not in now_alerts:
            counts[asset_id] = counts.get(asset_id, 0) + 1
    return np.array([counts.get(a.asset_id, 0) for a in assets], dtype=np.float64)
