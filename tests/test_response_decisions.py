"""A person decides; only decisions make taskings, never a recommendation on its own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from northline.model import InvalidInput, PermissionDenied, Role, User
from northline.response import (
    MAY_DECIDE,
    DecisionAction,
    DispatchDecision,
    Recommendation,
    decide,
    taskings,
)

T = 1_767_225_600.0


def user(role: Role, user_id: str = "op1", **kw: bool) -> User:
    return User(user_id=user_id, name=user_id, role=role, agency="RCMP", country="CAN", **kw)


def rec(alert_id: str = "a1", asset_id: str = "drone-1", rank: int = 1) -> Recommendation:
    return Recommendation(
        alert_id=alert_id,
        asset_id=asset_id,
        rank=rank,
        eta_s=120.0,
        intercept_lon=-97.2,
        intercept_lat=49.0,
        score=120.0,
        reasons=("drone: a quick look",),
        t_s=T,
    )


OP = user(Role.OPERATOR)
SUP = user(Role.SUPERVISOR, "sup1")


def test_accept_change_decline() -> None:
    accepted = decide(rec(), "accept", OP, note="", now_t_s=T + 5)
    assert isinstance(accepted, DispatchDecision)
    assert (accepted.alert_id, accepted.asset_id, accepted.action) == (
        "a1",
        "drone-1",
        DecisionAction.ACCEPT,
    )
    assert accepted.author == "op1"
    assert accepted.t_s == T + 5
    assert accepted.decision_id.startswith("dispatch-")
    changed = decide(rec(), DecisionAction.CHANGE, SUP, asset_id="helo", note="dark", now_t_s=T)
    assert (changed.asset_id, changed.recommended_asset_id, changed.note) == (
        "helo",
        "drone-1",
        "dark",
    )
    by_id = decide("a2", "change", OP, asset_id="car-3", note="", now_t_s=T)
    assert (by_id.alert_id, by_id.asset_id, by_id.recommended_asset_id) == ("a2", "car-3", None)
    declined = decide(rec(), "decline", OP, note="known farmer", now_t_s=T)
    assert declined.asset_id is None
    assert len({accepted.decision_id, changed.decision_id, declined.decision_id}) == 3
    assert decide(rec(), "accept", OP, note="", now_t_s=T + 5) == accepted  # content id


@pytest.mark.parametrize("role", sorted(set(Role) - MAY_DECIDE))
def test_only_operators_and_supervisors_decide(role: Role) -> None:
    for action in DecisionAction:
        with pytest.raises(PermissionDenied):
            decide(rec(), action, user(role), asset_id="x" if action == "change" else None,
                   note="", now_t_s=T)  # fmt: skip


def test_a_disabled_user_does_not_decide() -> None:
    with pytest.raises(PermissionDenied):
        decide(rec(), "accept", user(Role.OPERATOR, disabled=True), note="", now_t_s=T)


@pytest.mark.parametrize(
    ("target", "action", "asset_id", "field"),
    [
        ("a1", "accept", None, "action"),
        (rec(), "accept", "other", "asset_id"),
        (rec(), "change", None, "asset_id"),
        (rec(), "change", "drone-1", "asset_id"),
        (rec(), "decline", "drone-1", "asset_id"),
        (rec(), "send", None, "action"),
        ("", "decline", None, "alert_id"),
    ],
)
def test_contradictory_decisions_are_refused(
    target: Recommendation | str, action: str, asset_id: str | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        decide(target, action, OP, asset_id=asset_id, note="", now_t_s=T)
    assert err.value.context["field"] == field


def test_taskings_follow_the_last_decision_per_alert() -> None:
    ds = [
        decide(rec("a1", "drone-1"), "accept", OP, note="", now_t_s=T),
        decide(rec("a2", "car-1"), "decline", OP, note="", now_t_s=T),
        decide(rec("a3", "car-2"), "accept", OP, note="", now_t_s=T),
        decide(rec("a1", "drone-1"), "change", SUP, asset_id="helo", note="", now_t_s=T + 1),
        decide("a3", "decline", SUP, note="stood down", now_t_s=T + 2),
    ]
    assert taskings(ds) == {"a1": "helo"}
    assert taskings([]) == {}


alert_ids = st.sampled_from(["a1", "a2", "a3", "a4"])
ASSETS = ["drone-1", "helo", "car-1", "k9"]
asset_ids = st.sampled_from(ASSETS)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Recommendation], list[DispatchDecision]]:
    recs = draw(
        st.lists(st.builds(rec, alert_id=alert_ids, asset_id=asset_ids), min_size=1, max_size=12)
    )
    decisions = []
    for i, r in enumerate(recs):
        choice = draw(st.sampled_from(["none", "none", "accept", "change", "decline"]))
        if choice == "none":
            continue  # left unconfirmed
        other = draw(st.sampled_from([a for a in ASSETS if a != r.asset_id]))
        decisions.append(
            decide(r, choice, OP, asset_id=other if choice == "change" else None, note="",
                   now_t_s=T + i)
        )  # fmt: skip
    return recs, decisions


@given(histories())
def test_no_tasking_without_a_decision(
    history: tuple[list[Recommendation], list[DispatchDecision]],
) -> None:
    recs, decisions = history
    tasked = taskings(decisions)
    decided = {d.alert_id for d in decisions}
    # an alert that only ever had recommendations is never tasked
    assert set(tasked) <= decided
    for alert_id, asset_id in tasked.items():
        last = [d for d in decisions if d.alert_id == alert_id][-1]
        assert last.action in (DecisionAction.ACCEPT, DecisionAction.CHANGE)
        assert last.asset_id == asset_id
        assert any(
            d.asset_id == asset_id and d.action is not DecisionAction.DECLINE for d in decisions
        )
    # recommendations alone, however many, make no tasking
    assert taskings([]) == {}
    assert recs
