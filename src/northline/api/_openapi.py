"""The OpenAPI document of the service, written to ``openapi.json`` at the repository root.

Regenerate it after changing a route: ``python -m northline.api.openapi`` (from the
repository root), or ``python -m northline.api.openapi PATH``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "openapi_document", "write_openapi"]


def openapi_document() -> dict[str, Any]:
    """The service's OpenAPI schema (over an in-memory store; nothing is written)."""
    from ..store import MEMORY, SQLiteStore
    from ._app import create_app

    with SQLiteStore(MEMORY) as store:
        return create_app(store).openapi()


def _text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_openapi(path: str | Path = "openapi.json") -> Path:
    """Write the OpenAPI document to ``path`` (stable key order, so diffs are readable)."""
    out = Path(path)
    out.write_text(_text(openapi_document()), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    """``python -m northline.api.openapi [PATH]``: write the document (default openapi.json)."""
    args = sys.argv[1:] if argv is None else argv
    print(write_openapi(args[0] if args else "openapi.json"))
