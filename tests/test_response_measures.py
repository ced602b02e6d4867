"""Response measures over a small table worked by hand, and their invariants."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from northline.response import ResponseRecord, response_measures

NAN = math.nan


def rec(
    alert_id: str,
    sector: str,
    kind: str | None,
    outcome: str | None,
    alert_t: float,
    decision_t: float = NAN,
    on_scene_t: float = NAN,
) -> ResponseRecord:
    return ResponseRecord(
        alert_id=alert_id,
        sector=sector,
        asset_kind=kind,
        outcome=outcome,
        alert_t_s=alert_t,
        decision_t_s=decision_t,
        on_scene_t_s=on_scene_t,
    )


#           alert  sector  kind              outcome        alert  decision  on scene
TABLE = [
    rec("A1", "west", "drone", "intercepted", 0.0, 20.0, 120.0),  # 20 s, 100 s
    rec("A2", "west", "patrol_vehicle", "lost", 10.0, 40.0),  # 30 s, never on scene
    rec("A3", "east", "patrol_vehicle", "apprehended", 100.0, 160.0, 400.0),  # 60 s, 240 s
    rec("A4", "east", "k9", "false_alarm", 200.0, 210.0, 300.0),  # 10 s, 90 s
    rec("A5", "east", None, None, 300.0),  # still open, never tasked
    rec("A6", "west", None, "no_threat", 50.0),  # closed without a tasking
]


def stats(n: int, mean: float, median: float, p90: float) -> dict[str, object]:
    """The expected summary (the measures are rounded to the millisecond)."""
    ms = 1e-3
    return {
        "n": n,
        "mean": pytest.approx(mean, abs=ms),
        "median": pytest.approx(median, abs=ms),
        "p90": pytest.approx(p90, abs=ms),
    }


def test_overall_by_hand() -> None:
    m = response_measures(TABLE)["overall"]
    assert m["alerts"] == 6
    assert m["decided"] == 4  # A1..A4
    assert m["on_scene"] == 3  # A1, A3, A4
    assert m["intercepted"] == 2  # intercepted A1 and apprehended A3
    # targets: A1, A2, A3 (A4 false alarm and A6 no threat have nothing to stop; A5 is open)
    assert m["interception_rate"] == pytest.approx(2 / 3)
    # alert → decision 20, 30, 60, 10: sorted 10 20 30 60, p90 at rank 2.7 = 30 + 0.7 * 30
    assert m["alert_to_decision_s"] == stats(4, 30.0, 25.0, 51.0)
    # decision → on scene 100, 240, 90: sorted 90 100 240, p90 at rank 1.8 = 100 + 0.8 * 140
    assert m["decision_to_on_scene_s"] == stats(3, 430.0 / 3, 100.0, 212.0)


def test_by_asset_kind_by_hand() -> None:
    kinds = response_measures(TABLE)["by_asset_kind"]
    assert list(kinds) == ["drone", "k9", "patrol_vehicle"]  # the untasked count under none
    drone, k9, pv = kinds["drone"], kinds["k9"], kinds["patrol_vehicle"]
    assert (drone["alerts"], drone["intercepted"], drone["interception_rate"]) == (1, 1, 1.0)
    assert drone["decision_to_on_scene_s"] == stats(1, 100.0, 100.0, 100.0)
    assert (k9["alerts"], k9["on_scene"], k9["intercepted"]) == (1, 1, 0)
    assert k9["interception_rate"] is None  # its only alert was a false alarm
    assert (pv["alerts"], pv["decided"], pv["on_scene"], pv["intercepted"]) == (2, 2, 1, 1)
    assert pv["interception_rate"] == 0.5  # A3 of A2, A3
    assert pv["alert_to_decision_s"] == stats(2, 45.0, 45.0, 57.0)  # 30, 60: 30 + 0.9 * 30
    assert pv["decision_to_on_scene_s"] == stats(1, 240.0, 240.0, 240.0)


def test_by_sector_by_hand() -> None:
    sectors = response_measures(TABLE)["by_sector"]
    assert list(sectors) == ["east", "west"]
    east, west = sectors["east"], sectors["west"]
    assert (west["alerts"], west["decided"], west["on_scene"], west["intercepted"]) == (3, 2, 1, 1)
    assert west["interception_rate"] == 0.5  # A1 of A1, A2 (A6: no threat)
    assert west["alert_to_decision_s"] == stats(2, 25.0, 25.0, 29.0)  # 20, 30
    assert (east["alerts"], east["decided"], east["on_scene"], east["intercepted"]) == (3, 2, 2, 1)
    assert east["interception_rate"] == 1.0  # A3 of A3 (A4 false alarm, A5 open)
    assert east["alert_to_decision_s"] == stats(2, 35.0, 35.0, 55.0)  # 60, 10
    assert east["decision_to_on_scene_s"] == stats(2, 165.0, 165.0, 225.0)  # 240, 90


def test_nothing_to_measure_is_null_not_nan() -> None:
    doc = response_measures([])
    assert doc == {
        "overall": {
            "alerts": 0,
            "decided": 0,
            "on_scene": 0,
            "intercepted": 0,
            "interception_rate": None,
            "alert_to_decision_s": None,
            "decision_to_on_scene_s": None,
        },
        "by_asset_kind": {},
        "by_sector": {},
    }
    only_open = response_measures([rec("A5", "east", None, None, 300.0)])["overall"]
    assert only_open["interception_rate"] is None
    json.dumps(response_measures(TABLE), allow_nan=False)


def test_accepts_any_iterable_once() -> None:
    assert response_measures(iter(TABLE)) == response_measures(TABLE)


OUTCOMES = st.sampled_from(
    [None, "intercepted", "apprehended", "lost", "turned_back", "false_alarm", "no_threat"]
)
TIMES = st.one_of(st.just(NAN), st.floats(0.0, 1e4))


@st.composite
def records(draw: st.DrawFn) -> ResponseRecord:
    t = draw(st.floats(0.0, 1e6))
    return rec(
        draw(st.text("abc", min_size=1, max_size=3)),
        draw(st.sampled_from(["east", "west", "port"])),
        draw(st.sampled_from([None, "drone", "k9"])),
        draw(OUTCOMES),
        t,
        t + draw(TIMES),
        t + draw(TIMES),
    )


@given(st.lists(records(), max_size=30))
def test_the_parts_add_up_to_the_whole(rows: list[ResponseRecord]) -> None:
    doc = response_measures(rows)
    json.dumps(doc, allow_nan=False)
    overall = doc["overall"]
    tasked = [r for r in rows if r.asset_kind is not None]
    for key in ("alerts", "decided", "on_scene", "intercepted"):
        assert sum(m[key] for m in doc["by_sector"].values()) == overall[key]
        assert sum(m[key] for m in doc["by_asset_kind"].values()) <= overall[key]
    assert sum(m["alerts"] for m in doc["by_asset_kind"].values()) == len(tasked)
    rate = overall["interception_rate"]
    assert rate is None or 0.0 <= rate <= 1.0
    for s in (overall["alert_to_decision_s"], overall["decision_to_on_scene_s"]):
        if s is not None:
            assert s["median"] <= s["p90"] + 1e-6
            assert 0 < s["n"] <= overall["alerts"]
