"""Response measures: how fast alerts were decided and reached, and how many were stopped.

One :class:`ResponseRecord` per alert, from a simulated run (:meth:`ResponseRun.records`) or
from the store (the first accept/change decision, the first ``on_scene`` asset event after it,
the outcome of the alert's resolve event). :func:`response_measures` reduces them, overall,
by the kind of responder tasked and by sector, to one JSON-ready shape (``None``, never NaN)::

    {"overall": M, "by_asset_kind": {kind: M}, "by_sector": {sector: M}}
    M = {"alerts", "decided", "on_scene", "intercepted", "interception_rate",
         "alert_to_decision_s": {"n", "mean", "median", "p90"} | None,
         "decision_to_on_scene_s": {"n", "mean", "median", "p90"} | None}

``intercepted`` counts the outcomes ``intercepted`` and ``apprehended``; the rate's denominator
is the records *with* an outcome other than ``false_alarm`` or ``no_threat`` (open alerts are
in neither), ``None`` when that is zero. Records whose responder kind is ``None`` (never
tasked) count overall and by sector but under no asset kind. Durations count only where both
ends happened; the p90 is linear between order statistics (NumPy's default).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import Alert, AlertAction, AlertEvent, AlertState
from ._assets import AssetEvent, AssetStatus
from ._decisions import DecisionAction, DispatchDecision

__all__ = ["ResponseRecord", "response_measures", "response_records"]

_INTERCEPTED = frozenset({"intercepted", "apprehended"})  # the response stopped the target

_NOT_A_TARGET = frozenset({"false_alarm", "no_threat"})  # nothing there to stop


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseRecord:
    """One alert's response, from a simulation or from the store (epoch seconds; NaN where
    it did not happen)."""

    alert_id: str
    sector: str
    asset_kind: str | None  # of the responder tasked; None if never tasked
    outcome: str | None  # an alerts / response outcome value; None while still open
    alert_t_s: float
    decision_t_s: float = math.nan  # first accept/change decision
    on_scene_t_s: float = math.nan  # responder on scene (intercept) time


def response_measures(records: Iterable[ResponseRecord]) -> dict[str, Any]:
    """The measures overall, by asset kind and by sector (see the module)."""
    rows = list(records)
    by_kind: dict[str, list[ResponseRecord]] = defaultdict(list)
    by_sector: dict[str, list[ResponseRecord]] = defaultdict(list)
    for r in rows:
        if r.asset_kind is not None:
            by_kind[r.asset_kind].append(r)
        by_sector[r.sector].append(r)
    return {
        "overall": _measures(rows),
        "by_asset_kind": {k: _measures(v) for k, v in sorted(by_kind.items())},
        "by_sector": {k: _measures(v) for k, v in sorted(by_sector.items())},
    }


def _measures(rows: Sequence[ResponseRecord]) -> dict[str, Any]:
    alert_t = np.array([r.alert_t_s for r in rows], dtype=np.float64)
    decision_t = np.array([r.decision_t_s for r in rows], dtype=np.float64)
    on_scene_t = np.array([r.on_scene_t_s for r in rows], dtype=np.float64)
    outcomes = [r.outcome for r in rows]
    caught = sum(1 for o in outcomes if o in _INTERCEPTED)
    targets = sum(1 for o in outcomes if o is not None and o not in _NOT_A_TARGET)
    return {
        "alerts": len(rows),
        "decided": int(np.isfinite(decision_t).sum()),
        "on_scene": int(np.isfinite(on_scene_t).sum()),
        "intercepted": caught,
        "interception_rate": caught / targets if targets else None,
        "alert_to_decision_s": _stats(decision_t - alert_t),
        "decision_to_on_scene_s": _stats(on_scene_t - decision_t),
    }


def _stats(durations_s: np.ndarray[Any, np.dtype[np.float64]]) -> dict[str, Any] | None:
    d = durations_s[np.isfinite(durations_s)]
    if d.size == 0:
        return None
    return {
        "n": int(d.size),
        "mean": round(float(d.mean()), 3),
        "median": round(float(np.median(d)), 3),
        "p90": round(float(np.percentile(d, 90)), 3),
    }


_TASKED_BY_PERSON = (DecisionAction.ACCEPT, DecisionAction.CHANGE)


def response_records(
    alerts: Iterable[Alert],
    decisions: Iterable[DispatchDecision],
    asset_events: Iterable[AssetEvent],
    alert_events: Iterable[AlertEvent],
    kinds: Mapping[str, str],
) -> list[ResponseRecord]:
    """One :class:`~northline.response.ResponseRecord` per alert from what is stored: its
    first accept or change (time, and the kind of the unit from ``kinds``, asset id → kind),
    the first asset event on scene for it at or after that decision, and the outcome of its
    last resolve when it is resolved (None while open)."""
    first: dict[str, DispatchDecision] = {}
    for d in decisions:
        if d.action in _TASKED_BY_PERSON and d.asset_id is not None:
            first.setdefault(d.alert_id, d)
    on_scene: dict[str, list[float]] = {}
    for e in asset_events:
        if e.status is AssetStatus.ON_SCENE and e.alert_id is not None:
            on_scene.setdefault(e.alert_id, []).append(e.t_s)
    outcome: dict[str, str | None] = {}
    for ev in alert_events:
        if ev.action is AlertAction.RESOLVE:
            outcome[ev.alert_id] = ev.outcome
    out = []
    for a in alerts:
        tasking = first.get(a.alert_id)
        decided = tasking.t_s if tasking is not None else math.nan
        scene = [t for t in on_scene.get(a.alert_id, ()) if t >= decided]  # False for NaN
        kind = kinds.get(tasking.asset_id or "") if tasking is not None else None
        out.append(
            ResponseRecord(
                alert_id=a.alert_id,
                sector=a.sector,
                asset_kind=kind,
                outcome=outcome.get(a.alert_id) if a.state is AlertState.RESOLVED else None,
                alert_t_s=a.t_s,
                decision_t_s=decided,
                on_scene_t_s=min(scene) if scene else math.nan,
            )
        )
    return out
