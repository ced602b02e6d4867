"""The store port: the one narrow interface every persistence backend implements.

SQLite (:class:`SQLiteStore`) is the embedded default; PostgreSQL/PostGIS implements the same
Protocol for scale-out. A store holds records and batches and answers simple reads; it has no
domain logic. All writes are idempotent by the record's id, so replaying a feed is safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from ..model import Alert, Crossing, ObservationBatch, QuarantinedMessage, TrackBatch

__all__ = ["COUNT_KEYS", "Store"]

COUNT_KEYS = ("observations", "track_updates", "crossings", "alerts", "quarantined")
"""The keys of :meth:`Store.counts`, one per kind of record."""


@runtime_checkable
class Store(Protocol):
    """Persistence of the surveillance spine's records.

    ``add_*`` return how many rows were newly inserted (rows already stored under the same id
    are left as they are). Time filters are half-open, ``t_from <= t_s < t_to``; a filter that
    is not given does not filter. Reads return rows in time order, ties in insertion order.
    """

    def add_observations(self, batch: ObservationBatch) -> int:
        """Insert observations; idempotent by ``obs_id``."""
        ...

    def add_track_updates(self, batch: TrackBatch) -> int:
        """Insert track updates; idempotent by ``(track_id, t_s)``."""
        ...

    def add_crossings(self, crossings: Iterable[Crossing]) -> int:
        """Insert crossings; idempotent by ``crossing_id``."""
        ...

    def add_alerts(self, alerts: Iterable[Alert]) -> int:
        """Insert alerts; idempotent by ``alert_id``."""
        ...

    def add_quarantined(self, messages: Iterable[QuarantinedMessage]) -> int:
        """Insert quarantined messages; idempotent by ``quarantine_id``."""
        ...

    def observations(
        self, *, t_from: float | None = None, t_to: float | None = None
    ) -> ObservationBatch: ...

    def track_updates(
        self,
        track_id: str | None = None,
        *,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> TrackBatch: ...

    def crossings(self) -> list[Crossing]: ...

    def alerts(self) -> list[Alert]: ...

    def quarantined(self) -> list[QuarantinedMessage]: ...

    def counts(self) -> dict[str, int]:
        """Rows stored, by :data:`COUNT_KEYS`."""
        ...

    def schema_version(self) -> int:
        """The version of the schema the backing database is at."""
        ...

    def close(self) -> None:
        """Release the connection; closing twice is harmless."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
