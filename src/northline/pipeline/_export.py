"""Results in the formats analysts open: GeoJSON (QGIS, geojson.io) and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..model import Alert, Crossing, TrackBatch, TrackState, format_iso, to_dict

__all__ = ["alerts_json", "crossings_geojson", "tracks_geojson", "write_json"]


def _r(value: float, nd: int = 7) -> float:
    return round(float(value), nd)


def tracks_geojson(tracks: TrackBatch, *, confirmed_only: bool = True) -> dict[str, Any]:
    """One LineString per track (WGS84), its vertex times in ``times``."""
    live = tracks.take(tracks.state != TrackState.DELETED.value)
    order = np.lexsort((live.t_s, live.track_id))
    live = live.take(order)
    ids, first = np.unique(live.track_id, return_index=True)
    bounds = np.append(first, len(live))
    features: list[dict[str, Any]] = []
    for k, track_id in enumerate(ids.tolist()):
        a, b = int(bounds[k]), int(bounds[k + 1])
        states = set(live.state[a:b].tolist())
        if confirmed_only and TrackState.CONFIRMED.value not in states:
            continue
        lon, lat, t = live.lon[a:b], live.lat[a:b], live.t_s[a:b]
        speed = np.hypot(live.vx_mps[a:b], live.vy_mps[a:b])
        coords = [[_r(x), _r(y)] for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
        geometry: dict[str, Any] = (
            {"type": "LineString", "coordinates": coords}
            if len(coords) > 1
            else {"type": "Point", "coordinates": coords[0]}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "track_id": track_id,
                    "sector": str(live.sector[a]),
                    "start": format_iso(float(t[0])),
                    "end": format_iso(float(t[-1])),
                    "updates": b - a,
                    "max_speed_mps": _r(float(speed.max()), 2),
                    "agency": str(live.agency[a]),
                    "releasability": str(live.releasability[a]),
                    "times": [format_iso(v) for v in t.tolist()],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def crossings_geojson(crossings: Iterable[Crossing]) -> dict[str, Any]:
    features = []
    for c in crossings:
        props = to_dict(c)
        props["time"] = format_iso(c.t_s)
        props["detected_time"] = format_iso(c.detected_t_s)
        props["agency"] = c.marking.agency
        props["releasability"] = c.marking.releasability
        del props["marking"]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [_r(c.lon), _r(c.lat)]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def alerts_json(alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    out = []
    for a in alerts:
        d = to_dict(a)
        d["time"] = format_iso(a.t_s)
        out.append(d)
    return out


def write_json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
