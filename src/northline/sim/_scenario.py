"""What a scenario is: a frozen :class:`Scenario` and its parts (read by ``_parse``).

A scenario says where (a sector around a stretch of border, its ports of entry), when (a start
time and a duration), what watches (towers and unattended ground sensors) and what moves (port
traffic, crossers between the ports, loiterers that come close and turn back). ``[tracker]`` and
``[border]`` tables are not the simulator's business: they are kept raw on
:attr:`Scenario.pipeline` for the stages that run on the simulated feed; so are the responders
of ``[[assets]]`` (:attr:`Scenario.assets`, read by :func:`northline.response.load_assets`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..geo import Boundary, PortOfEntry, Sector
from ..model import DEFAULT_MARKING, InvalidInput, Marking, ScenarioError

__all__ = [
    "DEFAULT_MODES",
    "CrossersSpec",
    "FixedSite",
    "LineSite",
    "LoiterersSpec",
    "ModeSpec",
    "MoversSpec",
    "PortTrafficSpec",
    "Scenario",
    "SectorSpec",
    "Site",
    "TowerSpec",
    "UgsSpec",
]


# -- the scenario's parts ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectorSpec:
    """The sector to simulate: ``length_km`` along the border by ``depth_km`` across it."""

    name: str
    lon: float
    lat: float
    length_km: float = 40.0
    depth_km: float = 20.0


@dataclass(frozen=True, slots=True)
class FixedSite:
    """A sensor at a fixed WGS84 position."""

    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class LineSite:
    """A sensor at a longitude, ``offset_m`` from the boundary (positive into Canada).

    Written ``line_offset_m`` instead of ``lat`` in a scenario, so that a sensor meant to sit on
    the line sits on whichever boundary the scenario is run with.
    """

    lon: float
    offset_m: float


Site = FixedSite | LineSite


@dataclass(frozen=True, slots=True)
class TowerSpec:
    """A surveillance tower: scans every ``scan_period_s`` starting ``phase_s`` after the start."""

    sensor_id: str
    site: Site
    range_m: float
    pd: float  # probability of detecting a mover in range, per scan
    clutter_per_scan: float  # mean of the Poisson number of false detections per scan
    sigma_m: float  # 1-sigma position noise per axis
    scan_period_s: float
    phase_s: float = 0.0


@dataclass(frozen=True, slots=True)
class UgsSpec:
    """An unattended ground sensor: fires when a mover comes within ``radius_m``."""

    sensor_id: str
    site: Site
    radius_m: float
    pd: float  # probability of firing, per pass of a mover
    false_alarms_per_hour: float
    min_interval_s: float  # hold-off after firing


@dataclass(frozen=True, slots=True)
class ModeSpec:
    """A way of moving: its relative weight among the modes and its speed range."""

    name: str
    weight: float
    speed_mps: tuple[float, float]


DEFAULT_MODES: tuple[ModeSpec, ...] = (
    ModeSpec("foot", 0.5, (1.0, 1.8)),
    ModeSpec("vehicle", 0.3, (6.0, 15.0)),
    ModeSpec("snowmobile", 0.2, (8.0, 20.0)),
)


@dataclass(frozen=True, slots=True)
class PortTrafficSpec:
    """Vehicles on a straight north–south road through each port, both directions together."""

    vehicles_per_hour: float = 0.0
    speed_mps: tuple[float, float] = (10.0, 25.0)


@dataclass(frozen=True, slots=True)
class CrossersSpec:
    """People and vehicles that cross the line between the ports.

    Each starts ``start_distance_m`` from the line on a random side, walks or drives a
    piecewise-linear path with gentle heading changes (at most ``max_turn_deg`` per leg), crosses
    at least ``port_clearance_m`` from any port, goes ``beyond_m`` past the line, waits
    ``end_dwell_s`` (a pick-up) and is gone. A ``trail_fraction`` of them cross within about
    ``trail_spread_m`` of one of the ``trail_lons`` (known trails and dead-end roads).
    """

    count: int = 0
    modes: tuple[ModeSpec, ...] = DEFAULT_MODES
    start_distance_m: tuple[float, float] = (2000.0, 6000.0)
    beyond_m: tuple[float, float] = (1000.0, 3000.0)
    end_dwell_s: tuple[float, float] = (0.0, 600.0)
    port_clearance_m: float = 2000.0
    max_turn_deg: float = 15.0
    trail_lons: tuple[float, ...] = ()
    trail_fraction: float = 0.0
    trail_spread_m: float = 100.0


@dataclass(frozen=True, slots=True)
class LoiterersSpec:
    """Movers that come to within [min_approach_m, max_approach_m] of the line and turn back."""

    count: int = 0
    modes: tuple[ModeSpec, ...] = DEFAULT_MODES
    min_approach_m: float = 60.0
    max_approach_m: float = 400.0
    start_distance_m: tuple[float, float] = (2000.0, 6000.0)
    pause_s: tuple[float, float] = (60.0, 600.0)
    port_clearance_m: float = 2000.0
    max_turn_deg: float = 15.0


@dataclass(frozen=True, slots=True)
class MoversSpec:
    port_traffic: PortTrafficSpec = PortTrafficSpec()
    crossers: CrossersSpec = CrossersSpec()
    loiterers: LoiterersSpec = LoiterersSpec()


@dataclass(frozen=True)
class Scenario:
    """A runnable scenario. Times are UTC epoch seconds."""

    name: str
    seed: int
    start_s: float
    duration_s: float
    sector: SectorSpec
    ports: tuple[PortOfEntry, ...] = ()
    marking: Marking = DEFAULT_MARKING
    towers: tuple[TowerSpec, ...] = ()
    ugs: tuple[UgsSpec, ...] = ()
    movers: MoversSpec = MoversSpec()
    pipeline: dict[str, dict[str, Any]] = field(default_factory=dict)
    assets: tuple[dict[str, Any], ...] = ()  # [[assets]] kept raw for northline.response

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def with_seed(self, seed: int) -> Scenario:
        """The same scenario with another seed."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ScenarioError(f"seed: must be an integer >= 0, got {seed!r}", field="seed")
        return dataclasses.replace(self, seed=seed)

    def build_sector(self, boundary: Boundary) -> Sector:
        """The sector on ``boundary``, with the scenario's ports; every port must lie in it."""
        s = self.sector
        try:
            sector = Sector.around(
                s.name,
                s.lon,
                s.lat,
                boundary,
                length_km=s.length_km,
                depth_km=s.depth_km,
                ports=self.ports,
            )
        except InvalidInput as exc:
            raise ScenarioError(f"sector: {exc.message}", field="sector") from exc
        for i, port in enumerate(self.ports):
            if not bool(sector.contains(port.lon, port.lat)):
                raise ScenarioError(
                    f"ports[{i}]: port {port.code} ({port.lon}, {port.lat}) is outside sector "
                    f"{s.name!r} (lon {sector.lon_min:.4f}..{sector.lon_max:.4f}, "
                    f"lat {sector.lat_min:.4f}..{sector.lat_max:.4f})",
                    field=f"ports[{i}]",
                )
        return sector
