"""Scoring a pipeline's crossings and alerts against ground truth.

A true crossing *between ports* is detected when a crossing alert, matched one-to-one, puts its
crossing within ``max_distance_m`` of the true crossing point and is raised within
``window_s`` of the true time (no earlier than ``early_s`` before it, no later than ``window_s``
after). Matching is greedy by time: candidate pairs are taken in order of alert time (then of
true time), each alert and each true crossing used once.

An unmatched alert that a second, one-to-one pass can pin on an undetected true crossing (same
place, raised up to ``late_s`` after it) is *late*: a true crossing seen too slowly. Every
other crossing alert left unmatched — duplicates, alerts at a port of entry, alerts where
nobody crossed — is a false alert.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..model import Alert, AlertKind, Crossing
from ._truth import GroundTruth

__all__ = ["LATE_S", "Score", "score"]

F8 = npt.NDArray[np.float64]
LATE_S = 600.0  # an alert this long after an undetected crossing is late, not false
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """How well crossings were caught. Rates and the median are NaN when undefined."""

    true_crossings: int
    detected: int
    detection_rate: float
    delays_s: list[float]
    median_delay_s: float
    false_crossing_alerts: int
    false_alerts_per_hour: float
    late_crossing_alerts: int
    approach_warnings: int
    port_transits_true: int
    missed: tuple[str, ...] = ()  # crossing ids of the true crossings not detected

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes null."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def _distance_m(lon1: F8, lat1: F8, lon2: F8, lat2: F8) -> F8:
    """Haversine distance, pairwise by broadcasting."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), float)


def score(
    truth: GroundTruth,
    crossings: Sequence[Crossing],
    alerts: Sequence[Alert],
    *,
    window_s: float = 30.0,
    early_s: float | None = None,
    late_s: float = LATE_S,
    max_distance_m: float = 1000.0,
) -> Score:
    """Score crossing alerts against the true between-port crossings.

    ``early_s`` defaults to ``window_s``: "within 30 s of the true time" either way.

    A crossing alert is placed at its crossing (``ref_id``); one whose crossing is not among
    ``crossings`` is placed at the alert's own lon/lat.
    """
    true = truth.between_ports
    by_id = {c.crossing_id: c for c in crossings}
    xalerts = [a for a in alerts if a.kind == AlertKind.CROSSING]
    t_true = np.array([c.t_s for c in true], dtype=np.float64)
    lon_true = np.array([c.lon for c in true], dtype=np.float64)
    lat_true = np.array([c.lat for c in true], dtype=np.float64)
    t_alert = np.array([a.t_s for a in xalerts], dtype=np.float64)
    placed = [by_id.get(a.ref_id) for a in xalerts]
    lon_alert = np.array(
        [a.lon if c is None else c.lon for a, c in zip(xalerts, placed, strict=True)], float
    )
    lat_alert = np.array(
        [a.lat if c is None else c.lat for a, c in zip(xalerts, placed, strict=True)], float
    )

    # eligible[i, j]: alert j may detect true crossing i
    delay = t_alert[None, :] - t_true[:, None]
    dist = _distance_m(lon_true[:, None], lat_true[:, None], lon_alert[None, :], lat_alert[None, :])
    early = window_s if early_s is None else early_s
    near = dist <= max_distance_m
    used_true = np.zeros(len(true), dtype=bool)
    used_alert = np.zeros(len(xalerts), dtype=bool)
    delay_of = _match(
        near & (delay >= -early) & (delay <= window_s),
        delay,
        t_true,
        t_alert,
        used_true,
        used_alert,
    )
    delays = [delay_of[i] for i in sorted(delay_of)]  # in order of the true crossings
    detected = int(used_true.sum())
    late = _match(
        near & (delay > window_s) & (delay <= late_s), delay, t_true, t_alert, used_true, used_alert
    )
    false_alerts = int((~used_alert).sum())
    hours = truth.duration_s / 3600.0
    return Score(
        true_crossings=len(true),
        detected=detected,
        detection_rate=detected / len(true) if true else math.nan,
        delays_s=delays,
        median_delay_s=float(np.median(delays)) if delays else math.nan,
        false_crossing_alerts=false_alerts,
        false_alerts_per_hour=false_alerts / hours if hours > 0 else math.nan,
        late_crossing_alerts=len(late),
        approach_warnings=sum(1 for a in alerts if a.kind == AlertKind.APPROACH),
        port_transits_true=len(truth.port_transits),
        missed=tuple(c.crossing_id for i, c in enumerate(true) if i not in delay_of),
    )


def _match(
    eligible: npt.NDArray[np.bool_],
    delay: F8,
    t_true: F8,
    t_alert: F8,
    used_true: npt.NDArray[np.bool_],
    used_alert: npt.NDArray[np.bool_],
) -> dict[int, float]:
    """Greedy one-to-one matching by alert time; marks what it uses; true index → delay."""
    ti, aj = np.nonzero(eligible)
    order = np.lexsort((t_true[ti], t_alert[aj]))
    out: dict[int, float] = {}
    for k in order.tolist():  # over candidate pairs: a handful per true crossing
        i, j = int(ti[k]), int(aj[k])
        if used_true[i] or used_alert[j]:
            continue
        used_true[i] = used_alert[j] = True
        out[i] = float(delay[i, j])
    return out
