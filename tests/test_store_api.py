"""The public names of northline.store are pinned, and SQLiteStore satisfies the port."""

import northline.store
from northline.store import COUNT_KEYS, SQLiteStore, Store


def test_exported_names() -> None:
    assert set(northline.store.__all__) == {
        "COUNT_KEYS",
        "MEMORY",
        "MIGRATIONS",
        "Migration",
        "SQLiteStore",
        "Store",
        "open_store",
    }
    for name in northline.store.__all__:
        assert hasattr(northline.store, name)


def test_sqlite_store_implements_the_port() -> None:
    with SQLiteStore(":memory:") as store:
        assert isinstance(store, Store)
        assert tuple(store.counts()) == COUNT_KEYS
        assert set(store.counts().values()) == {0}
