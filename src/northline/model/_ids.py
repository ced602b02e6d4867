"""Ids derived from content: the same record from the same source always gets the same id."""

from __future__ import annotations

import hashlib

__all__ = ["content_id"]


def content_id(prefix: str, *parts: object) -> str:
    """A stable id ``prefix-<32 hex>`` from the parts' text (order matters)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\x1f")
    return f"{prefix}-{h.hexdigest()}"
