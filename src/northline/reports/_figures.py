"""The shared shapes of a report: a :class:`Figure` (one number) and its :class:`Provenance`.

Every number a report shows is a ``Figure``; its ``provenance`` says what it was computed from
(``source``), how (``query``) and the command that reproduces it (``command``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Figure", "Provenance"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a figure comes from.

    ``source``: ``"data:<path relative to the data dir>"``, ``"store:<file name>"`` or
    ``"plan:<file name>"``. ``query``: the SQL, or the filter in words. ``command``: the command
    that reproduces it.
    """

    source: str
    query: str
    command: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "query": self.query, "command": self.command}


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """One number in a report: a stable dotted ``key``, a ``label``, a value and its unit."""

    key: str
    label: str
    value: float | int | None
    unit: str
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        return {
            "key": self.key,
            "label": self.label,
            "value": value,
            "unit": self.unit,
            "provenance": self.provenance.to_dict(),
        }
