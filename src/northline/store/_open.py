"""Open a store from a path or a URL."""

from __future__ import annotations

import re
from pathlib import Path

from ..model import InvalidInput
from ._port import Store
from ._sqlite import MEMORY, SQLiteStore

__all__ = ["open_store"]

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.DOTALL)


def open_store(url_or_path: str | Path) -> Store:
    """A store for a path or URL.

    ``sqlite:///relative.db``, ``sqlite:////absolute.db`` and ``sqlite:///:memory:`` (or
    ``sqlite://``) follow the SQLAlchemy spelling; anything without ``://`` is a file path.
    Other schemes raise :class:`~northline.model.InvalidInput` (PostgreSQL is to come).
    """
    if isinstance(url_or_path, Path):
        return SQLiteStore(url_or_path)
    m = _URL.match(url_or_path)
    if m is None:
        return SQLiteStore(url_or_path)
    scheme, rest = m["scheme"].lower(), m["rest"]
    if scheme != "sqlite":
        hint = (
            "the PostgreSQL store is not implemented yet"
            if scheme in ("postgres", "postgresql")
            else "use a path or sqlite:///path"
        )
        raise InvalidInput(f"unknown store scheme {scheme!r}: {hint}", field="store", scheme=scheme)
    if "?" in rest or "#" in rest:
        raise InvalidInput(f"store URL options are not supported: {url_or_path!r}", field="store")
    if rest in ("", "/", "/" + MEMORY):
        return SQLiteStore(MEMORY)
    if not rest.startswith("/"):
        raise InvalidInput(
            f"a sqlite URL has three slashes before the path: sqlite:///{rest}", field="store"
        )
    return SQLiteStore(rest[1:])
