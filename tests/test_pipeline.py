"""The replay pipeline on hand-built observation batches, lon/lat and range/bearing."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from northline.geo import PortOfEntry, Sector, builtin_boundary
from northline.model import Direction, ObservationBatch, SensorKind
from northline.pipeline import ReplayPipeline, SensorInfo

GEOD = Geod(ellps="WGS84")
TOWER_LON, TOWER_LAT = -97.30, 49.01


def _sector() -> Sector:
    return Sector.around(
        "emerson",
        -97.237,
        49.0,
        builtin_boundary(),
        ports=[PortOfEntry("3401", "Pembina", -97.237036, 49.000453)],
    )


def _walker(n: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A walker heading due north across 49°N at 1.5 m/s, one fix every 2 s."""
    t = 1.7e9 + 2.0 * np.arange(n)
    start_lon, start_lat = -97.33, 48.997
    lon, lat, _ = GEOD.fwd(
        np.full(n, start_lon), np.full(n, start_lat), np.zeros(n), 1.5 * (t - t[0])
    )
    return t, np.asarray(lon), np.asarray(lat)


@pytest.mark.parametrize("form", ["lonlat", "polar"])
def test_a_crossing_is_found_from_either_measurement_form(form: str) -> None:
    rng = np.random.default_rng(4)
    t, lon, lat = _walker()
    n = len(t)
    if form == "lonlat":
        e, nn = rng.normal(0, 10, n), rng.normal(0, 10, n)
        lon_m, lat_m, _ = GEOD.fwd(lon, lat, np.degrees(np.arctan2(e, nn)), np.hypot(e, nn))
        cols = {"lon": lon_m, "lat": lat_m, "sigma_m": np.full(n, 10.0)}
    else:
        az, _, dist = GEOD.inv(np.full(n, TOWER_LON), np.full(n, TOWER_LAT), lon, lat)
        cols = {
            "range_m": dist + rng.normal(0, 8, n),
            "bearing_deg": np.mod(az, 360) + rng.normal(0, 0.2, n),
            "sensor_lon": np.full(n, TOWER_LON),
            "sensor_lat": np.full(n, TOWER_LAT),
            "sigma_range_m": np.full(n, 8.0),
            "sigma_bearing_deg": np.full(n, 0.2),
            "sigma_m": np.full(n, 10.0),
        }
    obs = ObservationBatch.from_columns(
        {"t_s": t, "sensor_id": ["TWR"] * n, "sensor_kind": ["tower"] * n, **cols}, n=n
    )
    assert obs.is_polar.all() == (form == "polar")
    sensors = {"TWR": SensorInfo("TWR", SensorKind.TOWER, TOWER_LON, TOWER_LAT, 8000.0)}
    result = ReplayPipeline(_sector(), sensors).run(obs)
    assert [c.direction for c in result.crossings] == [Direction.USA_TO_CAN]
    t_true = float(np.interp(49.0, lat, t))
    c = result.crossings[0]
    assert abs(c.t_s - t_true) < 15.0
    assert 0.0 <= c.detected_t_s - t_true < 30.0
    assert len(result.confirmed_tracks) == 1
    assert result.n_outside_sector == 0
