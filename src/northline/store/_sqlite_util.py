"""Small helpers shared by the SQLite store's modules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from ..model import Marking

__all__ = ["marking", "nan_if_null", "none_if_nan", "write_transaction"]


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error (autocommit connection)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@lru_cache(maxsize=256)
def marking(agency: str, releasability: str) -> Marking:
    return Marking(agency, releasability)


def nan_if_null(value: float | None) -> float:
    """A float column read back: NULL was NaN."""
    return float("nan") if value is None else value


def none_if_nan(value: float | None) -> float | None:
    return None if value is None or value != value else value
