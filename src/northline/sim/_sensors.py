"""Sensor models: scanning towers with clutter, and unattended ground sensors with hold-off.

Both work on whole arrays: a tower's every (mover, scan) pair at once, a UGS's every path
segment at once. The only Python loops are over sensors.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..geo import Sector
from ..model import Columnar, InvalidInput, ScenarioError, SensorKind, column
from ._movers import BorderLine, Trajectories
from ._scenario import FixedSite, Scenario, Site, TowerSpec, UgsSpec

__all__ = [
    "Detections",
    "RawDetections",
    "SensorInfo",
    "detect",
    "read_sensors",
    "resolve_sensors",
    "write_sensors",
]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]
Obj = npt.NDArray[np.object_]

SENSORS_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorInfo:
    """A sensor as placed in the sector: what ``sensors.json`` lists.

    ``range_m`` is a tower's detection range or a UGS's trigger radius (written ``radius_m``).
    The scan fields are a tower's, the alarm fields a UGS's; the other kind has them at 0.
    """

    sensor_id: str
    kind: SensorKind
    lon: float
    lat: float
    range_m: float
    sigma_m: float
    pd: float
    scan_period_s: float = 0.0
    phase_s: float = 0.0
    clutter_per_scan: float = 0.0
    false_alarms_per_hour: float = 0.0
    min_interval_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        if self.kind == SensorKind.TOWER:
            return {
                "id": self.sensor_id,
                "kind": self.kind.value,
                "lon": self.lon,
                "lat": self.lat,
                "range_m": self.range_m,
                "scan_period_s": self.scan_period_s,
                "phase_s": self.phase_s,
                "sigma_m": self.sigma_m,
                "pd": self.pd,
                "clutter_per_scan": self.clutter_per_scan,
            }
        return {
            "id": self.sensor_id,
            "kind": self.kind.value,
            "lon": self.lon,
            "lat": self.lat,
            "radius_m": self.range_m,
            "sigma_m": self.sigma_m,
            "pd": self.pd,
            "false_alarms_per_hour": self.false_alarms_per_hour,
            "min_interval_s": self.min_interval_s,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SensorInfo:
        try:
            kind = SensorKind(d["kind"])
            return cls(
                sensor_id=str(d["id"]),
                kind=kind,
                lon=float(d["lon"]),
                lat=float(d["lat"]),
                range_m=float(d["range_m"] if kind == SensorKind.TOWER else d["radius_m"]),
                sigma_m=float(d["sigma_m"]),
                pd=float(d["pd"]),
                scan_period_s=float(d.get("scan_period_s", 0.0)),
                phase_s=float(d.get("phase_s", 0.0)),
                clutter_per_scan=float(d.get("clutter_per_scan", 0.0)),
                false_alarms_per_hour=float(d.get("false_alarms_per_hour", 0.0)),
                min_interval_s=float(d.get("min_interval_s", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"not a sensor description: {exc}", field="sensors") from exc


def write_sensors(sensors: Sequence[SensorInfo], path: Path, *, scenario: str) -> None:
    doc = {
        "version": SENSORS_VERSION,
        "scenario": scenario,
        "sensors": [s.to_dict() for s in sensors],
    }
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def read_sensors(path: str | Path) -> tuple[SensorInfo, ...]:
    """The sensors of a ``sensors.json`` written by :func:`write_outputs`."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        items = doc["sensors"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"cannot read sensors from {path}: {exc}", path=str(path)) from exc
    return tuple(SensorInfo.from_dict(d) for d in items)


# -- placing the sensors ----------------------------------------------------------------------


def _place(
    site: Site, sector: Sector, line: BorderLine | None, where: str
) -> tuple[float, float, float, float]:
    """(x, y, lon, lat) of a site; a line site goes on the sector's boundary plus its offset."""
    if isinstance(site, FixedSite):
        lon, lat = site.lon, site.lat
    else:
        if not sector.lon_min <= site.lon <= sector.lon_max or line is None:
            raise ScenarioError(f"{where}: lon {site.lon} is outside the sector", field=where)
        px, py, _, _, nx, ny = line.frame(line.at_lon([site.lon]))
        x, y = float(px[0] + site.offset_m * nx[0]), float(py[0] + site.offset_m * ny[0])
        lon_a, lat_a = sector.frame.to_lonlat(x, y)
        lon, lat = float(lon_a), float(lat_a)
    if not bool(sector.contains(lon, lat)):
        raise ScenarioError(
            f"{where}: sensor at ({lon:.6f}, {lat:.6f}) is outside sector {sector.name!r}",
            field=where,
        )
    x_a, y_a = sector.frame.to_local(lon, lat)
    return float(x_a), float(y_a), lon, lat


def resolve_sensors(scenario: Scenario, sector: Sector) -> tuple[tuple[SensorInfo, ...], F8, F8]:
    """Every sensor placed: towers first, then UGS; with their local x and y."""
    sites = [t.site for t in scenario.towers] + [u.site for u in scenario.ugs]
    line = None if all(isinstance(s, FixedSite) for s in sites) else BorderLine(sector)
    infos: list[SensorInfo] = []
    xs: list[float] = []
    ys: list[float] = []
    for i, t in enumerate(scenario.towers):
        x, y, lon, lat = _place(t.site, sector, line, f"towers[{i}]")
        infos.append(
            SensorInfo(
                sensor_id=t.sensor_id,
                kind=SensorKind.TOWER,
                lon=lon,
                lat=lat,
                range_m=t.range_m,
                sigma_m=t.sigma_m,
                pd=t.pd,
                scan_period_s=t.scan_period_s,
                phase_s=t.phase_s,
                clutter_per_scan=t.clutter_per_scan,
            )
        )
        xs.append(x)
        ys.append(y)
    for i, u in enumerate(scenario.ugs):
        x, y, lon, lat = _place(u.site, sector, line, f"ugs[{i}]")
        infos.append(
            SensorInfo(
                sensor_id=u.sensor_id,
                kind=SensorKind.UGS,
                lon=lon,
                lat=lat,
                range_m=u.radius_m,
                sigma_m=u.radius_m,
                pd=u.pd,
                false_alarms_per_hour=u.false_alarms_per_hour,
                min_interval_s=u.min_interval_s,
            )
        )
        xs.append(x)
        ys.append(y)
    return tuple(infos), np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


# -- detecting -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawDetections:
    """Detections of one or more sensors, local frame, times in seconds after the start.

    ``mover`` indexes the trajectories, -1 for clutter and false alarms; ``order`` is a random
    key that shuffles detections sharing a time (so a scan's list does not give away which
    detections are real).
    """

    t_rel: F8
    sensor: I8
    x_m: F8
    y_m: F8
    mover: I8
    order: F8

    @classmethod
    def concat(cls, parts: Sequence[RawDetections]) -> RawDetections:
        if not parts:
            e = np.empty(0)
            return cls(e, np.empty(0, np.int64), e, e, np.empty(0, np.int64), e)
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in names))


def _tower(
    spec: TowerSpec,
    index: int,
    x0: float,
    y0: float,
    traj: Trajectories,
    duration_s: float,
    rng: np.random.Generator,
) -> RawDetections:
    n_scans = math.floor((duration_s - spec.phase_s) / spec.scan_period_s) + 1
    scans = spec.phase_s + spec.scan_period_s * np.arange(max(n_scans, 0), dtype=np.float64)
    mover, scan, x, y = traj.at_times(scans)
    seen = ((x - x0) ** 2 + (y - y0) ** 2 <= spec.range_m**2) & (rng.random(len(x)) < spec.pd)
    hits = np.flatnonzero(seen)
    noise = rng.normal(0.0, spec.sigma_m, (2, hits.size))
    per_scan = rng.poisson(spec.clutter_per_scan, scans.size)
    clutter_scan = np.repeat(np.arange(scans.size), per_scan)
    r = spec.range_m * np.sqrt(rng.random(clutter_scan.size))
    bearing = 2.0 * np.pi * rng.random(clutter_scan.size)
    n = hits.size + clutter_scan.size
    return RawDetections(
        t_rel=np.concatenate([scans[scan[hits]], scans[clutter_scan]]),
        sensor=np.full(n, index, dtype=np.int64),
        x_m=np.concatenate([x[hits] + noise[0], x0 + r * np.sin(bearing)]),
        y_m=np.concatenate([y[hits] + noise[1], y0 + r * np.cos(bearing)]),
        mover=np.concatenate([mover[hits], np.full(clutter_scan.size, -1, dtype=np.int64)]),
        order=rng.random(n),
    )


def _entry_times(traj: Trajectories, x0: float, y0: float, radius_m: float) -> tuple[F8, I8]:
    """Time (s after start) and mover of each entry of a path into the disc around (x0, y0)."""
    seg = np.flatnonzero(traj.sample_mover[:-1] == traj.sample_mover[1:])
    ax, ay = traj.x_m[seg] - x0, traj.y_m[seg] - y0
    dx, dy = traj.x_m[seg + 1] - traj.x_m[seg], traj.y_m[seg + 1] - traj.y_m[seg]
    aa = dx * dx + dy * dy
    b = ax * dx + ay * dy
    c = ax * ax + ay * ay - radius_m**2
    # |a + u d|^2 = r^2: a segment touches the disc when the quadratic has a root in [0, 1]
    # or starts inside; the entry is the smaller root.
    disc = b * b - aa * c
    with np.errstate(invalid="ignore", divide="ignore"):
        u_in = np.where(aa > 0, (-b - np.sqrt(np.maximum(disc, 0.0))) / aa, 0.0)
    touches = (c <= 0) | ((disc >= 0) & (aa > 0) & (u_in >= 0) & (u_in <= 1))
    # a pass begins at a touching segment whose predecessor (same mover) does not touch
    prev_touch = np.zeros_like(touches)
    contiguous = np.zeros_like(touches)
    contiguous[1:] = seg[1:] == seg[:-1] + 1
    prev_touch[1:] = touches[:-1]
    begins = touches & ~(contiguous & prev_touch)
    u = np.where(c[begins] <= 0, 0.0, u_in[begins])
    t = traj.sample_tick[seg[begins]] + u
    return t.astype(np.float64), traj.sample_mover[seg[begins]]


def holdoff_mask(t_sorted: F8, min_interval_s: float) -> npt.NDArray[np.bool_]:
    """Which of the sorted firing times survive a hold-off of ``min_interval_s`` after each firing.

    The first time fires; each next firing is the first time at least ``min_interval_s`` after
    the last. The chain is followed by pointer doubling, in O(n log n) array operations.
    """
    n = t_sorted.size
    keep = np.zeros(n + 1, dtype=bool)
    if n == 0:
        return keep[:0]
    jump = np.append(np.searchsorted(t_sorted, t_sorted + min_interval_s, side="left"), n)
    jump[:-1] = np.maximum(jump[:-1], np.arange(1, n + 1))  # always move forward
    keep[0] = True
    while True:  # keep = {jump^k(0) : k < 2^m} after m rounds; stops once the chain ends
        before = int(keep.sum())
        keep[jump[keep]] = True
        if int(keep.sum()) == before:
            return keep[:n]
        jump = jump[jump]


def _ugs(
    spec: UgsSpec,
    index: int,
    x0: float,
    y0: float,
    traj: Trajectories,
    duration_s: float,
    rng: np.random.Generator,
) -> RawDetections:
    t_pass, mover = _entry_times(traj, x0, y0, spec.radius_m)
    fired = rng.random(t_pass.size) < spec.pd
    n_false = int(rng.poisson(spec.false_alarms_per_hour * duration_s / 3600.0))
    t = np.concatenate([t_pass[fired], rng.uniform(0.0, duration_s, n_false)])
    who = np.concatenate([mover[fired], np.full(n_false, -1, dtype=np.int64)])
    order = np.argsort(t, kind="stable")
    t, who = t[order], who[order]
    keep = holdoff_mask(t, spec.min_interval_s)
    n = int(keep.sum())
    return RawDetections(
        t_rel=t[keep],
        sensor=np.full(n, index, dtype=np.int64),
        x_m=np.full(n, x0),
        y_m=np.full(n, y0),
        mover=who[keep],
        order=rng.random(n),
    )


def detect(
    scenario: Scenario,
    sensor_x: F8,
    sensor_y: F8,
    traj: Trajectories,
    rngs: Sequence[np.random.Generator],
) -> RawDetections:
    """Every sensor's detections; ``rngs`` has one stream per sensor (towers, then UGS)."""
    parts = []
    for i, tower in enumerate(scenario.towers):
        parts.append(
            _tower(
                tower, i, float(sensor_x[i]), float(sensor_y[i]), traj, scenario.duration_s, rngs[i]
            )
        )
    base = len(scenario.towers)
    for j, ugs in enumerate(scenario.ugs):
        k = base + j
        parts.append(
            _ugs(ugs, k, float(sensor_x[k]), float(sensor_y[k]), traj, scenario.duration_s, rngs[k])
        )
    return RawDetections.concat(parts)


@dataclass(frozen=True, slots=True)
class Detections(Columnar):
    """What the sensors reported, one row per CoT event, in event order.

    Columns are declared with ``column(...)``, a ``dataclasses.field`` carrying the dtype, hence
    the RUF009 waivers (as for the model's batches).

    ``mover_id`` says which true mover caused a detection ("" for clutter and false alarms):
    the simulator's labels, for scoring trackers, never in the wire output.
    """

    t_s: F8 = column(np.float64, math.nan)
    sensor_id: Obj = column(object, "")
    sensor_kind: Obj = column(object, SensorKind.OTHER.value)
    seq: I8 = column(np.int64, 0)
    lon: F8 = column(np.float64, math.nan)
    lat: F8 = column(np.float64, math.nan)
    x_m: F8 = column(np.float64, math.nan)
    y_m: F8 = column(np.float64, math.nan)
    sigma_m: F8 = column(np.float64, math.nan)
    mover_id: Obj = column(object, "")
