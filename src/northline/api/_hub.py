"""The live hub: records published once, fanned out to every subscriber allowed to see them.

:meth:`Hub.publish` never blocks and may be called from any thread. Each subscriber has a
bounded queue; when a slow client lets it fill, the oldest message is dropped and counted
(:attr:`Subscription.dropped`), so one stalled browser cannot hold back the picture for the
others or the pipeline feeding it. Messages are ``{"type": kind, "data": record}``, the
record serialised as the REST endpoints serialise it. The kinds (:data:`KINDS`): ``track``,
``crossing``, ``alert``, ``alert_event`` (a step on an alert), ``asset`` (a responder after a
change: its status, its position, a tasking) and ``dispatch_decision`` (a person's accept,
change or decline of a recommendation). The WebSocket sends them in frames that
are JSON arrays of the messages waiting, oldest first.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from ..model import Alert, AlertEvent, Crossing, InvalidInput, Marking, TrackBatch, TrackUpdate
from ..model import User as _User
from ..response import Asset, DispatchDecision
from ._serial import record_dict

__all__ = ["KINDS", "QUEUE_SIZE", "Hub", "Subscription"]

_log = logging.getLogger("northline.api")

KINDS: Final = ("track", "crossing", "alert", "alert_event", "asset", "dispatch_decision")
QUEUE_SIZE: Final = 1000
_TYPES: Final[dict[str, type]] = {
    "track": TrackUpdate,
    "crossing": Crossing,
    "alert": Alert,
    "alert_event": AlertEvent,
    "asset": Asset,
    "dispatch_decision": DispatchDecision,
}


class Subscription:
    """One client's view of the hub: its user, its queue and how many messages it lost."""

    def __init__(
        self, user: _User, *, maxsize: int, wake: Callable[[], None] | None = None
    ) -> None:
        self.user = user
        self.dropped = 0
        self._queue: deque[str] = deque(maxlen=maxsize)
        self._lock = threading.Lock()
        self._wake = wake

    def _offer(self, message: str) -> None:
        with self._lock:
            was_empty = not self._queue
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1  # deque(maxlen) drops the oldest on append
            self._queue.append(message)
        # A queue that held messages has a wake-up pending already: the sender drains
        # everything at once, so only the first message after a drain needs to wake it.
        if was_empty and self._wake is not None:
            self._wake()

    def drain(self) -> list[str]:
        """Every queued message (JSON text), oldest first, leaving the queue empty."""
        with self._lock:
            out = list(self._queue)
            self._queue.clear()
        return out

    def __len__(self) -> int:
        return len(self._queue)


class Hub:
    """Fan-out of live records to subscribers, each filtered by its user's markings."""

    def __init__(self, *, queue_size: int = QUEUE_SIZE) -> None:
        if queue_size < 1:
            raise InvalidInput("a queue holds at least one message", field="queue_size")
        self.queue_size = queue_size
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self.access_generation = 0
        self._listeners: list[Callable[[str, Any, Marking | None], None]] = []

    def subscribe(self, user: _User, *, wake: Callable[[], None] | None = None) -> Subscription:
        """A new subscriber; ``wake`` is called (from the publisher's thread) on each message."""
        sub = Subscription(user, maxsize=self.queue_size, wake=wake)
        with self._lock:
            self._subs.add(sub)
        return sub

    def add_listener(self, listener: Callable[[str, Any, Marking | None], None]) -> None:
        """Also call ``listener(kind, record, marking)`` with every record published (a track
        batch row by row, whoever subscribes), in the publisher's thread; what it raises is
        logged, never passed to the publisher."""
        self._listeners.append(listener)

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def access_changed(self) -> None:
        """A token was revoked or a user disabled: every stream checks its token again."""
        self.access_generation += 1

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, kind: str, record: Any, *, marking: Marking | None = None) -> int:
        """Send a record to every subscriber who may see it; returns how many got it.

        ``kind`` is one of :data:`KINDS`. A :class:`~northline.model.TrackBatch` published as
        ``track`` goes out row by row. An alert event carries no marking of its own: pass its
        alert's ``marking``; a record without one reaches nobody.
        """
        if kind not in _TYPES:
            raise InvalidInput(f"unknown live kind {kind!r}", field="kind", kinds=list(KINDS))
        if kind == "track" and isinstance(record, TrackBatch):
            return sum(self.publish(kind, r) for r in record.to_records())
        if not isinstance(record, _TYPES[kind]):
            raise InvalidInput(
                f"a {kind} message carries a {_TYPES[kind].__name__}, not {type(record).__name__}",
                field="record",
            )
        for listener in self._listeners:
            try:
                listener(kind, record, marking)
            except Exception:
                _log.exception("hub listener %r failed on a %s", listener, kind)
        seen = marking if marking is not None else getattr(record, "marking", None)
        if not isinstance(seen, Marking):
            return 0
        message = json.dumps({"type": kind, "data": record_dict(record)}, allow_nan=False)
        with self._lock:
            subs = [s for s in self._subs if s.user.may_see(seen)]
        for s in subs:
            s._offer(message)
        return len(subs)
