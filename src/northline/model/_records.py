"""Typed, immutable records of the surveillance spine.

Times are UTC epoch seconds (``t_s``); positions are WGS84 lon/lat in degrees; local metric
coordinates (``x_m``/``y_m``) appear only where a sector frame is stated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ._markings import DEFAULT_MARKING, Marking

__all__ = [
    "Alert",
    "AlertKind",
    "AlertState",
    "Crossing",
    "Direction",
    "LonLat",
    "Observation",
    "QuarantinedMessage",
    "RangeBearing",
    "SensorKind",
    "Severity",
    "Side",
    "TrackState",
    "TrackUpdate",
]


class SensorKind(StrEnum):
    TOWER = "tower"  # surveillance tower: ground radar and camera
    UGS = "ugs"  # unattended ground sensor, fires on proximity
    DRONE = "drone"
    HELICOPTER = "helicopter"
    CAMERA = "camera"
    AIS = "ais"
    ADSB = "adsb"
    MOBILE = "mobile"  # a TAK phone or a patrol unit's tracker
    OTHER = "other"


class Side(StrEnum):
    CAN = "CAN"
    USA = "USA"


class Direction(StrEnum):
    CAN_TO_USA = "CAN->USA"
    USA_TO_CAN = "USA->CAN"

    @classmethod
    def between(cls, before: Side, after: Side) -> Direction:
        if before == after:
            raise ValueError("no crossing between points on the same side")
        return cls.CAN_TO_USA if before == Side.CAN else cls.USA_TO_CAN


class TrackState(StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    COASTING = "coasting"
    DELETED = "deleted"


class AlertKind(StrEnum):
    CROSSING = "crossing"
    APPROACH = "approach"


class AlertState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    TASKED = "tasked"
    RESOLVED = "resolved"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class LonLat:
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class RangeBearing:
    """A position measured from a sensor: slant range and bearing (degrees from true north)."""

    range_m: float
    bearing_deg: float
    sensor_lon: float
    sensor_lat: float
    sigma_range_m: float
    sigma_bearing_deg: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One detection or position report from one sensor."""

    obs_id: str
    t_s: float
    sensor_id: str
    sensor_kind: SensorKind
    position: LonLat | RangeBearing
    sigma_m: float  # 1-sigma circular position error (for RangeBearing: derived at the range)
    vel_east_mps: float | None = None
    vel_north_mps: float | None = None
    classification: str = ""
    identity: str = ""  # CoT uid, MMSI, ICAO24 … of the thing observed, if the feed says
    source: str = ""
    marking: Marking = DEFAULT_MARKING


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackUpdate:
    """A tracker's estimate of one track at one time, in WGS84 with a local-frame error."""

    track_id: str
    t_s: float
    lon: float
    lat: float
    vel_east_mps: float
    vel_north_mps: float
    sigma_m: float  # 1-sigma of the position estimate (square root of the mean variance)
    state: TrackState
    sector: str
    hits: int
    marking: Marking = DEFAULT_MARKING


@dataclass(frozen=True, slots=True, kw_only=True)
class Crossing:
    """A track's movement across the boundary."""

    crossing_id: str
    track_id: str
    t_s: float  # estimated time the line was crossed
    detected_t_s: float  # time of the update that made the crossing certain enough
    lon: float
    lat: float
    direction: Direction
    confidence: float
    sector: str
    port_code: str = ""  # set when the crossing is through a port of entry
    marking: Marking = DEFAULT_MARKING

    @property
    def at_port(self) -> bool:
        return bool(self.port_code)


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """Something a person must look at. Northline raises it; a person decides what to do."""

    alert_id: str
    kind: AlertKind
    t_s: float  # when it was raised (event time of the triggering update)
    track_id: str
    lon: float
    lat: float
    severity: Severity
    summary: str
    sector: str
    ref_id: str = ""  # the crossing id for crossing alerts
    distance_m: float | None = None  # to the boundary, for approach warnings
    eta_s: float | None = None  # estimated time to the boundary, for approach warnings
    state: AlertState = AlertState.NEW
    marking: Marking = DEFAULT_MARKING


@dataclass(frozen=True, slots=True, kw_only=True)
class QuarantinedMessage:
    """Input that could not be decoded, kept whole with the reason, to be inspected or replayed."""

    quarantine_id: str
    received_t_s: float
    source: str
    decoder: str
    reason_code: str
    reason: str
    raw: bytes = field(repr=False)
    marking: Marking = DEFAULT_MARKING
