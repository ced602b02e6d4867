"""The public face of northline.sim: its exported names; it depends on model and geo only."""

from __future__ import annotations

import ast
from pathlib import Path

import northline.sim as sim

EXPECTED = {
    "DEFAULT_MODES",
    "DETECTIONS_FILE",
    "SENSORS_FILE",
    "TRUTH_FILE",
    "CrossersSpec",
    "Detections",
    "FixedSite",
    "GroundTruth",
    "LineSite",
    "LoiterersSpec",
    "ModeSpec",
    "MoverKind",
    "MoversSpec",
    "PortTrafficSpec",
    "Scenario",
    "Score",
    "SectorSpec",
    "SensorInfo",
    "SimulationResult",
    "Site",
    "TowerSpec",
    "Trajectories",
    "TrueCrossing",
    "TruthMover",
    "UgsSpec",
    "find_crossings",
    "load_scenario",
    "manoeuvring_targets",
    "parse_scenario",
    "read_sensors",
    "score",
    "simulate",
    "write_detections_csv",
    "write_outputs",
}


def test_exported_names_are_pinned() -> None:
    assert set(sim.__all__) == EXPECTED
    assert len(sim.__all__) == len(EXPECTED)
    for name in sim.__all__:
        assert hasattr(sim, name), name


def test_sim_imports_only_model_and_geo() -> None:
    package = Path(sim.__file__).parent
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert node.module in {"model", "geo"}, f"{path.name} imports ..{node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("northline"), f"{path.name}: {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("northline"), f"{path.name}: {alias.name}"
