"""A report as one self-contained HTML page: inline CSS, plots as ``data:`` SVG images.

Nothing is fetched: no external fonts, scripts or images. Every number in a table cell is a
:class:`Figure` (``<td class="fig" data-key="…">``) with a numbered footnote giving its source,
query and command; figures with the same provenance share a footnote. Printing (A4) puts the
page number and the generated-at stamp in the page footer with CSS ``@page`` margin boxes.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..model import format_iso
from ._figures import Figure, Provenance

__all__ = [
    "Block",
    "InputFile",
    "Plot",
    "ReportDocument",
    "Section",
    "Table",
    "format_value",
    "render_html",
]

_DECIMALS = {"lb": 2, "kg": 1, "s": 1, "%": 1, "count": 0, "CAD": 0, "USD": 0, "min": 1}


def format_value(value: float | int | None, unit: str) -> str:
    """A figure's value as the report shows it: thousands separated, decimals by unit."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    decimals = _DECIMALS.get(unit, 0 if float(value).is_integer() else 2)
    if unit == "%" and 0 < abs(value) < 1:
        decimals = 2  # a small share keeps two significant digits
    return f"{value:,.{decimals}f}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """Rows of cells: text (labels) or :class:`Figure` values."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | Figure, ...], ...]
    note: str = ""

    @classmethod
    def of_figures(cls, title: str, figures: Iterable[Figure], *, note: str = "") -> Table:
        """A two-column table: each figure's label and value."""
        return cls(
            title=title, columns=("", ""), rows=tuple((f.label, f) for f in figures), note=note
        )

    def figures(self) -> list[Figure]:
        return [c for row in self.rows for c in row if isinstance(c, Figure)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Plot:
    """An SVG document shown as an image, with a caption."""

    title: str
    svg: str
    caption: str = ""


Block = Table | Plot | str  # a str is a paragraph of text


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InputFile:
    """A file the report was computed from: its role, name and SHA-256 (hex)."""

    role: str  # "store", "plan", "data"
    name: str
    sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportDocument:
    """Everything a report shows."""

    title: str
    t_from_s: float
    t_to_s: float
    generated_t_s: float
    command: str
    inputs: tuple[InputFile, ...]
    sections: tuple[Section, ...]

    def figures(self) -> list[Figure]:
        """Every figure shown, once per key, in the order first shown."""
        seen: dict[str, Figure] = {}
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Table):
                    for f in block.figures():
                        seen.setdefault(f.key, f)
        return list(seen.values())


_CSS = """
@page {
  size: A4;
  margin: 16mm 15mm 18mm 15mm;
  @bottom-left { content: "Northline report · generated __STAMP__"; font: 7.5pt sans-serif;
                 color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7.5pt sans-serif;
                  color: #555; }
}
* { box-sizing: border-box; }
body { font: 10pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111;
       max-width: 190mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; break-after: avoid; }
p.meta { color: #444; margin: 0.5mm 0; }
table { border-collapse: collapse; max-width: 100%; margin: 1mm 0 2mm; font-size: 8.5pt;
        break-inside: auto; }
th, td { border-bottom: 1px solid #ddd; padding: 0.8mm 2mm; text-align: left;
         vertical-align: top; overflow-wrap: break-word; }
td.src { font-size: 7pt; color: #444; max-width: 55mm; overflow-wrap: anywhere; }
th { background: #f0f0f0; font-weight: 600; }
td.fig { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.fig .u { color: #666; font-size: 7.5pt; }
tr { break-inside: avoid; }
sup.fn { font-size: 6.5pt; margin-left: 0.5mm; }
sup.fn a { color: #2166ac; text-decoration: none; }
p.note { color: #444; font-size: 8pt; margin: 0 0 3mm; overflow-wrap: anywhere; }
figure { margin: 2mm 0 4mm; break-inside: avoid; }
figure img { width: 100%; max-width: 180mm; height: auto; }
figcaption { font-size: 8pt; color: #444; }
ol.footnotes { font-size: 7pt; color: #333; padding-left: 7mm; columns: 2; column-gap: 6mm; }
ol.footnotes li { margin-bottom: 1.2mm; break-inside: avoid; }
code { font: 6.8pt/1.3 "DejaVu Sans Mono", monospace; word-break: break-all; }
.inputs td { font-size: 7.5pt; }
"""


def _iso(t_s: float) -> str:
    """UTC ISO 8601, whole seconds unless the time has a fraction."""
    text = format_iso(t_s)
    return text.replace(".000Z", "Z")


def render_html(doc: ReportDocument) -> str:
    """The report as a self-contained HTML document (see the module)."""
    stamp = _iso(doc.generated_t_s)
    notes: dict[Provenance, int] = {}

    def note_number(p: Provenance) -> int:
        return notes.setdefault(p, len(notes) + 1)

    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(doc.title)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{_CSS.replace('__STAMP__', stamp)}</style>",
        "</head><body>",
        f"<h1>{e(doc.title)}</h1>",
        f'<p class="meta">Period: <time>{e(_iso(doc.t_from_s))}</time> to '
        f"<time>{e(_iso(doc.t_to_s))}</time> (UTC, end excluded)</p>",
        f'<p class="meta">Generated at <time>{e(stamp)}</time></p>',
        f'<p class="meta">Reproduce: <code>{e(doc.command)}</code></p>',
    ]
    for section in doc.sections:
        out.append(f'<section id="{e(section.key)}"><h2>{e(section.title)}</h2>')
        for block in section.blocks:
            if isinstance(block, str):
                out.append(f"<p>{e(block)}</p>")
            elif isinstance(block, Plot):
                data = base64.b64encode(block.svg.encode("utf-8")).decode("ascii")
                out.append(
                    f'<figure><img alt="{e(block.title)}" src="data:image/svg+xml;base64,{data}">'
                    + (f"<figcaption>{e(block.caption)}</figcaption>" if block.caption else "")
                    + "</figure>"
                )
            else:
                out.append(_table(block, note_number))
        out.append("</section>")
    out.append('<section id="inputs"><h2>Inputs</h2><table class="inputs">')
    out.append("<tr><th>Role</th><th>File</th><th>SHA-256</th></tr>")
    for f in doc.inputs:
        out.append(
            f"<tr><td>{e(f.role)}</td><td>{e(f.name)}</td><td><code>{e(f.sha256)}</code></td></tr>"
        )
    out.append("</table></section>")
    out.append('<section id="notes"><h2>Sources of the figures</h2><ol class="footnotes">')
    for p, n in notes.items():
        again = (
            "the report's own command (at the top)"
            if p.command == doc.command
            else f"<code>{e(p.command)}</code>"
        )
        out.append(
            f'<li id="fn-{n}">Source: <code>{e(p.source)}</code>. Query: <code>{e(p.query)}</code>.'
            f" Reproduce: {again}</li>"
        )
    out.append("</ol></section></body></html>")
    return "\n".join(out) + "\n"


def _table(table: Table, note_number: Callable[[Provenance], int]) -> str:
    e = html.escape
    rows = [f"<h3>{e(table.title)}</h3>", "<table>"]
    if any(table.columns):
        rows.append("<tr>" + "".join(f"<th>{e(c)}</th>" for c in table.columns) + "</tr>")
    for row in table.rows:
        cells = []
        for cell in row:
            if isinstance(cell, Figure):
                n = note_number(cell.provenance)
                unit = "" if cell.unit == "count" else f'<span class="u"> {e(cell.unit)}</span>'
                cells.append(
                    f'<td class="fig" data-key="{e(cell.key)}" title="{e(cell.label)}">'
                    f'<span class="v">{e(format_value(cell.value, cell.unit))}</span>{unit}'
                    f'<sup class="fn"><a href="#fn-{n}">{n}</a></sup></td>'
                )
            else:
                long = len(cell) > 60 or "://" in cell
                cells.append(f'<td class="src">{e(cell)}</td>' if long else f"<td>{e(cell)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</table>")
    if table.note:
        rows.append(f'<p class="note">{e(table.note)}</p>')
    return "\n".join(rows)
