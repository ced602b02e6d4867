"""Interop with a real TAK server: taky (MIT, from PyPI), run as a subprocess on 127.0.0.1.

Northline's :class:`~northline.tak.TcpCotPublisher` streams to taky's plain-TCP CoT port and
a TAK client (a socket speaking what ATAK speaks) connected to taky receives the alerts, the
boundary shape and the tracks, each valid against the CoT base-event schema and with its
detail as Northline wrote it; a tasking is delivered to the unit it is addressed to only. The
other way, a TAK client's friendly position reaches Northline connected to taky as a client
(:class:`~northline.ingest.TcpClientSource` through :class:`~northline.tak.CallsignTap` into
a :class:`~northline.tak.FriendlyTracker`) and moves the mapped responder.

What taky 0.10 does, read from its source (``taky/cot/{server,client,router}.py``):

* Every accepted connection is a router client at once: broadcasts (events with neither
  ``<marti>`` nor a GeoChat ``<__chat>``) reach clients that never announced themselves,
  Northline's read-only ingest connection among them. A client is known by callsign only
  after it sends an SA with ``<takv>``, ``<contact>`` and ``<__group>`` in its detail; only
  then do events addressed with ``<marti><dest callsign=…/></marti>`` (Northline's taskings)
  reach it.
* A ``t-x-c-t`` ping is answered with a ``takPong`` to that client alone: the tests use it to
  know taky has accepted a client and routed what it sent before the ping.
* Events are parsed with lxml and written out again: no XML declaration, point lat/lon to
  6 decimals (Northline writes 7) and hae/ce/le to 1, times to the millisecond with a ``Z``
  (as Northline writes them), any other ``<event>`` attribute dropped; the detail is passed
  through as it came. An XML syntax error closes the client's connection.
* Atoms, points and drawings (``a-``, ``b-m-p``, ``u-d-…``) whose stale time is still ahead
  are kept in memory (redis is optional and off here) and replayed to every new connection:
  tracks, crossings and the boundary, but not alerts (``b-l-l-l``) nor taskings, which reach
  only the clients connected when they are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from _browser import require
from _cot_schema import XsdSubset, schema
from _servers import _wait_port, free_port
from northline.geo import builtin_boundary
from northline.ingest import (
    Backoff,
    CotFramer,
    FeedDecoder,
    TcpClientSource,
    decode_cot,
    run_ingest,
)
from northline.model import (
    Alert,
    AlertKind,
    Crossing,
    Direction,
    Marking,
    Severity,
    TrackState,
    TrackUpdate,
    format_iso,
)
from northline.response import load_assets, with_positions
from northline.tak import (
    ALERT_TYPE,
    BOUNDARY_TYPE,
    CROSSING_TYPE,
    TASKING_TYPE,
    TRACK_TYPE,
    CallsignTap,
    FriendlyTracker,
    TcpCotPublisher,
    alert_uid,
    boundary_shape,
    cot_events,
    tasking_event,
    track_uid,
)

__all__ = ["schema"]  # the fixture, re-exported for pytest

MARKING = Marking("CBSA", "CAN-USA")
TIMEOUT_S = 10.0
START_TIMEOUT_S = 30.0  # a Python server: its imports alone take seconds on a loaded machine


# -- taky --------------------------------------------------------------------------------------


class Taky:
    """taky's CoT server on a free port of 127.0.0.1, plain TCP, its state in ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.conf = workdir / "taky.conf"
        self.log = workdir / "taky.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.conf.write_text(
            "[taky]\n"
            "hostname = 127.0.0.1\n"
            "node_id = NORTHLINE-TEST\n"
            "bind_ip = 127.0.0.1\n"
            "redis = false\n"  # in-memory persistence: no redis server
            f"root_dir = {workdir}\n"  # holds the management socket, taky-mgmt.sock
            "\n[cot_server]\n"
            f"port = {self.port}\n"
            "\n[dp_server]\n"
            f"upload_path = {workdir / 'dp-user'}\n"
            "\n[ssl]\n"
            "enabled = false\n"  # plain TCP; no monitor port either
        )

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "taky.cot", "-c", str(self.conf), "-l", "debug"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        _wait_port(self.port, self.proc, self.log, START_TIMEOUT_S)
        # The server under test is the one configured here: plain TCP on our port.
        assert f"Listening for tcp on 127.0.0.1:{self.port}" in self.log_text()

    def stop(self) -> None:
        """SIGINT (taky stops at once: SIGTERM would wait out its 1 s select), then SIGKILL."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def taky(tmp_path: Path) -> Iterator[Taky]:
    require(
        find_spec("taky") is not None,
        "taky is not installed (it is in the dev extra: pip install -e '.[dev]')",
    )
    server = Taky(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


# -- a TAK client ------------------------------------------------------------------------------


def sa(uid: str, callsign: str, lon: float, lat: float, t_s: float) -> bytes:
    """A self-report as ATAK sends it (the three detail elements taky knows a user by)."""
    t = format_iso(t_s)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" '
        f'uid="{uid}" type="a-f-G-U-C" how="m-g" time="{t}" start="{t}" '
        f'stale="{format_iso(t_s + 120)}"><point lat="{lat}" lon="{lon}" hae="250.0" '
        'ce="4.9" le="9999999.0"/><detail><takv os="34" version="4.10.0" device="TEST" '
        f'platform="ATAK-CIV"/><contact endpoint="*:-1:stcp" callsign="{callsign}"/>'
        f'<uid Droid="{callsign}"/><__group role="K9" name="Cyan"/><status battery="88"/>'
        '<track course="90.0" speed="1.2"/></detail></event>'
    ).encode()


def ping(uid: str, t_s: float) -> bytes:
    t = format_iso(t_s)
    return (
        f'<event version="2.0" uid="{uid}-ping" type="t-x-c-t" how="h-g-i-g-o" time="{t}" '
        f'start="{t}" stale="{format_iso(t_s + 10)}"><point lat="0.0" lon="0.0" hae="0.0" '
        'ce="9999999.0" le="9999999.0"/><detail/></event>'
    ).encode()


class TakClient:
    """A TAK client on a plain TCP connection to taky, keeping every event it is sent."""

    def __init__(self, port: int, uid: str, callsign: str) -> None:
        self.port = port
        self.uid = uid
        self.callsign = callsign
        self.events: list[bytes] = []
        self._arrived = asyncio.Condition()
        self._writer: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._pings = 0

    async def __aenter__(self) -> TakClient:
        reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._reading = asyncio.create_task(self._read(reader))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        framer = CotFramer()
        while data := await reader.read(1 << 16):
            async with self._arrived:
                self.events.extend(bytes(c) for c in framer.feed(data))
                self._arrived.notify_all()

    async def send(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    def uids(self) -> list[str]:
        return [fromstring(e).get("uid", "") for e in self.events]

    async def wait_for(self, done: Callable[[list[str]], bool], what: str) -> None:
        try:
            async with self._arrived:
                await asyncio.wait_for(self._arrived.wait_for(lambda: done(self.uids())), TIMEOUT_S)
        except TimeoutError:
            raise AssertionError(f"{self.callsign} never got {what}; got {self.uids()}") from None

    async def synced(self) -> None:
        """Ping and wait for taky's pong: taky has accepted us and read all we sent."""
        self._pings += 1
        n = self._pings
        await self.send(ping(self.uid, time.time()))
        await self.wait_for(lambda uids: uids.count("takPong") >= n, f"pong {n}")

    async def report(self, lon: float, lat: float, t_s: float) -> None:
        """Send our position (the first one announces our callsign to taky)."""
        await self.send(sa(self.uid, self.callsign, lon, lat, t_s))
        await self.synced()


@contextlib.asynccontextmanager
async def publishing(port: int) -> AsyncIterator[TcpCotPublisher]:
    pub = TcpCotPublisher("127.0.0.1", port, backoff=Backoff(0.05, 0.5))
    task = asyncio.create_task(pub.run())
    try:
        await asyncio.wait_for(pub.connected.wait(), TIMEOUT_S)
        yield pub
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# -- what Northline publishes ------------------------------------------------------------------


def _records(t_s: float) -> list[tuple[str, Any]]:
    update = TrackUpdate(
        track_id="T-1",
        t_s=t_s,
        lon=-97.1234567,
        lat=49.0012345,
        vel_east_mps=1.5,
        vel_north_mps=2.0,
        sigma_m=12.5,
        state=TrackState.CONFIRMED,
        sector="MB-1",
        hits=7,
        marking=MARKING,
    )
    crossing = Crossing(
        crossing_id="X-9",
        track_id="T-1",
        t_s=t_s - 4.0,
        detected_t_s=t_s,
        lon=-97.12,
        lat=49.0,
        direction=Direction.CAN_TO_USA,
        confidence=0.93,
        sector="MB-1",
        port_code="3401",
        marking=MARKING,
    )
    return [("track", update), ("crossing", crossing), ("alert", _alert("A-1", t_s))]


def _alert(alert_id: str, t_s: float) -> Alert:
    return Alert(
        alert_id=alert_id,
        kind=AlertKind.CROSSING,
        t_s=t_s,
        track_id="T-1",
        lon=-97.12,
        lat=49.0,
        severity=Severity.HIGH,
        summary='Track T-1 crossed CAN->USA <"& fast">',
        sector="MB-1",
        ref_id="X-9",
        marking=MARKING,
    )


def _tree(elem: Element) -> tuple[Any, ...]:
    """An element as a comparable value: tag, attributes, text and children."""
    return (
        elem.tag,
        dict(elem.attrib),
        (elem.text or "").strip(),
        [_tree(child) for child in elem],
    )


def _same_event(sent: bytes, received: bytes) -> None:
    """taky passed the event on: same head and detail, the point to taky's precision."""
    a, b = fromstring(sent), fromstring(received)
    assert b.attrib == a.attrib  # version, uid, type, how, time, start, stale: verbatim
    pa, pb = a.find("point"), b.find("point")
    assert pa is not None
    assert pb is not None
    for name in ("lat", "lon"):  # taky writes %.6f
        assert float(pb.get(name, "")) == pytest.approx(float(pa.get(name, "")), abs=5e-7)
    for name in ("hae", "ce", "le"):  # and %.1f
        assert float(pb.get(name, "")) == float(pa.get(name, ""))
    da, db = a.find("detail"), b.find("detail")
    assert da is not None
    assert db is not None
    assert _tree(db) == _tree(da)


# -- Northline to TAK clients through taky -----------------------------------------------------


def test_alerts_published_to_taky_reach_a_tak_client_as_valid_cot(
    taky: Taky, schema: XsdSubset
) -> None:
    now = time.time()
    records = _records(now)
    (shape,) = boundary_shape(builtin_boundary().lines, now, marking=MARKING)

    async def main() -> tuple[list[bytes], list[bytes], TcpCotPublisher]:
        async with TakClient(taky.port, "ANDROID-watcher", "WATCHER") as watcher:
            await watcher.report(-97.3, 49.05, now)
            async with publishing(taky.port) as pub:
                sent = [e for kind, record in records for e in _events(pub, kind, record)]
                pub.send(shape)
                sent.append(shape)
                want = [fromstring(e).get("uid", "") for e in sent]
                await watcher.wait_for(
                    lambda uids: all(u in uids for u in want), "Northline's events"
                )
                return sent, list(watcher.events), pub

    sent, events, pub = asyncio.run(main())
    assert pub.counters.sent == 4
    assert pub.counters.connects == 1
    by_uid = {fromstring(e).get("uid"): e for e in events}
    received = [by_uid[fromstring(e).get("uid")] for e in sent]
    # Valid CoT as it arrives, and what Northline sent.
    types = [schema.validate(e).get("type") for e in received]
    assert types == [TRACK_TYPE, CROSSING_TYPE, ALERT_TYPE, BOUNDARY_TYPE]
    for s, r in zip(sent, received, strict=True):
        _same_event(s, r)
    assert [fromstring(e).get("uid") for e in received][:3] == [
        track_uid("T-1"),
        "northline.crossing.X-9",
        alert_uid("A-1"),
    ]
    alert = fromstring(received[2])
    assert alert.findtext("detail/remarks") == 'Track T-1 crossed CAN->USA <"& fast">'
    links = fromstring(received[3]).findall("detail/link")
    assert [link.get("point") for link in links] == [
        "49.0000000,-123.3220000",
        "49.0000000,-95.1530000",
    ]
    # The track, as a TAK client has it, decodes back through Northline's ingest.
    (obs,) = decode_cot(received[0], "taky").batch.to_records()
    assert obs.identity == track_uid("T-1")
    assert obs.classification == TRACK_TYPE
    assert obs.position.lon == pytest.approx(-97.1234567, abs=1e-6)  # type: ignore[union-attr]
    assert obs.position.lat == pytest.approx(49.0012345, abs=1e-6)  # type: ignore[union-attr]
    assert obs.marking == MARKING
    # Nothing else: taky's pong, and not the client's own report sent back to it.
    assert set(by_uid) == {fromstring(e).get("uid") for e in sent} | {"takPong"}


def _events(pub: TcpCotPublisher, kind: str, record: Any) -> list[bytes]:
    """Publish one record; the events it is sent as."""
    assert pub.publish(kind, record) == 1
    return cot_events(kind, record)


def test_a_tasking_through_taky_reaches_only_the_unit_it_names(
    taky: Taky, schema: XsdSubset
) -> None:
    now = time.time()
    tasking = tasking_event(_alert("A-1", now), "K9-3", "sgt.tremblay", t_s=now, callsign="WOLF 3")

    async def main() -> tuple[list[bytes], list[bytes], list[bytes]]:
        async with (
            TakClient(taky.port, "ANDROID-wolf3", "WOLF 3") as wolf,
            TakClient(taky.port, "ANDROID-watcher", "WATCHER") as watcher,
            TakClient(taky.port, "ANDROID-anon", "") as anonymous,
        ):
            await wolf.report(-97.2, 49.01, now)  # announced: taky knows its callsign
            await watcher.report(-97.3, 49.05, now)
            await anonymous.synced()  # connected, never announced
            async with publishing(taky.port) as pub:
                pub.send(tasking)
                pub.publish("alert", _alert("A-2", now))  # a broadcast, after the tasking
                for client in (wolf, watcher, anonymous):
                    await client.wait_for(lambda uids: alert_uid("A-2") in uids, "alert A-2")
            return wolf.events, watcher.events, anonymous.events

    wolf, watcher, anonymous = asyncio.run(main())
    uid = fromstring(tasking).get("uid")
    (got,) = [e for e in wolf if fromstring(e).get("uid") == uid]
    assert schema.validate(got).get("type") == TASKING_TYPE
    _same_event(tasking, got)
    # taky writes a client's events in the order it read them: had the tasking been sent to
    # the others, it would have come before A-2.
    assert uid not in {fromstring(e).get("uid") for e in watcher + anonymous}


# -- TAK clients to Northline through taky: blue-force tracking --------------------------------


def test_a_friendly_position_through_taky_moves_the_responder(taky: Taky) -> None:
    tracker = FriendlyTracker({"WOLF-1": "K9-7"})
    t0 = float(int(time.time()))  # whole seconds: taky keeps times to the millisecond
    first, moved = (-97.10, 49.01), (-97.123456, 49.020001)  # six decimals survive taky

    async def until(want: tuple[float, float, float], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while tracker.positions().get("K9-7") != want:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: K9-7 at {tracker.positions().get('K9-7')}")
            await asyncio.sleep(0.02)

    async def main() -> None:
        async with TakClient(taky.port, "ANDROID-abc", "WOLF-1") as wolf:
            await wolf.report(*first, t0)
            # Northline joins afterwards, read-only and anonymous: taky replays the report
            # it kept, then routes the next ones as they come.
            source = TcpClientSource("127.0.0.1", taky.port, backoff=Backoff(0.05, 0.5))
            tap = CallsignTap(source, tracker)
            stop = asyncio.Event()
            ingest = asyncio.create_task(
                run_ingest(tap, FeedDecoder("cot", tap.label), tracker, stop=stop)
            )
            try:
                await until((*first, t0), "the report taky kept")
                await wolf.report(*moved, t0 + 5)  # Northline is a client of taky now
                await until((*moved, t0 + 5), "the live report")
            finally:
                stop.set()
                counters = await asyncio.wait_for(ingest, TIMEOUT_S)
            assert counters.connects == 1
            assert counters.quarantined == 0

    asyncio.run(main())
    friendly = tracker.friendlies()["ANDROID-abc"]
    assert (friendly.callsign, friendly.cot_type) == ("WOLF-1", "a-f-G-U-C")
    doc = {
        "assets": [
            {"id": "K9-7", "kind": "k9", "lon": -97.237, "lat": 49.0},
            {"id": "CAR-1", "kind": "patrol_vehicle", "lon": -97.3, "lat": 49.05},
        ]
    }
    k9, car = with_positions(load_assets(doc), tracker.positions())
    assert (k9.lon, k9.lat) == moved
    assert (k9.home_lon, k9.home_lat) == (-97.237, 49.0)
    assert (car.lon, car.lat) == (-97.3, 49.05)
