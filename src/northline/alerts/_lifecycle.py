"""Who may take which step on an alert from which state: pure rules, and the verb applying them.

    action        from                          to            who
    acknowledge   new                           acknowledged  operator, supervisor
    assign        new, acknowledged, tasked     (unchanged)   supervisor; an operator only to self
    task          new, acknowledged, tasked     tasked        operator, supervisor
    resolve       new, acknowledged, tasked     resolved      operator, supervisor (outcome, note)
    reopen        resolved                      acknowledged  supervisor (note)

Tasking straight from ``new`` implies acknowledging it; tasking a tasked alert sends a further
responder. Analysts, auditors, partner liaisons and administrators take no step. A role that
may not act gets :class:`~northline.model.PermissionDenied` whatever the state; a step not
allowed from the alert's state gets :class:`~northline.model.Conflict`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from ..model import (
    Alert,
    AlertAction,
    AlertEvent,
    AlertState,
    Conflict,
    InvalidInput,
    PermissionDenied,
    Role,
    User,
    content_id,
)

__all__ = [
    "MAY_ACT",
    "NOTE_REQUIRED",
    "AlertStore",
    "Outcome",
    "allowed_actions",
    "current_assignee",
    "next_state",
    "step",
]

_A, _S = AlertAction, AlertState
_OPEN = (_S.NEW, _S.ACKNOWLEDGED, _S.TASKED)


class Outcome(StrEnum):
    """How a resolved alert ended."""

    INTERCEPTED = "intercepted"
    APPREHENDED = "apprehended"
    TURNED_BACK = "turned_back"
    NO_THREAT = "no_threat"
    FALSE_ALARM = "false_alarm"
    NOT_FOUND = "not_found"
    OTHER = "other"


MAY_ACT: Mapping[Role, frozenset[AlertAction]] = MappingProxyType(
    {
        Role.OPERATOR: frozenset({_A.ACKNOWLEDGE, _A.ASSIGN, _A.TASK, _A.RESOLVE}),
        Role.SUPERVISOR: frozenset(AlertAction),
        Role.ANALYST: frozenset(),
        Role.AUDITOR: frozenset(),
        Role.ADMINISTRATOR: frozenset(),
        Role.PARTNER_LIAISON: frozenset(),
    }
)
"""The steps each role may take (from a state that allows them)."""

_TRANSITIONS: Mapping[AlertAction, Mapping[AlertState, AlertState]] = MappingProxyType(
    {
        _A.ACKNOWLEDGE: {_S.NEW: _S.ACKNOWLEDGED},
        _A.ASSIGN: {s: s for s in _OPEN},
        _A.TASK: dict.fromkeys(_OPEN, _S.TASKED),
        _A.RESOLVE: dict.fromkeys(_OPEN, _S.RESOLVED),
        _A.REOPEN: {_S.RESOLVED: _S.ACKNOWLEDGED},
    }
)

NOTE_REQUIRED = frozenset({_A.RESOLVE, _A.REOPEN})
"""Steps that must say why, in the event's note."""


def next_state(alert_state: AlertState, action: AlertAction, role: Role) -> AlertState:
    """The state after ``role`` takes ``action`` on an alert in ``alert_state``.

    PermissionDenied when the role may not take the step at all; Conflict when the step is not
    allowed from this state.
    """
    state, action, role = AlertState(alert_state), AlertAction(action), Role(role)
    if action not in MAY_ACT.get(role, frozenset()):
        raise PermissionDenied(
            f"a {role.value} may not {action.value} an alert", role=role.value, action=action.value
        )
    after = _TRANSITIONS.get(action, {}).get(state)
    if after is None:
        raise Conflict(
            f"cannot {action.value} an alert that is {state.value}",
            state=state.value,
            action=action.value,
        )
    return after


def allowed_actions(alert_state: AlertState, role: Role) -> frozenset[AlertAction]:
    """The steps ``role`` may take on an alert in ``alert_state`` (for offering them)."""
    return frozenset(
        a
        for a in AlertAction
        if a in MAY_ACT.get(Role(role), frozenset())
        and AlertState(alert_state) in _TRANSITIONS.get(a, {})
    )


def current_assignee(events: Iterable[AlertEvent]) -> str | None:
    """Who handles an alert: the assignee of its last step that named one (events in order)."""
    assignee = None
    for e in events:
        if e.assignee is not None:
            assignee = e.assignee
    return assignee


class AlertStore(Protocol):
    """What :func:`step` needs of a store (:class:`~northline.store.Store` has it)."""

    def alert(self, alert_id: str) -> Alert: ...

    def user(self, user_id: str) -> User: ...

    def add_alert_event(self, event: AlertEvent) -> Alert: ...


def step(
    store: AlertStore,
    alert_id: str,
    action: AlertAction,
    actor: User,
    *,
    note: str,
    assignee: str | None = None,
    outcome: Outcome | str | None = None,
    now_t_s: float,
) -> Alert:
    """A person's step on an alert, checked by :func:`next_state`, kept as an event.

    ``assignee`` is for assign (a user who may act on alerts and see this one; an operator may
    assign only themselves); ``outcome`` (an :class:`Outcome`) and a note are for resolve, a
    note for reopen. Returns the alert in its new state. PermissionDenied for a disabled actor,
    one who may not see the alert, or a role that may not take the step; Conflict for a step
    not allowed from the alert's state; InvalidInput for a missing or misplaced argument;
    NotFound for an unknown alert or assignee.
    """
    try:
        action = AlertAction(action)
    except ValueError as exc:
        raise InvalidInput(f"no alert action {action!r}", field="action") from exc
    if not math.isfinite(now_t_s):
        raise InvalidInput(f"time {now_t_s!r} is not a finite number", field="now_t_s")
    if actor.disabled:
        raise PermissionDenied(f"user {actor.user_id!r} is disabled", user_id=actor.user_id)
    alert = store.alert(alert_id)
    if not actor.may_see(alert.marking):
        raise PermissionDenied(
            f"alert {alert_id!r} is not releasable to {actor.user_id!r}", alert_id=alert_id
        )
    state = next_state(alert.state, action, actor.role)
    outcome_value = _check_outcome(action, outcome)
    _check_assignee(store, alert, action, actor, assignee)
    if action in NOTE_REQUIRED and not note.strip():
        raise InvalidInput(f"to {action.value} an alert, say why in the note", field="note")
    event = AlertEvent(
        event_id=content_id("alertevent", alert_id, actor.user_id, float(now_t_s), action.value),
        alert_id=alert_id,
        t_s=float(now_t_s),
        action=action,
        actor=actor.user_id,
        state=state,
        assignee=assignee,
        outcome=outcome_value,
        note=note,
    )
    return store.add_alert_event(event)


def _check_outcome(action: AlertAction, outcome: Outcome | str | None) -> str | None:
    if action is not AlertAction.RESOLVE:
        if outcome is not None:
            raise InvalidInput(f"an outcome is for resolve, not {action.value}", field="outcome")
        return None
    try:
        return Outcome(outcome or "").value
    except ValueError as exc:
        known = ", ".join(o.value for o in Outcome)
        raise InvalidInput(
            f"resolving needs an outcome, one of {known}; got {outcome!r}", field="outcome"
        ) from exc


def _check_assignee(
    store: AlertStore, alert: Alert, action: AlertAction, actor: User, assignee: str | None
) -> None:
    if action is not AlertAction.ASSIGN:
        if assignee is not None:
            raise InvalidInput(f"an assignee is for assign, not {action.value}", field="assignee")
        return
    if not assignee:
        raise InvalidInput("assigning needs an assignee", field="assignee")
    if actor.role is not Role.SUPERVISOR and assignee != actor.user_id:
        raise PermissionDenied(
            f"a {actor.role.value} may assign an alert only to themselves", assignee=assignee
        )
    person = store.user(assignee)
    if person.disabled or not MAY_ACT.get(person.role) or not person.may_see(alert.marking):
        raise InvalidInput(
            f"{assignee!r} cannot handle alert {alert.alert_id!r} (disabled, role or marking)",
            field="assignee",
        )
