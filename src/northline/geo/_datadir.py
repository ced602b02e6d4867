"""Where reference data lives: ``NORTHLINE_DATA_DIR``, else the platform's user data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from ..model import DataUnavailable

__all__ = ["DATA_DIR_ENV", "data_dir", "data_path"]

DATA_DIR_ENV = "NORTHLINE_DATA_DIR"


def data_dir() -> Path:
    """The data directory in force (it need not exist)."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("northline", appauthor=False))


def data_path(relative: str, root: Path | None = None) -> Path:
    """A file in the data directory, or :class:`DataUnavailable` saying where it was looked for."""
    base = data_dir() if root is None else root
    path = base / relative
    if not path.is_file():
        raise DataUnavailable(
            f"{relative} is not installed in the data directory {base} "
            f"(set {DATA_DIR_ENV} to a directory that has it)",
            path=str(path),
        )
    return path
