"""The demo: a simulated sector fed through ingest, tracking and border rules, then scored;
or played live on the wall clock and served to the browser."""

from ._live import DEMO_USERS, LiveDemo, serve_demo
from ._run import DemoResult, default_scenario_path, run_demo

__all__ = [
    "DEMO_USERS",
    "DemoResult",
    "LiveDemo",
    "default_scenario_path",
    "run_demo",
    "serve_demo",
]
