"""Simulation: scenario files, movers, sensor models, CoT output and ground truth, scoring.

Depends on :mod:`northline.model` and :mod:`northline.geo` only; no production stage imports
it. A run::

    scenario = load_scenario("scenarios/emerson.toml")
    result = simulate(scenario, load_boundary())
    write_outputs(result, "out/emerson")   # detections.cot, truth.json, sensors.json
    ...                                    # run the pipeline on detections.cot
    print(score(result.truth, crossings, alerts))
"""

from ._movers import MoverKind, Trajectories
from ._parse import load_scenario, parse_scenario
from ._run import (
    DETECTIONS_FILE,
    SENSORS_FILE,
    TRUTH_FILE,
    SimulationResult,
    simulate,
    write_detections_csv,
    write_outputs,
)
from ._scenario import (
    DEFAULT_MODES,
    CrossersSpec,
    FixedSite,
    LineSite,
    LoiterersSpec,
    ModeSpec,
    MoversSpec,
    PortTrafficSpec,
    Scenario,
    SectorSpec,
    Site,
    TowerSpec,
    UgsSpec,
)
from ._scoring import Score, score
from ._sensors import Detections, SensorInfo, read_sensors
from ._synthetic import manoeuvring_targets
from ._truth import GroundTruth, TrueCrossing, TruthMover, find_crossings

__all__ = [
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
]
