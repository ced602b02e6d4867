"""``northline serve`` as a library call: the service over a store, with TAK and a follower.

:func:`run_service` serves the FastAPI app (:func:`northline.api.create_app`) with uvicorn on
the running event loop, which is the thread that opened the store, and beside it:

* with ``tak`` URLs, a :class:`~northline.tak.TakBridge`: the boundary drawn once, then every
  track, crossing and alert the hub publishes as CoT, and a tasking to the unit each time a
  person dispatches one (``create_app(on_tasking=…)``);
* with ``tak_listen`` URLs, a :class:`~northline.tak.FriendlyListener` each: a friendly
  position from a responder's TAK client is recorded as an asset event (author
  ``tak:<callsign>``) and the responder published to the hub as ``asset``;
* with ``follow_s > 0``, a :class:`StoreFollower` publishing what other processes write.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import DEFAULT_MARKING, NotFound
from ..store import Store
from ..tak import Friendly, FriendlyListener, TakBridge
from ._follow import StoreFollower

__all__ = ["FriendlyRecorder", "run_service"]

LISTEN_WAIT_S = 2.0


class FriendlyRecorder:
    """A friendly position as the new position of the responder it is (``on_position`` of a
    :class:`~northline.tak.FriendlyListener`): an asset event in ``store``, the asset after
    it published to ``publish`` (a hub's). A TAK client that is no known responder is
    counted in :attr:`unknown` and otherwise ignored."""

    def __init__(
        self, store: Store, publish: Callable[[str, Any], object], bridge: TakBridge
    ) -> None:
        self.store = store
        self.publish = publish
        self.bridge = bridge
        self.recorded = 0
        self.unknown = 0

    def __call__(self, friendly: Friendly) -> None:
        from ..response import asset_event

        try:
            asset = self.store.asset(self.bridge.asset_id(friendly))
        except NotFound:
            self.unknown += 1
            return
        event = asset_event(
            asset,
            t_s=friendly.t_s,
            author=f"tak:{friendly.callsign or friendly.uid}",
            lon=friendly.lon,
            lat=friendly.lat,
        )
        self.publish("asset", self.store.add_asset_event(event))
        self.recorded += 1


async def run_service(
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    static_dir: Path | None = None,
    tak: Sequence[str] = (),
    tak_listen: Sequence[str] = (),
    callsigns: Mapping[str, str] | None = None,
    follow_s: float = 1.0,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[], None] | None = None,
    log_level: str = "info",
    clock: Callable[[], float] = time.time,
) -> None:
    """Serve until ``stop`` is set, the server stops (a signal) or the task is cancelled.

    ``on_ready`` is called once the service listens. Errors opening a publisher or a
    listener (a port in use) are raised before the service starts listening.
    """
    import uvicorn

    from ..api import create_app
    from ..geo import load_boundary

    bridge = TakBridge.open(tak, callsigns=callsigns)
    tasks: list[asyncio.Task[Any]] = []
    try:
        app = create_app(
            store,
            static_dir=static_dir,
            clock=clock,
            on_tasking=[bridge.task] if tak else [],
            on_stand_down=[bridge.stand_down] if tak else [],
        )
        hub = app.state.hub
        if tak:
            hub.add_listener(bridge.on_publish)
            bridge.draw_boundary(load_boundary().lines, clock(), marking=DEFAULT_MARKING)
            tasks.append(asyncio.create_task(bridge.run(), name="tak publishers"))
        recorder = FriendlyRecorder(store, hub.publish, bridge)
        for url in tak_listen:
            listener = FriendlyListener(url, recorder)
            tasks.append(asyncio.create_task(listener.run(), name=f"tak listen {url}"))
            await _ready(listener, tasks[-1], LISTEN_WAIT_S)
        if follow_s > 0:
            follower = StoreFollower(store, hub.publish)
            tasks.append(asyncio.create_task(follower.run(follow_s), name="store follower"))
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level))
        serving = asyncio.create_task(server.serve(), name="http")
        while not server.started:
            if serving.done():
                serving.result()  # the port is taken, say: raise it
                return
            await asyncio.sleep(0.02)
        if on_ready is not None:
            on_ready()
        waiting: set[asyncio.Future[Any]] = {serving, *tasks}
        stopped = asyncio.ensure_future(stop.wait()) if stop is not None else None
        if stopped is not None:
            waiting.add(stopped)
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if stopped is not None:
            stopped.cancel()
        server.should_exit = True
        await serving
        for task in done:
            if task in tasks:
                task.result()  # a listener or the follower failed: say why
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        bridge.close()


async def _ready(listener: FriendlyListener, task: asyncio.Task[Any], timeout_s: float) -> None:
    """Wait until the listener listens (or connected), at most ``timeout_s``: raise what
    stopped it (a port in use); a TAK server not up yet is left to reconnect to."""
    waiter = asyncio.ensure_future(listener.ready.wait())
    await asyncio.wait({waiter, task}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        task.result()
