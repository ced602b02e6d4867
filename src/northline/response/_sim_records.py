"""The records of a simulated response (its settings, outcomes and run) and its inputs: the
tracker's updates indexed by track and time, the true movers' paths in the local frame, and
the match of alerts to true movers. :mod:`._simulate` is the simulation itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from ..geo import LocalFrame
from ..model import Alert, Marking, Role, TrackBatch, TrackState, TrackUpdate, User
from ._costs import DispatchPolicy
from ._decisions import DecisionAction, DispatchDecision
from ._dispatch import Recommendation
from ._measures import ResponseRecord

__all__ = [
    "F8",
    "SIMULATED_OPERATOR",
    "Decider",
    "Outcome",
    "ResponseOutcome",
    "ResponseRun",
    "ResponseSettings",
    "SimPolicy",
    "TruthLike",
    "TruthMoverLike",
    "match_alerts",
]

F8 = npt.NDArray[np.float64]
SimPolicy = Literal["northline", "nearest"]

SIMULATED_OPERATOR = User(
    user_id="sim-operator",
    name="Simulated operator (accepts the top recommendation)",
    role=Role.OPERATOR,
    agency="RCMP",
    country="CAN",
)
"""The author of every decision in a simulated response."""


class Outcome(StrEnum):
    INTERCEPTED = "intercepted"
    LOST = "lost"
    FALSE_ALARM = "false_alarm"
    TURNED_BACK = "turned_back"


class TruthMoverLike(Protocol):
    """A true mover's path (epoch seconds, WGS84); :class:`northline.sim.TruthMover`."""

    @property
    def mover_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def t_s(self) -> F8: ...
    @property
    def lon(self) -> F8: ...
    @property
    def lat(self) -> F8: ...


class TruthLike(Protocol):
    """What really moved; :class:`northline.sim.GroundTruth`."""

    @property
    def end_s(self) -> float: ...
    @property
    def movers(self) -> Sequence[TruthMoverLike]: ...


class Decider(Protocol):
    """The signature of :func:`decide`, which a test may replace."""

    def __call__(
        self,
        target: Recommendation | str,
        action: DecisionAction | str,
        author: User,
        *,
        asset_id: str | None = None,
        note: str,
        now_t_s: float,
        marking: Marking = ...,
    ) -> DispatchDecision: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseSettings:
    """The knobs of the model (see the module)."""

    decision_delay_s: float = 20.0
    replan_s: float = 30.0
    step_s: float = 5.0
    catch_m: float = 50.0  # the least reach: close enough to stop someone
    on_scene_s: float = 300.0
    max_wait_s: float = 600.0  # an incident not tasked by then is no longer offered
    velocity_window_s: float = 10.0
    match_m: float = 1000.0
    track_stale_s: float = 30.0  # an older track update is no longer "tracked": dead reckoning


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseOutcome:
    """What came of one incident (times are epoch seconds; NaN where it did not happen)."""

    alert_id: str
    track_id: str
    mover_id: str  # "" for a false alarm
    asset_id: str | None  # the responder last tasked; None if none was
    outcome: Outcome
    alert_t_s: float
    decision_t_s: float = math.nan
    intercept_t_s: float = math.nan
    sector: str = ""  # the alert's
    asset_kind: str | None = None  # of the responder last tasked
    on_scene_t_s: float = math.nan  # with the mover (= intercept_t_s) or at a false alarm
    drone_watch_s: float = 0.0  # seconds a tasked drone had the mover in view, until the end
    dead_reckoning_s: float = 0.0  # seconds known only by dead reckoning, until the end

    @property
    def time_to_decision_s(self) -> float:
        return self.decision_t_s - self.alert_t_s

    @property
    def time_on_scene_s(self) -> float:
        """Decision → on scene with the mover."""
        return self.intercept_t_s - self.decision_t_s

    @property
    def time_to_intercept_s(self) -> float:
        """Alert → on scene with the mover."""
        return self.intercept_t_s - self.alert_t_s


@dataclass(frozen=True, slots=True)
class ResponseRun:
    """A policy's simulated response to one alert stream."""

    policy: str
    outcomes: tuple[ResponseOutcome, ...]
    decisions: tuple[DispatchDecision, ...]

    @property
    def n_incidents(self) -> int:
        return len(self.outcomes)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome is outcome)

    @property
    def n_true_targets(self) -> int:
        """Incidents with a true mover behind them (all but false alarms)."""
        return self.n_incidents - self.count(Outcome.FALSE_ALARM)

    @property
    def interception_rate(self) -> float:
        """Intercepted over true targets; NaN when there were none."""
        n = self.n_true_targets
        return self.count(Outcome.INTERCEPTED) / n if n else math.nan

    @property
    def times_to_intercept_s(self) -> list[float]:
        return [o.time_to_intercept_s for o in self.outcomes if o.outcome is Outcome.INTERCEPTED]

    @property
    def mean_time_to_intercept_s(self) -> float:
        t = self.times_to_intercept_s
        return float(np.mean(t)) if t else math.nan

    def records(self) -> tuple[ResponseRecord, ...]:
        """One :class:`ResponseRecord` per incident, for :func:`response_measures`."""
        return tuple(
            ResponseRecord(
                alert_id=o.alert_id,
                sector=o.sector,
                asset_kind=o.asset_kind,
                outcome=o.outcome.value,
                alert_t_s=o.alert_t_s,
                decision_t_s=o.decision_t_s,
                on_scene_t_s=o.on_scene_t_s,
            )
            for o in self.outcomes
        )

    @property
    def drone_sightings(self) -> int:
        """Incidents whose mover a tasked drone had in view at least once before the end."""
        return sum(1 for o in self.outcomes if o.drone_watch_s > 0)

    def to_dict(self) -> dict[str, Any]:
        """The figures, JSON-ready (NaN becomes null)."""

        def num(x: float) -> float | None:
            return None if math.isnan(x) else round(x, 3)

        return {
            "policy": self.policy,
            "incidents": self.n_incidents,
            "true_targets": self.n_true_targets,
            **{o.value: self.count(o) for o in Outcome},
            "decisions": len(self.decisions),
            "interception_rate": num(self.interception_rate),
            "mean_time_to_intercept_s": num(self.mean_time_to_intercept_s),
            "times_to_intercept_s": [round(t, 3) for t in self.times_to_intercept_s],
            "drone_sightings": self.drone_sightings,
            "drone_watch_s": round(sum(o.drone_watch_s for o in self.outcomes), 3),
            "dead_reckoning_s": round(sum(o.dead_reckoning_s for o in self.outcomes), 3),
        }


_SETTINGS = ResponseSettings()
_DISPATCH_POLICY = DispatchPolicy()


# -- inputs -------------------------------------------------------------------------------


class _TrackIndex:
    """The tracker's latest update of a track at or before a time, from a :class:`TrackBatch`."""

    def __init__(self, batch: TrackBatch) -> None:
        ids = np.asarray(batch.track_id, dtype=object).astype(str)
        order = np.lexsort((batch.t_s, ids))
        self._b = batch
        self._order = order
        self._t = np.asarray(batch.t_s, dtype=np.float64)[order]
        sorted_ids = ids[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        ends = np.r_[starts[1:], len(sorted_ids)]
        self._span = {
            str(sorted_ids[a]): (int(a), int(b))
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
        }

    def latest(self, track_id: str, t_s: float) -> TrackUpdate | None:
        span = self._span.get(track_id)
        if span is None:
            return None
        a, b = span
        k = a + int(np.searchsorted(self._t[a:b], t_s, side="right")) - 1
        if k < a:
            return None
        i = int(self._order[k])
        b_ = self._b
        return TrackUpdate(
            track_id=track_id,
            t_s=float(b_.t_s[i]),
            lon=float(b_.lon[i]),
            lat=float(b_.lat[i]),
            vel_east_mps=float(b_.vx_mps[i]),
            vel_north_mps=float(b_.vy_mps[i]),
            sigma_m=float(b_.sigma_m[i]),
            state=TrackState(b_.state[i]),
            sector=str(b_.sector[i]),
            hits=int(b_.hits[i]),
            marking=Marking(str(b_.agency[i]), str(b_.releasability[i])),
        )


@dataclass(frozen=True, eq=False)
class _Path:
    """A true mover's path in the local frame."""

    mover_id: str
    loiterer: bool
    t: F8
    x: F8
    y: F8

    def at(self, t_s: float) -> tuple[float, float]:
        return float(np.interp(t_s, self.t, self.x)), float(np.interp(t_s, self.t, self.y))

    def alive(self, t_s: float) -> bool:
        return bool(self.t[0] <= t_s <= self.t[-1])


def _paths(truth: TruthLike, frame: LocalFrame) -> dict[str, _Path]:
    out: dict[str, _Path] = {}
    for m in truth.movers:
        if len(m.t_s) == 0:
            continue
        x, y = frame.to_local(m.lon, m.lat)
        out[m.mover_id] = _Path(
            m.mover_id,
            str(m.kind) == "loiterer",
            np.asarray(m.t_s, dtype=np.float64),
            np.atleast_1d(np.asarray(x, dtype=np.float64)),
            np.atleast_1d(np.asarray(y, dtype=np.float64)),
        )
    return out


def match_alerts(
    alerts: Sequence[Alert],
    tracks_by_time: TrackBatch,
    truth: TruthLike,
    *,
    frame: LocalFrame,
    max_distance_m: float = 1000.0,
) -> dict[str, str]:
    """Alert id → the id of the true mover nearest the alerted track at the alert's time
    (within ``max_distance_m``); alerts with none are false alarms and absent."""
    return _match(alerts, _TrackIndex(tracks_by_time), _paths(truth, frame), frame, max_distance_m)


def _match(
    alerts: Sequence[Alert],
    index: _TrackIndex,
    paths: Mapping[str, _Path],
    frame: LocalFrame,
    max_distance_m: float,
) -> dict[str, str]:
    out: dict[str, str] = {}
    if not paths:
        return out
    ids = list(paths)
    for a in alerts:
        tr = index.latest(a.track_id, a.t_s)
        lon, lat = (a.lon, a.lat) if tr is None else (tr.lon, tr.lat)
        ax, ay = (float(v) for v in frame.to_local(lon, lat))
        alive = [paths[k].alive(a.t_s) for k in ids]
        pos = np.array([paths[k].at(a.t_s) for k in ids])
        d = np.where(alive, np.hypot(pos[:, 0] - ax, pos[:, 1] - ay), np.inf)
        best = int(np.argmin(d))
        if d[best] <= max_distance_m:
            out[a.alert_id] = ids[best]
    return out
