"""Run the stages live: each scan is processed when its time comes on the wall clock.

:func:`run_live` paces a pipeline's :meth:`~ReplayPipeline.steps` by event time — a scan
``t`` seconds after the first is processed ``t / speed`` seconds after the start — and hands
what each scan changed to ``publish`` (the service's live hub) and, if given, to a store, as
it happens. ``speed`` 1 is real time; 10 plays ten simulated seconds a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..model import ObservationBatch
from ._replay import ReplayPipeline

__all__ = ["LiveCounts", "run_live"]

Publish = Callable[[str, Any], None]


@dataclass(slots=True)
class LiveCounts:
    """What a live run did, and how far behind the wall clock it fell at worst."""

    scans: int = 0
    track_updates: int = 0
    crossings: int = 0
    alerts: int = 0
    max_lag_s: float = 0.0


async def run_live(
    pipeline: ReplayPipeline,
    obs: ObservationBatch,
    publish: Publish,
    *,
    speed: float = 1.0,
    store: Any | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    stop: asyncio.Event | None = None,
) -> LiveCounts:
    """Process ``obs`` scan by scan at ``speed`` times real time, publishing as it goes.

    ``publish(kind, record)`` is called with ``"track"`` for every updated or deleted track
    row (a :class:`~northline.model.TrackUpdate`), ``"crossing"`` and ``"alert"``. With a
    ``store``, rows are stored before they are published. Ends at the last scan or when
    ``stop`` is set.
    """
    if not speed > 0:
        from ..model import InvalidInput

        raise InvalidInput("speed must be positive", field="speed")
    counts = LiveCounts()
    start_wall: float | None = None
    start_event = 0.0
    for step in pipeline.steps(obs, lonlat=True):
        if stop is not None and stop.is_set():
            break
        if start_wall is None:
            start_wall, start_event = clock(), step.t_s
        due = start_wall + (step.t_s - start_event) / speed
        wait = due - clock()
        if wait > 0:
            await sleep(wait)
        else:
            counts.max_lag_s = max(counts.max_lag_s, -wait)
            await sleep(0)  # let the service answer between scans
        if store is not None:
            store.add_track_updates(step.moved)
            if len(step.deleted):
                store.add_track_updates(step.deleted)
            store.add_crossings(step.crossings)
            store.add_alerts(step.alerts)
        counts.scans += 1
        for batch in (step.moved, step.deleted):
            for update in batch.to_records():
                publish("track", update)
                counts.track_updates += 1
        for crossing in step.crossings:
            publish("crossing", crossing)
            counts.crossings += 1
        for alert in step.alerts:
            publish("alert", alert)
            counts.alerts += 1
    return counts
