"""The records and events shared by every stage; imports no other Northline package."""

from ._access import AlertAction, AlertEvent, AuditEntry, AuditReport, Role, Sensor, User
from ._batch import ObservationBatch, TrackBatch
from ._columnar import Columnar, column
from ._errors import (
    Conflict,
    DataUnavailable,
    InvalidInput,
    NorthlineError,
    NotFound,
    PermissionDenied,
    ScenarioError,
    TransportError,
)
from ._ids import content_id
from ._markings import DEFAULT_MARKING, Marking
from ._records import (
    Alert,
    AlertKind,
    AlertState,
    Crossing,
    Direction,
    LonLat,
    Observation,
    QuarantinedMessage,
    RangeBearing,
    SensorKind,
    Severity,
    Side,
    TrackState,
    TrackUpdate,
)
from ._serialise import to_dict
from ._time import epoch_s, format_iso, parse_iso, utc_from_epoch_s

__all__ = [
    "DEFAULT_MARKING",
    "Alert",
    "AlertAction",
    "AlertEvent",
    "AlertKind",
    "AlertState",
    "AuditEntry",
    "AuditReport",
    "Columnar",
    "Conflict",
    "Crossing",
    "DataUnavailable",
    "Direction",
    "InvalidInput",
    "LonLat",
    "Marking",
    "NorthlineError",
    "NotFound",
    "Observation",
    "ObservationBatch",
    "PermissionDenied",
    "QuarantinedMessage",
    "RangeBearing",
    "Role",
    "ScenarioError",
    "Sensor",
    "SensorKind",
    "Severity",
    "Side",
    "TrackBatch",
    "TrackState",
    "TrackUpdate",
    "TransportError",
    "User",
    "column",
    "content_id",
    "epoch_s",
    "format_iso",
    "parse_iso",
    "to_dict",
    "utc_from_epoch_s",
]
