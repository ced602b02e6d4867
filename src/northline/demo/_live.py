"""The demo, live: the scenario plays on the wall clock while the service shows it.

``northline demo --serve`` simulates and ingests the scenario as the replay demo does, then
runs the tracker scan by scan at ``speed`` times real time, storing and publishing every
track update, crossing and alert to the service's live hub, and serves the web page. The
scenario's responders are put in the store, so that a person can dispatch them from the
page. Demo users are created so a newcomer can sign in at once: an RCMP operator and
supervisor and a CBP partner liaison (who sees only what is releasable to the USA), with
passwords printed on start.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Role, Sensor, SensorKind, User
from ..pipeline import LiveCounts, run_live
from ..store import SQLiteStore
from ._run import Progress, fresh_store_path, prepare

__all__ = ["DEMO_USERS", "LiveDemo", "serve_demo"]

DEMO_USERS = (
    ("operator", "Demo Operator", Role.OPERATOR, "RCMP", "CAN"),
    ("supervisor", "Demo Supervisor", Role.SUPERVISOR, "RCMP", "CAN"),
    ("liaison", "Demo CBP Liaison", Role.PARTNER_LIAISON, "CBP", "USA"),
)


@dataclass
class LiveDemo:
    """A live demo being served: its address, the demo users' passwords, what it did."""

    url: str
    passwords: dict[str, str]
    counts: LiveCounts | None = None


async def serve_demo(
    scenario_path: Path | None = None,
    out_dir: Path = Path("out/demo"),
    *,
    seed: int | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    speed: float = 10.0,
    password: str | None = None,
    progress: Progress | None = None,
    on_ready: Callable[[LiveDemo], None] | None = None,
    stop: asyncio.Event | None = None,
    tak: Sequence[str] = (),
) -> LiveDemo:
    """Simulate and ingest, then play the scenario live and serve it until ``stop`` is set
    (or the task is cancelled). ``on_ready`` is called once the service listens. The
    scenario's ``[[assets]]`` are the store's responders. Each URL of ``tak`` (``udp://`` for
    the SA multicast group, ``tcp://HOST:PORT``) also gets the picture as Cursor-on-Target,
    the boundary drawn as a shape first, and a tasking (``t-x-n-r``, to the unit whose TAK
    callsign is the asset id) whenever a person dispatches a responder in the web page."""
    import uvicorn

    from ..api import create_app, hash_password
    from ..geo import load_boundary
    from ..response import load_assets
    from ..tak import TakBridge
    from ..web import static_dir

    out_dir.mkdir(parents=True, exist_ok=True)
    # One thread for the store, the service and the live run: SQLite's connection stays in it.
    store = SQLiteStore(fresh_store_path(out_dir))
    bridge: TakBridge | None = None
    try:
        prep = prepare(scenario_path, out_dir, store, seed=seed, progress=progress)
        store.add_sensors(
            [
                Sensor(
                    sensor_id=s.sensor_id,
                    kind=SensorKind(s.kind),
                    lon=s.lon,
                    lat=s.lat,
                    range_m=s.range_m if math.isfinite(s.range_m) else 0.0,
                    name=s.sensor_id,
                    marking=prep.scenario.marking,
                )
                for s in prep.sim.sensors
            ]
        )
        passwords: dict[str, str] = {}
        for user_id, name, role, agency, country in DEMO_USERS:
            secret = password or secrets.token_urlsafe(9)
            store.add_user(
                User(user_id=user_id, name=name, role=role, agency=agency, country=country),
                hash_password(secret),
            )
            passwords[user_id] = secret
        assets = load_assets({"assets": list(prep.scenario.assets)})
        t0 = float(prep.observations.t_s.min())
        for asset in assets:
            store.put_asset(asset, t_s=t0, author="scenario")
        bridge = TakBridge.open(tak)
        app = create_app(
            store,
            static_dir=static_dir(),
            on_tasking=[bridge.task] if tak else [],
            on_stand_down=[bridge.stand_down] if tak else [],
        )
        hub = app.state.hub
        senders: list[asyncio.Task[None]] = []
        if tak:
            hub.add_listener(bridge.on_publish)  # the picture published goes out as CoT
            bridge.draw_boundary(load_boundary().lines, t0, marking=prep.scenario.marking)
            senders.append(asyncio.create_task(bridge.run()))

        config = uvicorn.Config(app, host=host, port=port, log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()  # the port is taken, say: raise it
            await asyncio.sleep(0.02)
        demo = LiveDemo(url=f"http://{host}:{port}/", passwords=passwords)
        if on_ready is not None:
            on_ready(demo)
        live = asyncio.create_task(
            run_live(
                prep.pipeline(),
                prep.observations,
                hub.publish,
                speed=speed,
                store=store,
                stop=stop,
            )
        )
        stopped = asyncio.create_task(stop.wait()) if stop is not None else None
        # Until the scenario has played out, the service stops (Ctrl-C) or we are told to.
        waiting: set[asyncio.Future[Any]] = {live, serving}
        if stopped is not None:
            waiting.add(stopped)
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if live.done():
            demo.counts = live.result()
            # The scenario is over; the picture stays up for the people working it.
            waiting.discard(live)
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        else:
            live.cancel()
        if stopped is not None:
            stopped.cancel()
        server.should_exit = True
        await serving
        for task in senders:
            task.cancel()
        return demo
    finally:
        if bridge is not None:
            bridge.close()
        store.close()
