"""Reading the CBP drug-seizure files into columns: the land (OFO + USBP) and the AMO tables.

The two datasets are different types on purpose: Air and Marine Operations seizures support
interior investigations and published border figures exclude them, so nothing here adds one to
the other.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray

from ..geo import data_dir as default_data_dir
from ..model import DataUnavailable, InvalidInput

__all__ = [
    "AMO_GLOB",
    "CBP_GLOB",
    "LB_TO_KG",
    "AmoSeizures",
    "CbpSeizures",
    "Component",
    "Region",
    "load_amo",
    "load_cbp",
]

CBP_GLOB = "cbp/nationwide-drugs-*.csv"
AMO_GLOB = "cbp/amo-drug-seizures-*.csv"
LB_TO_KG = 0.45359237  # the international avoirdupois pound, exactly

# The US fiscal year starts on 1 October: OCT is fiscal month 1, SEP fiscal month 12.
FISCAL_MONTHS = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")
_FISCAL_MONTH = {name: i + 1 for i, name in enumerate(FISCAL_MONTHS)}
_FYTD_SUFFIX = "(FYTD)"


class Region(StrEnum):
    """CBP's ``Region`` column."""

    NORTHERN_BORDER = "Northern Border"
    SOUTHWEST_BORDER = "Southwest Border"
    COASTAL_INTERIOR = "Coastal/Interior"


class Component(StrEnum):
    """CBP's ``Component`` column."""

    OFO = "Office of Field Operations"
    USBP = "U.S. Border Patrol"
    AMO = "Air and Marine Operations"


_COMMON = ("FY", "Month (abbv)", "Component", "Region", "Land Filter", "Drug Type")
_COUNT, _QTY = "Count of Event", "Sum Qty (lbs)"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class _Seizures:
    """Monthly seizure rows as columns; one index ``i`` is one CSV row.

    ``fiscal_month`` is 1 (October) … 12 (September); ``unit`` is the area of responsibility
    (land) or the branch (AMO); ``source`` is the file's path relative to the data directory
    and ``line`` its 1-based line number.
    """

    UNIT_COLUMN: ClassVar[str]
    COMPONENTS: ClassVar[frozenset[str]]
    DATASET: ClassVar[str]

    root: Path
    files: tuple[str, ...]
    fiscal_year: NDArray[np.int16]
    fytd: NDArray[np.bool_]
    fiscal_month: NDArray[np.int8]
    component: NDArray[np.str_]
    region: NDArray[np.str_]
    land_filter: NDArray[np.str_]
    unit: NDArray[np.str_]
    drug: NDArray[np.str_]
    events: NDArray[np.int64]
    lbs: NDArray[np.float64]
    source: NDArray[np.str_]
    line: NDArray[np.int64]
    # Summaries of the columns, computed once when loading.
    drugs: tuple[str, ...]
    unit_names: frozenset[str]
    fiscal_years: tuple[int, ...]
    fytd_years: frozenset[int]
    year_months: dict[int, tuple[str, ...]]

    def __len__(self) -> int:
        return int(self.lbs.shape[0])

    @property
    def kg(self) -> NDArray[np.float64]:
        return self.lbs * LB_TO_KG

    def is_fytd(self, fiscal_year: int) -> bool:
        """Whether the file marks ``fiscal_year`` as a partial year to date."""
        return fiscal_year in self.fytd_years

    def months_of(self, fiscal_year: int) -> tuple[str, ...]:
        """The month abbreviations present for ``fiscal_year``, in fiscal order."""
        return self.year_months.get(fiscal_year, ())


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CbpSeizures(_Seizures):
    """CBP Nationwide Drug Seizures: Office of Field Operations and U.S. Border Patrol."""

    UNIT_COLUMN: ClassVar[str] = "Area of Responsibility"
    COMPONENTS: ClassVar[frozenset[str]] = frozenset({Component.OFO, Component.USBP})
    DATASET: ClassVar[str] = "cbp"

    @property
    def area_of_responsibility(self) -> NDArray[np.str_]:
        return self.unit


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class AmoSeizures(_Seizures):
    """CBP Air and Marine Operations drug seizures by branch (never added to the land figures)."""

    UNIT_COLUMN: ClassVar[str] = "Branch"
    COMPONENTS: ClassVar[frozenset[str]] = frozenset({Component.AMO})
    DATASET: ClassVar[str] = "amo"

    @property
    def branch(self) -> NDArray[np.str_]:
        return self.unit


_T = TypeVar("_T", bound=_Seizures)


def load_cbp(data_dir: Path | None = None) -> CbpSeizures:
    """Both ``cbp/nationwide-drugs-*.csv`` files from the data directory, as columns."""
    return _load(CbpSeizures, CBP_GLOB, data_dir)


def load_amo(data_dir: Path | None = None) -> AmoSeizures:
    """Both ``cbp/amo-drug-seizures-*.csv`` files from the data directory, as columns."""
    return _load(AmoSeizures, AMO_GLOB, data_dir)


def _load(cls: type[_T], pattern: str, data_dir: Path | None) -> _T:
    root = default_data_dir() if data_dir is None else data_dir
    paths = sorted(root.glob(pattern))
    if not paths:
        raise DataUnavailable(
            f"no {pattern} files in the data directory {root}", path=str(root / pattern)
        )
    columns: dict[str, list[object]] = {name: [] for name in _ROW_FIELDS}
    files = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        files.append(relative)
        _read_file(cls, path, relative, columns)
    fiscal_year = np.asarray(columns["fiscal_year"], dtype=np.int16)
    fytd = np.asarray(columns["fytd"], dtype=np.bool_)
    fiscal_month = np.asarray(columns["fiscal_month"], dtype=np.int8)
    drug = np.asarray(columns["drug"], dtype=np.str_)
    unit = np.asarray(columns["unit"], dtype=np.str_)
    years = tuple(int(y) for y in np.unique(fiscal_year))
    return cls(
        root=root,
        files=tuple(files),
        fiscal_year=fiscal_year,
        fytd=fytd,
        fiscal_month=fiscal_month,
        component=np.asarray(columns["component"], dtype=np.str_),
        region=np.asarray(columns["region"], dtype=np.str_),
        land_filter=np.asarray(columns["land_filter"], dtype=np.str_),
        unit=unit,
        drug=drug,
        events=np.asarray(columns["events"], dtype=np.int64),
        lbs=np.asarray(columns["lbs"], dtype=np.float64),
        source=np.asarray(columns["source"], dtype=np.str_),
        line=np.asarray(columns["line"], dtype=np.int64),
        drugs=tuple(str(d) for d in np.unique(drug)),
        unit_names=frozenset(str(u) for u in np.unique(unit)),
        fiscal_years=years,
        fytd_years=frozenset(int(y) for y in np.unique(fiscal_year[fytd])),
        year_months={
            y: tuple(FISCAL_MONTHS[int(m) - 1] for m in np.unique(fiscal_month[fiscal_year == y]))
            for y in years
        },
    )


_ROW_FIELDS = (
    "fiscal_year",
    "fytd",
    "fiscal_month",
    "component",
    "region",
    "land_filter",
    "unit",
    "drug",
    "events",
    "lbs",
    "source",
    "line",
)
_REGIONS = frozenset(r.value for r in Region)


def _read_file(
    cls: type[_Seizures], path: Path, relative: str, columns: dict[str, list[object]]
) -> None:
    expected = (*_COMMON[:5], cls.UNIT_COLUMN, _COMMON[5], _COUNT, _QTY)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != expected:
            raise InvalidInput(
                f"{relative} line 1: expected the columns {', '.join(expected)}; got {header}",
                file=relative,
                line=1,
            )
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            _parse_row(cls, row, relative, line, expected, columns)


def _parse_row(
    cls: type[_Seizures],
    row: list[str],
    relative: str,
    line: int,
    expected: tuple[str, ...],
    columns: dict[str, list[object]],
) -> None:
    def bad(column: str, why: str) -> InvalidInput:
        return InvalidInput(
            f"{relative} line {line}, column {column!r}: {why}",
            file=relative,
            line=line,
            field=column,
        )

    if len(row) != len(expected):
        raise InvalidInput(
            f"{relative} line {line}: {len(row)} fields, expected {len(expected)}",
            file=relative,
            line=line,
        )
    fy_text, month, component, region, land, unit, drug, count, qty = (c.strip() for c in row)
    fytd = fy_text.endswith(_FYTD_SUFFIX)
    year = fy_text.removesuffix(_FYTD_SUFFIX).strip()
    if not (year.isdigit() and len(year) == 4):
        raise bad("FY", f"expected a year like 2024 or '2026 (FYTD)', got {fy_text!r}")
    if month.upper() not in _FISCAL_MONTH:
        raise bad("Month (abbv)", f"expected one of {', '.join(FISCAL_MONTHS)}, got {month!r}")
    if component not in cls.COMPONENTS:
        raise bad("Component", f"expected one of {sorted(cls.COMPONENTS)}, got {component!r}")
    if region not in _REGIONS:
        raise bad("Region", f"expected one of {sorted(_REGIONS)}, got {region!r}")
    if not unit:
        raise bad(cls.UNIT_COLUMN, "empty")
    if not drug:
        raise bad("Drug Type", "empty")
    try:
        events = int(count)
    except ValueError:
        raise bad(_COUNT, f"expected a whole number, got {count!r}") from None
    try:
        lbs = float(qty)
    except ValueError:
        raise bad(_QTY, f"expected a number, got {qty!r}") from None
    if events < 0:
        raise bad(_COUNT, f"negative count {events}")
    if not math.isfinite(lbs) or lbs < 0:
        raise bad(_QTY, f"expected a finite quantity ≥ 0, got {qty!r}")
    values: tuple[object, ...] = (
        int(year),
        fytd,
        _FISCAL_MONTH[month.upper()],
        component,
        region,
        land,
        unit,
        drug,
        events,
        lbs,
        relative,
        line,
    )
    for name, value in zip(_ROW_FIELDS, values, strict=True):
        columns[name].append(value)
