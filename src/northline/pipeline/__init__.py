"""The stages of the surveillance spine wired together (replay mode), and their exports."""

from ._export import alerts_json, crossings_geojson, tracks_geojson, write_json
from ._replay import PipelineResult, ReplayPipeline, SensorInfo, local_positions

__all__ = [
    "PipelineResult",
    "ReplayPipeline",
    "SensorInfo",
    "alerts_json",
    "crossings_geojson",
    "local_positions",
    "tracks_geojson",
    "write_json",
]
