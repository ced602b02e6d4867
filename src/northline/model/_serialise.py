"""Records as plain JSON-ready dicts (enums as their values, bytes as base64)."""

from __future__ import annotations

import base64
import dataclasses
import math
from enum import Enum
from typing import Any

__all__ = ["to_dict"]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def to_dict(record: Any) -> dict[str, Any]:
    """A record (frozen dataclass) as a JSON-ready dict."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"not a record: {type(record).__name__}")
    out: dict[str, Any] = _plain(record)
    return out
