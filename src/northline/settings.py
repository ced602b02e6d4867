"""One table of settings: name, environment variable, default and help.

The CLI's options and the README's settings section are generated from this table, so that
they cannot drift from the code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["SETTINGS", "Setting", "get"]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data_dir",
        "NORTHLINE_DATA_DIR",
        "(the platform's user data directory)/northline",
        "Reference data: boundary, basemap, ports of entry, CBP statistics.",
    ),
    Setting("out_dir", "NORTHLINE_OUT_DIR", "out", "Where commands write their results."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The setting's value from the environment, else its default."""
    s = _BY_NAME[name]
    return os.environ.get(s.env, "").strip() or s.default
