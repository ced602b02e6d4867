"""Operational figures from a store, in a period: what was detected, alerted, decided, reached.

Every figure is computed through the :class:`~northline.store.Store` port (any backend) and
carries, as its provenance query, the SQLite SQL that gives the same number from the store file
(``sqlite3 northline.sqlite "<query>"``). The period is half-open, ``t_from_s <= t_s < t_to_s``,
on the record's own time: an observation's, a track update's, the estimated time a crossing
was made, the time an alert was raised. Alerts bring everything that follows from them (their
outcome, decisions and responders' events), whenever that happened.

* **Outcome** of an alert: ``open`` unless its current state is resolved, then the outcome of
  its last resolve step (``unspecified`` when that step gave none).
* **Interceptions**: alerts resolved as ``intercepted`` or ``apprehended``; the **rate** is
  over resolved alerts with a target (an outcome other than ``false_alarm`` or ``no_threat``).
* **Response times**: alert raised → its first tasking decision (accept or change, in the
  order decided), and that decision → the first ``on_scene`` asset event for the alert at or
  after it. These are the definitions of :class:`northline.response.ResponseRecord` read from
  a store, and the statistics are :func:`northline.response.response_measures`' (the API's).
* **Weeks** are ISO weeks (``2026-W03``, Monday 00:00 UTC) of the record's time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from ..model import Alert, AlertAction, AlertState, Crossing, InvalidInput
from ..response import response_measures, response_records
from ..store import Store
from ._figures import Figure, Provenance

__all__ = ["OperationalFigures", "ResponseTimes", "iso_week", "operational_figures"]

OPEN = "open"
UNSPECIFIED = "unspecified"
INTERCEPTED = ("intercepted", "apprehended")  # the response stopped the target
NOT_A_TARGET = ("false_alarm", "no_threat")  # nothing there to stop
_IN_INTERCEPTED = "outcome IN ('intercepted', 'apprehended')"
_IS_TARGET = "outcome NOT IN ('open', 'unspecified', 'false_alarm', 'no_threat')"

# The outcome of each alert in the period, as SQL over the store's tables (see the module).
_OUTCOMES_SQL = (
    "SELECT a.alert_id, a.kind, a.sector, a.t_s, "
    "CASE WHEN COALESCE((SELECT e.state FROM alert_events e WHERE e.alert_id = a.alert_id "
    "ORDER BY e.seq DESC LIMIT 1), a.state) = 'resolved' "
    "THEN COALESCE((SELECT e.outcome FROM alert_events e WHERE e.alert_id = a.alert_id "
    "AND e.action = 'resolve' ORDER BY e.seq DESC LIMIT 1), 'unspecified') "
    "ELSE 'open' END AS outcome "
    "FROM alerts a WHERE a.t_s >= {a} AND a.t_s < {b}"
)
_FIRST_TASKING = (
    "(SELECT d.t_s FROM dispatch_decisions d WHERE d.alert_id = a.alert_id "
    "AND d.action IN ('accept', 'change') AND d.asset_id IS NOT NULL ORDER BY d.seq LIMIT 1)"
)
_TO_DECISION_SQL = (
    f"SELECT s FROM (SELECT {_FIRST_TASKING} - a.t_s AS s FROM alerts a "
    "WHERE a.t_s >= {a} AND a.t_s < {b}) WHERE s IS NOT NULL"
)
_TO_SCENE_SQL = (
    "SELECT s FROM (SELECT (SELECT MIN(e.t_s) FROM asset_events e WHERE e.alert_id = f.alert_id "
    "AND e.status = 'on_scene' AND e.t_s >= f.t_dec) - f.t_dec AS s FROM "
    f"(SELECT a.alert_id, {_FIRST_TASKING} AS t_dec FROM alerts a "
    "WHERE a.t_s >= {a} AND a.t_s < {b}) f) WHERE s IS NOT NULL"
)


def iso_week(t_s: float) -> str:
    """The ISO week of a UTC epoch second, ``"2026-W03"``."""
    year, week, _ = datetime.fromtimestamp(t_s, tz=UTC).isocalendar()
    return f"{year}-W{week:02d}"


def _week_bounds(week: str) -> tuple[float, float]:
    monday = datetime.strptime(f"{week}-1", "%G-W%V-%u").replace(tzinfo=UTC)
    return monday.timestamp(), (monday + timedelta(days=7)).timestamp()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "none"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseTimes:
    """One interval's distribution: how many, median, 90th percentile and mean (seconds)."""

    name: str  # "alert_to_decision" or "decision_to_on_scene"
    label: str
    samples_s: tuple[float, ...]
    n: Figure
    median_s: Figure
    p90_s: Figure
    mean_s: Figure

    def figures(self) -> tuple[Figure, ...]:
        return (self.n, self.median_s, self.p90_s, self.mean_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationalFigures:
    """What :func:`operational_figures` found; every number is a :class:`Figure`."""

    t_from_s: float
    t_to_s: float
    store_label: str
    totals: tuple[Figure, ...]
    alerts_by_kind: Mapping[str, Figure]
    alerts_by_outcome: Mapping[str, Figure]
    by_sector: Mapping[str, Mapping[str, Figure]]  # sector → "crossings" | "alerts" | …
    by_week: Mapping[str, Mapping[str, Figure]]  # ISO week → "crossings" | "alerts" | …
    response: tuple[ResponseTimes, ...]
    alerts_per_week_by_outcome: Mapping[str, Mapping[str, int]]  # for the plot
    crossing_points: tuple[tuple[float, float, str], ...]  # lon, lat, direction
    notes: tuple[str, ...] = field(default=())

    def figures(self) -> list[Figure]:
        """Every figure, in the order the report shows them."""
        out = [*self.totals, *self.alerts_by_kind.values(), *self.alerts_by_outcome.values()]
        for group in (self.by_sector, self.by_week):
            for row in group.values():
                out.extend(row.values())
        for r in self.response:
            out.extend(r.figures())
        return out


def operational_figures(
    store: Store, t_from_s: float, t_to_s: float, *, store_label: str, command: str = ""
) -> OperationalFigures:
    """The operational figures of ``store`` in ``[t_from_s, t_to_s)`` (see the module).

    ``store_label`` names the store in provenance (``"store:<store_label>"``, e.g. the file
    name); ``command`` is the command that reproduces the report.
    """
    if not (np.isfinite(t_from_s) and np.isfinite(t_to_s) and t_from_s < t_to_s):
        raise InvalidInput(
            f"the period [{t_from_s!r}, {t_to_s!r}) is empty or not finite", field="period"
        )
    a, b = repr(float(t_from_s)), repr(float(t_to_s))
    source = f"store:{store_label}"

    def fig(key: str, label: str, value: float | int | None, unit: str, sql: str) -> Figure:
        return Figure(
            key=key,
            label=label,
            value=value,
            unit=unit,
            provenance=Provenance(source=source, query=sql.format(a=a, b=b), command=command),
        )

    in_period = "t_s >= {a} AND t_s < {b}"
    obs = store.observations(t_from=t_from_s, t_to=t_to_s)
    tracks = store.track_updates(t_from=t_from_s, t_to=t_to_s)
    track_ids = np.asarray(tracks.track_id)
    states = np.asarray(tracks.state).astype(str)
    crossings = [c for c in store.crossings() if t_from_s <= c.t_s < t_to_s]
    alerts = store.alerts(t_from=t_from_s, t_to=t_to_s)
    outcome = _outcomes(store, alerts)

    n_intercepted = sum(1 for o in outcome.values() if o in INTERCEPTED)
    n_targets = sum(1 for o in outcome.values() if o not in (OPEN, UNSPECIFIED, *NOT_A_TARGET))
    outcomes_sql = "SELECT COUNT(*) FROM (" + _OUTCOMES_SQL + ") WHERE outcome = {o}"
    intercepted_sql = "SELECT COUNT(*) FROM (" + _OUTCOMES_SQL + ") WHERE " + _IN_INTERCEPTED
    targets_sql = "SELECT COUNT(*) FROM (" + _OUTCOMES_SQL + ") WHERE " + _IS_TARGET
    totals = [
        fig(
            "ops.detections",
            "Detections (observations)",
            len(obs),
            "count",
            "SELECT COUNT(*) FROM observations WHERE " + in_period,
        ),
        fig(
            "ops.tracks",
            "Tracks (distinct track ids, tentative included)",
            len(np.unique(track_ids)),
            "count",
            "SELECT COUNT(DISTINCT track_id) FROM track_updates WHERE " + in_period,
        ),
        fig(
            "ops.tracks.confirmed",
            "Tracks confirmed",
            len(np.unique(track_ids[states == "confirmed"])),
            "count",
            "SELECT COUNT(DISTINCT track_id) FROM track_updates WHERE "
            + in_period
            + " AND state = 'confirmed'",
        ),
        fig(
            "ops.crossings",
            "Crossings detected (all, with port-of-entry transits)",
            len(crossings),
            "count",
            "SELECT COUNT(*) FROM crossings WHERE " + in_period,
        ),
        fig(
            "ops.crossings.between_ports",
            "Crossings detected between ports of entry (alerted)",
            sum(1 for c in crossings if not c.port_code),
            "count",
            "SELECT COUNT(*) FROM crossings WHERE " + in_period + " AND port_code = ''",
        ),
        fig(
            "ops.crossings.port_transits",
            "Port-of-entry transits (recorded, not alerted)",
            sum(1 for c in crossings if c.port_code),
            "count",
            "SELECT COUNT(*) FROM crossings WHERE " + in_period + " AND port_code <> ''",
        ),
    ]
    by_direction = Counter(c.direction.value for c in crossings)
    for direction in sorted(by_direction):
        totals.append(
            fig(
                f"ops.crossings.{_slug(direction)}",
                f"Crossings detected, {direction}",
                by_direction[direction],
                "count",
                "SELECT COUNT(*) FROM crossings WHERE "
                + in_period
                + f" AND direction = {_lit(direction)}",
            )
        )
    totals += [
        fig("ops.alerts", "Alerts raised", len(alerts), "count", _count("alerts", in_period)),
        fig(
            "ops.interceptions",
            "Interceptions (alerts resolved as intercepted or apprehended)",
            n_intercepted,
            "count",
            intercepted_sql,
        ),
        fig(
            "ops.interceptions.rate",
            "Interception rate (of resolved alerts with a target)",
            round(100.0 * n_intercepted / n_targets, 1) if n_targets else None,
            "%",
            f"100 × ({intercepted_sql}) / ({targets_sql})",
        ),
    ]

    kinds = Counter(x.kind.value for x in alerts)
    alerts_by_kind = {
        k: fig(
            f"ops.alerts.kind.{_slug(k)}",
            f"Alerts: {k}",
            kinds[k],
            "count",
            _count("alerts", in_period + f" AND kind = {_lit(k)}"),
        )
        for k in sorted(kinds)
    }
    outcomes = Counter(outcome.values())
    alerts_by_outcome = {
        o: fig(
            f"ops.alerts.outcome.{_slug(o)}",
            f"Alerts: {o}",
            outcomes[o],
            "count",
            outcomes_sql.replace("{o}", _lit(o)),
        )
        for o in sorted(outcomes, key=lambda o: (o == OPEN, o))
    }

    def breakdown(
        group: str, keys: Iterable[str], where: Callable[[str], str]
    ) -> dict[str, dict[str, Figure]]:
        out: dict[str, dict[str, Figure]] = {}
        for k in sorted(set(keys)):
            sk = _slug(k)
            n_c = sum(1 for c in crossings if _match(group, k, c))
            sel = [x for x in alerts if _match(group, k, x)]
            n_i = sum(1 for x in sel if outcome[x.alert_id] in INTERCEPTED)
            cond = where(k)
            out[k] = {
                "crossings": fig(
                    f"ops.{group}.{sk}.crossings",
                    f"Crossings detected, {k}",
                    n_c,
                    "count",
                    _count("crossings", in_period + cond),
                ),
                "alerts": fig(
                    f"ops.{group}.{sk}.alerts",
                    f"Alerts raised, {k}",
                    len(sel),
                    "count",
                    _count("alerts", in_period + cond),
                ),
                "interceptions": fig(
                    f"ops.{group}.{sk}.interceptions",
                    f"Interceptions, {k}",
                    n_i,
                    "count",
                    intercepted_sql + cond,
                ),
            }
        return out

    by_sector = breakdown(
        "sector",
        [c.sector for c in crossings] + [x.sector for x in alerts],
        lambda k: f" AND sector = {_lit(k)}",
    )

    def week_cond(k: str) -> str:
        lo, hi = _week_bounds(k)
        return f" AND t_s >= {float(lo)!r} AND t_s < {float(hi)!r}"

    by_week = breakdown(
        "week",
        [iso_week(c.t_s) for c in crossings] + [iso_week(x.t_s) for x in alerts],
        week_cond,
    )
    per_week: dict[str, Counter[str]] = {}
    for x in alerts:
        per_week.setdefault(iso_week(x.t_s), Counter())[outcome[x.alert_id]] += 1

    response, notes = _response_times(store, alerts, fig)
    return OperationalFigures(
        t_from_s=float(t_from_s),
        t_to_s=float(t_to_s),
        store_label=store_label,
        totals=tuple(totals),
        alerts_by_kind=alerts_by_kind,
        alerts_by_outcome=alerts_by_outcome,
        by_sector=by_sector,
        by_week=by_week,
        response=response,
        alerts_per_week_by_outcome={w: dict(c) for w, c in sorted(per_week.items())},
        crossing_points=tuple((c.lon, c.lat, c.direction.value) for c in crossings),
        notes=notes,
    )


def _count(table: str, where: str) -> str:
    return f"SELECT COUNT(*) FROM {table} WHERE {where}"


def _match(group: str, key: str, record: Crossing | Alert) -> bool:
    return (iso_week(record.t_s) if group == "week" else record.sector) == key


def _outcomes(store: Store, alerts: list[Alert]) -> dict[str, str]:
    ids = {x.alert_id: x.state for x in alerts}
    last_outcome: dict[str, str | None] = {}
    for e in store.alert_events():
        if e.alert_id in ids and e.action is AlertAction.RESOLVE:
            last_outcome[e.alert_id] = e.outcome
    return {
        alert_id: (
            (last_outcome.get(alert_id) or UNSPECIFIED)
            if AlertState(state) is AlertState.RESOLVED
            else OPEN
        )
        for alert_id, state in ids.items()
    }


_Fig = Callable[[str, str, "float | int | None", str, str], Figure]


def _response_times(
    store: Store, alerts: list[Alert], fig: _Fig
) -> tuple[tuple[ResponseTimes, ...], tuple[str, ...]]:
    """Alert → first tasking decision, and that decision → the first on-scene report for the
    alert at or after it: the definitions of :class:`northline.response.ResponseRecord` from
    the store, reduced by :func:`northline.response.response_measures`."""
    raised = {x.alert_id for x in alerts}
    decisions = [d for d in store.dispatch_decisions() if d.alert_id in raised]
    n_decisions = len(decisions)
    records = response_records(
        alerts,
        decisions,
        [e for e in store.asset_events() if e.alert_id in raised],
        [e for e in store.alert_events() if e.alert_id in raised],
        {a.asset_id: a.kind.value for a in store.assets()},
    )
    overall = response_measures(records)["overall"]
    to_decision = [r.decision_t_s - r.alert_t_s for r in records if math.isfinite(r.decision_t_s)]
    to_scene = [r.on_scene_t_s - r.decision_t_s for r in records if math.isfinite(r.on_scene_t_s)]
    notes: list[str] = []
    if not n_decisions:
        notes.append(
            "No dispatch decisions on the period's alerts are in the store: "
            "response times cannot be measured."
        )
    elif not to_scene:
        notes.append(
            "No responder recorded being on scene (asset event status on_scene) for the "
            "period's alerts: decision → on scene is not measured."
        )
    out = (
        _distribution(
            "alert_to_decision",
            "Alert → first tasking decision",
            to_decision,
            overall["alert_to_decision_s"],
            _TO_DECISION_SQL,
            fig,
        ),
        _distribution(
            "decision_to_on_scene",
            "Tasking decision → on scene",
            to_scene,
            overall["decision_to_on_scene_s"],
            _TO_SCENE_SQL,
            fig,
        ),
    )
    return out, tuple(notes)


def _distribution(
    name: str,
    label: str,
    samples: list[float],
    stats: Mapping[str, float] | None,
    sql: str,
    fig: _Fig,
) -> ResponseTimes:
    def stat(k: str) -> float | None:
        return None if stats is None else round(float(stats[k]), 1)

    key = f"ops.response.{name}"
    return ResponseTimes(
        name=name,
        label=label,
        samples_s=tuple(float(v) for v in samples),
        n=fig(f"{key}.n", f"{label}: alerts measured", len(samples), "count",
              f"SELECT COUNT(*) FROM ({sql})"),
        median_s=fig(f"{key}.median_s", f"{label}: median", stat("median"), "s",
                     f"median of ({sql})"),
        p90_s=fig(f"{key}.p90_s", f"{label}: 90th percentile", stat("p90"), "s",
                  f"90th percentile (linear interpolation) of ({sql})"),
        mean_s=fig(f"{key}.mean_s", f"{label}: mean", stat("mean"), "s",
                   f"SELECT AVG(s) FROM ({sql})"),
    )  # fmt: skip
