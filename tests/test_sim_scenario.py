"""Scenario files: the default loads, defaults apply, and every bad value is named by its path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from northline.geo import builtin_boundary
from northline.model import NotFound, ScenarioError, parse_iso
from northline.sim import (
    DEFAULT_MODES,
    FixedSite,
    LineSite,
    Scenario,
    load_scenario,
    parse_scenario,
)

EMERSON = Path(__file__).resolve().parents[1] / "scenarios" / "emerson.toml"


def minimal() -> dict[str, Any]:
    return {
        "seed": 1,
        "start": "2026-01-15T02:00:00Z",
        "duration_s": 600,
        "sector": {"name": "s", "lon": -97.237, "lat": 49.0},
    }


def error_for(doc: dict[str, Any]) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc)
    return info.value


def test_emerson_loads() -> None:
    sc = load_scenario(EMERSON)
    assert sc.name == "emerson"
    assert sc.seed == 49
    assert sc.start_s == parse_iso("2026-01-15T02:00:00Z")
    assert sc.duration_s == 7200.0
    assert [p.code for p in sc.ports] == ["3401"]
    assert len(sc.towers) == 4
    assert len(sc.ugs) == 8
    assert sc.movers.crossers.count == 14
    assert {m.name for m in sc.movers.crossers.modes} == {"foot", "vehicle", "snowmobile"}
    assert sc.movers.loiterers.count == 6
    assert sc.movers.port_traffic.vehicles_per_hour == 40.0
    assert sc.marking.agency == "RCMP"
    assert len({t.phase_s for t in sc.towers}) == 4
    sector = sc.build_sector(builtin_boundary())
    assert sector.lon_min < -97.237036 < sector.lon_max


def test_defaults() -> None:
    sc = parse_scenario(minimal(), name="fallback")
    assert isinstance(sc, Scenario)
    assert sc.name == "fallback"
    assert sc.sector.length_km == 40.0
    assert sc.sector.depth_km == 20.0
    assert (sc.marking.agency, sc.marking.releasability) == ("RCMP", "CAN")
    assert sc.movers.crossers.count == 0
    assert sc.movers.crossers.modes == DEFAULT_MODES
    assert sc.movers.port_traffic.vehicles_per_hour == 0.0
    assert sc.pipeline == {}
    assert sc.end_s == sc.start_s + 600


def test_pipeline_tables_are_kept_raw() -> None:
    doc = minimal()
    doc["tracker"] = {"gate": 9.2, "confirm": [3, 5]}
    doc["border"] = {"approach_m": 500}
    sc = parse_scenario(doc)
    assert sc.pipeline == {
        "tracker": {"gate": 9.2, "confirm": [3, 5]},
        "border": {"approach_m": 500},
    }


def test_assets_are_kept_raw_for_the_response_stage() -> None:
    doc = minimal()
    doc["assets"] = [{"asset_id": "DRN-1", "kind": "drone"}, {"asset_id": "K9-1", "kind": "k9"}]
    sc = parse_scenario(doc)
    assert sc.assets == ({"asset_id": "DRN-1", "kind": "drone"}, {"asset_id": "K9-1", "kind": "k9"})
    assert parse_scenario(minimal()).assets == ()
    doc["assets"] = ["DRN-1"]
    with pytest.raises(ScenarioError, match="assets"):
        parse_scenario(doc)


def test_sites_fixed_or_on_the_line() -> None:
    doc = minimal()
    tower = {"range_m": 5000, "pd": 0.9, "sigma_m": 10, "scan_period_s": 2}
    doc["towers"] = [
        {"id": "A", "lon": -97.2, "lat": 49.01, **tower},
        {"id": "B", "lon": -97.3, "line_offset_m": 800, **tower},
    ]
    sc = parse_scenario(doc)
    assert sc.towers[0].site == FixedSite(-97.2, 49.01)
    assert sc.towers[1].site == LineSite(-97.3, 800.0)


def test_with_seed() -> None:
    sc = parse_scenario(minimal())
    assert sc.with_seed(7).seed == 7
    assert sc.with_seed(7).sector == sc.sector
    with pytest.raises(ScenarioError):
        sc.with_seed(-1)


TOWER = {
    "id": "T1",
    "lon": -97.2,
    "lat": 49.01,
    "range_m": 5000,
    "pd": 0.9,
    "sigma_m": 10,
    "scan_period_s": 2,
}
UGS = {
    "id": "U1",
    "lon": -97.2,
    "line_offset_m": 0,
    "radius_m": 50,
    "pd": 0.9,
    "false_alarms_per_hour": 1,
    "min_interval_s": 30,
}


def _with(path: str, value: Any, *, delete: bool = False) -> dict[str, Any]:
    doc = minimal()
    doc["towers"] = [dict(TOWER)]
    doc["ugs"] = [dict(UGS)]
    doc["movers"] = {"crossers": {"count": 2}, "loiterers": {"count": 1}}
    node: Any = doc
    keys = path.replace("[", ".").replace("]", "").split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    last: Any = int(keys[-1]) if isinstance(node, list) else keys[-1]
    if delete:
        del node[last]
    else:
        node[last] = value
    return copy.deepcopy(doc)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("seed", "x", "seed"),
        ("seed", True, "seed"),
        ("seed", -3, "seed"),
        ("start", "yesterday", "start"),
        ("start", "2026-01-15T02:00:00", "start"),  # no zone
        ("duration_s", 0, "duration_s"),
        ("sector.lat", 95, "sector.lat"),
        ("sector.length_km", "long", "sector.length_km"),
        ("sector.colour", "red", "sector.colour"),
        ("towers[0].pd", 1.5, "towers[0].pd"),
        ("towers[0].range_m", -1, "towers[0].range_m"),
        ("towers[0].id", "has space", "towers[0].id"),
        ("towers[0].line_offset_m", 100, "towers[0].lat"),  # both lat and line_offset_m
        ("towers[0].sigma_m", float("nan"), "towers[0].sigma_m"),
        ("ugs[0].pd", -0.1, "ugs[0].pd"),
        ("ugs[0].min_interval_s", [], "ugs[0].min_interval_s"),
        ("ugs[0].id", "T1", "towers/ugs"),  # ids are shared by towers and UGS
        ("marking.agency", "rcmp", "marking.agency"),
        ("marking.releasability", "Canada", "marking.releasability"),
        ("movers.crossers.count", -1, "movers.crossers.count"),
        (
            "movers.crossers.modes",
            {"foot": {"weight": 1, "speed_mps": [2, 1]}},
            "movers.crossers.modes.foot.speed_mps",
        ),
        (
            "movers.crossers.modes",
            {"hovercraft": {"weight": 1}},
            "movers.crossers.modes.hovercraft.speed_mps",
        ),
        ("movers.crossers.modes", {"foot": {"weight": 0}}, "movers.crossers.modes"),
        ("movers.crossers.start_distance_m", [1000], "movers.crossers.start_distance_m"),
        ("movers.crossers.trail_fraction", 0.5, "movers.crossers.trail_fraction"),
        ("movers.loiterers.min_approach_m", 500, "movers.loiterers.min_approach_m"),
        ("movers.loiterers.wander", 1, "movers.loiterers.wander"),
        ("movers.boats", {"count": 1}, "movers.boats"),
        ("weather", {"snow": True}, "weather"),
        ("tracker", 3, "tracker"),
        ("ports", [{"code": "1", "lon": -97.2}], "ports[0].lat"),
        (
            "ports",
            [{"code": "1", "lon": -97.2, "lat": 49.0}, {"code": "1", "lon": -97.1, "lat": 49.0}],
            "ports",
        ),
    ],
)
def test_invalid_values_name_their_field(path: str, value: Any, field: str) -> None:
    err = error_for(_with(path, value))
    assert err.context["field"] == field
    assert err.message.startswith(field)
    assert err.code == "invalid_scenario"


@pytest.mark.parametrize(
    "path", ["seed", "start", "sector", "sector.lon", "towers[0].pd", "ugs[0].radius_m"]
)
def test_missing_required_values(path: str) -> None:
    err = error_for(_with(path, None, delete=True))
    assert err.context["field"] == path
    assert "is required" in err.message


def test_sector_and_ports_checked_against_the_boundary() -> None:
    doc = minimal()
    doc["ports"] = [{"code": "3404", "name": "Neche", "lon": -97.557333, "lat": 49.000527}]
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc).build_sector(builtin_boundary())
    assert info.value.context["field"] == "ports[0]"
    assert "outside sector" in info.value.message
    doc = minimal()
    doc["sector"] = {"name": "prairie", "lon": -100.0, "lat": 51.0}  # 220 km north of the line
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc).build_sector(builtin_boundary())
    assert info.value.context["field"] == "sector"


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_scenario(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = = 1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)
    named = tmp_path / "quiet_night.toml"
    named.write_text(
        'seed = 3\nstart = "2026-01-15T02:00:00Z"\nduration_s = 60\n'
        '[sector]\nname = "s"\nlon = -97.2\nlat = 49.0\n',
        encoding="utf-8",
    )
    assert load_scenario(named).name == "quiet_night"
