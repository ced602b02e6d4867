"""Queries over the CBP seizure columns that answer :class:`Figure` values with provenance.

Each query is one boolean mask over the columns and one NumPy sum. A selection names a drug,
a fiscal year, and optionally regions, components, units (area of responsibility or AMO branch)
and fiscal months; an empty set means "every value". The figure's key, label and provenance say
exactly what was summed, and its ``command`` is a Python one-liner that recomputes it.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..model import InvalidInput
from ._cbp_load import FISCAL_MONTHS, LB_TO_KG, AmoSeizures, CbpSeizures, Component, Region
from ._figures import Figure, Provenance

__all__ = [
    "Measure",
    "TrendPoint",
    "by_unit",
    "northern_share",
    "seizure_total",
    "trend_by_fy",
]

Measure = Literal["lb", "kg", "events"]
Seizures = CbpSeizures | AmoSeizures

_ABBREV = {Component.OFO: "OFO", Component.USBP: "USBP", Component.AMO: "AMO"}
_MEASURE_QUERY = {
    "lb": "sum of Sum Qty (lbs)",
    "kg": f"sum of Sum Qty (lbs) × {LB_TO_KG}",
    "events": "sum of Count of Event",
}
_MEASURE_UNIT = {"lb": "lb", "kg": "kg", "events": "count"}


def slug(text: str) -> str:
    """``"Khat (Catha Edulis)"`` → ``"khat_catha_edulis"``: the dotted-key form of a value."""
    out = "".join(c if c.isalnum() else "_" for c in text.lower())
    return "_".join(part for part in out.split("_") if part)


@dataclass(frozen=True, slots=True)
class _Selection:
    drug: str
    fiscal_year: int
    regions: frozenset[str]
    components: frozenset[str]
    units: frozenset[str]
    months: frozenset[int]


def _select(
    table: Seizures,
    *,
    drug: str,
    fiscal_year: int,
    regions: Iterable[str],
    components: Iterable[str],
    units: Iterable[str],
    months: Iterable[int],
) -> _Selection:
    known = {d.lower(): d for d in table.drugs}
    if drug.lower() not in known:
        raise InvalidInput(
            f"unknown drug {drug!r}; the {table.DATASET} files have: "
            f"{', '.join(sorted(known.values()))}",
            field="drug",
        )
    if fiscal_year not in table.fiscal_years:
        raise InvalidInput(
            f"fiscal year {fiscal_year} is not in {', '.join(table.files)} "
            f"(they cover {', '.join(map(str, table.fiscal_years))})",
            field="fiscal_year",
        )
    region_set = frozenset(str(r) for r in regions)
    if region_set == frozenset(Region):
        region_set = frozenset()
    unknown = region_set - frozenset(Region)
    if unknown:
        raise InvalidInput(f"unknown region(s) {sorted(unknown)}", field="regions")
    component_set = frozenset(str(c) for c in components)
    if component_set == table.COMPONENTS:
        component_set = frozenset()
    if component_set - table.COMPONENTS:
        raise InvalidInput(
            f"component(s) {sorted(component_set - table.COMPONENTS)} are not in the "
            f"{table.DATASET} files ({sorted(table.COMPONENTS)})",
            field="components",
        )
    unit_set = frozenset(str(u) for u in units)
    if unit_set - table.unit_names:
        raise InvalidInput(
            f"no {table.UNIT_COLUMN} {sorted(unit_set - table.unit_names)} in the "
            f"{table.DATASET} files",
            field="units",
        )
    month_set = frozenset(int(m) for m in months)
    if any(not 1 <= m <= 12 for m in month_set):
        raise InvalidInput("fiscal months run from 1 (OCT) to 12 (SEP)", field="months")
    return _Selection(
        known[drug.lower()],
        int(fiscal_year),
        region_set,
        component_set,
        unit_set,
        month_set,
    )


def _mask(table: Seizures, sel: _Selection) -> NDArray[np.bool_]:
    mask = (table.drug == sel.drug) & (table.fiscal_year == sel.fiscal_year)
    if sel.regions:
        mask &= np.isin(table.region, sorted(sel.regions))
    if sel.components:
        mask &= np.isin(table.component, sorted(sel.components))
    if sel.units:
        mask &= np.isin(table.unit, sorted(sel.units))
    if sel.months:
        mask &= np.isin(table.fiscal_month, sorted(sel.months))
    return np.asarray(mask, dtype=np.bool_)


def _fy_text(table: Seizures, sel: _Selection) -> str:
    """``FY2024`` or ``FY2026 (FYTD, OCT–DEC)``."""
    if table.is_fytd(sel.fiscal_year):
        months = table.months_of(sel.fiscal_year)
        return f"FY{sel.fiscal_year} (FYTD, {months[0]}–{months[-1]})"
    return f"FY{sel.fiscal_year}"


def _months_text(sel: _Selection) -> str:
    ordered = sorted(sel.months)
    return ", ".join(FISCAL_MONTHS[m - 1] for m in ordered)


def _components_text(table: Seizures, sel: _Selection) -> str:
    chosen = sel.components or table.COMPONENTS
    return ", ".join(sorted(_ABBREV.get(Component(c), c) for c in chosen))


def _components_label(table: Seizures, sel: _Selection) -> str:
    return _components_text(table, sel).replace(", ", " + ")


def _key(table: Seizures, sel: _Selection, tail: str) -> str:
    parts = [table.DATASET, slug(sel.drug), f"fy{sel.fiscal_year}"]
    if table.is_fytd(sel.fiscal_year):
        parts[-1] += "_fytd"
    parts.append("+".join(sorted(slug(r) for r in sel.regions)) or "nationwide")
    if sel.components:
        parts.append("+".join(sorted(_ABBREV[Component(c)].lower() for c in sel.components)))
    if sel.units:
        parts.append("+".join(sorted(slug(u) for u in sel.units)))
    if sel.months:
        parts.append("+".join(FISCAL_MONTHS[m - 1].lower() for m in sorted(sel.months)))
    parts.append(tail)
    return ".".join(parts)


def _label(table: Seizures, sel: _Selection, what: str) -> str:
    where = " + ".join(sorted(sel.regions)) if sel.regions else "nationwide"
    extra = f", {' + '.join(sorted(sel.units))}" if sel.units else ""
    months = f", {_months_text(sel)} only" if sel.months else ""
    prefix = "AMO: " if table.DATASET == "amo" else ""
    return (
        f"{prefix}{sel.drug} {what}, {where}{extra}, {_fy_text(table, sel)}{months} "
        f"({_components_label(table, sel)})"
    )


def _filter_text(table: Seizures, sel: _Selection, *, with_region: bool = True) -> str:
    parts = [f"FY={sel.fiscal_year}" + (" (FYTD)" if table.is_fytd(sel.fiscal_year) else "")]
    if sel.months:
        parts.append(f"Month in {{{_months_text(sel)}}}")
    parts.append(f"Drug Type={sel.drug}")
    if with_region:
        if len(sel.regions) == 1:
            parts.append(f"Region={next(iter(sel.regions))}")
        elif sel.regions:
            parts.append(f"Region in {{{', '.join(sorted(sel.regions))}}}")
        else:
            parts.append("Region=any")
    parts.append(f"Component in {{{_components_text(table, sel)}}}")
    if sel.units:
        parts.append(f"{table.UNIT_COLUMN} in {{{', '.join(sorted(sel.units))}}}")
    return "; ".join(parts)


def _source(table: Seizures, mask: NDArray[np.bool_], sel: _Selection) -> str:
    files = np.unique(table.source[mask]) if mask.any() else ()
    if len(files) == 0:
        files = np.unique(table.source[table.fiscal_year == sel.fiscal_year])
    return " + ".join(f"data:{f}" for f in files)


def _command(table: Seizures, call: str) -> str:
    loader = f"load_{table.DATASET}"
    fn = call.split("(", 1)[0]
    expression = call.replace("TABLE", loader + "()")
    code = f"from northline.reports import {fn}, {loader}; print({expression})"
    return (
        f"NORTHLINE_DATA_DIR={shlex.quote(str(table.root.resolve()))} python -c {shlex.quote(code)}"
    )


def _call_args(sel: _Selection, **extra: object) -> str:
    args = [f"drug={_py(sel.drug)}", f"fiscal_year={sel.fiscal_year}"]
    if sel.regions:
        args.append(f"regions={_py(sorted(sel.regions))}")
    if sel.components:
        args.append(f"components={_py(sorted(sel.components))}")
    if sel.units:
        args.append(f"units={_py(sorted(sel.units))}")
    if sel.months:
        args.append(f"months={_py(sorted(sel.months))}")
    args.extend(f"{k}={_py(v)}" for k, v in extra.items())
    return ", ".join(args)


def _py(value: object) -> str:
    """A Python literal in double quotes (str, int and lists of them), easy to put in a shell."""
    return json.dumps(value, ensure_ascii=False)


def _sum(table: Seizures, mask: NDArray[np.bool_], measure: Measure) -> float | int:
    if measure == "events":
        return int(table.events[mask].sum())
    lbs = float(table.lbs[mask].sum())
    return lbs * LB_TO_KG if measure == "kg" else lbs


def seizure_total(
    table: Seizures,
    *,
    drug: str,
    fiscal_year: int,
    measure: Measure = "lb",
    regions: Iterable[str] = (),
    components: Iterable[str] = (),
    units: Iterable[str] = (),
    months: Iterable[int] = (),
) -> Figure:
    """Seized quantity (lb or kg) or number of events for one selection.

    ``regions``, ``components``, ``units`` (area of responsibility / branch) and ``months``
    (fiscal months, 1 = OCT) narrow the selection; empty means every value. A fiscal year the
    file marks "(FYTD)" is partial: its key ends ``_fytd`` and its label names the months.
    """
    sel = _select(
        table,
        drug=drug,
        fiscal_year=fiscal_year,
        regions=regions,
        components=components,
        units=units,
        months=months,
    )
    mask = _mask(table, sel)
    what = "seizure events" if measure == "events" else "seized"
    return Figure(
        key=_key(table, sel, measure),
        label=_label(table, sel, what),
        value=_sum(table, mask, measure),
        unit=_MEASURE_UNIT[measure],
        provenance=Provenance(
            source=_source(table, mask, sel),
            query=f"{_filter_text(table, sel)}; {_MEASURE_QUERY[measure]}",
            command=_command(
                table, f"seizure_total(TABLE, {_call_args(sel, measure=measure)}).value"
            ),
        ),
    )


def northern_share(
    table: Seizures,
    *,
    drug: str,
    fiscal_year: int,
    components: Iterable[str] = (),
    months: Iterable[int] = (),
) -> Figure:
    """The Northern Border's share (%) of the national quantity; ``None`` if nothing was seized."""
    sel = _select(
        table,
        drug=drug,
        fiscal_year=fiscal_year,
        regions=(),
        components=components,
        units=(),
        months=months,
    )
    mask = _mask(table, sel)
    national = float(table.lbs[mask].sum())
    northern = float(table.lbs[mask & (table.region == Region.NORTHERN_BORDER)].sum())
    prefix = "AMO: " if table.DATASET == "amo" else ""
    months_label = f", {_months_text(sel)} only" if sel.months else ""
    return Figure(
        key=_key(table, sel, "northern_share_pct").replace(".nationwide.", "."),
        label=(
            f"{prefix}Northern Border share of {sel.drug} seized nationwide, "
            f"{_fy_text(table, sel)}{months_label} ({_components_label(table, sel)})"
        ),
        value=100.0 * northern / national if national > 0 else None,
        unit="%",
        provenance=Provenance(
            source=_source(table, mask, sel),
            query=(
                f"100 × (Region=Northern Border) / (Region=any); "
                f"{_filter_text(table, sel, with_region=False)}; sum of Sum Qty (lbs)"
            ),
            command=_command(table, f"northern_share(TABLE, {_call_args(sel)}).value"),
        ),
    )


def by_unit(
    table: Seizures,
    *,
    drug: str,
    fiscal_year: int,
    region: str,
    measure: Measure = "lb",
    components: Iterable[str] = (),
) -> list[Figure]:
    """One figure per area of responsibility (land) or branch (AMO) seen in ``region``.

    Every unit that ever reported in the region is listed (zero when it seized none of the drug
    that year), largest first, then by name.
    """
    units = sorted({str(u) for u in np.unique(table.unit[table.region == region])})
    figures = [
        seizure_total(
            table,
            drug=drug,
            fiscal_year=fiscal_year,
            measure=measure,
            regions=(region,),
            components=components,
            units=(unit,),
        )
        for unit in units
    ]
    return sorted(figures, key=lambda f: (-(f.value or 0), f.key))


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendPoint:
    """One fiscal year of a trend.

    ``change_pct`` compares with the previous full fiscal year; for a partial (FYTD) year it
    compares with the same months of the previous year instead (``baseline`` is that figure),
    never with a full year. ``None`` for the first year.
    """

    fiscal_year: int
    fytd: bool
    months: tuple[str, ...]
    lb: Figure
    events: Figure
    baseline: Figure | None
    change_pct: Figure | None


def trend_by_fy(
    table: Seizures,
    *,
    drug: str,
    regions: Iterable[str] = (),
    components: Iterable[str] = (),
) -> list[TrendPoint]:
    """Quantity and events by fiscal year, with the change on the comparable period before."""
    region_list, component_list = tuple(regions), tuple(components)

    def total(year: int, measure: Measure, months: tuple[int, ...] = ()) -> Figure:
        return seizure_total(
            table,
            drug=drug,
            fiscal_year=year,
            measure=measure,
            regions=region_list,
            components=component_list,
            months=months,
        )

    args = [f"drug={_py(drug)}"]
    if region_list:
        args.append(f"regions={_py(sorted(map(str, region_list)))}")
    if component_list:
        args.append(f"components={_py(sorted(map(str, component_list)))}")
    points: list[TrendPoint] = []
    previous: Figure | None = None
    for year in table.fiscal_years:
        lb, events = total(year, "lb"), total(year, "events")
        fytd, months = table.is_fytd(year), table.months_of(year)
        baseline: Figure | None = previous
        if fytd:
            same = tuple(FISCAL_MONTHS.index(m) + 1 for m in months)
            baseline = total(year - 1, "lb", same) if year - 1 in table.fiscal_years else None
        command = _command(
            table,
            f"trend_by_fy(TABLE, {', '.join(args)})[{len(points)}].change_pct.value",
        )
        change = _change(lb, baseline, fytd=fytd, command=command) if baseline else None
        points.append(
            TrendPoint(
                fiscal_year=year,
                fytd=fytd,
                months=months,
                lb=lb,
                events=events,
                baseline=baseline if fytd else None,
                change_pct=change,
            )
        )
        previous = None if fytd else lb
    return points


def _change(current: Figure, baseline: Figure, *, fytd: bool, command: str) -> Figure:
    now, before = current.value, baseline.value
    value = (
        100.0 * (float(now) - float(before)) / float(before) if now is not None and before else None
    )
    tail = "lb_change_pct_same_months" if fytd else "lb_change_pct"
    key = current.key.rsplit(".", 1)[0] + "." + tail
    against = "the same months of the year before" if fytd else "the previous fiscal year"
    return Figure(
        key=key,
        label=f"Change vs {against}: {current.label}",
        value=value,
        unit="%",
        provenance=Provenance(
            source=current.provenance.source
            if current.provenance.source == baseline.provenance.source
            else f"{current.provenance.source} + {baseline.provenance.source}",
            query=(
                f"100 × (A − B) / B where A = [{current.provenance.query}] "
                f"and B = [{baseline.provenance.query}]"
            ),
            command=command,
        ),
    )
