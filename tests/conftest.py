"""Shared fixtures: the reference data and wire-format fixtures beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests with a fixed seed so that a landing never depends on luck;
# `make fuzz` (and developers' runs) explore afresh.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not (path / "geo" / "canada_us_boundary.geojson").is_file():
        pytest.skip("../shared/data is absent beside the repository: reference data not installed")
    return path


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    path = SHARED / "fixtures"
    if not path.is_dir():
        pytest.skip("../shared/fixtures is absent beside the repository: no recorded feeds")
    return path
