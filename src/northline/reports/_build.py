"""Build a report: operational figures, plan execution and CBP statistics, written to disk.

:func:`build_report` writes, next to ``out``:

* ``out`` itself: the HTML page, or for a ``.pdf`` the PDF printed from it (the ``.html`` is
  kept beside it);
* ``report.json``: every figure the page shows (key, label, value, unit, provenance), the
  period, when it was generated, the command that reproduces it, the inputs' file names and
  SHA-256, the plots' data and the notes;
* ``<stem>-cbp.csv``: the CBP seizure rows (when the CBP files are in the data directory).

It only reads the store. A section whose input is missing (no CBP files in the data
directory, no plan) says so in the report instead of failing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Final

import numpy as np

from ..geo import BOUNDARY_FILE, load_boundary
from ..geo import data_dir as default_data_dir
from ..model import DataUnavailable, InvalidInput, format_iso, parse_iso
from ..store import SQLiteStore, Store
from ._cbp_load import load_amo, load_cbp
from ._cbp_tables import CbpTable, CbpTables, cbp_tables, write_cbp_csv
from ._figures import Figure
from ._operational import OperationalFigures, operational_figures
from ._pdf import write_pdf
from ._plan import PlanProgress, load_plan, plan_progress
from ._plots import alerts_per_week_svg, crossings_map_svg, response_times_svg, trend_svg
from ._render import Block, InputFile, Plot, ReportDocument, Section, Table, render_html

__all__ = [
    "USE_REPORT_COMMAND",
    "ReportResult",
    "build_report",
    "report_command",
    "report_period",
    "store_period",
]

REPORT_JSON: Final = "report.json"
TITLE: Final = "Northline: detections, response and seizures"


class _UseReportCommand(Enum):
    TOKEN = "USE_REPORT_COMMAND"


USE_REPORT_COMMAND: Final = _UseReportCommand.TOKEN
"""``command=`` not given: the ``northline report`` command for the same arguments."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportResult:
    """What :func:`build_report` wrote and the figures it showed."""

    out: Path  # the file asked for (.html or .pdf)
    html: Path
    pdf: Path | None
    json: Path
    csv: Path | None
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]


def _iso(t_s: float) -> str:
    t = dt.datetime.fromtimestamp(t_s, tz=dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t.microsecond == 0 else format_iso(t_s)


def store_period(store: Store) -> tuple[float, float]:
    """The half-open period ``[first, last + 1 s)`` of the store's track updates and alerts:
    the report's default when no ``--from``/``--to`` is given. InvalidInput for a store with
    neither."""
    times = [float(a.t_s) for a in store.alerts()]
    tracks = store.track_updates()
    if len(tracks):
        times += [float(np.min(tracks.t_s)), float(np.max(tracks.t_s))]
    if not times:
        raise InvalidInput(
            "the store has no track updates or alerts to report on: give --from and --to",
            field="from",
        )
    return min(times), max(times) + 1.0


def report_period(t_from: str, t_to: str) -> tuple[float, float]:
    """``--from`` / ``--to`` as the half-open period ``[t_from_s, t_to_s)`` in epoch seconds.

    A time says its zone (``2026-01-15T02:00:00Z``); a bare date is that UTC day, so
    ``--from 2026-01-01 --to 2026-01-31`` covers all of January (``--to`` a date runs to the
    end of it). InvalidInput for a time without a zone, an unreadable one or an empty period.
    """

    def parse(text: str, field: str, end: bool) -> float:
        value = text.strip()
        try:
            day = dt.date.fromisoformat(value) if len(value) == 10 else None
            if day is not None:
                start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
                return (start + dt.timedelta(days=1 if end else 0)).timestamp()
            return parse_iso(value)
        except ValueError as exc:
            raise InvalidInput(
                f"--{field} {text!r} is not a date (YYYY-MM-DD) or a time with its zone "
                f"(YYYY-MM-DDTHH:MM:SSZ): {exc}",
                field=field,
            ) from None

    t_from_s, t_to_s = parse(t_from, "from", False), parse(t_to, "to", True)
    if not t_from_s < t_to_s:
        raise InvalidInput(f"the period from {t_from} to {t_to} is empty", field="to")
    return t_from_s, t_to_s


def report_command(
    store_path: Path | str, t_from_s: float, t_to_s: float, out: Path, plan: Path | None = None
) -> str:
    """The ``northline report`` command line that rebuilds a report."""
    args = [
        "northline",
        "report",
        "--store",
        str(store_path),
        "--from",
        _iso(t_from_s),
        "--to",
        _iso(t_to_s),
        "--out",
        str(out),
    ]
    if plan is not None:
        args += ["--plan", str(plan)]
    return shlex.join(args)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_report(
    store: Store,
    *,
    t_from_s: float,
    t_to_s: float,
    out: Path,
    data_dir: Path | None = None,
    plan: Path | None = None,
    command: str | _UseReportCommand = USE_REPORT_COMMAND,
    store_path: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> ReportResult:
    """Write the report for ``[t_from_s, t_to_s)`` to ``out`` (see the module).

    ``data_dir``: where the CBP files and the boundary are (None: the data directory in force,
    :func:`northline.geo.data_dir`). ``plan``: the plan TOML file, if any. ``store_path``: the
    store's file, named and hashed in the inputs (default: a :class:`SQLiteStore`'s own path).
    Raises :class:`~northline.reports.PdfUnavailable` for a ``.pdf`` without Chromium (the
    HTML and ``report.json`` are written first).
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InvalidInput(f"the report is .html or .pdf, not {out.name!r}", field="out")
    if store_path is None and isinstance(store, SQLiteStore) and store.path != ":memory:":
        store_path = Path(store.path)
    store_label = store_path.name if store_path is not None else "store"
    cmd = (
        report_command(store_path or store_label, t_from_s, t_to_s, out, plan)
        if command is USE_REPORT_COMMAND
        else str(command)
    )
    root = default_data_dir() if data_dir is None else Path(data_dir)
    generated_t_s = float(clock())
    out.parent.mkdir(parents=True, exist_ok=True)

    inputs: list[InputFile] = []
    if store_path is not None and Path(store_path).is_file():
        inputs.append(InputFile(role="store", name=store_label, sha256=_sha256(Path(store_path))))
    notes: list[str] = []

    ops = operational_figures(store, t_from_s, t_to_s, store_label=store_label, command=cmd)
    notes.extend(ops.notes)

    progress: list[PlanProgress] | None = None
    if plan is not None:
        loaded = load_plan(Path(plan))
        last_day = dt.datetime.fromtimestamp(t_to_s - 1e-3, tz=dt.UTC).date()
        progress = plan_progress(loaded, as_of=last_day)
        inputs.append(InputFile(role="plan", name=Path(plan).name, sha256=_sha256(Path(plan))))

    cbp: CbpTables | None = None
    try:
        land = load_cbp(root)
        try:
            amo = load_amo(root)
        except DataUnavailable as exc:
            amo = None
            notes.append(f"Air and Marine Operations files are not shown: {exc.message}")
        cbp = cbp_tables(land, amo)
        inputs += [InputFile(role="data", name=f, sha256=_sha256(root / f)) for f in cbp.files]
    except DataUnavailable as exc:
        notes.append(f"CBP seizure statistics are not shown: {exc.message}")

    boundary = load_boundary(root)
    if not boundary.source.startswith("builtin") and (root / BOUNDARY_FILE).is_file():
        inputs.append(
            InputFile(role="data", name=BOUNDARY_FILE, sha256=_sha256(root / BOUNDARY_FILE))
        )

    sections = [
        _key_section(ops, cbp),
        *([_plan_section(progress, ops)] if progress is not None else []),
        _operations_section(ops, crossings_map_svg(boundary, ops.crossing_points), boundary.source),
        _cbp_section(cbp, notes),
    ]
    doc = ReportDocument(
        title=TITLE,
        t_from_s=float(t_from_s),
        t_to_s=float(t_to_s),
        generated_t_s=generated_t_s,
        command=cmd,
        inputs=tuple(inputs),
        sections=tuple(sections),
    )
    html_path = out if suffix != ".pdf" else out.with_suffix(".html")
    html_path.write_text(render_html(doc), encoding="utf-8")

    csv_path: Path | None = None
    if cbp is not None:
        csv_path = write_cbp_csv(out.parent / f"{out.stem}-cbp.csv", cbp)
    figures = doc.figures()
    json_path = out.parent / REPORT_JSON
    json_path.write_text(
        json.dumps(
            _report_json(doc, ops, figures, notes, html_path, out, csv_path),
            indent=1,
            ensure_ascii=False,
            allow_nan=False,
        )
        + "\n",
        encoding="utf-8",
    )
    pdf_path = write_pdf(html_path, out) if suffix == ".pdf" else None
    return ReportResult(
        out=out,
        html=html_path,
        pdf=pdf_path,
        json=json_path,
        csv=csv_path,
        figures=tuple(figures),
        notes=tuple(notes),
    )


def _report_json(
    doc: ReportDocument,
    ops: OperationalFigures,
    figures: list[Figure],
    notes: list[str],
    html_path: Path,
    out: Path,
    csv_path: Path | None,
) -> dict[str, Any]:
    return {
        "title": doc.title,
        "period": {
            "from": _iso(doc.t_from_s),
            "to": _iso(doc.t_to_s),
            "from_s": doc.t_from_s,
            "to_s": doc.t_to_s,
            "end": "excluded",
        },
        "generated_at": format_iso(doc.generated_t_s),
        "generated_t_s": doc.generated_t_s,
        "command": doc.command,
        "files": {
            "html": html_path.name,
            "pdf": out.name if out.suffix.lower() == ".pdf" else None,
            "cbp_csv": csv_path.name if csv_path is not None else None,
        },
        "inputs": [{"role": f.role, "name": f.name, "sha256": f.sha256} for f in doc.inputs],
        "figures": [f.to_dict() for f in figures],
        "series": {
            "ops.alerts_per_week_by_outcome": ops.alerts_per_week_by_outcome,
            **{f"ops.response.{r.name}.samples_s": list(r.samples_s) for r in ops.response},
            "ops.crossing_points": [
                {"lon": lon, "lat": lat, "direction": d} for lon, lat, d in ops.crossing_points
            ],
        },
        "notes": notes,
    }


# -- sections ----------------------------------------------------------------------------------


def _key_section(ops: OperationalFigures, cbp: CbpTables | None) -> Section:
    by_key = {f.key: f for f in ops.figures()}
    wanted = (
        "ops.detections",
        "ops.tracks.confirmed",
        "ops.crossings.between_ports",
        "ops.alerts",
        "ops.interceptions",
        "ops.interceptions.rate",
        "ops.response.alert_to_decision.median_s",
        "ops.response.decision_to_on_scene.median_s",
    )
    blocks: list[Block] = [
        Table.of_figures("Operations in the period", [by_key[k] for k in wanted if k in by_key])
    ]
    if cbp is not None:
        blocks.append(
            Table.of_figures(
                f"CBP {cbp.drug.lower()} seizures, FY{cbp.headline_fy} (OFO + USBP)",
                cbp.headline,
            )
        )
    return Section(key="key-figures", title="Key figures", blocks=tuple(blocks))


def _letter(k: int) -> str:
    """a, b, …, z, aa, ab, …: a short citation mark."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def _plan_section(progress: list[PlanProgress], ops: OperationalFigures) -> Section:
    rows: list[tuple[str | Figure, ...]] = []
    cited: dict[str, str] = {}  # source → its letter, in order of first use
    for p in progress:
        c = p.commitment
        last = p.last_deployed
        letter = cited.setdefault(c.source, _letter(len(cited))) if c.source else ""
        rows.append(
            (
                c.label + (" *" if p.illustrative else ""),
                c.committed.isoformat(),
                p.planned,
                p.deployed,
                p.share,
                last.isoformat() if last is not None else "",
                f"[{letter}]" if letter else "",
            )
        )
    sources = "; ".join(f"[{k}] {src}" for src, k in cited.items())
    table = Table(
        title="Commitments: planned and deployed",
        columns=("Commitment", "Committed", "Planned", "Deployed", "Share", "Last", "Source"),
        rows=tuple(rows),
        note="* includes illustrative deployment numbers (examples, not reported facts)."
        + (f" Sources: {sources}." if sources else ""),
    )
    by_key = {f.key: f for f in ops.figures()}
    beside = [
        by_key[k]
        for k in ("ops.crossings.between_ports", "ops.alerts", "ops.interceptions")
        if k in by_key
    ]
    return Section(
        key="plan",
        title="Plan execution",
        blocks=(
            table,
            Table.of_figures("Operational measures in the same period", beside),
        ),
    )


def _operations_section(ops: OperationalFigures, map_svg: str, boundary_source: str) -> Section:
    blocks: list[Block] = [Table.of_figures("Totals", ops.totals)]
    if ops.alerts_by_kind:
        blocks.append(Table.of_figures("Alerts by kind", ops.alerts_by_kind.values()))
    if ops.alerts_by_outcome:
        blocks.append(
            Table.of_figures(
                "Alerts by outcome",
                ops.alerts_by_outcome.values(),
                note="Outcome of the last resolve step; open: not resolved (yet).",
            )
        )
    blocks.append(
        Table(
            title="Response times",
            columns=("Interval", "Alerts measured", "Median", "90th percentile", "Mean"),
            rows=tuple((r.label, *r.figures()) for r in ops.response),
            note="Alert raised → its first tasking decision (accept or change); that decision → "
            "the first on-scene report for the alert at or after it (as the API's response "
            "measures).",
        )
    )
    cols = ("crossings", "alerts", "interceptions")
    heads = ("Crossings detected", "Alerts raised", "Interceptions")
    if ops.by_sector:
        blocks.append(
            Table(
                title="By sector",
                columns=("Sector", *heads),
                rows=tuple((k, *(row[c] for c in cols)) for k, row in ops.by_sector.items()),
            )
        )
    if ops.by_week:
        blocks.append(
            Table(
                title="By ISO week (UTC)",
                columns=("Week", *heads),
                rows=tuple((k, *(row[c] for c in cols)) for k, row in ops.by_week.items()),
            )
        )
    blocks += [
        Plot(
            title="Alerts per week",
            svg=alerts_per_week_svg(ops.alerts_per_week_by_outcome),
            caption="Alerts raised per ISO week, stacked by outcome (report.json: "
            "series ops.alerts_per_week_by_outcome).",
        ),
        Plot(
            title="Response-time distribution",
            svg=response_times_svg([(r.label, r.samples_s) for r in ops.response]),
            caption="Histograms of the response intervals, in minutes; the line is the median "
            "(report.json: series ops.response.*.samples_s).",
        ),
        Plot(
            title="Map of crossings",
            svg=map_svg,
            caption="Crossings detected in the period and the Canada–US boundary "
            f"({boundary_source}; report.json: series ops.crossing_points).",
        ),
    ]
    blocks.extend(ops.notes)
    return Section(key="operations", title="Operational measures", blocks=tuple(blocks))


def _table(t: CbpTable) -> Table:
    return Table(title=t.title, columns=t.columns, rows=t.rows, note=t.note)


def _cbp_section(cbp: CbpTables | None, notes: list[str]) -> Section:
    title = "CBP drug-seizure statistics"
    if cbp is None:
        missing = [n for n in notes if n.startswith("CBP")]
        return Section(key="cbp", title=title, blocks=tuple(missing))
    blocks: list[Block] = [cbp.caveat, *(_table(t) for t in cbp.tables)]
    series = {
        region: [(p.fiscal_year, p.lb.value, p.fytd) for p in points]
        for region, points in cbp.trends.items()
    }
    blocks.append(
        Plot(
            title=f"{cbp.drug} trend by fiscal year",
            svg=trend_svg(f"{cbp.drug} seized by fiscal year and region (lb, log scale)", series,
                          "lb"),
            caption="OFO + USBP. An open marker is a partial fiscal year to date, not comparable "
            "with a full year.",
        )
    )  # fmt: skip
    if cbp.amo is not None:
        blocks += [cbp.amo_caveat, _table(cbp.amo)]
    return Section(key="cbp", title=title, blocks=tuple(blocks))
