"""A person's answer to a recommendation, and the taskings that follow only from answers.

    action   asset_id                          effect on taskings(decisions)
    accept   the recommended responder          the alert is tasked to it
    change   another responder (required)       the alert is tasked to that one
    decline  None                               the alert has no tasking (any earlier one ends)

Only operators and supervisors decide; anyone else gets
:class:`~northline.model.PermissionDenied`. A :class:`Recommendation` on its own never tasks
anyone: :func:`taskings` reads decisions only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ..model import DEFAULT_MARKING, InvalidInput, Marking, PermissionDenied, Role, User, content_id
from ._dispatch import Recommendation

__all__ = ["MAY_DECIDE", "DecisionAction", "DispatchDecision", "decide", "taskings"]

MAY_DECIDE = frozenset({Role.OPERATOR, Role.SUPERVISOR})
"""The roles that may accept, change or decline a dispatch recommendation."""


class DecisionAction(StrEnum):
    ACCEPT = "accept"
    CHANGE = "change"
    DECLINE = "decline"


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchDecision:
    """One person's decision on dispatch for one alert: an event, never changed."""

    decision_id: str
    alert_id: str
    asset_id: str | None  # the responder tasked; None for decline
    action: DecisionAction
    author: str  # user id
    t_s: float
    note: str = ""
    recommended_asset_id: str | None = None  # what was recommended, when deciding on one
    marking: Marking = DEFAULT_MARKING  # the alert's: who may see the decision


def decide(
    target: Recommendation | str,
    action: DecisionAction | str,
    author: User,
    *,
    asset_id: str | None = None,
    note: str,
    now_t_s: float,
    marking: Marking = DEFAULT_MARKING,
) -> DispatchDecision:
    """A person's decision on a recommendation, or on an alert id (to change or decline
    without one). See the module for what each action needs; InvalidInput for a missing or
    contradictory ``asset_id``, PermissionDenied for a disabled author or a role not in
    :data:`MAY_DECIDE`. ``marking`` is the alert's, which the decision carries."""
    try:
        act = DecisionAction(action)
    except ValueError:
        raise InvalidInput(f"no dispatch action {action!r}", field="action") from None
    if not math.isfinite(now_t_s):
        raise InvalidInput(f"time {now_t_s!r} is not a finite number", field="now_t_s")
    if author.disabled:
        raise PermissionDenied(f"user {author.user_id!r} is disabled", user_id=author.user_id)
    if author.role not in MAY_DECIDE:
        raise PermissionDenied(
            f"a {author.role.value} may not decide on dispatch", role=author.role.value
        )
    rec = target if isinstance(target, Recommendation) else None
    alert_id = rec.alert_id if rec is not None else str(target)
    if not alert_id:
        raise InvalidInput("a decision needs an alert id", field="alert_id")
    recommended = rec.asset_id if rec is not None else None
    chosen = _chosen_asset(act, recommended, asset_id)
    return DispatchDecision(
        decision_id=content_id(
            "dispatch", alert_id, chosen, act.value, author.user_id, float(now_t_s)
        ),
        alert_id=alert_id,
        asset_id=chosen,
        action=act,
        author=author.user_id,
        t_s=float(now_t_s),
        note=note,
        recommended_asset_id=recommended,
        marking=marking,
    )


def _chosen_asset(act: DecisionAction, recommended: str | None, asset_id: str | None) -> str | None:
    if act is DecisionAction.ACCEPT:
        if recommended is None:
            raise InvalidInput(
                "accept needs a recommendation; to name a unit, change", field="action"
            )
        if asset_id is not None and asset_id != recommended:
            raise InvalidInput(
                f"accepting {recommended!r} but asset_id is {asset_id!r}; to pick another, change",
                field="asset_id",
            )
        return recommended
    if act is DecisionAction.CHANGE:
        if not asset_id:
            raise InvalidInput("change needs the asset_id of the unit to send", field="asset_id")
        if asset_id == recommended:
            raise InvalidInput("that is the recommended unit; accept it", field="asset_id")
        return asset_id
    if asset_id is not None:
        raise InvalidInput("decline sends no unit: give no asset_id", field="asset_id")
    return None


def taskings(decisions: Iterable[DispatchDecision]) -> dict[str, str]:
    """Alert id → tasked asset id, from decisions in the order given (the last one per alert
    stands). Recommendations are not an argument: they cannot make a tasking."""
    out: dict[str, str] = {}
    for d in decisions:
        if d.action is DecisionAction.DECLINE or d.asset_id is None:
            out.pop(d.alert_id, None)
        else:
            out[d.alert_id] = d.asset_id
    return out
