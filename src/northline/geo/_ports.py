"""Ports of entry: from a scenario or from the data directory's BTS list."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..model import DataUnavailable
from ._datadir import data_path

__all__ = ["PORTS_FILE", "PortOfEntry", "load_ports"]

PORTS_FILE = "ports/us_canada_land_ports_bts.csv"


@dataclass(frozen=True, slots=True)
class PortOfEntry:
    code: str
    name: str
    lon: float
    lat: float
    radius_m: float = 400.0  # crossings within this distance of the port are port transits


def load_ports(root: Path | None = None) -> list[PortOfEntry]:
    """US land ports on the Canadian border (BTS); an empty list when not installed."""
    try:
        path = data_path(PORTS_FILE, root)
    except DataUnavailable:
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            PortOfEntry(
                code=row["port_code"],
                name=row["port_name"],
                lon=float(row["longitude"]),
                lat=float(row["latitude"]),
            )
            for row in csv.DictReader(fh)
        ]
