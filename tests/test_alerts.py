"""The alert lifecycle: the whole rule table (every state × action × role, generated from the
enums), and people's steps kept in a real SQLite store."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from northline.alerts import (
    MAY_ACT,
    NOTE_REQUIRED,
    Outcome,
    allowed_actions,
    current_assignee,
    next_state,
    step,
)
from northline.model import (
    Alert,
    AlertAction,
    AlertKind,
    AlertState,
    Conflict,
    InvalidInput,
    Marking,
    NotFound,
    PermissionDenied,
    Role,
    Severity,
    User,
    content_id,
)
from northline.store import SQLiteStore

A, S = AlertAction, AlertState
T0 = 1768442400.0

# The specification, written out independently of the implementation. A new role or action
# without a line here fails the table test with a KeyError.
MAY = {
    Role.OPERATOR: {A.ACKNOWLEDGE, A.ASSIGN, A.TASK, A.RESOLVE},
    Role.SUPERVISOR: {A.ACKNOWLEDGE, A.ASSIGN, A.TASK, A.RESOLVE, A.REOPEN},
    Role.ANALYST: set(),
    Role.AUDITOR: set(),
    Role.ADMINISTRATOR: set(),
    Role.PARTNER_LIAISON: set(),
}
RULES = {
    A.ACKNOWLEDGE: {S.NEW: S.ACKNOWLEDGED},
    A.ASSIGN: {S.NEW: S.NEW, S.ACKNOWLEDGED: S.ACKNOWLEDGED, S.TASKED: S.TASKED},
    A.TASK: {S.NEW: S.TASKED, S.ACKNOWLEDGED: S.TASKED, S.TASKED: S.TASKED},
    A.RESOLVE: {S.NEW: S.RESOLVED, S.ACKNOWLEDGED: S.RESOLVED, S.TASKED: S.RESOLVED},
    A.REOPEN: {S.RESOLVED: S.ACKNOWLEDGED},
}


def expected(state: AlertState, action: AlertAction, role: Role) -> AlertState | type[Exception]:
    if action not in MAY[role]:
        return PermissionDenied
    return RULES[action].get(state, Conflict)


@pytest.mark.parametrize(
    ("state", "action", "role"), list(itertools.product(AlertState, AlertAction, Role))
)
def test_every_state_action_and_role(state: AlertState, action: AlertAction, role: Role) -> None:
    want = expected(state, action, role)
    if isinstance(want, AlertState):
        assert next_state(state, action, role) is want
        assert action in allowed_actions(state, role)
    else:
        with pytest.raises(want):
            next_state(state, action, role)
        assert action not in allowed_actions(state, role)


def test_the_rules_name_every_role_action_and_state() -> None:
    assert set(MAY) == set(Role) == set(MAY_ACT)
    assert set(RULES) == set(AlertAction)
    assert {s for rule in RULES.values() for s in (*rule, *rule.values())} == set(AlertState)
    assert {r: set(MAY_ACT[r]) for r in Role} == MAY


def test_errors_say_what_and_why() -> None:
    with pytest.raises(PermissionDenied) as denied:
        next_state(S.NEW, A.ACKNOWLEDGE, Role.ANALYST)
    assert denied.value.context == {"role": "analyst", "action": "acknowledge"}
    with pytest.raises(Conflict) as conflict:
        next_state(S.RESOLVED, A.TASK, Role.SUPERVISOR)
    assert conflict.value.context == {"state": "resolved", "action": "task"}


def test_outcomes_are_a_fixed_set() -> None:
    assert {o.value for o in Outcome} == {
        "intercepted", "apprehended", "turned_back", "no_threat", "false_alarm", "not_found",
        "other",
    }  # fmt: skip
    assert frozenset({A.RESOLVE, A.REOPEN}) == NOTE_REQUIRED


# -- steps on a real store ------------------------------------------------------------------

CAN = Marking("RCMP", "CAN")


def user(user_id: str, role: Role, country: str = "CAN", **kw: object) -> User:
    agency = "RCMP" if country == "CAN" else "CBP"
    return User(user_id=user_id, name=user_id, role=role, agency=agency, country=country, **kw)  # type: ignore[arg-type]


OP = user("op1", Role.OPERATOR)
OP2 = user("op2", Role.OPERATOR)
SUP = user("sup1", Role.SUPERVISOR)
ANALYST = user("an1", Role.ANALYST)
US_OP = user("us.op", Role.OPERATOR, "USA")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "northline.db") as s:
        s.add_alerts(
            [
                Alert(
                    alert_id=f"a-{i}", kind=AlertKind.CROSSING, t_s=T0 + i, track_id="T1",
                    lon=-97.2, lat=49.0, severity=Severity.HIGH, summary="crossing", sector="S1",
                    marking=CAN,
                )
                for i in range(3)
            ]
        )  # fmt: skip
        for u in (OP, OP2, SUP, ANALYST, US_OP):
            s.add_user(u)
        yield s


def test_a_step_is_kept_as_an_event(store: SQLiteStore) -> None:
    after = step(store, "a-0", A.ACKNOWLEDGE, OP, note="seen", now_t_s=T0 + 10)
    assert after.state is S.ACKNOWLEDGED
    assert store.alert("a-0").state is S.ACKNOWLEDGED
    (e,) = store.alert_events("a-0")
    assert e.event_id == content_id("alertevent", "a-0", "op1", T0 + 10, "acknowledge")
    assert (e.actor, e.t_s, e.action, e.state, e.note) == (
        "op1",
        T0 + 10,
        A.ACKNOWLEDGE,
        after.state,
        "seen",
    )
    assert (e.assignee, e.outcome) == (None, None)


def test_the_whole_life_of_an_alert(store: SQLiteStore) -> None:
    assert step(store, "a-1", A.TASK, OP, note="K9 unit sent", now_t_s=T0 + 1).state is S.TASKED
    assert step(store, "a-1", A.ASSIGN, SUP, note="", assignee="op2", now_t_s=T0 + 2).state is (
        S.TASKED
    )
    resolved = step(
        store,
        "a-1",
        A.RESOLVE,
        OP2,
        note="two on foot",
        outcome=Outcome.APPREHENDED,
        now_t_s=T0 + 3,
    )
    assert resolved.state is S.RESOLVED
    with pytest.raises(PermissionDenied):
        step(store, "a-1", A.REOPEN, OP, note="more", now_t_s=T0 + 4)
    assert step(store, "a-1", A.REOPEN, SUP, note="a third", now_t_s=T0 + 5).state is (
        S.ACKNOWLEDGED
    )
    events = store.alert_events("a-1")
    assert [e.action for e in events] == [A.TASK, A.ASSIGN, A.RESOLVE, A.REOPEN]
    assert events[2].outcome == "apprehended"
    assert current_assignee(events) == "op2"
    assert store.alerts(state=S.ACKNOWLEDGED) == [store.alert("a-1")]


def test_a_step_not_allowed_changes_nothing(store: SQLiteStore) -> None:
    step(store, "a-0", A.ACKNOWLEDGE, OP, note="", now_t_s=T0)
    with pytest.raises(Conflict):
        step(store, "a-0", A.ACKNOWLEDGE, SUP, note="", now_t_s=T0 + 1)
    with pytest.raises(PermissionDenied):
        step(store, "a-0", A.RESOLVE, ANALYST, note="x", outcome="no_threat", now_t_s=T0 + 1)
    assert len(store.alert_events("a-0")) == 1


def test_resolving_needs_a_known_outcome_and_a_note(store: SQLiteStore) -> None:
    with pytest.raises(InvalidInput):
        step(store, "a-0", A.RESOLVE, OP, note="gone", now_t_s=T0)
    with pytest.raises(InvalidInput):
        step(store, "a-0", A.RESOLVE, OP, note="gone", outcome="vanished", now_t_s=T0)
    with pytest.raises(InvalidInput):
        step(store, "a-0", A.RESOLVE, OP, note="  ", outcome="not_found", now_t_s=T0)
    with pytest.raises(InvalidInput):
        step(store, "a-0", A.ACKNOWLEDGE, OP, note="", outcome="not_found", now_t_s=T0)
    assert store.alert_events() == []
    after = step(store, "a-0", A.RESOLVE, OP, note="moose", outcome="false_alarm", now_t_s=T0)
    assert after.state is S.RESOLVED
    assert store.alert_events("a-0")[0].outcome == "false_alarm"


def test_who_may_be_assigned(store: SQLiteStore) -> None:
    with pytest.raises(InvalidInput):
        step(store, "a-0", A.ASSIGN, SUP, note="", now_t_s=T0)
    with pytest.raises(PermissionDenied):
        step(store, "a-0", A.ASSIGN, OP, note="", assignee="op2", now_t_s=T0)
    with pytest.raises(NotFound):
        step(store, "a-0", A.ASSIGN, SUP, note="", assignee="nobody", now_t_s=T0)
    with pytest.raises(InvalidInput):  # an analyst does not work alerts
        step(store, "a-0", A.ASSIGN, SUP, note="", assignee="an1", now_t_s=T0)
    with pytest.raises(InvalidInput):  # a Canadian-eyes-only alert
        step(store, "a-0", A.ASSIGN, SUP, note="", assignee="us.op", now_t_s=T0)
    with pytest.raises(InvalidInput):
        step(store, "a-0", A.TASK, OP, note="", assignee="op1", now_t_s=T0)
    assert step(store, "a-0", A.ASSIGN, OP, note="mine", assignee="op1", now_t_s=T0).state is S.NEW
    assert current_assignee(store.alert_events("a-0")) == "op1"
    assert current_assignee([]) is None


def test_who_may_act(store: SQLiteStore) -> None:
    with pytest.raises(PermissionDenied):
        step(store, "a-0", A.ACKNOWLEDGE, US_OP, note="", now_t_s=T0)  # not releasable
    store.set_user_disabled("op1", True)
    with pytest.raises(PermissionDenied):
        step(store, "a-0", A.ACKNOWLEDGE, store.user("op1"), note="", now_t_s=T0)
    with pytest.raises(NotFound):
        step(store, "nope", A.ACKNOWLEDGE, SUP, note="", now_t_s=T0)
    with pytest.raises(InvalidInput):
        step(store, "a-0", "shrug", SUP, note="", now_t_s=T0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        step(store, "a-0", A.ACKNOWLEDGE, SUP, note="", now_t_s=float("nan"))
    assert store.alert_events() == []


def test_the_same_step_twice_is_a_conflict(store: SQLiteStore) -> None:
    step(store, "a-0", A.TASK, OP, note="", now_t_s=T0)
    with pytest.raises(Conflict):
        step(store, "a-0", A.TASK, OP, note="", now_t_s=T0)  # the same person, action and time


def test_northline_never_steps_an_alert_by_itself() -> None:
    """The lifecycle has no clock and no loop: every step is a person's call to step()."""
    src = Path(__file__).resolve().parents[1] / "src" / "northline" / "alerts"
    text = "\n".join(p.read_text(encoding="utf-8") for p in src.rglob("*.py"))
    for clock in ("time.time", "datetime.now", "monotonic", "asyncio", "threading", "sched"):
        assert clock not in text, clock
