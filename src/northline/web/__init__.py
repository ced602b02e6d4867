"""The browser common operating picture: the built page that :mod:`northline.api` serves.

The sources live in ``web/`` at the repository root (TypeScript, MapLibre GL JS, built with
Vite by ``make web``); the build writes the assets into this package's ``static/`` directory,
which is never committed. :func:`static_dir` says where they are, or ``None`` when the page
has not been built.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["static_dir"]

_STATIC = Path(__file__).resolve().parent / "static"


def static_dir() -> Path | None:
    """The directory of the built page (holding ``index.html``), or ``None`` if not built."""
    return _STATIC if (_STATIC / "index.html").is_file() else None
