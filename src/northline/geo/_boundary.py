"""The Canada–US boundary as WGS84 lines: from the data directory, or built in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiLineString, shape

from ..model import DataUnavailable, InvalidInput
from ._datadir import data_path

__all__ = [
    "BOUNDARY_FILE",
    "FORTY_NINTH_EAST_LON",
    "FORTY_NINTH_WEST_LON",
    "Boundary",
    "builtin_boundary",
    "load_boundary",
]

BOUNDARY_FILE = "geo/canada_us_boundary.geojson"
# The 49th-parallel section runs from the Northwest Angle at Lake of the Woods to the Strait of
# Georgia (Treaty of 1818, Oregon Treaty of 1846).
FORTY_NINTH_EAST_LON = -95.153
FORTY_NINTH_WEST_LON = -123.322
FORTY_NINTH_LAT = 49.0


@dataclass(frozen=True, slots=True)
class Boundary:
    """Boundary lines in lon/lat (EPSG:4326) and where they came from."""

    lines: MultiLineString
    source: str

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        b = self.lines.bounds
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def builtin_boundary(step_deg: float = 0.01) -> Boundary:
    """The 49th-parallel section from its definition, densified every ``step_deg`` of longitude.

    The line of constant latitude is densified so that a projection to any local frame keeps
    its curvature.
    """
    n = int(np.ceil((FORTY_NINTH_EAST_LON - FORTY_NINTH_WEST_LON) / step_deg)) + 1
    lon = np.linspace(FORTY_NINTH_WEST_LON, FORTY_NINTH_EAST_LON, n)
    coords = np.column_stack([lon, np.full(n, FORTY_NINTH_LAT)])
    return Boundary(MultiLineString([coords]), "builtin:49th-parallel")


def _read_geojson(path: Path) -> MultiLineString:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read boundary {path}: {exc}", path=str(path)) from exc
    parts: list[shapely.LineString] = []
    for feature in doc.get("features", []):
        geom = shape(feature["geometry"])
        parts.extend(shapely.get_parts(geom).tolist())
    lines = [p for p in parts if p.geom_type == "LineString"]
    if not lines:
        raise InvalidInput(f"boundary {path} has no line features", path=str(path))
    return MultiLineString(lines)


def load_boundary(root: Path | None = None, *, fallback: bool = True) -> Boundary:
    """The boundary from ``geo/canada_us_boundary.geojson`` in the data directory.

    With ``fallback`` (the default), a missing data directory gives :func:`builtin_boundary`.
    """
    try:
        path = data_path(BOUNDARY_FILE, root)
    except DataUnavailable:
        if fallback:
            return builtin_boundary()
        raise
    return Boundary(_read_geojson(path), f"data:{BOUNDARY_FILE}")
