"""Movers: port traffic, crossers and loiterers, planned as waypoints, sampled on a 1 s grid.

Every path is planned in the sector's local metric frame (x east, y north, metres) relative to
the boundary actually in the sector: a crosser's crossing point is a point *of the line*, and
"across" means along the line's local normal, so nothing here assumes the border is at 49°N.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import shapely

from ..geo import Sector
from ..model import ScenarioError
from ._scenario import CrossersSpec, LoiterersSpec, ModeSpec, PortTrafficSpec, Scenario

__all__ = ["BorderLine", "MoverKind", "Trajectories", "sample_movers"]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]

_END_MARGIN_M = 1000.0  # crossers and loiterers keep this far from the sector's ends
_LANE_OFFSET_M = 3.0  # port traffic drives on the right of the road's centre line
_MAX_HEADING_DEG = 35.0  # off the line's normal
_ACTIVE = (0.1, 0.9)  # crossings and closest approaches happen in this part of the run
_SPEED_JITTER = (0.85, 1.15)  # leg-to-leg speed change


class MoverKind(StrEnum):
    PORT_TRAFFIC = "port_traffic"
    CROSSER = "crosser"
    LOITERER = "loiterer"


@dataclass(frozen=True, slots=True)
class _Plan:
    """One mover's waypoints: times (s after the start) and local positions, linear between."""

    mover_id: str
    kind: MoverKind
    mode: str
    t: F8
    x: F8
    y: F8


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Every mover's true position on the scenario's 1 s grid, concatenated mover by mover.

    Mover ``m`` owns samples ``offsets[m]:offsets[m + 1]``, taken at ``first_tick[m] + j``
    seconds after the scenario's start; ``sample_mover`` and ``sample_tick`` say the same per
    sample. Positions are in the sector's local frame.
    """

    mover_id: tuple[str, ...]
    kind: tuple[MoverKind, ...]
    mode: tuple[str, ...]
    first_tick: I8
    offsets: I8
    x_m: F8
    y_m: F8
    sample_mover: I8
    sample_tick: I8

    def __len__(self) -> int:
        return len(self.mover_id)

    @classmethod
    def from_waypoints(
        cls,
        movers: Sequence[tuple[str, MoverKind, str, F8, F8, F8]],
        duration_s: float,
    ) -> Trajectories:
        """Sample ``(id, kind, mode, t, x, y)`` waypoint paths at whole seconds in [0, duration].

        A mover with no sample in the run is left out.
        """
        kept: list[tuple[str, MoverKind, str, int, F8, F8]] = []
        last = math.floor(duration_s)
        for mover_id, kind, mode, t, x, y in movers:
            lo = max(0, math.ceil(float(t[0])))
            hi = min(last, math.floor(float(t[-1])))
            if hi < lo:
                continue
            ticks = np.arange(lo, hi + 1, dtype=np.float64)
            kept.append((mover_id, kind, mode, lo, np.interp(ticks, t, x), np.interp(ticks, t, y)))
        counts = np.array([len(k[4]) for k in kept], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        first = np.array([k[3] for k in kept], dtype=np.int64)
        sample_mover = np.repeat(np.arange(len(kept), dtype=np.int64), counts)
        within = np.arange(int(offsets[-1]), dtype=np.int64) - offsets[:-1][sample_mover]
        return cls(
            mover_id=tuple(k[0] for k in kept),
            kind=tuple(k[1] for k in kept),
            mode=tuple(k[2] for k in kept),
            first_tick=first,
            offsets=offsets,
            x_m=np.concatenate([k[4] for k in kept]) if kept else np.empty(0),
            y_m=np.concatenate([k[5] for k in kept]) if kept else np.empty(0),
            sample_mover=sample_mover,
            sample_tick=first[sample_mover] + within,
        )

    def at_times(self, t_rel: F8) -> tuple[I8, I8, F8, F8]:
        """Every mover alive at each of the sorted times ``t_rel`` (s after the start).

        Returns ``(mover, time_index, x, y)`` for each (mover, time) pair, positions linearly
        interpolated between the 1 s samples.
        """
        first = self.first_tick.astype(np.float64)
        counts_samples = np.diff(self.offsets)
        last = first + counts_samples - 1
        lo = np.searchsorted(t_rel, first, side="left")
        hi = np.searchsorted(t_rel, last, side="right")
        n = np.maximum(hi - lo, 0)
        mover = np.repeat(np.arange(len(self), dtype=np.int64), n)
        starts = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
        time_index = np.arange(int(n.sum()), dtype=np.int64) - starts[mover] + lo[mover]
        u = t_rel[time_index] - first[mover]
        j = np.clip(np.floor(u).astype(np.int64), 0, np.maximum(counts_samples[mover] - 2, 0))
        frac = u - j
        base = self.offsets[:-1][mover] + j
        nxt = np.minimum(base + 1, self.offsets[1:][mover] - 1)
        x = self.x_m[base] + frac * (self.x_m[nxt] - self.x_m[base])
        y = self.y_m[base] + frac * (self.y_m[nxt] - self.y_m[base])
        return mover, time_index, x, y


# -- the border as a line to plan against ---------------------------------------------------


class BorderLine:
    """The boundary inside the sector as one line: points, tangents and normals by distance."""

    def __init__(self, sector: Sector) -> None:
        clipped = shapely.intersection(sector.boundary_local, sector.extent_local)
        inside = shapely.line_merge(clipped)
        parts = [p for p in shapely.get_parts(inside) if p.geom_type == "LineString"]
        if not parts:
            raise ScenarioError(f"sector {sector.name!r} has no boundary line", field="sector")
        self.line = max(parts, key=lambda p: p.length)
        self.length = float(self.line.length)
        self.sector = sector

    def point(self, s: F8) -> tuple[F8, F8]:
        c = shapely.get_coordinates(shapely.line_interpolate_point(self.line, s))
        return c[:, 0], c[:, 1]

    def frame(self, s: F8) -> tuple[F8, F8, F8, F8, F8, F8]:
        """Point, unit tangent and unit normal pointing into Canada at each distance ``s``."""
        px, py = self.point(s)
        ax, ay = self.point(np.clip(s - 25.0, 0.0, self.length))
        bx, by = self.point(np.clip(s + 25.0, 0.0, self.length))
        tx, ty = bx - ax, by - ay
        norm = np.hypot(tx, ty)
        tx, ty = tx / norm, ty / norm
        nx, ny = -ty, tx
        flip = ~self.sector.is_canada_xy(px + 5.0 * nx, py + 5.0 * ny)
        sign = np.where(flip, -1.0, 1.0)
        return px, py, tx, ty, nx * sign, ny * sign

    def at_lon(self, lon: Sequence[float]) -> F8:
        """Distance along the line of the line's point at each longitude."""
        f = self.sector.frame
        x, y = self.sector.nearest_border_point_xy(*f.to_local(lon, np.full(len(lon), f.lat0)))
        return self.locate(x, y)

    def locate(self, x: F8, y: F8) -> F8:
        return np.asarray(shapely.line_locate_point(self.line, shapely.points(x, y)), float)

    def allowed(self, clearance_m: float) -> list[tuple[float, float]]:
        """Stretches of the line (by distance) away from the ends and ``clearance_m`` from ports."""
        spans = [(_END_MARGIN_M, self.length - _END_MARGIN_M)]
        ports = self.sector.ports
        if ports:
            lon = [p.lon for p in ports]
            lat = [p.lat for p in ports]
            cx, cy = self.sector.nearest_border_point_xy(*self.sector.frame.to_local(lon, lat))
            for sp in np.sort(self.locate(cx, cy)):
                a, b = sp - clearance_m, sp + clearance_m
                spans = [
                    piece for lo, hi in spans for piece in ((lo, min(hi, a)), (max(lo, b), hi))
                ]
        spans = [(lo, hi) for lo, hi in spans if hi > lo]
        if not spans:
            raise ScenarioError(
                f"sector {self.sector.name!r} has no stretch of border {clearance_m:g} m "
                "from its ports to cross at",
                field="movers",
            )
        return spans


def _draw_along(rng: np.random.Generator, spans: list[tuple[float, float]], n: int) -> F8:
    lo = np.array([a for a, _ in spans])
    size = np.array([b - a for a, b in spans])
    u = rng.random(n) * size.sum()
    cum = np.cumsum(size)
    k = np.minimum(np.searchsorted(cum, u, side="right"), len(spans) - 1)
    return np.asarray(lo[k] + (u - (cum[k] - size[k])), dtype=np.float64)


def _clamp_to_spans(s: F8, spans: list[tuple[float, float]]) -> F8:
    lo = np.array([a for a, _ in spans])
    hi = np.array([b for _, b in spans])
    gap = np.maximum(np.maximum(lo[None, :] - s[:, None], s[:, None] - hi[None, :]), 0.0)
    k = np.argmin(gap, axis=1)
    return np.clip(s, lo[k], hi[k])


def _modes(rng: np.random.Generator, modes: Sequence[ModeSpec], n: int) -> list[ModeSpec]:
    w = np.array([m.weight for m in modes], dtype=np.float64)
    return [modes[int(i)] for i in rng.choice(len(modes), size=n, p=w / w.sum())]


def _headings(rng: np.random.Generator, legs: int, max_turn_deg: float) -> F8:
    """A gentle random walk of headings off the normal, radians."""
    first = rng.uniform(-20.0, 20.0)
    turns = rng.uniform(-max_turn_deg, max_turn_deg, legs - 1)
    deg = np.clip(
        first + np.concatenate([[0.0], np.cumsum(turns)]), -_MAX_HEADING_DEG, _MAX_HEADING_DEG
    )
    return np.radians(deg)


def _leg_times(
    rng: np.random.Generator, x: F8, y: F8, mode: ModeSpec, pauses: dict[int, float]
) -> tuple[F8, F8, F8]:
    """Knot times from 0 for waypoints (x, y) at the mode's speed; ``pauses`` by waypoint."""
    lo, hi = mode.speed_mps
    base = rng.uniform(lo, hi)
    speed = np.clip(base * rng.uniform(*_SPEED_JITTER, len(x) - 1), max(lo, 0.1), hi)
    dt = np.hypot(np.diff(x), np.diff(y)) / speed
    t_out, x_out, y_out = [0.0], [float(x[0])], [float(y[0])]
    for k in range(len(dt)):
        t = t_out[-1] + float(dt[k])
        t_out.append(t)
        x_out.append(float(x[k + 1]))
        y_out.append(float(y[k + 1]))
        if k + 1 in pauses:
            t_out.append(t + pauses[k + 1])
            x_out.append(float(x[k + 1]))
            y_out.append(float(y[k + 1]))
    return np.array(t_out), np.array(x_out), np.array(y_out)


def _across_path(
    rng: np.random.Generator,
    line: BorderLine,
    s: float,
    side: float,
    across: F8,
    anchor: int,
    max_turn_deg: float,
) -> tuple[F8, F8]:
    """Waypoints at signed distances ``across`` from the line (start side positive).

    The waypoint ``anchor`` lies on the normal through the line point at ``s``; the others
    drift along the line by the heading walk.
    """
    px, py, tx, ty, nx, ny = (float(v[0]) for v in line.frame(np.array([s])))
    drift = np.abs(np.diff(across)) * np.tan(_headings(rng, len(across) - 1, max_turn_deg))
    along = np.concatenate([[0.0], np.cumsum(drift)])
    along -= along[anchor]
    d = across * side
    return px + along * tx + d * nx, py + along * ty + d * ny


def _split(rng: np.random.Generator, far: float, near: float, legs: int) -> F8:
    """``legs`` legs from ``far`` down to ``near`` (both included), uneven lengths."""
    inner = np.sort(rng.uniform(near, far, legs - 1))[::-1]
    return np.concatenate([[far], inner, [near]])


# -- the three kinds of mover -------------------------------------------------------------


def _port_traffic(
    rng: np.random.Generator, spec: PortTrafficSpec, sector: Sector, duration_s: float
) -> list[_Plan]:
    if spec.vehicles_per_hour <= 0.0 or not sector.ports:
        return []
    _, y_min, _, y_max = sector.extent_local.bounds
    lon = [p.lon for p in sector.ports]
    lat = [p.lat for p in sector.ports]
    road_x, road_y = sector.frame.to_local(lon, lat)
    _, cy = sector.nearest_border_point_xy(road_x, road_y)
    lo, hi = spec.speed_mps
    pre = (y_max - y_min) / lo  # a vehicle can be on the road this long around its crossing
    window = duration_s + 2.0 * pre
    plans: list[_Plan] = []
    for i, port in enumerate(sector.ports):
        for northbound in (True, False):
            n = int(rng.poisson(spec.vehicles_per_hour / 2.0 * window / 3600.0))
            t_cross = np.sort(rng.uniform(-pre, duration_s + pre, n))
            speed = rng.uniform(lo, hi, n)
            x = float(road_x[i]) + (_LANE_OFFSET_M if northbound else -_LANE_OFFSET_M)
            y_line = float(cy[i])
            y0, y1 = (y_min, y_max) if northbound else (y_max, y_min)
            t0 = t_cross - abs(y_line - y0) / speed
            t1 = t_cross + abs(y1 - y_line) / speed
            heading = "n" if northbound else "s"
            for k in range(n):
                plans.append(
                    _Plan(
                        f"port-{port.code}-{heading}{k:04d}",
                        MoverKind.PORT_TRAFFIC,
                        "vehicle",
                        np.array([t0[k], t1[k]]),
                        np.array([x, x]),
                        np.array([y0, y1]),
                    )
                )
    plans.sort(key=lambda p: (float(p.t[0]), p.mover_id))
    return plans


def _crossers(
    rng: np.random.Generator, spec: CrossersSpec, line: BorderLine, duration_s: float
) -> list[_Plan]:
    if spec.count == 0:
        return []
    spans = line.allowed(spec.port_clearance_m)
    s = _draw_along(rng, spans, spec.count)
    if spec.trail_lons:
        trail_s = line.at_lon(spec.trail_lons)
        bad = np.flatnonzero(_clamp_to_spans(trail_s, spans) != trail_s)
        if bad.size:
            where = f"movers.crossers.trail_lons[{bad[0]}]"
            raise ScenarioError(
                f"{where}: trail at lon {spec.trail_lons[bad[0]]} is not on the sector's border "
                f"at least {spec.port_clearance_m:g} m from the ports and "
                f"{_END_MARGIN_M:g} m from the sector's ends",
                field=where,
            )
        on_trail = rng.random(spec.count) < spec.trail_fraction
        pick = rng.integers(0, len(trail_s), spec.count)
        jitter = rng.normal(0.0, spec.trail_spread_m, spec.count)
        s = np.where(on_trail, _clamp_to_spans(trail_s[pick] + jitter, spans), s)
    sides = np.where(rng.random(spec.count) < 0.5, 1.0, -1.0)
    t_cross = rng.uniform(_ACTIVE[0] * duration_s, _ACTIVE[1] * duration_s, spec.count)
    modes = _modes(rng, spec.modes, spec.count)
    plans = []
    for k in range(spec.count):
        pre_legs, post_legs = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        pre = _split(rng, rng.uniform(*spec.start_distance_m), 0.0, pre_legs)
        post = -_split(rng, rng.uniform(*spec.beyond_m), 0.0, post_legs)[::-1]
        across = np.concatenate([pre, post[1:]])
        x, y = _across_path(
            rng, line, float(s[k]), float(sides[k]), across, pre_legs, spec.max_turn_deg
        )
        dwell = rng.uniform(*spec.end_dwell_s)
        t, x, y = _leg_times(rng, x, y, modes[k], {len(across) - 1: dwell} if dwell else {})
        t_line = t[pre_legs]
        plans.append(
            _Plan(
                f"crosser-{k:03d}",
                MoverKind.CROSSER,
                modes[k].name,
                t + (t_cross[k] - t_line),
                x,
                y,
            )
        )
    return plans


def _loiterers(
    rng: np.random.Generator, spec: LoiterersSpec, line: BorderLine, duration_s: float
) -> list[_Plan]:
    if spec.count == 0:
        return []
    s = _draw_along(rng, line.allowed(spec.port_clearance_m), spec.count)
    sides = np.where(rng.random(spec.count) < 0.5, 1.0, -1.0)
    t_close = rng.uniform(_ACTIVE[0] * duration_s, _ACTIVE[1] * duration_s, spec.count)
    closest = rng.uniform(spec.min_approach_m, spec.max_approach_m, spec.count)
    modes = _modes(rng, spec.modes, spec.count)
    plans = []
    for k in range(spec.count):
        in_legs, out_legs = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        near = float(closest[k])
        approach = _split(rng, rng.uniform(*spec.start_distance_m), near, in_legs)
        back = _split(rng, rng.uniform(*spec.start_distance_m), near, out_legs)[::-1]
        across = np.concatenate([approach, back[1:]])
        x, y = _across_path(
            rng, line, float(s[k]), float(sides[k]), across, in_legs, spec.max_turn_deg
        )
        pause = rng.uniform(*spec.pause_s)
        t, x, y = _leg_times(rng, x, y, modes[k], {in_legs: pause} if pause else {})
        plans.append(
            _Plan(
                f"loiterer-{k:03d}",
                MoverKind.LOITERER,
                modes[k].name,
                t + (t_close[k] - t[in_legs]),
                x,
                y,
            )
        )
    return plans


def sample_movers(
    scenario: Scenario, sector: Sector, rngs: Sequence[np.random.Generator]
) -> Trajectories:
    """Plan and sample every mover.

    ``rngs`` are three independent streams: port traffic, crossers, loiterers.
    """
    spec = scenario.movers
    plans = _port_traffic(rngs[0], spec.port_traffic, sector, scenario.duration_s)
    if spec.crossers.count or spec.loiterers.count:
        line = BorderLine(sector)
        plans += _crossers(rngs[1], spec.crossers, line, scenario.duration_s)
        plans += _loiterers(rngs[2], spec.loiterers, line, scenario.duration_s)
    return Trajectories.from_waypoints(
        [(p.mover_id, p.kind, p.mode, p.t, p.x, p.y) for p in plans], scenario.duration_s
    )
