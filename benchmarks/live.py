"""Live fan-out benchmark: track updates from the service's hub to many WebSocket clients.

Run ``.venv/bin/python benchmarks/live.py [--quick] [--json PATH]``. It prints; it asserts
nothing about speed.

What is measured
----------------
A server process publishes ``--rate`` track updates per second (1,000 by default, in ticks
of 10 ms) for ``--seconds`` (60) and fans each out to ``--clients`` (50) WebSocket clients
connected to ``/api/v1/live``. Every update carries the wall-clock time it was published as
its ``t_s``; a client's delivery latency is its receive time minus that (one machine, one
clock). Reported: median and p99 latency over every delivery, deliveries and drops, and the
server process's CPU (user + system time from ``/proc``, as a share of one core) over the
publishing window.

The peer, measured in the same run on the same clients: a bare ``websockets`` server that
``broadcast()``s the same JSON text to every client, with no users, markings or auth — the
least a Python fan-out can cost. Ratios are Northline over the peer.

Clients run in ``--client-procs`` processes (2) so the receiving side is not the bottleneck;
the machine is shared and noisy, so read the figures with their spread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SERVER_TICK_S = 0.01
TOKEN_TTL_S = 3600.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _update(i: int, now: float) -> Any:
    from northline.model import DEFAULT_MARKING, TrackState, TrackUpdate

    return TrackUpdate(
        track_id=f"T{i % 500:04d}",
        t_s=now,
        lon=-97.2 + (i % 500) * 1e-4,
        lat=49.0 + (i % 97) * 1e-4,
        vel_east_mps=1.0,
        vel_north_mps=0.5,
        sigma_m=12.0,
        state=TrackState.CONFIRMED,
        sector="emerson",
        hits=10,
        marking=DEFAULT_MARKING,
    )


# -- the two servers (run in a child process) ---------------------------------------------------


async def _publish_loop(
    publish: Any, subscribers: Any, clients: int, rate: int, seconds: float
) -> None:
    while subscribers() < clients:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    per_tick = max(1, round(rate * SERVER_TICK_S))
    n_ticks = round(seconds / SERVER_TICK_S)
    start = time.monotonic()
    i = 0
    for k in range(n_ticks):
        now = time.time()
        for _ in range(per_tick):
            publish(_update(i, now))
            i += 1
        delay = start + (k + 1) * SERVER_TICK_S - time.monotonic()
        await asyncio.sleep(max(0.0, delay))
    print(json.dumps({"published": i}), flush=True)


def _serve_northline(port: int, db: str, clients: int, rate: int, seconds: float) -> None:
    import uvicorn

    from northline.api import create_app
    from northline.store import SQLiteStore

    async def main() -> None:
        # The store is opened in the thread that runs the event loop, as `northline serve` does.
        store = SQLiteStore(db)
        app = create_app(store, token_ttl_s=TOKEN_TTL_S)
        hub = app.state.hub
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        publisher = asyncio.create_task(
            _publish_loop(
                lambda u: hub.publish("track", u), lambda: hub.subscribers, clients, rate, seconds
            )
        )
        await server.serve()
        publisher.cancel()

    asyncio.run(main())


def _serve_peer(port: int, clients: int, rate: int, seconds: float) -> None:
    import websockets
    from websockets.asyncio.server import broadcast, serve

    from northline.model import to_dict

    connected: set[Any] = set()

    async def handler(ws: Any) -> None:
        connected.add(ws)
        try:
            await ws.wait_closed()
        finally:
            connected.discard(ws)

    def publish(update: Any) -> None:
        broadcast(connected, json.dumps({"type": "track", "data": to_dict(update)}))

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port):
            await _publish_loop(publish, lambda: len(connected), clients, rate, seconds)
            await asyncio.sleep(1.0)

    del websockets
    asyncio.run(main())


# -- clients --------------------------------------------------------------------------------------


def _client_proc(url: str, n: int, seconds: float, out: Any) -> None:
    import websockets

    async def one() -> list[float]:
        lat: list[float] = []
        async with websockets.connect(url, max_size=None) as ws:
            deadline = time.monotonic() + seconds + 30
            while time.monotonic() < deadline:
                try:
                    frame = await asyncio.wait_for(ws.recv(), timeout=2.0 if lat else 30.0)
                except (TimeoutError, websockets.ConnectionClosed):
                    break  # the publisher is done, or its server went away
                now = time.time()
                messages = json.loads(frame)
                for m in messages if isinstance(messages, list) else [messages]:
                    lat.append(now - m["data"]["t_s"])
        return lat

    async def main() -> list[float]:
        results = await asyncio.gather(*(one() for _ in range(n)))
        return [x for lat in results for x in lat]

    out.put(asyncio.run(main()))


def _run(kind: str, args: argparse.Namespace, db: str, token: str) -> dict[str, Any]:
    port = _free_port()
    cmd = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--db", db]
    cmd += ["--clients", str(args.clients), "--rate", str(args.rate)]
    cmd += ["--seconds", str(args.seconds)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.05)
        url = f"ws://127.0.0.1:{port}/api/v1/live?token={token}"
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        per = [args.clients // args.client_procs] * args.client_procs
        per[0] += args.clients - sum(per)
        procs = [ctx.Process(target=_client_proc, args=(url, n, args.seconds, out)) for n in per]
        for p in procs:
            p.start()
        cpu0, t0 = _cpu_s(server.pid), time.monotonic()
        time.sleep(args.seconds + 0.5)
        cpu1, t1 = _cpu_s(server.pid), time.monotonic()
        latencies: list[float] = []
        for _ in procs:
            latencies += out.get(timeout=args.seconds + 120)
        for p in procs:
            p.join(10)
        published = json.loads(server.stdout.readline() or "{}").get("published", 0)
    finally:
        server.terminate()
        server.wait(10)
    latencies.sort()
    n = len(latencies)
    return {
        "server": kind,
        "published": published,
        "deliveries": n,
        "expected": published * args.clients,
        "median_ms": 1000 * statistics.median(latencies) if n else float("nan"),
        "p99_ms": 1000 * latencies[min(n - 1, int(0.99 * n))] if n else float("nan"),
        "cpu_share": (cpu1 - cpu0) / (t1 - t0),
    }


def _prepare(db: str) -> str:
    """A store with one operator and an API token for the benchmark's clients."""
    from northline.api._passwords import hash_token, new_token
    from northline.model import Role, User
    from northline.store import SQLiteStore

    token = new_token()
    with SQLiteStore(db) as store:
        store.add_user(
            User(user_id="bench", name="Bench", role=Role.OPERATOR, agency="RCMP", country="CAN")
        )
        store.add_token(
            hash_token(token), "bench", kind="api", expires_t_s=time.time() + TOKEN_TTL_S
        )
    return token


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=int, default=1000, help="track updates per second")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="5 clients, 200/s for 3 s")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--serve", choices=["northline", "peer"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve == "northline":
        _serve_northline(args.port, args.db, args.clients, args.rate, args.seconds)
        return 0
    if args.serve == "peer":
        _serve_peer(args.port, args.clients, args.rate, args.seconds)
        return 0
    if args.quick:
        args.rate, args.clients, args.seconds, args.client_procs = 200, 5, 3.0, 1
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "live.db")
        token = _prepare(db)
        rows = [_run("northline", args, db, token), _run("peer", args, db, token)]
    ours, peer = rows
    print(
        f"{args.rate:,} track updates/s to {args.clients} WebSocket clients for {args.seconds:g} s"
    )
    print(f"{'server':<10} {'delivered':>12} {'of':>12} {'median ms':>10} {'p99 ms':>9} {'CPU':>6}")
    for r in rows:
        print(
            f"{r['server']:<10} {r['deliveries']:>12,} {r['expected']:>12,} "
            f"{r['median_ms']:>10.2f} {r['p99_ms']:>9.2f} {100 * r['cpu_share']:>5.0f}%"
        )
    ratio = {
        "median": ours["median_ms"] / peer["median_ms"],
        "p99": ours["p99_ms"] / peer["p99_ms"],
        "cpu": ours["cpu_share"] / peer["cpu_share"] if peer["cpu_share"] else float("nan"),
    }
    print(
        f"Northline / bare websockets broadcast: median {ratio['median']:.2f}×, "
        f"p99 {ratio['p99']:.2f}×, CPU {ratio['cpu']:.2f}×"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"args": vars(args) | {"json": None}, "rows": rows, "ratio": ratio},
                default=str,
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
