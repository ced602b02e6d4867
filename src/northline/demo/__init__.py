"""The demo: a simulated sector fed through ingest, tracking and border rules, then scored."""

from ._run import DemoResult, default_scenario_path, run_demo

__all__ = ["DemoResult", "default_scenario_path", "run_demo"]
