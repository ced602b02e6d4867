"""The store port: the one narrow interface every persistence backend implements.

SQLite (:class:`SQLiteStore`) is the embedded default; PostgreSQL/PostGIS implements the same
Protocol for scale-out. A store holds records and batches and answers simple reads; it has no
domain logic. All writes are idempotent by the record's id, so replaying a feed is safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from ..model import (
    Alert,
    AlertEvent,
    AlertState,
    AuditEntry,
    AuditReport,
    Crossing,
    ObservationBatch,
    QuarantinedMessage,
    Sensor,
    TrackBatch,
    User,
)
from ..response import Asset, AssetEvent, DispatchDecision

__all__ = ["COUNT_KEYS", "Store"]

COUNT_KEYS = (
    "observations",
    "track_updates",
    "crossings",
    "alerts",
    "quarantined",
    "assets",
    "asset_events",
    "dispatch_decisions",
)
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

    def alerts(
        self,
        *,
        state: AlertState | None = None,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> list[Alert]:
        """Alerts with their current state (the result of their events); ``state`` filters on
        the current state. Who handles an alert is not on :class:`Alert`: it is in the alert's
        events (:func:`northline.alerts.current_assignee`)."""
        ...

    def alert(self, alert_id: str) -> Alert:
        """One alert with its current state; NotFound when there is none."""
        ...

    def latest_track_updates(self, *, t_at: float | None = None) -> TrackBatch:
        """Each track's last update at or before ``t_at`` (the latest of all when None)."""
        ...

    # -- sensors -------------------------------------------------------------------------------

    def add_sensors(self, sensors: Iterable[Sensor]) -> int:
        """Insert or replace sensors by ``sensor_id`` (a sensor moves or is re-ranged); returns
        how many were new or changed (the same sensors again return 0)."""
        ...

    def sensors(self) -> list[Sensor]:
        """Sensors by ``sensor_id``."""
        ...

    # -- people and oversight --------------------------------------------------------------------

    def add_alert_event(self, event: AlertEvent) -> Alert:
        """Append a person's step on an alert and return the alert in its new state
        (``event.state``). NotFound for an unknown alert; Conflict for a reused event id.
        Whether the step is allowed is decided before, by :mod:`northline.alerts`."""
        ...

    def alert_events(self, alert_id: str | None = None) -> list[AlertEvent]:
        """Steps in the order they were taken (of one alert, or of all)."""
        ...

    def add_user(self, user: User, password_hash: str | None = None) -> None:
        """Create a user (Conflict when the id is taken); machines have no password."""
        ...

    def user(self, user_id: str) -> User:
        """NotFound when there is no such user."""
        ...

    def users(self) -> list[User]:
        """Users in the order they were created."""
        ...

    def set_user_disabled(self, user_id: str, disabled: bool) -> User:
        """The user after the change; NotFound when there is no such user."""
        ...

    def password_hash(self, user_id: str) -> str | None:
        """The stored hash (argon2), None for a user without a password or unknown."""
        ...

    def add_token(
        self,
        token_hash: str,
        user_id: str,
        *,
        kind: str,
        expires_t_s: float | None,
        label: str = "",
    ) -> None:
        """Keep a token by its hash (never the token): ``kind`` "session" or "api".

        ``token_hash`` is 32–128 lower-case hex digits (e.g. SHA-256 hex), else InvalidInput;
        NotFound for an unknown user; Conflict for a hash already kept. A token works while
        ``now_t_s < expires_t_s``; None never expires."""
        ...

    def token_user(self, token_hash: str, now_t_s: float) -> User | None:
        """The user of a token; None when unknown, expired, revoked or the user disabled."""
        ...

    def revoke_token(self, token_hash: str) -> bool:
        """True when a working token was revoked now; False when unknown or already revoked."""
        ...

    def append_audit(
        self,
        *,
        t_s: float,
        actor: str,
        action: str,
        record_kind: str,
        record_id: str,
        detail: str = "",
    ) -> AuditEntry:
        """Append one line to the hash-chained audit log; lines are never changed.

        ``seq`` counts from 1; ``hash`` is SHA-256 hex of the UTF-8 canonical JSON (sorted keys,
        no spaces, not ASCII-escaped) of every other field, ``t_s`` as a float and ``prev_hash``
        (the hash of the line before; 64 zeros for the first) included."""
        ...

    def audit_entries(self, *, after_seq: int = 0, limit: int | None = None) -> list[AuditEntry]:
        """Lines with ``seq > after_seq`` in order, at most ``limit`` (None: all)."""
        ...

    def verify_audit(self) -> AuditReport:
        """Recompute the chain: any edited, removed, inserted or reordered line is found.

        ``first_bad_seq`` is the first line that fails (for removed lines, the first missing
        seq); ``entries`` counts the lines stored. A chain rewritten whole from the first bad
        line on, by someone who can write the file, is not found: anchor the last hash outside
        the database for that."""
        ...

    # -- responders and dispatch ---------------------------------------------------------------

    def put_asset(self, asset: Asset, *, t_s: float, author: str) -> None:
        """Insert or replace a responder by ``asset_id``, noting when (``t_s``) and by whom;
        its earlier events are kept. InvalidInput for a non-finite time or no author."""
        ...

    def assets(self) -> list[Asset]:
        """Responders as they are now, by ``asset_id``."""
        ...

    def asset(self, asset_id: str) -> Asset:
        """One responder as it is now; NotFound when there is none."""
        ...

    def add_asset_event(self, event: AssetEvent) -> Asset:
        """Append a responder's new status or position and apply it (:meth:`AssetEvent.apply
        <northline.response.AssetEvent.apply>`) to the asset in the same transaction; return
        the asset after. NotFound for an unknown asset or ``alert_id``; an ``event_id`` already
        stored is a no-op that returns the asset as it is."""
        ...

    def asset_events(
        self,
        asset_id: str | None = None,
        *,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> list[AssetEvent]:
        """Asset events in the order they were stored (of one asset, or of all)."""
        ...

    def add_dispatch_decision(self, decision: DispatchDecision) -> bool:
        """Append a person's dispatch decision: True when new, False when its ``decision_id``
        is already stored. NotFound for an unknown alert or (chosen) asset."""
        ...

    def dispatch_decisions(self, alert_id: str | None = None) -> list[DispatchDecision]:
        """Decisions in the order they were taken (of one alert, or of all)."""
        ...

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
