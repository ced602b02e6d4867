"""Reading [[assets]] from a scenario: defaults per kind, and every bad value named by field."""

from __future__ import annotations

import math
import tomllib
from typing import Any

import pytest

from northline.model import InvalidInput, Marking
from northline.response import DAY_S, KIND_DEFAULTS, AssetKind, AssetStatus, load_assets

SCENARIO = """
name = "emerson"

[[assets]]
id = "drone-1"
kind = "drone"
lon = -97.21
lat = 49.01

[[assets]]
id = "k9-emerson"
kind = "k9"
name = "Emerson dog team"
lon = -97.24
lat = 49.0
port_code = "0901"
status = "returning"
shift_start = "22:00"
shift_end = 06:00:00
agency = "CBSA"
releasability = "CAN-USA"

[[assets]]
id = "helo"
kind = "helicopter"
lon = -97.0
lat = 49.5
home_lon = -97.1
home_lat = 49.6
speed_mps = 70
endurance_left_s = 3600
crew = 4
"""


def test_loads_with_kind_defaults() -> None:
    drone, k9, helo = load_assets(tomllib.loads(SCENARIO))
    assert drone.kind is AssetKind.DRONE
    assert drone.name == "drone-1"
    assert (drone.speed_mps, drone.endurance_s, drone.recharge_s, drone.range_m) == (
        15.0,
        2400.0,
        1200.0,
        1500.0,
    )
    assert drone.endurance_left_s == drone.endurance_s
    assert drone.status is AssetStatus.AVAILABLE
    assert (drone.home_lon, drone.home_lat) == (drone.lon, drone.lat)
    assert (drone.shift_start_s, drone.shift_end_s) == (0.0, DAY_S)
    assert k9.kind is AssetKind.K9
    assert k9.speed_mps == KIND_DEFAULTS[AssetKind.PATROL_VEHICLE].speed_mps
    assert k9.detour_factor == 1.3
    assert k9.effective_speed_mps == pytest.approx(20.0 / 1.3)
    assert math.isinf(k9.endurance_s)
    assert k9.status is AssetStatus.RETURNING
    assert (k9.shift_start_s, k9.shift_end_s) == (22 * 3600.0, 6 * 3600.0)
    assert k9.marking == Marking("CBSA", "CAN-USA")
    assert k9.port_code == "0901"
    assert helo.speed_mps == 70.0
    assert helo.endurance_s == 2.5 * 3600
    assert helo.endurance_left_s == 3600.0
    assert (helo.home_lon, helo.home_lat, helo.crew) == (-97.1, 49.6, 4)


def test_no_assets_is_an_empty_list() -> None:
    assert load_assets({"name": "x"}) == []


def test_every_kind_has_defaults() -> None:
    assert set(KIND_DEFAULTS) == set(AssetKind)
    foot = KIND_DEFAULTS[AssetKind.PATROL_FOOT]
    assert foot.speed_mps == 1.5
    assert KIND_DEFAULTS[AssetKind.SNOWMOBILE].speed_mps == 12.0
    assert KIND_DEFAULTS[AssetKind.BOAT].speed_mps == 10.0
    assert KIND_DEFAULTS[AssetKind.HELICOPTER].speed_mps == 60.0


BASE: dict[str, Any] = {"id": "u1", "kind": "patrol_foot", "lon": -97.2, "lat": 49.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "assets[0].id"),
        ({"id": "bad id!"}, "assets[0].id"),
        ({"kind": "tank"}, "assets[0].kind"),
        ({"kind": 3}, "assets[0].kind"),
        ({"lon": None}, "assets[0].lon"),
        ({"lat": 91.0}, "assets[0].lat"),
        ({"lon": "east"}, "assets[0].lon"),
        ({"status": "asleep"}, "assets[0].status"),
        ({"speed_mps": 0}, "assets[0].speed_mps"),
        ({"speed_mps": True}, "assets[0].speed_mps"),
        ({"speed_mps": math.nan}, "assets[0].speed_mps"),
        ({"endurance_s": 100.0, "endurance_left_s": 200.0}, "assets[0].endurance_left_s"),
        ({"crew": -1}, "assets[0].crew"),
        ({"crew": 1.5}, "assets[0].crew"),
        ({"detour_factor": 0.9}, "assets[0].detour_factor"),
        ({"shift_start": "25:00"}, "assets[0].shift_start"),
        ({"shift_end": "6pm"}, "assets[0].shift_end"),
        ({"agency": "rcmp"}, "assets[0].agency"),
        ({"releasability": "Canada"}, "assets[0].releasability"),
        ({"colour": "green"}, "assets[0].colour"),
    ],
)
def test_bad_values_name_their_field(change: dict[str, Any], field: str) -> None:
    item = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(InvalidInput) as err:
        load_assets({"assets": [item]})
    assert err.value.context["field"] == field
    assert field in err.value.message


def test_bad_shapes_and_duplicates() -> None:
    with pytest.raises(InvalidInput) as err:
        load_assets({"assets": {"id": "x"}})
    assert err.value.context["field"] == "assets"
    with pytest.raises(InvalidInput) as err:
        load_assets({"assets": [BASE, "drone"]})
    assert err.value.context["field"] == "assets[1]"
    with pytest.raises(InvalidInput) as err:
        load_assets({"assets": [BASE, dict(BASE)]})
    assert err.value.context["field"] == "assets[1].id"


def test_shift_as_seconds_of_day_or_local_time() -> None:
    doc = tomllib.loads(
        'assets = [{id = "a", kind = "boat", lon = 0, lat = 0, shift_start = 3600, '
        "shift_end = 18:30:00}]"
    )
    (boat,) = load_assets(doc)
    assert (boat.shift_start_s, boat.shift_end_s) == (3600.0, 18.5 * 3600)
