from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from northline.geo import (
    DATA_DIR_ENV,
    FORTY_NINTH_EAST_LON,
    FORTY_NINTH_WEST_LON,
    PortOfEntry,
    Sector,
    builtin_boundary,
    data_dir,
    load_boundary,
    load_ports,
)
from northline.model import DataUnavailable, InvalidInput

GEOD = Geod(ellps="WGS84")
PEMBINA = PortOfEntry("3401", "Pembina", -97.237036, 49.000453)


def _sector(boundary=None) -> Sector:
    return Sector.around("emerson", -97.237, 49.0, boundary or builtin_boundary(), ports=[PEMBINA])


def test_data_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv(DATA_DIR_ENV)
    assert data_dir().name == "northline"


def test_missing_data_falls_back_to_the_49th_parallel(tmp_path: Path) -> None:
    b = load_boundary(tmp_path)
    assert b.source == "builtin:49th-parallel"
    lon0, lat0, lon1, lat1 = b.bounds
    assert (lon0, lon1) == (FORTY_NINTH_WEST_LON, FORTY_NINTH_EAST_LON)
    assert lat0 == lat1 == 49.0
    with pytest.raises(DataUnavailable, match="canada_us_boundary"):
        load_boundary(tmp_path, fallback=False)
    assert load_ports(tmp_path) == []


def test_side_and_distance_against_geodesics() -> None:
    s = _sector()
    rng = np.random.default_rng(0)
    lon = rng.uniform(s.lon_min + 0.02, s.lon_max - 0.02, 500)
    lat = rng.uniform(48.93, 49.07, 500)
    side = s.side(lon, lat)
    assert (side[lat > 49.0] == "CAN").all()
    assert (side[lat < 49.0] == "USA").all()
    # Distance to a parallel is the meridian arc to it, computed here by pyproj's geodesics.
    _, _, expect = GEOD.inv(lon, lat, lon, np.full_like(lat, 49.0))
    np.testing.assert_allclose(s.distance_to_border_m(lon, lat), expect, rtol=2e-3, atol=1.0)


def test_local_frame_round_trip_and_scale() -> None:
    s = _sector()
    lon = np.array([-97.4, -97.237, -97.0])
    lat = np.array([48.95, 49.0, 49.05])
    x, y = s.frame.to_local(lon, lat)
    lon2, lat2 = s.frame.to_lonlat(x, y)
    np.testing.assert_allclose(lon2, lon, atol=1e-9)
    np.testing.assert_allclose(lat2, lat, atol=1e-9)
    _, _, d = GEOD.inv(lon[0], lat[0], lon[2], lat[2])
    np.testing.assert_allclose(np.hypot(x[2] - x[0], y[2] - y[0]), d, rtol=1e-4)


def test_port_zone_is_centred_on_the_line_nearest_the_port() -> None:
    s = _sector()
    x, y = s.frame.to_local([PEMBINA.lon], [PEMBINA.lat])
    cx, cy = s.nearest_border_point_xy(x, y)
    assert s.port_index_xy(cx, cy).tolist() == [0]
    assert s.port_index_xy(cx + 2 * PEMBINA.radius_m, cy).tolist() == [-1]


def test_sector_without_the_boundary_is_refused() -> None:
    with pytest.raises(InvalidInput, match="boundary"):
        Sector.around("nowhere", -80.0, 30.0, builtin_boundary())


def test_real_boundary_data(shared_data: Path) -> None:
    b = load_boundary(shared_data)
    assert b.source.startswith("data:")
    s = _sector(b)
    # The Natural Earth line lies south of 49.0°N here; whatever it is, a point 2 km north
    # of the line's own position is Canadian and 2 km south is American.
    x = np.array([-5000.0, 0.0, 5000.0])
    nx, ny = s.nearest_border_point_xy(x, np.zeros(3))
    assert (s.side_xy(nx, ny + 2000) == "CAN").all()
    assert (s.side_xy(nx, ny - 2000) == "USA").all()
    np.testing.assert_allclose(s.distance_to_border_xy(nx, ny + 2000), 2000, rtol=1e-3)
    ports = load_ports(shared_data)
    assert "3401" in {p.code for p in ports}
