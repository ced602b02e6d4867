"""Shared fixtures: the reference data and wire-format fixtures beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

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
