"""Scoring crossing alerts against ground truth, on hand-built cases."""

from __future__ import annotations

import json
import math

import pytest

from northline.model import Alert, AlertKind, Crossing, Direction, Severity
from northline.sim import GroundTruth, TrueCrossing, score

START = 1_000_000.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(49.0))


def east(lon: float, metres: float) -> float:
    return lon + metres / M_PER_DEG_LON


def truth(*crossings: TrueCrossing, hours: float = 1.0) -> GroundTruth:
    return GroundTruth(
        scenario="t",
        seed=0,
        start_s=START,
        end_s=START + 3600 * hours,
        sector="s",
        movers=(),
        crossings=crossings,
    )


def true(cid: str, t: float, lon: float, port: str = "") -> TrueCrossing:
    return TrueCrossing(
        crossing_id=cid,
        mover_id=cid.split("/")[0],
        t_s=START + t,
        lon=lon,
        lat=49.0,
        direction=Direction.CAN_TO_USA,
        port_code=port,
    )


def crossing(cid: str, t: float, lon: float, port: str = "") -> Crossing:
    return Crossing(
        crossing_id=cid,
        track_id=f"trk-{cid}",
        t_s=START + t - 2,
        detected_t_s=START + t,
        lon=lon,
        lat=49.0,
        direction=Direction.CAN_TO_USA,
        confidence=0.9,
        sector="s",
        port_code=port,
    )


def alert(
    aid: str, t: float, ref: str, lon: float = 0.0, kind: AlertKind = AlertKind.CROSSING
) -> Alert:
    return Alert(
        alert_id=aid,
        kind=kind,
        t_s=START + t,
        track_id="trk",
        lon=lon,
        lat=49.0,
        severity=Severity.HIGH,
        summary=aid,
        sector="s",
        ref_id=ref,
    )


def case() -> tuple[GroundTruth, list[Crossing], list[Alert]]:
    gt = truth(
        true("a/x0", 100, -97.40),
        true("b/x0", 1000, -97.10),
        true("c/x0", 2000, -97.00),
        true("d/x0", 2100, -96.95),
        true("p/x0", 500, -97.237, port="3401"),
    )
    crossings = [
        crossing("cA", 110, east(-97.40, 50)),
        crossing("cA2", 115, east(-97.40, -80)),
        crossing("cB", 1040, east(-97.10, 10)),  # 40 s late
        crossing("cC", 2005, east(-97.00, 2000)),  # 2 km away
        crossing("cD", 2097, east(-96.95, 300)),  # 3 s early, 300 m away
        crossing("cP", 505, -97.237, port="3401"),  # at the port: never an alert
    ]
    alerts = [
        alert(f"alert-{c.crossing_id}", c.detected_t_s - START, c.crossing_id) for c in crossings
    ]
    alerts += [
        alert("ap1", 90, "", -97.4, AlertKind.APPROACH),
        alert("ap2", 1900, "", -97.0, AlertKind.APPROACH),
    ]
    return gt, crossings, alerts


def test_matched_late_far_early_duplicate_and_port() -> None:
    s = score(*case())
    assert s.true_crossings == 4
    assert s.detected == 2
    assert s.detection_rate == 0.5
    assert s.delays_s == pytest.approx([10.0, -3.0])
    assert s.median_delay_s == pytest.approx(3.5)
    assert s.late_crossing_alerts == 1  # b, 40 s after its true time
    assert s.false_crossing_alerts == 3  # the duplicate, the far and the port one
    assert s.false_alerts_per_hour == pytest.approx(3.0)
    assert s.approach_warnings == 2
    assert s.port_transits_true == 1
    assert s.missed == ("b/x0", "c/x0")


def test_window_and_distance_are_parameters() -> None:
    s = score(*case(), window_s=60.0, max_distance_m=2500.0)
    assert s.detected == 4
    assert s.false_crossing_alerts == 2  # the duplicate and the port one
    assert s.delays_s == pytest.approx([10.0, 40.0, 5.0, -3.0])


def test_within_the_window_either_way() -> None:
    gt = truth(true("a/x0", 100, -97.4))
    c = crossing("c", 72, -97.4)  # 28 s before the true time: within 30 s of it
    s = score(gt, [c], [alert("x", 72, "c")])
    assert (s.detected, s.false_crossing_alerts) == (1, 0)
    s = score(gt, [c], [alert("x", 72, "c")], early_s=5.0)
    assert (s.detected, s.false_crossing_alerts) == (0, 1)
    c = crossing("c", 69, -97.4)  # 31 s before
    assert score(gt, [c], [alert("x", 69, "c")]).detected == 0


def test_late_alert_is_counted_apart_not_as_false() -> None:
    gt = truth(true("a/x0", 100, -97.4))
    c = crossing("c", 200, -97.4)
    s = score(gt, [c], [alert("x", 200, "c")])
    assert (s.detected, s.late_crossing_alerts, s.false_crossing_alerts) == (0, 1, 0)
    s = score(gt, [c], [alert("x", 200, "c")], late_s=60.0)
    assert (s.detected, s.late_crossing_alerts, s.false_crossing_alerts) == (0, 0, 1)


def test_one_to_one_greedy_by_time() -> None:
    gt = truth(true("a/x0", 100, -97.4), true("b/x0", 120, east(-97.4, 200)))
    crossings = [crossing("c1", 125, east(-97.4, 100)), crossing("c2", 130, east(-97.4, 100))]
    alerts = [alert("a2", 130, "c2"), alert("a1", 125, "c1")]
    s = score(gt, crossings, alerts)
    assert s.detected == 2
    assert s.delays_s == pytest.approx([25.0, 10.0])  # a1 took a (the earlier), a2 took b
    assert s.false_crossing_alerts == 0


def test_an_alert_whose_crossing_is_unknown_is_placed_at_itself() -> None:
    gt = truth(true("a/x0", 100, -97.4))
    s = score(gt, [], [alert("x", 101, "gone", lon=east(-97.4, 20))])
    assert s.detected == 1
    s = score(gt, [], [alert("x", 101, "gone", lon=east(-97.4, 5000))])
    assert s.detected == 0


def test_nothing_to_detect() -> None:
    s = score(truth(hours=2.0), [], [alert("x", 10, "c", lon=-97.0)])
    assert s.true_crossings == 0
    assert math.isnan(s.detection_rate)
    assert math.isnan(s.median_delay_s)
    assert s.false_alerts_per_hour == 0.5
    d = s.to_dict()
    assert d["detection_rate"] is None
    assert d["median_delay_s"] is None
    json.dumps(d, allow_nan=False)
