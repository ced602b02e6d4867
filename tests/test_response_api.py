"""northline.response's curated public names and the packages it may import."""

from __future__ import annotations

import ast
from pathlib import Path

import northline.response as response

SRC = Path(__file__).resolve().parents[1] / "src" / "northline" / "response"

EXPORTS = {
    "DAY_S",
    "DISPATCHABLE",
    "KIND_DEFAULTS",
    "MAY_DECIDE",
    "Asset",
    "AssetKind",
    "AssetStatus",
    "DecisionAction",
    "DispatchCosts",
    "DispatchDecision",
    "DispatchPolicy",
    "Intercept",
    "KindDefaults",
    "Recommendation",
    "assign",
    "decide",
    "dispatch_costs",
    "intercept",
    "load_assets",
    "nearest_available",
    "recommend",
    "taskings",
}


def test_exported_names_are_pinned() -> None:
    assert set(response.__all__) == EXPORTS
    assert len(response.__all__) == len(EXPORTS)
    for name in EXPORTS:
        assert hasattr(response, name), name


def test_imports_only_model_and_geo() -> None:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("northline."):
                found.add((node.module or "").split(".")[1])
            elif isinstance(node, ast.Import):
                found |= {
                    a.name.split(".")[1] for a in node.names if a.name.startswith("northline.")
                }
    assert found <= {"model", "geo"}
