"""Each package's curated public names, and the direction of dependencies between packages."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "northline"

EXPORTS = {
    "northline.model": {
        "DEFAULT_MARKING",
        "Alert",
        "AlertAction",
        "AlertEvent",
        "AuditEntry",
        "AuditReport",
        "Role",
        "Sensor",
        "User",
        "AlertKind",
        "AlertState",
        "Columnar",
        "Conflict",
        "Crossing",
        "DataUnavailable",
        "Direction",
        "InvalidInput",
        "LonLat",
        "Marking",
        "NorthlineError",
        "NotFound",
        "Observation",
        "ObservationBatch",
        "PermissionDenied",
        "QuarantinedMessage",
        "RangeBearing",
        "ScenarioError",
        "TransportError",
        "SensorKind",
        "Severity",
        "Side",
        "TrackBatch",
        "TrackState",
        "TrackUpdate",
        "column",
        "content_id",
        "epoch_s",
        "format_iso",
        "parse_iso",
        "to_dict",
        "utc_from_epoch_s",
    },
    "northline.geo": {
        "BOUNDARY_FILE",
        "DATA_DIR_ENV",
        "FORTY_NINTH_EAST_LON",
        "FORTY_NINTH_WEST_LON",
        "PORTS_FILE",
        "Boundary",
        "LocalFrame",
        "PortOfEntry",
        "Sector",
        "builtin_boundary",
        "data_dir",
        "data_path",
        "load_boundary",
        "load_ports",
    },
    "northline.tracking": {
        "OUTPUT_COLUMNS",
        "Association",
        "Associator",
        "CVState",
        "ConstantVelocity",
        "Coverage",
        "GatedPairs",
        "GlobalNearestNeighbour",
        "GospaResult",
        "GospaSeries",
        "IMMFilter",
        "IMMState",
        "JointProbabilisticDA",
        "KalmanFilterCV",
        "MotionModel",
        "ScanBuffer",
        "StepResult",
        "TrackFilter",
        "Tracker",
        "TrackerConfig",
        "gate",
        "gospa",
        "gospa_series",
        "innovation",
        "inv2",
        "mahalanobis2",
        "mixture_update",
        "ospa",
        "ospa_series",
        "predict",
        "track_csv",
        "update",
    },
    "northline.border": {"BorderConfig", "BorderEvents", "BorderMonitor"},
    "northline.pipeline": {
        "LiveCounts",
        "PipelineResult",
        "ReplayPipeline",
        "SensorInfo",
        "Step",
        "alerts_json",
        "crossings_geojson",
        "local_positions",
        "run_live",
        "tracks_geojson",
        "write_json",
    },
    "northline.demo": {
        "DEMO_USERS",
        "DemoResult",
        "LiveDemo",
        "default_scenario_path",
        "run_demo",
        "serve_demo",
    },
    "northline.cli": {"cli", "main"},
    "northline.alerts": {
        "MAY_ACT",
        "NOTE_REQUIRED",
        "AlertStore",
        "Outcome",
        "allowed_actions",
        "current_assignee",
        "next_state",
        "step",
    },
    "northline.api": {
        "KINDS",
        "LAYERS",
        "PERMISSIONS",
        "PREFIX",
        "PUBLIC",
        "TOKEN_TTL_S",
        "WS",
        "Hub",
        "Subscription",
        "Unauthenticated",
        "create_app",
        "hash_password",
        "openapi_document",
        "verify_password",
        "write_openapi",
    },
    "northline.web": {"static_dir"},
    "northline.tak": {
        "ALERT_TYPE",
        "BOUNDARY_TYPE",
        "CROSSING_TYPE",
        "CallsignTap",
        "FRIENDLY_PREFIX",
        "Friendly",
        "FriendlyTracker",
        "KINDS",
        "PublisherCounters",
        "STALE_S",
        "TASKING_TYPE",
        "TRACK_TYPE",
        "TcpCotPublisher",
        "UNKNOWN",
        "UdpCotPublisher",
        "alert_event",
        "alert_uid",
        "boundary_shape",
        "cot_events",
        "crossing_event",
        "open_publisher",
        "tasking_event",
        "track_event",
        "track_uid",
    },
    "northline.response": {
        "SIMULATED_OPERATOR",
        "Decider",
        "Outcome",
        "ResponseOutcome",
        "ResponseRun",
        "ResponseSettings",
        "SimPolicy",
        "TruthLike",
        "TruthMoverLike",
        "match_alerts",
        "simulate_response",
        "Asset",
        "AssetEvent",
        "AssetKind",
        "AssetStatus",
        "DAY_S",
        "DISPATCHABLE",
        "DecisionAction",
        "DispatchCosts",
        "DispatchDecision",
        "DispatchPolicy",
        "Intercept",
        "KIND_DEFAULTS",
        "KindDefaults",
        "MAY_DECIDE",
        "Recommendation",
        "assign",
        "asset_event",
        "decide",
        "dispatch_costs",
        "intercept",
        "load_assets",
        "nearest_available",
        "recommend",
        "taskings",
        "with_positions",
    },
}

# Which Northline packages each package may import: dependencies point down the spine.
ALLOWED = {
    "model": set(),
    "geo": {"model"},
    "sim": {"model", "geo"},
    "ingest": {"model"},
    "tracking": {"model"},
    "border": {"model", "geo"},
    "store": {"model", "response"},  # it keeps every stage's records, responders' too
    "alerts": {"model"},
    "pipeline": {"model", "geo", "tracking", "border"},
    "api": {"model", "geo", "store", "alerts", "response"},
    "web": set(),
    "response": {"model", "geo"},
    "tak": {"model", "ingest"},
}


@pytest.mark.parametrize("module", sorted(EXPORTS))
def test_exported_names_are_pinned(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == EXPORTS[module]
    assert len(mod.__all__) == len(set(mod.__all__))
    for name in mod.__all__:
        assert hasattr(mod, name), name


def _northline_imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level >= 2 and node.module:
                    found.add(node.module.split(".")[0])
                elif node.level == 0 and node.module and node.module.startswith("northline."):
                    found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("northline."):
                        found.add(alias.name.split(".")[1])
    return found - {package}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_down_the_spine(package: str) -> None:
    assert _northline_imports(package) <= ALLOWED[package]


def test_no_stage_imports_the_simulator() -> None:
    for package in ALLOWED:
        if package != "sim":
            assert "sim" not in _northline_imports(package), package
