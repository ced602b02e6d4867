"""The CBP section of a report as tables of figures, and the CSV export of the seizure rows."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..model import InvalidInput
from ._cbp import TrendPoint, northern_share, seizure_total, slug, trend_by_fy
from ._cbp_load import LB_TO_KG, AmoSeizures, CbpSeizures, Component, Region
from ._figures import Figure

__all__ = [
    "AMO_CAVEAT",
    "CBP_CAVEAT",
    "CSV_COLUMNS",
    "CbpRow",
    "CbpTable",
    "CbpTables",
    "cbp_rows",
    "cbp_tables",
    "read_cbp_csv",
    "write_cbp_csv",
]

CBP_CAVEAT = (
    "CBP Nationwide Drug Seizures, Office of Field Operations and U.S. Border Patrol. CBP revises "
    "recent months every month, so figures can differ slightly from earlier press reports. A "
    "fiscal year marked FYTD is a partial year to date and is compared only with the same months "
    "of the year before, never with a full year."
)
AMO_CAVEAT = (
    "Air and Marine Operations seizures are reported apart and never added to the land figures: "
    "AMO's Northern Border region (mostly the Bellingham air branch) mostly supports interior "
    "investigations, and published border figures exclude AMO."
)

Cell = str | Figure


@dataclass(frozen=True, slots=True, kw_only=True)
class CbpTable:
    """A table whose cells are text (labels) or :class:`Figure` values."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    def figures(self) -> list[Figure]:
        return [cell for row in self.rows for cell in row if isinstance(cell, Figure)]


@dataclass(frozen=True, slots=True, kw_only=True)
class CbpRow:
    """One aggregated CSV row: a drug's seizures in one FY × region × component × AOR."""

    fiscal_year: int
    fytd: bool
    months: str  # "OCT–SEP" for a full year, "OCT–DEC" for a partial one
    region: str
    component: str
    area_of_responsibility: str
    drug: str
    events: int
    lb: float
    kg: float
    source: str  # the file, relative to the data directory


CSV_COLUMNS = (
    "fiscal_year",
    "fytd",
    "months",
    "region",
    "component",
    "area_of_responsibility",
    "drug",
    "events",
    "lb",
    "kg",
    "source",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CbpTables:
    """Everything the CBP section of a report shows, each number a :class:`Figure`."""

    drug: str
    headline_fy: int
    headline: tuple[Figure, ...]
    tables: tuple[CbpTable, ...]
    trends: dict[str, tuple[TrendPoint, ...]]  # region → points by fiscal year
    amo: CbpTable | None
    rows: tuple[CbpRow, ...]
    caveat: str = CBP_CAVEAT
    amo_caveat: str = AMO_CAVEAT
    files: tuple[str, ...] = field(default=())

    def figures(self) -> list[Figure]:
        """Every figure once, in the order first shown."""
        seen: dict[str, Figure] = {}
        groups: list[list[Figure]] = [list(self.headline)]
        groups += [t.figures() for t in self.tables]
        for points in self.trends.values():
            for p in points:
                groups.append([f for f in (p.lb, p.events, p.baseline, p.change_pct) if f])
        if self.amo is not None:
            groups.append(self.amo.figures())
        for group in groups:
            for fig in group:
                seen.setdefault(fig.key, fig)
        return list(seen.values())


_LAND = (Component.OFO, Component.USBP)
_REGIONS = (Region.NORTHERN_BORDER, Region.SOUTHWEST_BORDER, Region.COASTAL_INTERIOR)


def _fy_cell(table: CbpSeizures | AmoSeizures, year: int) -> str:
    if table.is_fytd(year):
        months = table.months_of(year)
        return f"FY{year} (FYTD {months[0]}–{months[-1]})"
    return f"FY{year}"


def cbp_tables(
    cbp: CbpSeizures,
    amo: AmoSeizures | None = None,
    *,
    drug: str = "Fentanyl",
    headline_fy: int = 2024,
) -> CbpTables:
    """The CBP section: headline figures for ``headline_fy``, tables, trends and CSV rows.

    ``headline_fy`` defaults to FY2024, the year of the published figures (43.04 lb northern,
    21,148 lb southwest); every fiscal year in the files is in the by-year table and the trends.
    """

    def total(year: int, measure: str = "lb", **kw: object) -> Figure:
        return seizure_total(cbp, drug=drug, fiscal_year=year, measure=measure, **kw)  # type: ignore[arg-type]

    north, south = (Region.NORTHERN_BORDER,), (Region.SOUTHWEST_BORDER,)
    hy = headline_fy
    headline = (
        total(hy, "lb", regions=north),
        total(hy, "kg", regions=north),
        total(hy, "events", regions=north),
        total(hy, "lb", regions=south),
        total(hy, "kg", regions=south),
        total(hy, "events", regions=south),
        total(hy, "lb"),
        total(hy, "kg"),
        northern_share(cbp, drug=drug, fiscal_year=hy),
    )
    trends = {
        str(region): tuple(trend_by_fy(cbp, drug=drug, regions=(region,))) for region in _REGIONS
    }
    by_fy_rows = []
    for i, year in enumerate(cbp.fiscal_years):
        change = trends[Region.NORTHERN_BORDER][i].change_pct
        by_fy_rows.append(
            (
                _fy_cell(cbp, year),
                *(total(year, regions=(r,)) for r in _REGIONS),
                total(year),
                northern_share(cbp, drug=drug, fiscal_year=year),
                total(year, "events", regions=north),
                change if change is not None else "",
            )
        )
    by_fy = CbpTable(
        key=f"cbp.{slug(drug)}.by_fy",
        title=f"{drug} seized by fiscal year and region (OFO + USBP)",
        columns=(
            "Fiscal year",
            "Northern Border (lb)",
            "Southwest Border (lb)",
            "Coastal/Interior (lb)",
            "Nationwide (lb)",
            "Northern share (%)",
            "Northern Border events",
            "Northern change (%)",
        ),
        rows=tuple(by_fy_rows),
        note=(
            "Northern change: vs the previous fiscal year; "
            "for FYTD, vs the same months a year earlier."
        ),
    )
    by_component = CbpTable(
        key=f"cbp.{slug(drug)}.fy{hy}.by_component",
        title=f"{drug} seized by component and region, FY{hy}",
        columns=("Region", "OFO (lb)", "USBP (lb)", "OFO events", "USBP events"),
        rows=tuple(
            (
                str(r),
                total(hy, regions=(r,), components=(Component.OFO,)),
                total(hy, regions=(r,), components=(Component.USBP,)),
                total(hy, "events", regions=(r,), components=(Component.OFO,)),
                total(hy, "events", regions=(r,), components=(Component.USBP,)),
            )
            for r in _REGIONS
        ),
    )
    aors = sorted({str(u) for u in np.unique(cbp.unit[cbp.region == Region.NORTHERN_BORDER])})
    aor_rows = [
        (
            aor,
            total(hy, "lb", regions=north, units=(aor,)),
            total(hy, "kg", regions=north, units=(aor,)),
            total(hy, "events", regions=north, units=(aor,)),
        )
        for aor in aors
    ]
    aor_rows.sort(key=lambda row: (-(row[1].value or 0), row[0]))
    northern_aor = CbpTable(
        key=f"cbp.{slug(drug)}.fy{hy}.northern_border.by_aor",
        title=f"{drug} seized at the Northern Border by area of responsibility, FY{hy}",
        columns=("Area of responsibility", "lb", "kg", "events"),
        rows=tuple(aor_rows),
        note="Sectors are U.S. Border Patrol; field offices are the Office of Field Operations.",
    )
    drugs = CbpTable(
        key=f"cbp.drugs.fy{hy}.by_region",
        title=f"All drug types seized by region, FY{hy} (OFO + USBP)",
        columns=(
            "Drug type",
            "Northern Border (lb)",
            "Southwest Border (lb)",
            "Coastal/Interior (lb)",
            "Nationwide (lb)",
            "Northern share (%)",
        ),
        rows=tuple(
            (
                d,
                *(seizure_total(cbp, drug=d, fiscal_year=hy, regions=(r,)) for r in _REGIONS),
                seizure_total(cbp, drug=d, fiscal_year=hy),
                northern_share(cbp, drug=d, fiscal_year=hy),
            )
            for d in cbp.drugs
        ),
    )
    return CbpTables(
        drug=drug,
        headline_fy=hy,
        headline=headline,
        tables=(by_fy, by_component, northern_aor, drugs),
        trends=trends,
        amo=_amo_table(amo, drug) if amo is not None else None,
        rows=tuple(cbp_rows(cbp)),
        files=cbp.files + (amo.files if amo is not None else ()),
    )


def _amo_table(amo: AmoSeizures, drug: str) -> CbpTable:
    return CbpTable(
        key=f"amo.{slug(drug)}.by_fy",
        title=f"Air and Marine Operations: {drug} seized by fiscal year and region (apart)",
        columns=(
            "Fiscal year",
            "Northern Border (lb)",
            "Southwest Border (lb)",
            "Coastal/Interior (lb)",
            "AMO total (lb)",
        ),
        rows=tuple(
            (
                _fy_cell(amo, year),
                *(seizure_total(amo, drug=drug, fiscal_year=year, regions=(r,)) for r in _REGIONS),
                seizure_total(amo, drug=drug, fiscal_year=year),
            )
            for year in amo.fiscal_years
        ),
        note=AMO_CAVEAT,
    )


def cbp_rows(cbp: CbpSeizures) -> list[CbpRow]:
    """The seizure rows summed over months and land filter: FY × region × component × AOR × drug."""
    if not isinstance(cbp, CbpSeizures):
        raise InvalidInput("the CBP CSV export takes the land (OFO + USBP) seizures only")
    columns = (cbp.fiscal_year, cbp.region, cbp.component, cbp.unit, cbp.drug, cbp.source)
    codes = []
    for col in columns:
        _, inverse = np.unique(col, return_inverse=True)
        codes.append(inverse.reshape(-1))
    group_codes = np.stack(codes, axis=1)
    groups, first, inverse = np.unique(group_codes, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    events = np.zeros(len(groups), dtype=np.int64)
    np.add.at(events, inverse, cbp.events)
    lbs = np.bincount(inverse, weights=cbp.lbs, minlength=len(groups))
    rows = []
    for g, i in enumerate(first):
        year = int(cbp.fiscal_year[i])
        months = cbp.months_of(year)
        rows.append(
            CbpRow(
                fiscal_year=year,
                fytd=cbp.is_fytd(year),
                months=f"{months[0]}–{months[-1]}",
                region=str(cbp.region[i]),
                component=str(cbp.component[i]),
                area_of_responsibility=str(cbp.unit[i]),
                drug=str(cbp.drug[i]),
                events=int(events[g]),
                lb=float(lbs[g]),
                kg=float(lbs[g]) * LB_TO_KG,
                source=str(cbp.source[i]),
            )
        )
    rows.sort(
        key=lambda r: (r.fiscal_year, r.drug, r.region, r.component, r.area_of_responsibility)
    )
    return rows


def write_cbp_csv(
    path: Path, rows: CbpSeizures | CbpTables | list[CbpRow] | tuple[CbpRow, ...]
) -> Path:
    """Write the aggregated seizure rows as CSV (columns :data:`CSV_COLUMNS`); floats exactly."""
    if isinstance(rows, CbpSeizures):
        rows = cbp_rows(rows)
    elif isinstance(rows, CbpTables):
        rows = rows.rows
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow(
                (
                    r.fiscal_year,
                    "true" if r.fytd else "false",
                    r.months,
                    r.region,
                    r.component,
                    r.area_of_responsibility,
                    r.drug,
                    r.events,
                    repr(r.lb),
                    repr(r.kg),
                    r.source,
                )
            )
    return path


def read_cbp_csv(path: Path) -> list[CbpRow]:
    """Read a file written by :func:`write_cbp_csv` back into rows."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise InvalidInput(
                f"{path.name} line 1: expected the columns {', '.join(CSV_COLUMNS)}",
                file=str(path),
                line=1,
            )
        out = []
        for rec in reader:
            try:
                out.append(
                    CbpRow(
                        fiscal_year=int(rec["fiscal_year"]),
                        fytd=rec["fytd"] == "true",
                        months=rec["months"],
                        region=rec["region"],
                        component=rec["component"],
                        area_of_responsibility=rec["area_of_responsibility"],
                        drug=rec["drug"],
                        events=int(rec["events"]),
                        lb=float(rec["lb"]),
                        kg=float(rec["kg"]),
                        source=rec["source"],
                    )
                )
            except ValueError as exc:
                raise InvalidInput(
                    f"{path.name} line {reader.line_num}: {exc}",
                    file=str(path),
                    line=reader.line_num,
                ) from None
        return out
