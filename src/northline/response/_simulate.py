"""A simulated response to an alert stream, scored against the simulator's ground truth.

The model (local metric frame, metres and seconds; time advances in steps of ``step_s``)::

    alert ──► incident ──► policy recommends ──► operator decides ──► responder en route ──►
              (one per     ("northline": assign   (after decision_    re-plans every
               track)       over open incidents;   delay_s, through    replan_s against what
                            "nearest": nearest_    decide(); only a    Northline knows; caught
                            available)             decision tasks)     when truly within reach)

* **Incidents.** The first alert on a track opens an incident; later alerts on that track fold
  into it. An incident is offered to the policy while it is open (untasked) and younger than
  ``max_wait_s``. The policy runs at every *epoch*: a new incident, or a responder freed.
* **What Northline knows.** Every step, for every live incident (offered, awaiting a
  decision or tasked), the knowledge of its mover is, in order: (a) a *drone sighting* — a
  tasked drone (kind ``drone``, en route or on scene, for *any* incident) has the true mover
  within its camera ``range_m``: the true position, with the velocity it saw over the last
  ``velocity_window_s``; (b) the tracker's latest update of the alert's track
  (``tracks_by_time``) when it is at most ``track_stale_s`` old and newer than the last
  sighting; (c) otherwise *dead reckoning*: the latest observation (sighting or track update)
  carried forward at its velocity. A mover that leaves sensor coverage and turns is lost this
  way unless a drone sees it. Before any track update the alert's position stands. The
  per-incident seconds of (a) are ``drone_watch_s``, of (c) ``dead_reckoning_s``.
* **Policies.** ``"northline"`` is :func:`assign` over every open incident (intercept-aware
  cost, one responder each); ``"nearest"`` is :func:`nearest_available` (straight-line nearest
  *available* unit). Both are shown the same knowledge: the tracker's latest update of each
  track, or a later drone sighting in its place; never the truth.
* **The operator.** A stand-in accepts the top recommendation ``decision_delay_s`` after it was
  made, through the ``decide`` callable, as :data:`SIMULATED_OPERATOR`. The tasking is what
  :func:`taskings` makes of that decision: a decline (or any decider that gives no tasking)
  leaves the responder at rest and the incident open. The responder is held while it waits.
* **Movement.** Straight lines at ``speed_mps / detour_factor``; roads, terrain and the line
  itself are not obstacles (a responder may cross into the other country). Every ``replan_s``,
  on reaching its aim point, and whenever the source of the knowledge changes (a sighting
  begins or ends, the track goes stale), the aim point is recomputed from the knowledge at
  that time: ``"northline"`` aims at the intercept point (:func:`intercept`) of the known
  position and velocity, ``"nearest"`` at the known position now (pure pursuit). Both use the
  same knowledge model. A false alarm (no true mover) is a fixed aim point: where it was
  thought to be at the decision.
* **Interception** stays geometric against the truth: within a step both move in straight
  lines; the responder meets the mover when :func:`intercept` over the step (the mover's true
  motion in it) finds a meeting within ``max(range_m, catch_m)``. For a drone that is its
  camera range: with one responder per incident a drone that has the mover in view *is* the
  response (there is no second unit to hand over to), so reaching it counts as the
  interception, as :func:`dispatch_costs` assumes. On scene the drone then follows its mover
  (at its speed) and holds it in view, so it keeps being a sensor for every other incident
  near it; a ground unit on scene stays where it stopped the mover. A mover escapes when its
  true path ends (it reached its hidden destination or left the simulated area), when it
  leaves ``bounds_m``, or at the horizon.
* **After.** On scene ``on_scene_s`` (an interception, or a search at a false alarm's position),
  then back to base; a unit whose endurance left would not bring it home turns back (the
  incident reopens). Back at base a unit with ``recharge_s`` is in maintenance that long.
  Returning, held or resting drones see nothing: only a tasking puts a drone's camera to use.

Outcomes per incident: ``intercepted`` (with alert → decision and decision → on scene times),
``lost`` (a true mover that got away, tasked or not), ``turned_back`` (a loiterer — it never
crossed — not caught before it went back) and ``false_alarm`` (no true mover matched).
:meth:`ResponseRun.records` gives one :class:`ResponseRecord` per incident, for
:func:`response_measures`.

Alerts are matched to true movers by :func:`match_alerts`: the nearest true mover to the
track's position at the alert's time, within ``max_distance_m``. This is the spatial and
temporal proximity test of :func:`northline.sim.score` (1 km, at the time) applied to the
tracked target rather than to the crossing point, because ``response`` may not import ``sim``
and approach warnings have no crossing; the truth is read through the :class:`TruthLike`
protocol, which :class:`northline.sim.GroundTruth` satisfies.

Simplifications: no roads or travel-time maps; one responder per incident (no hand-overs or
reinforcement: a drone cannot watch while a ground unit makes the stop); sightings come only
from tasked drones (not helicopters, not ground units, and a sighting does not start a new
track or match a new alert); the tracker's coasting updates count as track updates; a
drone's camera sees everything within ``range_m`` (no line of sight, weather or night
effects); the operator never changes or declines; movers do not react to responders; shifts
are checked but the run is assumed to fit in one; endurance is drawn down for all time away
from base.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..geo import LocalFrame, PortOfEntry
from ..model import Alert, TrackBatch, TrackUpdate, User
from ._assets import Asset, AssetKind, AssetStatus
from ._costs import DispatchPolicy
from ._decisions import DecisionAction, DispatchDecision, decide, taskings
from ._dispatch import Recommendation, assign, nearest_available
from ._intercept import intercept
from ._sim_records import (
    _DISPATCH_POLICY,
    _SETTINGS,
    SIMULATED_OPERATOR,
    Decider,
    Outcome,
    ResponseOutcome,
    ResponseRun,
    ResponseSettings,
    SimPolicy,
    TruthLike,
    _match,
    _Path,
    _paths,
    _TrackIndex,
)

__all__ = ["simulate_response"]

# -- the simulation ---------------------------------------------------------------------


_DRONE, _TRACK, _DEAD_RECKONING, _NONE = "drone", "track", "dead_reckoning", "none"


@dataclass(eq=False)
class _Incident:
    alert: Alert
    path: _Path | None
    state: str = "open"  # open, pending, tasked, done
    asset: int = -1
    decision_t_s: float = math.nan
    intercept_t_s: float = math.nan
    outcome: Outcome | None = None
    fixed_aim: tuple[float, float] = (math.nan, math.nan)
    on_scene_t_s: float = math.nan
    alert_xy: tuple[float, float] = (math.nan, math.nan)  # the alert's position, local
    # What Northline knows: the latest observation (t, x, y, vx, vy) and where it came from
    known: tuple[float, float, float, float, float] | None = None
    source: str = _NONE  # at the last _observe: _DRONE, _TRACK, _DEAD_RECKONING or _NONE
    seen_from_s: float = math.nan  # start of the current drone sighting
    watch_s: float = 0.0
    blind_s: float = 0.0

    def estimate(self, t_s: float) -> tuple[float, float, float, float]:
        """Where Northline thinks the mover is at ``t_s`` and its velocity (x, y, vx, vy):
        the latest observation dead-reckoned; the alert's position standing without one."""
        if self.known is None:
            return self.alert_xy[0], self.alert_xy[1], 0.0, 0.0
        t0, x, y, vx, vy = self.known
        return x + vx * (t_s - t0), y + vy * (t_s - t0), vx, vy


@dataclass(eq=False)
class _Unit:
    asset: Asset
    x: float
    y: float
    home_x: float
    home_y: float
    speed: float
    reach: float
    status: AssetStatus
    endurance_left_s: float
    incident: int = -1
    aim: tuple[float, float] = (math.nan, math.nan)
    next_replan_s: float = -math.inf
    busy_until_s: float = math.inf  # on scene or in maintenance until then
    pending: Recommendation | None = None
    decide_at_s: float = math.inf
    follow: _Path | None = None  # a drone on scene keeps the mover it reached in view
    planned_on: str = _NONE  # the knowledge source of the current aim


def simulate_response(
    alerts: Sequence[Alert],
    tracks_by_time: TrackBatch,
    truth: TruthLike,
    assets: Sequence[Asset],
    *,
    policy: SimPolicy,
    frame: LocalFrame,
    ports: Sequence[PortOfEntry] = (),
    decide: Decider = decide,
    operator: User = SIMULATED_OPERATOR,
    settings: ResponseSettings = _SETTINGS,
    dispatch_policy: DispatchPolicy = _DISPATCH_POLICY,
    night: bool = False,
    bounds_m: tuple[float, float, float, float] | None = None,
) -> ResponseRun:
    """Simulate ``policy`` responding to ``alerts`` (see the module for the model).

    ``tracks_by_time`` are the tracker's updates (what the policy sees); ``truth`` the real
    paths (what decides interception); ``bounds_m`` an optional ``(minx, miny, maxx, maxy)``
    in the local frame that a mover escapes by leaving (a sector's ``extent_local.bounds``).
    """
    if policy not in ("northline", "nearest"):
        raise ValueError(f"no policy {policy!r}: 'northline' or 'nearest'")
    s = settings
    index = _TrackIndex(tracks_by_time)
    paths = _paths(truth, frame)
    ordered = sorted(alerts, key=lambda a: (a.t_s, a.alert_id))
    mover_of = _match(ordered, index, paths, frame, s.match_m)
    units = [_unit(a, frame, s.catch_m) for a in assets]
    by_id = {u.asset.asset_id: k for k, u in enumerate(units)}
    incidents: list[_Incident] = []
    seen_tracks: set[str] = set()
    decisions: list[DispatchDecision] = []
    horizon = float(truth.end_s)
    if ordered:
        horizon = max(horizon, ordered[-1].t_s)
    t = ordered[0].t_s if ordered else horizon
    nxt = 0  # next alert
    freed = False
    while t <= horizon:
        epoch = freed
        while nxt < len(ordered) and ordered[nxt].t_s <= t:
            a = ordered[nxt]
            nxt += 1
            if a.track_id in seen_tracks:
                continue
            seen_tracks.add(a.track_id)
            mid = mover_of.get(a.alert_id)
            ax, ay = (float(v) for v in frame.to_local(a.lon, a.lat))
            incidents.append(_Incident(a, paths[mid] if mid else None, alert_xy=(ax, ay)))
            epoch = True
        epoch |= _finish_waits(units, t)
        _observe(units, incidents, index, frame, t, s)
        if epoch:
            _recommend(policy, incidents, units, index, frame, ports, t, s, dispatch_policy, night)
        for u in units:
            if u.pending is not None and u.decide_at_s <= t:
                _decide(u, units, by_id, incidents, decide, operator, decisions)
        freed = _step(units, incidents, t, s, policy, dispatch_policy, bounds_m)
        t += s.step_s
    outcomes = tuple(_outcome(inc, units) for inc in incidents)
    return ResponseRun(policy=policy, outcomes=outcomes, decisions=tuple(decisions))


def _unit(a: Asset, frame: LocalFrame, catch_m: float) -> _Unit:
    x, y = (float(v) for v in frame.to_local(a.lon, a.lat))
    hx, hy = (float(v) for v in frame.to_local(a.home_lon, a.home_lat))
    return _Unit(
        asset=a,
        x=x,
        y=y,
        home_x=hx,
        home_y=hy,
        speed=a.effective_speed_mps,
        reach=max(a.range_m, catch_m),
        status=a.status,
        endurance_left_s=a.endurance_left_s,
    )


def _finish_waits(units: Sequence[_Unit], t: float) -> bool:
    """End time on scene and maintenance that are over; True when a unit was freed."""
    freed = False
    for u in units:
        if u.busy_until_s <= t:
            u.busy_until_s = math.inf
            if u.status is AssetStatus.ON_SCENE:
                u.status, u.follow = AssetStatus.RETURNING, None
            elif u.status is AssetStatus.MAINTENANCE:
                u.status = AssetStatus.AVAILABLE
                u.endurance_left_s = u.asset.endurance_s
            freed = True
    return freed


def _observe(
    units: Sequence[_Unit],
    incidents: Sequence[_Incident],
    index: _TrackIndex,
    frame: LocalFrame,
    t: float,
    s: ResponseSettings,
) -> None:
    """Update what Northline knows of every live incident's mover at ``t``: a tasked drone
    with the mover in camera range sees the truth; else the tracker's latest update of the
    alert's track, if newer than what is known; else what is known stays (dead reckoning)."""
    live = [
        i
        for i in incidents
        if i.state in ("pending", "tasked")
        or (i.state == "open" and t - i.alert.t_s <= s.max_wait_s)
    ]
    if not live:
        return
    drones = [
        u
        for u in units
        if u.asset.kind is AssetKind.DRONE
        and u.status in (AssetStatus.EN_ROUTE, AssetStatus.ON_SCENE)
        and u.asset.range_m > 0
    ]
    seen = np.zeros(len(live), dtype=bool)
    true_xy = np.full((len(live), 2), np.nan)
    if drones:
        for k, inc in enumerate(live):
            if inc.path is not None and inc.path.alive(t):
                true_xy[k] = inc.path.at(t)
        d_xy = np.array([(u.x, u.y) for u in drones])
        d_range = np.array([u.asset.range_m for u in drones])
        dist = np.hypot(
            true_xy[:, None, 0] - d_xy[None, :, 0], true_xy[:, None, 1] - d_xy[None, :, 1]
        )
        seen = (dist <= d_range[None, :]).any(axis=1)  # NaN (no true mover) compares False
    for k, inc in enumerate(live):
        if seen[k]:
            assert inc.path is not None
            if math.isnan(inc.seen_from_s):
                inc.seen_from_s = t
            x, y = float(true_xy[k, 0]), float(true_xy[k, 1])
            t0 = max(t - s.velocity_window_s, inc.seen_from_s)
            if t > t0:  # velocity from what the drone saw over the window
                x0, y0 = inc.path.at(t0)
                vx, vy = (x - x0) / (t - t0), (y - y0) / (t - t0)
            else:  # first sight: the velocity known before
                vx, vy = inc.estimate(t)[2:]
            inc.known, inc.source = (t, x, y, vx, vy), _DRONE
            inc.watch_s += s.step_s
            continue
        inc.seen_from_s = math.nan
        tr = index.latest(inc.alert.track_id, t)
        if tr is not None and (inc.known is None or tr.t_s > inc.known[0]):
            x, y = (float(v) for v in frame.to_local(tr.lon, tr.lat))
            inc.known = (tr.t_s, x, y, tr.vel_east_mps, tr.vel_north_mps)
        if tr is not None and t - tr.t_s <= s.track_stale_s and inc.known is not None:
            inc.source = _TRACK if inc.known[0] == tr.t_s else _DEAD_RECKONING
        else:
            inc.source = _DEAD_RECKONING if inc.known is not None else _NONE
        if inc.source != _TRACK:
            inc.blind_s += s.step_s


def _known_tracks(
    open_: Sequence[_Incident], index: _TrackIndex, frame: LocalFrame, t: float
) -> dict[str, TrackUpdate]:
    """What the policy is shown of each open incident: the tracker's latest update, or, when
    a drone saw the mover since, that sighting as an update of the track."""
    out: dict[str, TrackUpdate] = {}
    for inc in open_:
        tr = index.latest(inc.alert.track_id, t)
        if inc.known is not None and tr is not None and inc.known[0] > tr.t_s:
            t0, x, y, vx, vy = inc.known
            lon, lat = (float(v) for v in frame.to_lonlat(x, y))
            tr = dataclasses.replace(
                tr, t_s=t0, lon=lon, lat=lat, vel_east_mps=vx, vel_north_mps=vy
            )
        if tr is not None:
            out[inc.alert.track_id] = tr
    return out


def _recommend(
    policy: SimPolicy,
    incidents: Sequence[_Incident],
    units: Sequence[_Unit],
    index: _TrackIndex,
    frame: LocalFrame,
    ports: Sequence[PortOfEntry],
    t: float,
    s: ResponseSettings,
    dispatch_policy: DispatchPolicy,
    night: bool,
) -> None:
    """Run the policy over the open incidents; hold each recommended unit for a decision."""
    open_ = [i for i in incidents if i.state == "open" and t - i.alert.t_s <= s.max_wait_s]
    if not open_ or not units:
        return
    alerts = [i.alert for i in open_]
    tracks = _known_tracks(open_, index, frame, t)
    lon, lat = frame.to_lonlat([u.x for u in units], [u.y for u in units])
    seen = [
        dataclasses.replace(
            u.asset,
            lon=float(lo),
            lat=float(la),
            status=u.status,
            endurance_left_s=u.endurance_left_s,
        )
        for u, lo, la in zip(units, np.atleast_1d(lon), np.atleast_1d(lat), strict=True)
    ]
    if policy == "northline":
        recs = assign(
            alerts, tracks, seen, frame=frame, now_t_s=t, night=night, ports=ports,
            policy=dispatch_policy,
        )  # fmt: skip
    else:
        recs = nearest_available(alerts, tracks, seen, frame=frame, now_t_s=t)
    by_id = {u.asset.asset_id: u for u in units}
    for inc in open_:
        rec = recs.get(inc.alert.alert_id)
        if rec is None:
            continue
        u = by_id[rec.asset_id]
        inc.state = "pending"
        u.pending = rec
        u.decide_at_s = t + s.decision_delay_s
        u.status = AssetStatus.TASKED  # held for the operator: not offered again


def _decide(
    u: _Unit,
    units: Sequence[_Unit],
    by_id: Mapping[str, int],
    incidents: Sequence[_Incident],
    decider: Decider,
    operator: User,
    decisions: list[DispatchDecision],
) -> None:
    """The operator's answer; the tasking is what :func:`taskings` makes of it, nothing else."""
    rec = u.pending
    assert rec is not None
    t = u.decide_at_s
    u.pending, u.decide_at_s = None, math.inf
    u.status = AssetStatus.RETURNING if _away(u) else AssetStatus.AVAILABLE
    k = next(j for j, i in enumerate(incidents) if i.alert.alert_id == rec.alert_id)
    inc = incidents[k]
    d = decider(
        rec,
        DecisionAction.ACCEPT,
        operator,
        note="simulated operator",
        now_t_s=t,
        marking=inc.alert.marking,
    )
    decisions.append(d)
    tasked = taskings([d]).get(rec.alert_id)
    w = by_id.get(tasked, -1) if tasked is not None else -1
    if w < 0 or units[w].incident >= 0 or units[w].pending is not None:
        inc.state = "open"
        return
    unit = units[w]
    inc.state, inc.asset, inc.decision_t_s = "tasked", w, t
    unit.incident, unit.status, unit.next_replan_s = k, AssetStatus.EN_ROUTE, -math.inf
    if inc.path is None:  # a false alarm: search where it was thought to be
        x, y, _, _ = inc.estimate(t)
        inc.fixed_aim = (x, y)


def _away(u: _Unit) -> bool:
    return math.hypot(u.x - u.home_x, u.y - u.home_y) > 1.0


def _step(
    units: Sequence[_Unit],
    incidents: Sequence[_Incident],
    t: float,
    s: ResponseSettings,
    policy: SimPolicy,
    dispatch_policy: DispatchPolicy,
    bounds_m: tuple[float, float, float, float] | None,
) -> bool:
    """Advance every unit by one step: chase, catch, search, return, draw down endurance.
    True when a unit became free to dispatch (finished a chase or got home)."""
    dt = s.step_s
    freed = False
    for u in units:
        if u.status in (AssetStatus.EN_ROUTE, AssetStatus.RETURNING, AssetStatus.ON_SCENE) or (
            u.status is AssetStatus.TASKED and _away(u)
        ):
            u.endurance_left_s -= dt
    chasing = [u for u in units if u.incident >= 0 and u.status is AssetStatus.EN_ROUTE]
    for u in chasing:
        inc = incidents[u.incident]
        if inc.path is None:
            _search(u, inc, t, s)
            continue
        p = inc.path
        gone = not p.alive(t + dt) or (bounds_m is not None and not _inside(p.at(t), bounds_m))
        x0, y0 = p.at(t)
        x1, y1 = p.at(t + dt)
        meet = intercept(
            (u.x, u.y), u.speed, (x0, y0), ((x1 - x0) / dt, (y1 - y0) / dt), dt, reach_m=u.reach
        )
        if p.alive(t) and bool(meet.on_path) and float(meet.t_s) <= dt:
            tm = float(meet.t_s)
            _move_towards(u, float(meet.x_m), float(meet.y_m), u.speed * tm)
            inc.intercept_t_s, inc.outcome, inc.state = t + tm, Outcome.INTERCEPTED, "done"
            inc.on_scene_t_s = inc.intercept_t_s
            u.incident, u.status, u.busy_until_s = -1, AssetStatus.ON_SCENE, t + s.on_scene_s
            if u.asset.kind is AssetKind.DRONE:
                u.follow = p
            continue
        if gone:
            inc.outcome = Outcome.TURNED_BACK if p.loiterer else Outcome.LOST
            inc.state = "done"
            u.incident, u.status = -1, AssetStatus.RETURNING
            freed = True
            continue
        if u.endurance_left_s <= _home_s(u) + dt:  # must turn for home now
            inc.state = "open"
            u.incident, u.status = -1, AssetStatus.RETURNING
            continue
        if t >= u.next_replan_s or _at(u, u.aim) or inc.source != u.planned_on:
            u.aim = _aim(u, inc, t, policy, dispatch_policy)
            u.next_replan_s, u.planned_on = t + s.replan_s, inc.source
        _move_towards(u, *u.aim, u.speed * dt)
    for u in units:
        f = u.follow  # a drone on scene holds its mover in view: over it, at its speed
        if u.status is AssetStatus.ON_SCENE and f is not None and f.alive(t + dt):
            _move_towards(u, *f.at(t + dt), u.speed * dt)
    for u in units:
        if u.status is AssetStatus.RETURNING:
            _move_towards(u, u.home_x, u.home_y, u.speed * dt)
            if not _away(u):
                if u.asset.recharge_s > 0 and u.endurance_left_s < u.asset.endurance_s:
                    u.status, u.busy_until_s = AssetStatus.MAINTENANCE, t + u.asset.recharge_s
                else:
                    u.status = AssetStatus.AVAILABLE
                    u.endurance_left_s = u.asset.endurance_s
                    freed = True
    return freed


def _search(u: _Unit, inc: _Incident, t: float, s: ResponseSettings) -> None:
    """Go to a false alarm's position; on arrival search there, find nothing."""
    ax, ay = inc.fixed_aim
    _move_towards(u, ax, ay, u.speed * s.step_s)
    if _at(u, inc.fixed_aim):
        inc.outcome, inc.state, inc.on_scene_t_s = Outcome.FALSE_ALARM, "done", t + s.step_s
        u.incident, u.status, u.busy_until_s = -1, AssetStatus.ON_SCENE, t + s.on_scene_s


def _aim(
    u: _Unit,
    inc: _Incident,
    t: float,
    policy: SimPolicy,
    dispatch_policy: DispatchPolicy,
) -> tuple[float, float]:
    """Where to head, from what is known of the mover (:meth:`_Incident.estimate`): the
    intercept point ("northline") or where it is thought to be now ("nearest")."""
    x, y, vx, vy = inc.estimate(t)
    if policy == "nearest":
        return x, y
    meet = intercept((u.x, u.y), u.speed, (x, y), (vx, vy), dispatch_policy.horizon_s, reach_m=0.0)
    return float(meet.x_m), float(meet.y_m)


def _move_towards(u: _Unit, x: float, y: float, step_m: float) -> None:
    dx, dy = x - u.x, y - u.y
    d = math.hypot(dx, dy)
    if d <= step_m or d == 0.0:
        u.x, u.y = x, y
    else:
        u.x, u.y = u.x + dx / d * step_m, u.y + dy / d * step_m


def _at(u: _Unit, xy: tuple[float, float]) -> bool:
    return math.hypot(u.x - xy[0], u.y - xy[1]) <= 1.0


def _home_s(u: _Unit) -> float:
    return math.hypot(u.x - u.home_x, u.y - u.home_y) / u.speed


def _inside(xy: tuple[float, float], b: tuple[float, float, float, float]) -> bool:
    return b[0] <= xy[0] <= b[2] and b[1] <= xy[1] <= b[3]


def _outcome(inc: _Incident, units: Sequence[_Unit]) -> ResponseOutcome:
    if inc.outcome is not None:
        outcome = inc.outcome
    elif inc.path is None:
        outcome = Outcome.FALSE_ALARM
    else:
        outcome = Outcome.TURNED_BACK if inc.path.loiterer else Outcome.LOST
    return ResponseOutcome(
        alert_id=inc.alert.alert_id,
        track_id=inc.alert.track_id,
        mover_id=inc.path.mover_id if inc.path is not None else "",
        asset_id=units[inc.asset].asset.asset_id if inc.asset >= 0 else None,
        outcome=outcome,
        alert_t_s=inc.alert.t_s,
        decision_t_s=inc.decision_t_s,
        intercept_t_s=inc.intercept_t_s,
        sector=inc.alert.sector,
        asset_kind=units[inc.asset].asset.kind.value if inc.asset >= 0 else None,
        on_scene_t_s=inc.on_scene_t_s,
        drone_watch_s=inc.watch_s,
        dead_reckoning_s=inc.blind_s,
    )
