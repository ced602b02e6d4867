"""Responders: patrols, drones, helicopters and dog teams, and reading them from a scenario.

A scenario lists its responders as an array of tables, every key but ``id``, ``kind``, ``lon``
and ``lat`` optional (the kind's :data:`KIND_DEFAULTS` fill the rest)::

    [[assets]]
    id = "drone-1"            # unique, letters, digits and _.:-
    kind = "drone"            # patrol_vehicle, patrol_foot, snowmobile, boat, drone, helicopter, k9
    name = "Emerson drone 1"  # default: the id
    lon = -97.21              # where it is now (WGS84 degrees)
    lat = 49.01
    home_lon = -97.21         # its home base; default: where it is now
    home_lat = 49.01
    port_code = "0901"        # the port of entry it is based at, if any (dog teams)
    status = "available"      # an AssetStatus value
    speed_mps = 15.0          # cruise speed over the ground
    detour_factor = 1.0       # path length over straight-line distance (roads: 1.3)
    endurance_s = 2400.0      # full endurance; `inf` for a unit that can go on all shift
    endurance_left_s = 2400.0 # what is left now; default: endurance_s
    range_m = 1500.0          # how far it sees (a drone's camera range); 0: must be there
    recharge_s = 1200.0       # time to recharge or refuel
    crew = 0
    shift_start = "06:00"     # UTC time of day, "HH:MM" or a TOML local time; default 00:00
    shift_end = "18:00"       # default 24:00; a shift may run past midnight (22:00-06:00)
    agency = "RCMP"
    releasability = "CAN"

Bad values raise :class:`~northline.model.ScenarioError` (an ``InvalidInput``) whose ``field``
is the dotted path of the key, e.g. ``assets[2].speed_mps``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from ..model import DEFAULT_MARKING, InvalidInput, Marking, ScenarioError, content_id

__all__ = [
    "DAY_S",
    "DISPATCHABLE",
    "KIND_DEFAULTS",
    "Asset",
    "AssetEvent",
    "AssetKind",
    "AssetStatus",
    "KindDefaults",
    "asset_event",
    "load_assets",
    "with_positions",
]

DAY_S = 86_400.0
_ASSET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class AssetKind(StrEnum):
    PATROL_VEHICLE = "patrol_vehicle"
    PATROL_FOOT = "patrol_foot"
    SNOWMOBILE = "snowmobile"
    BOAT = "boat"
    DRONE = "drone"
    HELICOPTER = "helicopter"
    K9 = "k9"  # a detection-dog team; moves as a vehicle


class AssetStatus(StrEnum):
    AVAILABLE = "available"
    TASKED = "tasked"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RETURNING = "returning"
    OFF_DUTY = "off_duty"
    MAINTENANCE = "maintenance"  # includes a drone recharging


DISPATCHABLE = frozenset({AssetStatus.AVAILABLE, AssetStatus.RETURNING})
"""The statuses from which a responder may be recommended."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KindDefaults:
    """What a kind of responder is like unless the scenario says otherwise."""

    speed_mps: float
    endurance_s: float
    detour_factor: float = 1.0
    range_m: float = 0.0
    recharge_s: float = 0.0
    crew: int = 1


KIND_DEFAULTS: Mapping[AssetKind, KindDefaults] = MappingProxyType(
    {
        # Roads are not modelled: straight line, lengthened by a detour factor.
        AssetKind.PATROL_VEHICLE: KindDefaults(
            speed_mps=20.0, endurance_s=math.inf, detour_factor=1.3, crew=2
        ),
        AssetKind.PATROL_FOOT: KindDefaults(speed_mps=1.5, endurance_s=math.inf, crew=2),
        AssetKind.SNOWMOBILE: KindDefaults(speed_mps=12.0, endurance_s=4 * 3600.0, crew=1),
        # Water-only movement is out of scope: a boat goes in a straight line too.
        AssetKind.BOAT: KindDefaults(speed_mps=10.0, endurance_s=6 * 3600.0, crew=2),
        AssetKind.DRONE: KindDefaults(
            speed_mps=15.0, endurance_s=40 * 60.0, range_m=1500.0, recharge_s=20 * 60.0, crew=0
        ),
        AssetKind.HELICOPTER: KindDefaults(
            speed_mps=60.0, endurance_s=2.5 * 3600.0, range_m=500.0, recharge_s=30 * 60.0, crew=3
        ),
        AssetKind.K9: KindDefaults(speed_mps=20.0, endurance_s=math.inf, detour_factor=1.3, crew=2),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Asset:
    """One responder: what it is, where it is and whether it can go."""

    asset_id: str
    kind: AssetKind
    name: str
    home_lon: float
    home_lat: float
    lon: float
    lat: float
    status: AssetStatus
    speed_mps: float
    endurance_s: float
    endurance_left_s: float
    range_m: float  # how close it must get: a drone's camera range, 0 to be on the spot
    recharge_s: float
    crew: int
    detour_factor: float = 1.0
    shift_start_s: float = 0.0  # seconds of the UTC day
    shift_end_s: float = DAY_S
    port_code: str = ""  # the port of entry it is based at ("" for roaming)
    marking: Marking = DEFAULT_MARKING

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AssetKind(self.kind))
        object.__setattr__(self, "status", AssetStatus(self.status))
        if not self.speed_mps > 0 or not math.isfinite(self.speed_mps):
            raise InvalidInput(f"speed {self.speed_mps!r} must be > 0", field="speed_mps")
        if not self.detour_factor >= 1.0:
            raise InvalidInput("detour factor must be >= 1", field="detour_factor")

    @property
    def effective_speed_mps(self) -> float:
        """Speed along the straight line: cruise speed over the detour factor."""
        return self.speed_mps / self.detour_factor

    def on_shift(self, t_s: float) -> bool:
        """Whether UTC epoch second ``t_s`` is within the shift (which may wrap midnight)."""
        if self.shift_end_s - self.shift_start_s >= DAY_S:
            return True
        s = t_s % DAY_S
        if self.shift_start_s <= self.shift_end_s:
            return self.shift_start_s <= s < self.shift_end_s
        return s >= self.shift_start_s or s < self.shift_end_s


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetEvent:
    """Something a responder reported or a person recorded: a new status, a position, or
    both (an event, never changed). ``alert_id`` is the alert it concerns, if any; ``author``
    the user (or the TAK callsign feed) that recorded it."""

    event_id: str
    asset_id: str
    t_s: float
    author: str
    status: AssetStatus | None = None  # None: unchanged
    lon: float | None = None  # None: position unchanged
    lat: float | None = None
    alert_id: str | None = None
    note: str = ""
    marking: Marking = DEFAULT_MARKING  # the asset's

    def __post_init__(self) -> None:
        if self.status is not None:
            object.__setattr__(self, "status", AssetStatus(self.status))
        if (self.lon is None) != (self.lat is None):
            raise InvalidInput("a position needs both lon and lat", field="lon")
        if self.lon is not None and self.lat is not None:
            if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
                raise InvalidInput(f"lon {self.lon!r} is not in [-180, 180]", field="lon")
            if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
                raise InvalidInput(f"lat {self.lat!r} is not in [-90, 90]", field="lat")
        if not math.isfinite(self.t_s):
            raise InvalidInput(f"time {self.t_s!r} is not a finite number", field="t_s")
        if not self.author:
            raise InvalidInput("an asset event names who recorded it", field="author")

    def apply(self, asset: Asset) -> Asset:
        """The asset after this event."""
        changes: dict[str, Any] = {}
        if self.status is not None:
            changes["status"] = self.status
        if self.lon is not None and self.lat is not None:
            changes["lon"], changes["lat"] = float(self.lon), float(self.lat)
        return dataclasses.replace(asset, **changes) if changes else asset


def asset_event(
    asset: Asset,
    *,
    t_s: float,
    author: str,
    status: AssetStatus | str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    alert_id: str | None = None,
    note: str = "",
) -> AssetEvent:
    """An event on ``asset`` with an id from its content, carrying the asset's marking."""
    st = AssetStatus(status) if status is not None else None
    return AssetEvent(
        event_id=content_id(
            "asset_event",
            asset.asset_id,
            float(t_s),
            author,
            st.value if st else "",
            lon,
            lat,
            alert_id or "",
            note,
        ),
        asset_id=asset.asset_id,
        t_s=float(t_s),
        author=author,
        status=st,
        lon=lon,
        lat=lat,
        alert_id=alert_id,
        note=note,
        marking=asset.marking,
    )


def load_assets(document: Mapping[str, Any]) -> list[Asset]:
    """The ``[[assets]]`` of a parsed scenario document (an empty list when it has none)."""
    raw = document.get("assets", [])
    if not isinstance(raw, list):
        raise ScenarioError(f"assets: must be an array of tables, got {raw!r}", field="assets")
    out: list[Asset] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"assets[{i}]"
        if not isinstance(item, Mapping):
            raise ScenarioError(f"{where}: must be a table, got {item!r}", field=where)
        asset = _asset(_Reader(item, where))
        if asset.asset_id in seen:
            raise ScenarioError(
                f"{where}.id: duplicate asset id {asset.asset_id!r}", field=f"{where}.id"
            )
        seen.add(asset.asset_id)
        out.append(asset)
    return out


def _asset(r: _Reader) -> Asset:
    asset_id = r.text("id")
    if not _ASSET_ID.match(asset_id):
        raise r.fail("id", f"{asset_id!r} is not letters, digits and _.:- (at most 64)")
    kind_text = r.text("kind")
    try:
        kind = AssetKind(kind_text)
    except ValueError:
        raise r.fail("kind", f"{kind_text!r} is not one of {_values(AssetKind)}") from None
    d = KIND_DEFAULTS[kind]
    lon = r.number("lon", lo=-180.0, hi=180.0)
    lat = r.number("lat", lo=-90.0, hi=90.0)
    status_text = r.text("status", AssetStatus.AVAILABLE.value)
    try:
        status = AssetStatus(status_text)
    except ValueError:
        raise r.fail("status", f"{status_text!r} is not one of {_values(AssetStatus)}") from None
    endurance_s = r.number("endurance_s", d.endurance_s, lo=1.0, hi=math.inf, finite=False)
    speed = r.number("speed_mps", d.speed_mps, lo=0.01, hi=1000.0)
    agency = r.text("agency", DEFAULT_MARKING.agency)
    releasability = r.text("releasability", DEFAULT_MARKING.releasability)
    try:
        marking = Marking(agency, releasability)
    except InvalidInput as exc:
        key = str(exc.context.get("field", "agency"))
        raise r.fail(key, exc.message) from None
    asset = Asset(
        asset_id=asset_id,
        kind=kind,
        name=r.text("name", asset_id),
        home_lon=r.number("home_lon", lon, lo=-180.0, hi=180.0),
        home_lat=r.number("home_lat", lat, lo=-90.0, hi=90.0),
        lon=lon,
        lat=lat,
        status=status,
        speed_mps=speed,
        endurance_s=endurance_s,
        endurance_left_s=r.number(
            "endurance_left_s", endurance_s, lo=0.0, hi=endurance_s, finite=False
        ),
        range_m=r.number("range_m", d.range_m, lo=0.0, hi=100_000.0),
        recharge_s=r.number("recharge_s", d.recharge_s, lo=0.0, hi=DAY_S),
        crew=r.integer("crew", d.crew),
        detour_factor=r.number("detour_factor", d.detour_factor, lo=1.0, hi=10.0),
        shift_start_s=r.time_of_day("shift_start", 0.0),
        shift_end_s=r.time_of_day("shift_end", DAY_S),
        port_code=r.text("port_code", ""),
        marking=marking,
    )
    r.done()
    return asset


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(e.value for e in enum)


_MISSING: Any = object()  # sentinel: the key is required


class _Reader:
    """One ``[[assets]]`` table: typed lookups naming the dotted field, unknown keys refused."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def fail(self, key: str, message: str) -> ScenarioError:
        where = f"{self.path}.{key}"
        return ScenarioError(f"{where}: {message}", field=where)

    def _get(self, key: str, default: Any) -> Any:
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.fail(key, "is required")
        return default

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}")
        return value

    def number(
        self,
        key: str,
        default: Any = _MISSING,
        *,
        lo: float,
        hi: float,
        finite: bool = True,
    ) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}")
        x = float(value)
        if math.isnan(x) or (finite and math.isinf(x)) or not lo <= x <= hi:
            raise self.fail(key, f"must be in [{lo:g}, {hi:g}], got {value!r}")
        return x

    def integer(self, key: str, default: int) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, f"must be an integer >= 0, got {value!r}")
        return value

    def time_of_day(self, key: str, default: float) -> float:
        """Seconds of the day: ``"HH:MM"`` (``"24:00"`` allowed), a TOML local time or seconds."""
        value = self._get(key, default)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and 0.0 <= value <= DAY_S:
            return float(value)
        if isinstance(value, time):
            if value.tzinfo is not None:
                raise self.fail(key, "must be a UTC time of day without a zone")
            return value.hour * 3600.0 + value.minute * 60.0 + value.second
        if isinstance(value, str) and (m := _HHMM.match(value)):
            s = int(m.group(1)) * 3600.0 + int(m.group(2)) * 60.0
            if s <= DAY_S:
                return s
        raise self.fail(key, f"must be a time of day like '06:00', got {value!r}")

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], f"unknown key (known: {', '.join(sorted(self.used))})")


def with_positions(
    assets: Iterable[Asset], positions: Mapping[str, tuple[float, float, float]]
) -> list[Asset]:
    """The assets moved to their latest reported positions (``{asset_id: (lon, lat, t_s)}``,
    as blue-force tracking from TAK clients gives them); assets not reported stay put."""
    out = []
    for a in assets:
        fix = positions.get(a.asset_id)
        if fix is not None and math.isfinite(fix[0]) and math.isfinite(fix[1]):
            a = dataclasses.replace(a, lon=float(fix[0]), lat=float(fix[1]))
        out.append(a)
    return out
