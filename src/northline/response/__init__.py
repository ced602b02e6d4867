"""Responders and their dispatch: assets, time to intercept, recommendations, decisions.

:func:`load_assets` reads a scenario's ``[[assets]]``; :func:`intercept` is the vectorised time
to meet a track's predicted path; :func:`dispatch_costs` is the responders × alerts cost matrix
behind :func:`recommend` (the best few per alert) and :func:`assign` (one per alert, min-cost);
:func:`nearest_available` is the baseline they are measured against. Northline never tasks on
its own: a tasking exists only from a person's :func:`decide` (see :func:`taskings`).
:func:`simulate_response` plays a policy against an alert stream and the simulator's ground
truth, with a simulated operator deciding, to measure interceptions;
:func:`response_measures` reduces one :class:`ResponseRecord` per alert (simulated or from
the store) to response times and interception rates, overall, by responder kind and by sector.
"""

from ._assets import (
    DAY_S,
    DISPATCHABLE,
    KIND_DEFAULTS,
    Asset,
    AssetEvent,
    AssetKind,
    AssetStatus,
    KindDefaults,
    asset_event,
    load_assets,
    with_positions,
)
from ._costs import DispatchCosts, DispatchPolicy, dispatch_costs
from ._decisions import MAY_DECIDE, DecisionAction, DispatchDecision, decide, taskings
from ._dispatch import Recommendation, assign, nearest_available, recommend
from ._intercept import Intercept, intercept
from ._measures import ResponseRecord, response_measures, response_records
from ._sim_records import (
    SIMULATED_OPERATOR,
    Decider,
    Outcome,
    ResponseOutcome,
    ResponseRun,
    ResponseSettings,
    SimPolicy,
    TruthLike,
    TruthMoverLike,
    match_alerts,
)
from ._simulate import simulate_response

__all__ = [
    "DAY_S",
    "DISPATCHABLE",
    "KIND_DEFAULTS",
    "MAY_DECIDE",
    "SIMULATED_OPERATOR",
    "Asset",
    "AssetEvent",
    "AssetKind",
    "AssetStatus",
    "Decider",
    "DecisionAction",
    "DispatchCosts",
    "DispatchDecision",
    "DispatchPolicy",
    "Intercept",
    "KindDefaults",
    "Outcome",
    "Recommendation",
    "ResponseOutcome",
    "ResponseRecord",
    "ResponseRun",
    "ResponseSettings",
    "SimPolicy",
    "TruthLike",
    "TruthMoverLike",
    "asset_event",
    "assign",
    "decide",
    "dispatch_costs",
    "intercept",
    "load_assets",
    "match_alerts",
    "nearest_available",
    "recommend",
    "response_measures",
    "response_records",
    "simulate_response",
    "taskings",
    "with_positions",
]
