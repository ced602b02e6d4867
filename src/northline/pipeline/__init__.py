"""The stages of the surveillance spine wired together (replay and live), and their exports."""

from ._export import alerts_json, crossings_geojson, tracks_geojson, write_json
from ._live import LiveCounts, run_live
from ._replay import PipelineResult, ReplayPipeline, SensorInfo, Step, local_positions

__all__ = [
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
]
