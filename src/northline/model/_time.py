"""UTC time at the edges, float seconds since the Unix epoch in arrays."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["epoch_s", "format_iso", "parse_iso", "utc_from_epoch_s"]


def epoch_s(t: datetime) -> float:
    """Seconds since 1970-01-01T00:00Z of an aware datetime."""
    if t.tzinfo is None:
        raise ValueError("naive datetime: Northline times are UTC and must say so")
    return t.timestamp()


def utc_from_epoch_s(t_s: float) -> datetime:
    return datetime.fromtimestamp(t_s, tz=UTC)


def format_iso(t_s: float) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``, as CoT and GeoJSON consumers expect."""
    return utc_from_epoch_s(t_s).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> float:
    """Epoch seconds of an ISO 8601 time; a time without a zone is refused."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    t = datetime.fromisoformat(value)
    if t.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone")
    return t.timestamp()
