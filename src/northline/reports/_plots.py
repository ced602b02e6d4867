"""The report's plots: matplotlib figures (no pyplot, no global backend) saved as SVG.

Each function returns an SVG document as text, with glyphs drawn as paths (no fonts to fetch)
and no date in its metadata, so the same inputs give the same bytes. The report embeds them
as ``data:image/svg+xml`` images, which keeps each plot's element ids to itself.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from ..geo import Boundary

__all__ = ["alerts_per_week_svg", "crossings_map_svg", "response_times_svg", "trend_svg"]

_RC: dict[Any, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "northline-report",
    "font.size": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_OUTCOME_COLOURS = {
    "intercepted": "#1b7837",
    "open": "#b2182b",
    "false_alarm": "#999999",
    "no_threat": "#4393c3",
    "lost": "#d6604d",
}
_PALETTE = ("#2166ac", "#d6604d", "#4d9221", "#8073ac", "#e08214", "#878787")


def _svg(fig: MplFigure) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buf.getvalue()


def _figure(width_in: float = 6.3, height_in: float = 2.6) -> tuple[MplFigure, Axes]:
    with matplotlib.rc_context(_RC):
        fig = MplFigure(figsize=(width_in, height_in), dpi=100, layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def alerts_per_week_svg(per_week: Mapping[str, Mapping[str, int]]) -> str:
    """Stacked bars: alerts raised per ISO week, by outcome."""
    fig, ax = _figure()
    with matplotlib.rc_context(_RC):
        weeks = list(per_week)
        if not weeks:
            _empty(ax, "No alerts in the period")
        else:
            outcomes = sorted(
                {o for w in per_week.values() for o in w}, key=lambda o: (o == "open", o)
            )
            bottom = np.zeros(len(weeks))
            x = np.arange(len(weeks))
            for i, o in enumerate(outcomes):
                h = np.array([per_week[w].get(o, 0) for w in weeks], dtype=float)
                colour = _OUTCOME_COLOURS.get(o, _PALETTE[i % len(_PALETTE)])
                ax.bar(x, h, bottom=bottom, label=o, color=colour, width=0.6)
                bottom += h
            ax.set_xticks(x, weeks)
            ax.set_xlim(-0.5 - 0.5 * (len(weeks) < 4), len(weeks) - 0.5 + 0.5 * (len(weeks) < 4))
            ax.set_ylabel("alerts")
            ax.set_title("Alerts raised per ISO week, by outcome", loc="left")
            ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(fig)


def response_times_svg(series: Sequence[tuple[str, Sequence[float]]]) -> str:
    """Histograms (minutes) of each response interval, side by side."""
    with matplotlib.rc_context(_RC):
        fig = MplFigure(figsize=(6.3, 2.4), dpi=100, layout="constrained")
        axes = fig.subplots(1, max(len(series), 1), squeeze=False)[0]
        for ax, (label, samples) in zip(axes, series, strict=False):
            x = np.asarray(samples, dtype=float) / 60.0
            if x.size == 0:
                _empty(ax, f"{label}:\nnot measured")
                continue
            ax.hist(x, bins=min(20, max(5, x.size // 2)), color=_PALETTE[0], edgecolor="white")
            ax.axvline(float(np.median(x)), color=_PALETTE[1], lw=1, label="median")
            ax.set_xlabel("minutes")
            ax.set_ylabel("alerts")
            ax.set_title(label, loc="left")
            ax.legend(frameon=False, fontsize=7)
    return _svg(fig)


def crossings_map_svg(
    boundary: Boundary, points: Sequence[tuple[float, float, str]], *, pad_deg: float = 0.05
) -> str:
    """The boundary (clipped to the crossings' extent) and the detected crossing points."""
    fig, ax = _figure(6.3, 3.6)
    with matplotlib.rc_context(_RC):
        if points:
            lon = np.array([p[0] for p in points])
            lat = np.array([p[1] for p in points])
            lo0, lo1 = float(lon.min()) - pad_deg, float(lon.max()) + pad_deg
            mid_lat = float(lat.mean())
            # At least half as tall as wide on the ground, so the map is not a sliver.
            half = max(
                float(np.ptp(lat)) / 2 + pad_deg / 2, (lo1 - lo0) * np.cos(np.radians(mid_lat)) / 6
            )
            box = (lo0, mid_lat - half, lo1, mid_lat + half)
        else:
            box = boundary.bounds
        clipped = shapely.clip_by_rect(boundary.lines, *box)
        for part in shapely.get_parts(clipped):
            if part.is_empty or part.geom_type != "LineString":
                continue
            xy = np.asarray(part.coords)
            ax.plot(xy[:, 0], xy[:, 1], color="#333333", lw=1.2)
        ax.plot([], [], color="#333333", lw=1.2, label=f"boundary ({boundary.source})")
        directions = sorted({p[2] for p in points})
        for i, d in enumerate(directions):
            sel = [p for p in points if p[2] == d]
            ax.scatter(
                [p[0] for p in sel],
                [p[1] for p in sel],
                s=14,
                color=_PALETTE[i % len(_PALETTE)],
                label=f"crossing {d}",
                zorder=3,
            )
        if not points:
            ax.set_title("No crossings detected in the period", loc="left")
        else:
            ax.set_title("Crossings detected (WGS84)", loc="left")
        ax.set_xlim(box[0], box[2])
        ax.set_ylim(box[1], box[3])
        mid = np.radians((box[1] + box[3]) / 2)
        ax.set_aspect(1.0 / max(float(np.cos(mid)), 0.1))
        ax.set_xlabel("longitude (°)")
        ax.set_ylabel("latitude (°)")
        ax.legend(
            frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3
        )
    return _svg(fig)


def trend_svg(
    title: str, series: Mapping[str, Sequence[tuple[int, float | None, bool]]], unit: str
) -> str:
    """Lines by fiscal year, log scale; a partial (FYTD) year is an open marker, not joined."""
    fig, ax = _figure()
    with matplotlib.rc_context(_RC):
        for i, (name, pts) in enumerate(series.items()):
            colour = _PALETTE[i % len(_PALETTE)]
            full = [(y, v) for y, v, fytd in pts if not fytd and v]
            part = [(y, v) for y, v, fytd in pts if fytd and v]
            if full:
                ax.plot([p[0] for p in full], [p[1] for p in full], "o-", color=colour, label=name)
            if part:
                ax.plot(
                    [p[0] for p in part],
                    [p[1] for p in part],
                    "o",
                    mfc="white",
                    color=colour,
                    label=f"{name} (FYTD, partial)",
                )
        ax.set_yscale("log")
        ax.set_ylabel(unit)
        ax.set_xlabel("fiscal year")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_title(title, loc="left")
        ax.legend(frameon=False, fontsize=7)
    return _svg(fig)
