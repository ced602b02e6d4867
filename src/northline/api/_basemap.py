"""Basemap layers: GeoJSON from the data directory, cached long by the browser."""

from __future__ import annotations

from typing import Final

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.requests import HTTPConnection

from ..geo import builtin_boundary, data_path
from ..model import DataUnavailable, NotFound, User
from ._auth import signed_in
from ._context import context
from ._permissions import PREFIX

__all__ = ["LAYERS", "register"]

LAYERS: Final[dict[str, str]] = {
    "land": "geo/basemap_ne_50m_land_clip.geojson",
    "lakes": "geo/basemap_ne_50m_lakes_clip.geojson",
    "admin1": "geo/basemap_ne_50m_admin1_can_usa.geojson",
    "boundary": "geo/canada_us_boundary.geojson",
    "ports": "ports/us_canada_land_ports_bts.geojson",
}
"""Layer name → file in the data directory."""

CACHE_CONTROL: Final = "private, max-age=604800, immutable"
_USER = Depends(signed_in)


def register(app: FastAPI) -> None:
    @app.get(
        f"{PREFIX}/basemap/{{layer}}",
        tags=["basemap"],
        response_class=FileResponse,
        responses={200: {"content": {"application/geo+json": {}}}},
    )
    async def basemap(layer: str, conn: HTTPConnection, user: User = _USER) -> Response:
        """A basemap layer (``land``, ``lakes``, ``admin1``, ``boundary``, ``ports``) as a
        GeoJSON FeatureCollection; 404 ``data_unavailable`` when it is not installed, but
        for the boundary, which falls back to the built-in 49th-parallel line."""
        relative = LAYERS.get(layer)
        if relative is None:
            raise NotFound(f"no basemap layer {layer!r}", layer=layer, layers=sorted(LAYERS))
        try:
            path = data_path(relative, root=context(conn).data_dir)
        except DataUnavailable:
            if layer != "boundary":
                raise
            # Without reference data the page still shows the line Northline works against.
            return JSONResponse(
                _builtin_boundary(),
                media_type="application/geo+json",
                headers={"Cache-Control": "no-cache"},
            )
        return FileResponse(
            path,
            media_type="application/geo+json",
            headers={"Cache-Control": CACHE_CONTROL},
        )


def _builtin_boundary() -> dict[str, object]:
    boundary = builtin_boundary(step_deg=0.1)
    lines = [[list(map(float, xy)) for xy in line.coords] for line in boundary.lines.geoms]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"source": boundary.source, "segment_kind": "land"},
                "geometry": {"type": "MultiLineString", "coordinates": lines},
            }
        ],
    }
