"""Persistence behind one narrow port: :class:`Store`, with SQLite as the embedded default.

A store contains no domain logic: it keeps records and batches, idempotently by id, and
answers simple reads by time and track. :func:`open_store` opens one from a path or URL.
"""

from ._open import open_store
from ._port import COUNT_KEYS, Store
from ._schema import MIGRATIONS, Migration
from ._sqlite import MEMORY, SQLiteStore

__all__ = ["COUNT_KEYS", "MEMORY", "MIGRATIONS", "Migration", "SQLiteStore", "Store", "open_store"]
