"""A store follower: what another process writes to the store, published to the live hub.

``northline serve`` over a store that a live pipeline in another process writes to would
otherwise publish nothing of tracks: the follower reads the store every ``interval_s``
seconds and publishes the track updates, crossings and alerts it has not seen, and so they
reach the web page and, with ``--tak``, TAK clients.

The store has no change feed, so rows are found by time: a follower starts at what is
there (nothing already stored is published again) and afterwards publishes each row whose
time is at most ``lookback_s`` before the newest it has seen (a pipeline writes scans in
time order, a little out of order between sensors at most); rows further back in time —
history back-filled into the store — are not published. Crossings have no time filter in
the store: they are read whenever new track updates or alerts are, and told apart by id.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np

from ..model import Alert, Crossing, TrackBatch
from ..store import Store

__all__ = ["LOOKBACK_S", "StoreFollower"]

LOOKBACK_S: Final = 60.0


class StoreFollower:
    """Publishes to ``publish(kind, record)`` (a hub's) what appears in ``store``."""

    def __init__(
        self,
        store: Store,
        publish: Callable[[str, Any], object],
        *,
        lookback_s: float = LOOKBACK_S,
    ) -> None:
        self.store = store
        self.publish = publish
        self.lookback_s = lookback_s
        self.published = {"track": 0, "crossing": 0, "alert": 0}
        latest = store.latest_track_updates()
        self._track_t = float(latest.t_s.max()) if len(latest) else -math.inf
        self._track_keys: set[tuple[str, float]] = set()
        self._remember(store.track_updates(t_from=self._since(self._track_t)))
        self._crossings = {c.crossing_id for c in store.crossings()}
        alerts = store.alerts()
        self._alert_t = max((a.t_s for a in alerts), default=-math.inf)
        floor = self._alert_t - lookback_s
        self._alerts = {a.alert_id: a.t_s for a in alerts if a.t_s >= floor}

    def _since(self, t_s: float) -> float | None:
        return t_s - self.lookback_s if math.isfinite(t_s) else None

    def _remember(self, batch: TrackBatch) -> None:
        self._track_keys.update(zip(batch.track_id.tolist(), batch.t_s.tolist(), strict=True))

    def poll(self) -> int:
        """Publish what is new since the last poll; returns how many records."""
        tracks = self._new_tracks()
        alerts = self._new_alerts()
        crossings = self._new_crossings() if len(tracks) or alerts else []
        if len(tracks):
            self.publish("track", tracks)
        for c in crossings:
            self.publish("crossing", c)
        for a in alerts:
            self.publish("alert", a)
        self.published["track"] += len(tracks)
        self.published["crossing"] += len(crossings)
        self.published["alert"] += len(alerts)
        return len(tracks) + len(crossings) + len(alerts)

    def _new_tracks(self) -> TrackBatch:
        batch = self.store.track_updates(t_from=self._since(self._track_t))
        fresh = batch.t_s > self._track_t
        maybe = np.flatnonzero(~fresh)
        if len(maybe):
            keys = zip(batch.track_id[maybe].tolist(), batch.t_s[maybe].tolist(), strict=True)
            fresh[maybe] = [k not in self._track_keys for k in keys]
        new = batch.take(np.flatnonzero(fresh))
        if len(new):
            self._track_t = max(self._track_t, float(new.t_s.max()))
            self._remember(new)
            floor = self._track_t - self.lookback_s
            self._track_keys = {k for k in self._track_keys if k[1] >= floor}
        return new

    def _new_crossings(self) -> list[Crossing]:
        new = [c for c in self.store.crossings() if c.crossing_id not in self._crossings]
        self._crossings.update(c.crossing_id for c in new)
        return new

    def _new_alerts(self) -> list[Alert]:
        since = self.store.alerts(t_from=self._since(self._alert_t))
        new = [a for a in since if a.alert_id not in self._alerts]
        if new:
            self._alert_t = max(self._alert_t, max(a.t_s for a in new))
            floor = self._alert_t - self.lookback_s
            self._alerts.update((a.alert_id, a.t_s) for a in new)
            self._alerts = {k: t for k, t in self._alerts.items() if t >= floor}
        return new

    async def run(self, interval_s: float) -> None:
        """Poll every ``interval_s`` seconds until cancelled."""
        while True:
            self.poll()
            await asyncio.sleep(interval_s)
