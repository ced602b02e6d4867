"""Northline: border surveillance, tracking, crossing detection and evidence."""

from .model import (
    Conflict,
    DataUnavailable,
    InvalidInput,
    NorthlineError,
    NotFound,
    PermissionDenied,
    ScenarioError,
)

__version__ = "0.1.0"

__all__ = [
    "Conflict",
    "DataUnavailable",
    "InvalidInput",
    "NorthlineError",
    "NotFound",
    "PermissionDenied",
    "ScenarioError",
    "__version__",
]
