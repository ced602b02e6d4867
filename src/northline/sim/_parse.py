"""Reading scenario TOML: every value checked, every bad one named by its dotted path.

Field paths in :class:`~northline.model.ScenarioError` are dotted, with list items indexed:
``towers[2].pd``, ``movers.crossers.modes.foot.speed_mps``. ``[tracker]`` and ``[border]``
tables are kept raw on :attr:`Scenario.pipeline`; any other unknown key is an error.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..geo import PortOfEntry
from ..model import InvalidInput, Marking, NotFound, ScenarioError, parse_iso
from ._scenario import (
    DEFAULT_MODES,
    CrossersSpec,
    FixedSite,
    LineSite,
    LoiterersSpec,
    ModeSpec,
    MoversSpec,
    PortTrafficSpec,
    Scenario,
    SectorSpec,
    Site,
    TowerSpec,
    UgsSpec,
)

__all__ = ["load_scenario", "parse_scenario"]

_PIPELINE_TABLES = ("tracker", "border")
_SENSOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_MISSING: Any = object()  # sentinel: the key is required
_DEFAULT_SPEEDS = {m.name: m.speed_mps for m in DEFAULT_MODES}


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file; its name defaults to the file's stem."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise NotFound(f"scenario file {p} does not exist", path=str(p)) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{p}: not valid TOML: {exc}", field="", path=str(p)) from exc
    return parse_scenario(data, name=p.stem)


def parse_scenario(data: Mapping[str, Any], *, name: str = "scenario") -> Scenario:
    """A scenario from a parsed TOML document; ``name`` is used when it has no ``name``."""
    top = _Table(data, "")
    pipeline: dict[str, dict[str, Any]] = {}
    for key in _PIPELINE_TABLES:
        value = top.take(key, dict, {})
        if value:
            pipeline[key] = dict(value)
    assets = top.take("assets", list, [])
    if not all(isinstance(a, dict) for a in assets):
        raise ScenarioError("assets: must be an array of tables ([[assets]])", field="assets")
    scenario_name = top.take("name", str, name)
    if not scenario_name.strip():
        raise ScenarioError("name: must not be empty", field="name")
    seed = top.take("seed", int)
    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}", field="seed")
    start_text = top.take("start", str)
    try:
        start_s = parse_iso(start_text)
    except ValueError as exc:
        raise ScenarioError(
            f"start: {start_text!r} is not an ISO 8601 UTC time like 2026-01-15T02:00:00Z",
            field="start",
        ) from exc
    duration_s = top.number("duration_s", lo=1.0)
    sector = _sector(top.table("sector"))
    ports = tuple(_port(t) for t in top.tables("ports"))
    _unique([p.code for p in ports], "ports", "code")
    marking = _marking(top.table("marking", required=False))
    towers = tuple(_tower(t) for t in top.tables("towers"))
    ugs = tuple(_ugs(t) for t in top.tables("ugs"))
    ids = [t.sensor_id for t in towers] + [u.sensor_id for u in ugs]
    _unique(ids, "towers/ugs", "id")
    movers = _movers(top.table("movers", required=False))
    top.done()
    return Scenario(
        name=scenario_name,
        seed=seed,
        start_s=start_s,
        duration_s=duration_s,
        sector=sector,
        ports=ports,
        marking=marking,
        towers=towers,
        ugs=ugs,
        movers=movers,
        pipeline=pipeline,
        assets=tuple(dict(a) for a in assets),
    )


class _Table:
    """One TOML table being read: typed lookups with paths, and a check for unknown keys."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.where(key)}: {message}", field=self.where(key))

    def take(self, key: str, kind: type[Any], default: Any = _MISSING) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise self.fail(key, f"must be {_KIND_NAMES[kind]}, got {value!r}")
        return value

    def number(
        self, key: str, default: float = _MISSING, *, lo: float = 0.0, hi: float = math.inf
    ) -> float:
        """A finite number in [lo, hi] (an integer is a number)."""
        self.used.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.fail(key, "is required")
            return default
        return _as_number(self.data[key], self.where(key), lo, hi)

    def count(self, key: str, default: int) -> int:
        value = int(self.take(key, int, default))
        if value < 0:
            raise self.fail(key, f"must be >= 0, got {value}")
        return value

    def span(
        self, key: str, default: tuple[float, float], *, lo: float = 0.0
    ) -> tuple[float, float]:
        """A ``[low, high]`` range of numbers with ``lo <= low <= high``."""
        value = self.take(key, list, _MISSING if default is _MISSING else list(default))
        where = self.where(key)
        if len(value) != 2:
            raise ScenarioError(f"{where}: must be [low, high], got {value!r}", field=where)
        a = _as_number(value[0], f"{where}[0]", lo, math.inf)
        b = _as_number(value[1], f"{where}[1]", lo, math.inf)
        if a > b:
            raise ScenarioError(f"{where}: low {a} is above high {b}", field=where)
        return (a, b)

    def table(self, key: str, *, required: bool = True) -> _Table:
        value = self.take(key, dict, _MISSING if required else {})
        return _Table(value, self.where(key))

    def tables(self, key: str) -> list[_Table]:
        value = self.take(key, list, [])
        out = []
        for i, item in enumerate(value):
            where = f"{self.where(key)}[{i}]"
            if not isinstance(item, dict):
                raise ScenarioError(f"{where}: must be a table, got {item!r}", field=where)
            out.append(_Table(item, where))
        return out

    def site(self) -> Site:
        lon = self.number("lon", lo=-180.0, hi=180.0)
        has_lat, has_offset = "lat" in self.data, "line_offset_m" in self.data
        if has_lat == has_offset:
            raise self.fail("lat", "give exactly one of lat and line_offset_m")
        if has_lat:
            return FixedSite(lon, self.number("lat", lo=-90.0, hi=90.0))
        return LineSite(lon, self.number("line_offset_m", lo=-math.inf))

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], f"unknown key (known: {', '.join(sorted(self.used))})")


_KIND_NAMES: dict[type[Any], str] = {
    str: "a string",
    int: "an integer",
    list: "a list",
    dict: "a table",
}


def _as_number(value: Any, where: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: must be a number, got {value!r}", field=where)
    x = float(value)
    if not math.isfinite(x) or not lo <= x <= hi:
        bounds = f">= {lo:g}" if hi == math.inf else f"in [{lo:g}, {hi:g}]"
        raise ScenarioError(f"{where}: must be {bounds}, got {value!r}", field=where)
    return x


def _unique(values: list[str], where: str, key: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ScenarioError(f"{where}: duplicate {key} {v!r}", field=where)
        seen.add(v)


def _sensor_id(t: _Table) -> str:
    value = str(t.take("id", str))
    if not _SENSOR_ID.match(value):
        raise t.fail("id", f"{value!r} is not an id (letters, digits, '_', '.', ':', '-')")
    return value


def _sector(t: _Table) -> SectorSpec:
    spec = SectorSpec(
        name=t.take("name", str),
        lon=t.number("lon", lo=-180.0, hi=180.0),
        lat=t.number("lat", lo=-90.0, hi=90.0),
        length_km=t.number("length_km", 40.0, lo=1.0, hi=2000.0),
        depth_km=t.number("depth_km", 20.0, lo=1.0, hi=1000.0),
    )
    t.done()
    return spec


def _port(t: _Table) -> PortOfEntry:
    code = t.take("code", str)
    if not code.strip():
        raise t.fail("code", "must not be empty")
    port = PortOfEntry(
        code=code,
        name=t.take("name", str, code),
        lon=t.number("lon", lo=-180.0, hi=180.0),
        lat=t.number("lat", lo=-90.0, hi=90.0),
        radius_m=t.number("radius_m", 400.0, lo=1.0),
    )
    t.done()
    return port


def _marking(t: _Table) -> Marking:
    agency = t.take("agency", str, "RCMP")
    releasability = t.take("releasability", str, "CAN")
    t.done()
    try:
        return Marking(agency, releasability)
    except InvalidInput as exc:
        key = str(exc.context.get("field", "agency"))
        raise t.fail(key, exc.message) from exc


def _tower(t: _Table) -> TowerSpec:
    spec = TowerSpec(
        sensor_id=_sensor_id(t),
        site=t.site(),
        range_m=t.number("range_m", lo=1.0),
        pd=t.number("pd", lo=0.0, hi=1.0),
        clutter_per_scan=t.number("clutter_per_scan", 0.0),
        sigma_m=t.number("sigma_m", lo=0.0),
        scan_period_s=t.number("scan_period_s", lo=0.01),
        phase_s=t.number("phase_s", 0.0),
    )
    t.done()
    return spec


def _ugs(t: _Table) -> UgsSpec:
    spec = UgsSpec(
        sensor_id=_sensor_id(t),
        site=t.site(),
        radius_m=t.number("radius_m", lo=0.1),
        pd=t.number("pd", lo=0.0, hi=1.0),
        false_alarms_per_hour=t.number("false_alarms_per_hour", 0.0),
        min_interval_s=t.number("min_interval_s", 0.0),
    )
    t.done()
    return spec


def _modes(t: _Table) -> tuple[ModeSpec, ...]:
    if "modes" not in t.data:
        t.used.add("modes")
        return DEFAULT_MODES
    table = t.table("modes")
    modes = []
    for key in table.data:
        sub = table.table(key)
        default_speed = _DEFAULT_SPEEDS.get(key, _MISSING)
        modes.append(ModeSpec(key, sub.number("weight", 1.0), sub.span("speed_mps", default_speed)))
        if modes[-1].speed_mps[1] <= 0.0:
            raise sub.fail("speed_mps", "the high end must be above 0")
        sub.done()
    if not modes or sum(m.weight for m in modes) <= 0.0:
        raise ScenarioError(
            f"{table.path}: need at least one mode with a weight above 0", field=table.path
        )
    return tuple(modes)


def _movers(t: _Table) -> MoversSpec:
    pt = t.table("port_traffic", required=False)
    port_traffic = PortTrafficSpec(
        vehicles_per_hour=pt.number("vehicles_per_hour", 0.0, hi=10_000.0),
        speed_mps=pt.span("speed_mps", PortTrafficSpec().speed_mps, lo=0.1),
    )
    pt.done()
    ct = t.table("crossers", required=False)
    d = CrossersSpec()
    crossers = CrossersSpec(
        count=ct.count("count", 0),
        modes=_modes(ct),
        start_distance_m=ct.span("start_distance_m", d.start_distance_m, lo=1.0),
        beyond_m=ct.span("beyond_m", d.beyond_m, lo=1.0),
        end_dwell_s=ct.span("end_dwell_s", d.end_dwell_s),
        port_clearance_m=ct.number("port_clearance_m", d.port_clearance_m),
        max_turn_deg=ct.number("max_turn_deg", d.max_turn_deg, hi=45.0),
        trail_lons=tuple(
            _as_number(v, f"{ct.where('trail_lons')}[{i}]", -180.0, 180.0)
            for i, v in enumerate(ct.take("trail_lons", list, []))
        ),
        trail_fraction=ct.number("trail_fraction", d.trail_fraction, hi=1.0),
        trail_spread_m=ct.number("trail_spread_m", d.trail_spread_m),
    )
    if crossers.trail_fraction > 0.0 and not crossers.trail_lons:
        raise ct.fail("trail_fraction", "is above 0 but trail_lons is empty")
    ct.done()
    lt = t.table("loiterers", required=False)
    dl = LoiterersSpec()
    loiterers = LoiterersSpec(
        count=lt.count("count", 0),
        modes=_modes(lt),
        min_approach_m=lt.number("min_approach_m", dl.min_approach_m, lo=1.0),
        max_approach_m=lt.number("max_approach_m", dl.max_approach_m, lo=1.0),
        start_distance_m=lt.span("start_distance_m", dl.start_distance_m, lo=1.0),
        pause_s=lt.span("pause_s", dl.pause_s),
        port_clearance_m=lt.number("port_clearance_m", dl.port_clearance_m),
        max_turn_deg=lt.number("max_turn_deg", dl.max_turn_deg, hi=45.0),
    )
    if loiterers.min_approach_m > loiterers.max_approach_m:
        raise lt.fail("min_approach_m", "is above max_approach_m")
    if loiterers.max_approach_m >= loiterers.start_distance_m[0]:
        raise lt.fail("max_approach_m", "must be below the low end of start_distance_m")
    lt.done()
    t.done()
    return MoversSpec(port_traffic, crossers, loiterers)
