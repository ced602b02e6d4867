"""open_store: paths and sqlite URLs; other schemes are refused for now."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from northline.model import InvalidInput
from northline.store import SQLiteStore, open_store


def test_paths_and_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(tmp_path / "a.db") as a:
        assert isinstance(a, SQLiteStore)
    with open_store(str(tmp_path / "b.db")):
        pass
    with open_store(f"sqlite:///{tmp_path / 'c.db'}"):  # tmp_path is absolute: four slashes
        pass
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///relative.db"):
        pass
    assert {"a.db", "b.db", "c.db", "relative.db"} <= set(os.listdir(tmp_path))
    for memory in ("sqlite://", "sqlite:///:memory:", ":memory:"):
        with open_store(memory) as m:
            assert m.counts()["observations"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://user@db/northline",
        "postgres://db/northline",
        "mysql://db/northline",
        "sqlite:///n.db?mode=ro",
        "sqlite://n.db",
    ],
)
def test_unknown_schemes_and_forms_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        open_store(url)
