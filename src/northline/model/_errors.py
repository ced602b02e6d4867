"""The one exception tree of Northline.

    NorthlineError
    ├── InvalidInput        bad data or arguments from outside (carries ``field``)
    │   └── ScenarioError   a scenario file that cannot be run
    ├── NotFound            a record, file or setting that does not exist
    ├── PermissionDenied    the caller may not see or change this
    ├── Conflict            the change contradicts what is stored (e.g. schema version)
    ├── DataUnavailable     reference data is not installed in the data directory
    └── TransportError      a network address cannot be bound or a server not used

Every error carries a ``code`` (stable, machine-readable) and ``context`` (a dict of
structured detail) so that the API edge can answer one JSON shape.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "DataUnavailable",
    "InvalidInput",
    "NorthlineError",
    "NotFound",
    "PermissionDenied",
    "ScenarioError",
    "TransportError",
]


class NorthlineError(Exception):
    """Base of every error Northline raises on purpose."""

    code = "northline_error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = context

    def to_dict(self) -> dict[str, Any]:
        """The error as the API's one JSON error shape."""
        return {"error": {"code": self.code, "message": self.message, "context": self.context}}


class InvalidInput(NorthlineError):
    code = "invalid_input"


class ScenarioError(InvalidInput):
    code = "invalid_scenario"


class NotFound(NorthlineError):
    code = "not_found"


class PermissionDenied(NorthlineError):
    code = "permission_denied"


class Conflict(NorthlineError):
    code = "conflict"


class DataUnavailable(NorthlineError):
    code = "data_unavailable"


class TransportError(NorthlineError):
    code = "transport_error"
