"""Sectors: a stretch of border with its own local metric frame, vectorised border queries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, box
from shapely.ops import split

from ..model import InvalidInput, Side
from ._boundary import Boundary
from ._ports import PortOfEntry

__all__ = ["LocalFrame", "Sector"]

F8 = npt.NDArray[np.float64]
_METRES_PER_DEG_LAT = 111_132.0


@dataclass(frozen=True)
class LocalFrame:
    """Transverse Mercator centred on (lon0, lat0): x east, y north, metres, scale 1 at centre."""

    lon0: float
    lat0: float

    @cached_property
    def proj4(self) -> str:
        return (
            f"+proj=tmerc +lat_0={self.lat0} +lon_0={self.lon0} +k=1 +x_0=0 +y_0=0 "
            "+ellps=WGS84 +units=m +no_defs"
        )

    @cached_property
    def _forward(self) -> Transformer:
        return Transformer.from_crs("EPSG:4326", self.proj4, always_xy=True)

    @cached_property
    def _inverse(self) -> Transformer:
        return Transformer.from_crs(self.proj4, "EPSG:4326", always_xy=True)

    def to_local(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[F8, F8]:
        x, y = self._forward.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_lonlat(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[F8, F8]:
        lon, lat = self._inverse.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


@dataclass(frozen=True)
class Sector:
    """A rectangle of lon/lat around a stretch of border, and the border within it.

    All queries take arrays of local coordinates (``*_xy``) or of lon/lat and are vectorised
    with shapely 2; none loops over points in Python.
    """

    name: str
    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float
    boundary: Boundary
    ports: Sequence[PortOfEntry] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not (self.lon_min < self.lon_max and self.lat_min < self.lat_max):
            raise InvalidInput(f"sector {self.name!r} has an empty extent", field="extent")
        if self.boundary_local.is_empty:
            raise InvalidInput(
                f"sector {self.name!r} does not contain any of the boundary "
                f"({self.boundary.source})",
                field="extent",
            )

    @classmethod
    def around(
        cls,
        name: str,
        lon: float,
        lat: float,
        boundary: Boundary,
        *,
        length_km: float = 40.0,
        depth_km: float = 20.0,
        ports: Sequence[PortOfEntry] = (),
    ) -> Sector:
        """A sector ``length_km`` east–west by ``depth_km`` north–south centred on (lon, lat)."""
        half_lon = (length_km * 500.0) / (_METRES_PER_DEG_LAT * math.cos(math.radians(lat)))
        half_lat = (depth_km * 500.0) / _METRES_PER_DEG_LAT
        return cls(
            name,
            lon - half_lon,
            lat - half_lat,
            lon + half_lon,
            lat + half_lat,
            boundary,
            tuple(ports),
        )

    # -- frames and geometry -------------------------------------------------------------

    @cached_property
    def frame(self) -> LocalFrame:
        return LocalFrame(
            round((self.lon_min + self.lon_max) / 2, 6), round((self.lat_min + self.lat_max) / 2, 6)
        )

    @cached_property
    def extent_local(self) -> Polygon:
        """The sector's extent in local metres (the projected lon/lat rectangle's envelope)."""
        lon = np.linspace(self.lon_min, self.lon_max, 33)
        lat = np.linspace(self.lat_min, self.lat_max, 33)
        ring_lon = np.concatenate(
            [lon, np.full(33, self.lon_max), lon[::-1], np.full(33, self.lon_min)]
        )
        ring_lat = np.concatenate(
            [np.full(33, self.lat_min), lat, np.full(33, self.lat_max), lat[::-1]]
        )
        x, y = self.frame.to_local(ring_lon, ring_lat)
        return Polygon(np.column_stack([x, y])).envelope

    @cached_property
    def _work_box(self) -> Polygon:
        # A margin around the extent so tracks a little outside still get an answer.
        minx, miny, maxx, maxy = self.extent_local.bounds
        m = 0.25 * max(maxx - minx, maxy - miny)
        return box(minx - m, miny - m, maxx + m, maxy + m)

    @cached_property
    def boundary_local(self) -> shapely.Geometry:
        """The boundary in local metres, clipped to the sector plus a margin."""
        b = self._work_box.bounds
        margin_deg = 1.0
        window = box(
            self.lon_min - margin_deg,
            self.lat_min - margin_deg,
            self.lon_max + margin_deg,
            self.lat_max + margin_deg,
        )
        near = shapely.intersection(self.boundary.lines, window)
        if near.is_empty:
            return near
        dense = shapely.segmentize(near, 0.005)
        coords = shapely.get_coordinates(dense)
        x, y = self.frame.to_local(coords[:, 0], coords[:, 1])
        local = shapely.set_coordinates(dense, np.column_stack([x, y]))
        clipped = shapely.intersection(local, box(*b))
        shapely.prepare(clipped)
        return clipped

    @cached_property
    def canada_local(self) -> shapely.Geometry:
        """The Canadian part of the work box: the piece(s) north of the boundary."""
        pieces = split(self._work_box, shapely.line_merge(self.boundary_local))
        parts = list(shapely.get_parts(pieces))
        if len(parts) < 2:
            raise InvalidInput(
                f"the boundary does not cut sector {self.name!r} in two", field="extent"
            )
        # Canada is the side of each piece that lies north of the line: compare each piece's
        # representative point with the boundary point nearest to it.
        canada = []
        for part in parts:
            p = part.representative_point()
            nearest = shapely.line_interpolate_point(
                self.boundary_local, shapely.line_locate_point(self.boundary_local, p)
            )
            if p.y > nearest.y:
                canada.append(part)
        poly = shapely.union_all(canada)
        shapely.prepare(poly)
        return poly

    @cached_property
    def _port_centres(self) -> F8:
        """Local (x, y) of each port's zone centre: the boundary point nearest the port."""
        if not self.ports:
            return np.empty((0, 2))
        x, y = self.frame.to_local([p.lon for p in self.ports], [p.lat for p in self.ports])
        pts = shapely.points(x, y)
        at = shapely.line_interpolate_point(
            self.boundary_local, shapely.line_locate_point(self.boundary_local, pts)
        )
        centres: F8 = shapely.get_coordinates(at)
        return centres

    # -- vectorised queries, local frame ---------------------------------------------------

    def is_canada_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        return np.asarray(shapely.contains_xy(self.canada_local, x, y), dtype=bool)

    def side_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.object_]:
        can = self.is_canada_xy(x, y)
        return np.where(can, Side.CAN.value, Side.USA.value).astype(object)

    def distance_to_border_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> F8:
        pts = shapely.points(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(shapely.distance(self.boundary_local, pts), dtype=np.float64)

    def signed_distance_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> F8:
        """Distance to the line, positive in Canada and negative in the USA."""
        d = self.distance_to_border_xy(x, y)
        return np.where(self.is_canada_xy(x, y), d, -d)

    def nearest_border_point_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[F8, F8]:
        pts = shapely.points(np.asarray(x, float), np.asarray(y, float))
        at = shapely.line_interpolate_point(
            self.boundary_local, shapely.line_locate_point(self.boundary_local, pts)
        )
        c = shapely.get_coordinates(at)
        return c[:, 0], c[:, 1]

    def port_index_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index of the port-of-entry zone each point is in, or -1."""
        xa = np.atleast_1d(np.asarray(x, float))
        ya = np.atleast_1d(np.asarray(y, float))
        if not self.ports:
            return np.full(xa.shape, -1, dtype=np.int64)
        c = self._port_centres
        r = np.array([p.radius_m for p in self.ports])
        d2 = (xa[:, None] - c[None, :, 0]) ** 2 + (ya[:, None] - c[None, :, 1]) ** 2
        inside = d2 <= (r**2)[None, :]
        best = np.argmin(np.where(inside, d2, np.inf), axis=1)
        return np.where(inside.any(axis=1), best, -1).astype(np.int64)

    # -- the same in lon/lat ---------------------------------------------------------------

    def side(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.object_]:
        return self.side_xy(*self.frame.to_local(lon, lat))

    def distance_to_border_m(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> F8:
        return self.distance_to_border_xy(*self.frame.to_local(lon, lat))

    def contains(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        lo = np.asarray(lon, float)
        la = np.asarray(lat, float)
        inside: npt.NDArray[np.bool_] = (
            (lo >= self.lon_min)
            & (lo <= self.lon_max)
            & (la >= self.lat_min)
            & (la <= self.lat_max)
        )
        return inside
