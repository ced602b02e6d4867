"""Plan execution: a TOML file of commitments and deployments, and planned-vs-deployed figures.

The file the user edits::

    [plan]
    title = "Canada's Border Plan"
    source = "https://…"                  # optional

    [[commitment]]
    id = "drones"                         # unique; deployments refer to it
    kind = "drones"                       # funding, personnel, drones, helicopters, dog_teams,
                                          # towers, equipment or other
    label = "RCMP drones between ports of entry"
    planned = 60                          # optional: leave out when the source gives no number
    unit = "count"                        # "CAD" for funding
    committed = 2024-12-17                # a TOML date (or "YYYY-MM-DD")
    source = "https://…"
    note = "…"                            # optional

    [[deployment]]
    commitment = "drones"
    quantity = 60
    date = 2025-01-15
    source = "https://…"                  # optional
    illustrative = false                  # true: an example number, not a reported fact
    note = "…"                            # optional

Errors name the file and the dotted field path (``commitment[2].planned``).
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..model import InvalidInput, NotFound
from ._figures import Figure, Provenance

__all__ = [
    "Commitment",
    "CommitmentKind",
    "Deployment",
    "Plan",
    "PlanProgress",
    "load_plan",
    "plan_figures",
    "plan_progress",
]


class CommitmentKind(StrEnum):
    FUNDING = "funding"
    PERSONNEL = "personnel"
    DRONES = "drones"
    HELICOPTERS = "helicopters"
    DOG_TEAMS = "dog_teams"
    TOWERS = "towers"
    EQUIPMENT = "equipment"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class Commitment:
    id: str
    kind: CommitmentKind
    label: str
    planned: float | None  # None: the source commits to the item without a number
    unit: str
    committed: dt.date
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    commitment: str
    quantity: float
    date: dt.date
    source: str = ""
    illustrative: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    title: str
    source: str
    path: Path
    commitments: tuple[Commitment, ...]
    deployments: tuple[Deployment, ...]

    @property
    def file_name(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanProgress:
    """One commitment as of a date: planned, deployed so far and the deployed share."""

    commitment: Commitment
    planned: Figure
    deployed: Figure
    share: Figure
    deployments: tuple[Deployment, ...]  # those counted, by date
    illustrative: bool  # some counted deployment is an example number

    @property
    def last_deployed(self) -> dt.date | None:
        return self.deployments[-1].date if self.deployments else None


_PLAN_KEYS = {"title": True, "source": False}
_COMMITMENT_KEYS = {
    "id": True,
    "kind": True,
    "label": True,
    "planned": False,
    "unit": True,
    "committed": True,
    "source": True,
    "note": False,
}
_DEPLOYMENT_KEYS = {
    "commitment": True,
    "quantity": True,
    "date": True,
    "source": False,
    "illustrative": False,
    "note": False,
}


class _Reader:
    """Typed access to the parsed TOML with errors naming the file and the dotted field path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, field: str, why: str) -> InvalidInput:
        return InvalidInput(f"{self.path.name}: {field}: {why}", file=str(self.path), field=field)

    def table(self, value: object, field: str, keys: Mapping[str, bool]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(field, f"expected a table, got {type(value).__name__}")
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise self.error(
                f"{field}.{unknown[0]}", f"unknown field (expected one of {', '.join(keys)})"
            )
        for key, required in keys.items():
            if required and key not in value:
                raise self.error(f"{field}.{key}", "missing")
        return value

    def text(self, table: dict[str, Any], field: str, key: str, *, required: bool = True) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise self.error(f"{field}.{key}", f"expected a string, got {value!r}")
        if required and not value.strip():
            raise self.error(f"{field}.{key}", "empty")
        return value.strip()

    def number(self, table: dict[str, Any], field: str, key: str) -> float:
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"{field}.{key}", f"expected a number, got {value!r}")
        if not value >= 0 or value == float("inf"):
            raise self.error(f"{field}.{key}", f"expected a finite number ≥ 0, got {value!r}")
        return float(value)

    def date(self, table: dict[str, Any], field: str, key: str) -> dt.date:
        value = table[key]
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(f"{field}.{key}", f"expected a date like 2025-01-15, got {value!r}")

    def flag(self, table: dict[str, Any], field: str, key: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.error(f"{field}.{key}", f"expected true or false, got {value!r}")
        return value

    def array(self, doc: dict[str, Any], key: str) -> list[Any]:
        value = doc.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, f"expected an array of tables ([[{key}]])")
        return value


def load_plan(path: Path) -> Plan:
    """Read and check a plan file; :class:`InvalidInput` names the bad field's dotted path."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"plan file {path} does not exist", path=str(path)) from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name}: not valid TOML: {exc}", file=str(path)) from None
    r = _Reader(path)
    unknown = sorted(set(doc) - {"plan", "commitment", "deployment"})
    if unknown:
        raise r.error(unknown[0], "unknown section (expected plan, commitment, deployment)")
    head = r.table(doc.get("plan"), "plan", _PLAN_KEYS) if "plan" in doc else None
    if head is None:
        raise r.error("plan", "missing ([plan] with a title)")
    commitments: list[Commitment] = []
    seen: set[str] = set()
    for i, item in enumerate(r.array(doc, "commitment")):
        field = f"commitment[{i}]"
        t = r.table(item, field, _COMMITMENT_KEYS)
        ident = r.text(t, field, "id")
        if ident in seen:
            raise r.error(f"{field}.id", f"duplicate id {ident!r}")
        seen.add(ident)
        kind_text = r.text(t, field, "kind")
        try:
            kind = CommitmentKind(kind_text)
        except ValueError:
            raise r.error(
                f"{field}.kind",
                f"expected one of {', '.join(k.value for k in CommitmentKind)}, got {kind_text!r}",
            ) from None
        commitments.append(
            Commitment(
                id=ident,
                kind=kind,
                label=r.text(t, field, "label"),
                planned=r.number(t, field, "planned") if "planned" in t else None,
                unit=r.text(t, field, "unit"),
                committed=r.date(t, field, "committed"),
                source=r.text(t, field, "source"),
                note=r.text(t, field, "note", required=False),
            )
        )
    deployments: list[Deployment] = []
    for i, item in enumerate(r.array(doc, "deployment")):
        field = f"deployment[{i}]"
        t = r.table(item, field, _DEPLOYMENT_KEYS)
        target = r.text(t, field, "commitment")
        if target not in seen:
            raise r.error(f"{field}.commitment", f"no commitment has id {target!r}")
        deployments.append(
            Deployment(
                commitment=target,
                quantity=r.number(t, field, "quantity"),
                date=r.date(t, field, "date"),
                source=r.text(t, field, "source", required=False),
                illustrative=r.flag(t, field, "illustrative"),
                note=r.text(t, field, "note", required=False),
            )
        )
    return Plan(
        title=r.text(head, "plan", "title"),
        source=r.text(head, "plan", "source", required=False),
        path=path,
        commitments=tuple(commitments),
        deployments=tuple(sorted(deployments, key=lambda d: (d.date, d.commitment))),
    )


def _command(plan: Plan, expression: str) -> str:
    code = (
        "import datetime; from pathlib import Path; "
        f"from northline.reports import load_plan, plan_progress; print({expression})"
    )
    path = json.dumps(str(plan.path.resolve()), ensure_ascii=False)
    return "python -c " + shlex.quote(code.replace("PLAN", f"load_plan(Path({path}))"))


def plan_progress(plan: Plan, *, as_of: dt.date = dt.date.max) -> list[PlanProgress]:
    """Each commitment with what was deployed on or before ``as_of``, in the file's order."""
    out = []
    source = f"plan:{plan.file_name}"
    when = "" if as_of == dt.date.max else f" and date ≤ {as_of.isoformat()}"
    as_of_arg = "" if as_of == dt.date.max else f", as_of={as_of!r}"
    for i, c in enumerate(plan.commitments):
        counted = tuple(d for d in plan.deployments if d.commitment == c.id and d.date <= as_of)
        deployed = sum((d.quantity for d in counted), 0.0)
        illustrative = any(d.illustrative for d in counted)
        mark = " (illustrative)" if illustrative else ""

        def command(attr: str, i: int = i) -> str:
            return _command(plan, f"plan_progress(PLAN{as_of_arg})[{i}].{attr}.value")

        planned = Figure(
            key=f"plan.{c.id}.planned",
            label=f"{c.label}: planned" + ("" if c.planned is not None else " (no number given)"),
            value=_number(c.planned),
            unit=c.unit,
            provenance=Provenance(
                source=source,
                query=f"commitment id={c.id}: planned (committed {c.committed.isoformat()}; "
                f"{c.source})",
                command=command("planned"),
            ),
        )
        deployed_fig = Figure(
            key=f"plan.{c.id}.deployed",
            label=f"{c.label}: deployed{mark}",
            value=_number(deployed),
            unit=c.unit,
            provenance=Provenance(
                source=source,
                query=f"sum of deployment.quantity where commitment={c.id}{when}",
                command=command("deployed"),
            ),
        )
        share = Figure(
            key=f"plan.{c.id}.deployed_share",
            label=f"{c.label}: deployed share of planned{mark}",
            value=100.0 * deployed / c.planned if c.planned else None,
            unit="%",
            provenance=Provenance(
                source=source,
                query=f"100 × deployed / planned for commitment id={c.id}{when}",
                command=command("share"),
            ),
        )
        out.append(
            PlanProgress(
                commitment=c,
                planned=planned,
                deployed=deployed_fig,
                share=share,
                deployments=counted,
                illustrative=illustrative,
            )
        )
    return out


def _number(value: float | None) -> float | int | None:
    """Whole quantities as ints (60 drones, CAD 1,300,000,000), others as floats."""
    if value is not None and value.is_integer():
        return int(value)
    return value


def plan_figures(plan: Plan, *, as_of: dt.date = dt.date.max) -> list[Figure]:
    """Planned, deployed and deployed share (%) for every commitment, as figures."""
    return [
        fig for p in plan_progress(plan, as_of=as_of) for fig in (p.planned, p.deployed, p.share)
    ]
