"""CoT out to TAK clients: every event Northline writes is valid against MITRE's CoT base
event schema, arrives at a listener on 127.0.0.1 over UDP (unicast and the SA multicast
group), TCP and TLS, and tracks decode back through northline.ingest.

The schema is enforced by :class:`XsdSubset` (tests/_cot_schema.py, shared with the taky
interop test), which reads the schema file itself; it is checked here on the real events in
the fixtures and on broken copies of them.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import math
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pytest
from defusedxml.ElementTree import fromstring
from shapely.geometry import LineString, MultiLineString

from _cot_schema import DECIMAL, XsdSubset, schema
from _servers import free_port
from northline.api import Hub
from northline.geo import builtin_boundary, load_boundary
from northline.ingest import TAK_MULTICAST, Backoff, CotFramer, decode_cot
from northline.model import (
    Alert,
    AlertKind,
    Crossing,
    Direction,
    InvalidInput,
    Marking,
    Severity,
    TrackBatch,
    TrackState,
    TrackUpdate,
)
from northline.tak import (
    ALERT_TYPE,
    BOUNDARY_TYPE,
    CROSSING_TYPE,
    STAND_DOWN_TYPE,
    TASKING_TYPE,
    TcpCotPublisher,
    UdpCotPublisher,
    alert_event,
    alert_uid,
    boundary_shape,
    cot_events,
    crossing_event,
    stand_down_event,
    tasking_event,
    track_event,
    track_uid,
)

__all__ = ["schema"]  # the fixture, re-exported for pytest

T0 = 1_767_225_600.125  # 2026-01-01T00:00:00.125Z
MARKING = Marking("CBSA", "CAN-USA")

# -- the validator -----------------------------------------------------------------------------


def test_the_schema_reads_as_declared(schema: XsdSubset) -> None:
    event = schema.elements["event"]
    assert {n for n, a in event.attributes.items() if a.required} == {
        "version", "type", "uid", "time", "start", "stale", "how",
    }  # fmt: skip
    assert event.group == "all"
    assert event.children == {"point": (1, 1), "detail": (0, 1)}
    point = schema.elements["point"]
    assert point.attributes["lat"].type.max_inclusive == 90
    assert schema.elements["detail"].any_children


def test_the_validator_accepts_real_events_and_refuses_broken_ones(
    schema: XsdSubset, shared_fixtures: Path
) -> None:
    real = sorted((shared_fixtures / "cot").glob("*.xml"))
    assert len(real) >= 10
    for path in real:
        schema.validate(path.read_bytes())
    good = (shared_fixtures / "cot" / "taky_1.xml").read_bytes()
    broken = {
        b'lat="1.234567"': b'lat="91.5"',
        b'type="a-f-G-U-C"': b'type="a--f"',
        b'time="2021-02-27T20:32:24.771Z"': b'time="27 Feb 2021"',
        b'version="2.0"': b'version="1.1"',
        b'hae="-25.7"': b'hae="high"',
        b'how="m-g"': b'how=""',
        b' ce="9.9"': b"",
        b'<point lat="1.234567" lon="-3.141592" hae="-25.7" ce="9.9" le="9999999.0"/>': b"",
        b"<detail>": b'<point lat="0" lon="0" hae="0" ce="0" le="0"/><detail>',
        b'uid="ANDROID-deadbeef"': b'uid="ANDROID-deadbeef" colour="red"',
    }
    for old, new in broken.items():
        assert old in good
        with pytest.raises(AssertionError):
            schema.validate(good.replace(old, new, 1))


# -- records -----------------------------------------------------------------------------------


def _update(track_id: str = "T-1", t_s: float = T0, **kw: Any) -> TrackUpdate:
    values: dict[str, Any] = {
        "track_id": track_id,
        "t_s": t_s,
        "lon": -97.1234567,
        "lat": 49.0012345,
        "vel_east_mps": 1.5,
        "vel_north_mps": 2.0,
        "sigma_m": 12.5,
        "state": TrackState.CONFIRMED,
        "sector": "MB-1",
        "hits": 7,
        "marking": MARKING,
    }
    values.update(kw)
    return TrackUpdate(**values)


def _crossing() -> Crossing:
    return Crossing(
        crossing_id="X-9",
        track_id="T-1",
        t_s=T0 - 4.0,
        detected_t_s=T0,
        lon=-97.12,
        lat=49.0,
        direction=Direction.CAN_TO_USA,
        confidence=0.93,
        sector="MB-1",
        port_code="3401",
        marking=MARKING,
    )


def _alert(alert_id: str = "A-1", summary: str = 'Track T-1 crossed CAN->USA <"& fast">') -> Alert:
    return Alert(
        alert_id=alert_id,
        kind=AlertKind.CROSSING,
        t_s=T0,
        track_id="T-1",
        lon=-97.12,
        lat=49.0,
        severity=Severity.HIGH,
        summary=summary,
        sector="MB-1",
        ref_id="X-9",
        marking=MARKING,
    )


def _detail(elem: Element, tag: str) -> Element:
    found = elem.find(f"detail/{tag}")
    assert found is not None, tag
    return found


def test_track_event_is_valid_and_round_trips_through_ingest(schema: XsdSubset) -> None:
    update = _update()
    data = track_event(update)
    elem = schema.validate(data)
    assert (elem.get("type"), elem.get("how"), elem.get("uid")) == (
        "a-u-G",
        "m-p",
        "northline.track.T-1",
    )
    assert elem.get("time") == "2026-01-01T00:00:00.125Z"
    assert elem.get("stale") == "2026-01-01T00:00:30.125Z"
    assert _detail(elem, "contact").get("callsign") == "T-1"
    assert float(_detail(elem, "track").get("course", "")) == pytest.approx(36.8699, abs=1e-3)
    assert _detail(elem, "__northline").get("releasability") == "CAN-USA"
    result = decode_cot(data, "tak-test")
    assert not result.quarantined
    (obs,) = result.batch.to_records()
    assert obs.identity == track_uid("T-1")
    assert obs.classification == "a-u-G"
    assert obs.t_s == update.t_s
    assert obs.position.lon == pytest.approx(update.lon, abs=1e-7)  # type: ignore[union-attr]
    assert obs.position.lat == pytest.approx(update.lat, abs=1e-7)  # type: ignore[union-attr]
    assert obs.sigma_m == update.sigma_m
    assert obs.vel_east_mps == pytest.approx(1.5, abs=1e-3)
    assert obs.vel_north_mps == pytest.approx(2.0, abs=1e-3)
    assert obs.marking == MARKING
    hostile = schema.validate(track_event(update, cot_type="a-h-G"))
    assert hostile.get("type") == "a-h-G"


def test_track_without_velocity_or_sigma_is_still_valid(schema: XsdSubset) -> None:
    elem = schema.validate(
        track_event(_update(vel_east_mps=math.nan, vel_north_mps=math.nan, sigma_m=math.nan))
    )
    assert elem.find("detail/track") is None
    point = elem.find("point")
    assert point is not None
    assert point.get("ce") == "9999999.0"


def test_crossing_and_alert_events_link_their_track(schema: XsdSubset) -> None:
    crossing = schema.validate(crossing_event(_crossing()))
    assert crossing.get("type") == CROSSING_TYPE
    assert _detail(crossing, "link").attrib == {
        "uid": track_uid("T-1"),
        "type": "a-u-G",
        "relation": "p-s",
    }
    assert "CAN->USA at port 3401" in (_detail(crossing, "remarks").text or "")
    alert = schema.validate(alert_event(_alert()))
    assert (alert.get("type"), alert.get("uid")) == (ALERT_TYPE, alert_uid("A-1"))
    assert _detail(alert, "remarks").text == 'Track T-1 crossed CAN->USA <"& fast">'
    assert _detail(alert, "link").get("uid") == track_uid("T-1")
    assert _detail(alert, "__northline").get("ref_id") == "X-9"
    # Neither is an atom: ingest quarantines them as such rather than misreading them.
    assert [q.reason_code for q in decode_cot(alert_event(_alert()), "t").quarantined] == [
        "unsupported_type"
    ]


def test_tasking_is_addressed_to_the_unit(schema: XsdSubset) -> None:
    elem = schema.validate(
        tasking_event(_alert(), "K9-3", "sgt.tremblay", t_s=T0 + 60, callsign="WOLF 3")
    )
    assert elem.get("type") == TASKING_TYPE
    assert elem.get("type", "").startswith("t-")
    dest = elem.find("detail/marti/dest")
    assert dest is not None
    assert dest.get("callsign") == "WOLF 3"
    links = {link.get("relation"): link.get("uid") for link in elem.findall("detail/link")}
    assert links == {"t-p-r": alert_uid("A-1"), "t-o": track_uid("T-1")}
    assert _detail(elem, "__northline").get("author") == "sgt.tremblay"
    with pytest.raises(InvalidInput):
        tasking_event(_alert(), "K9-3", "", t_s=T0)


def test_stand_down_cancels_the_tasking_for_the_unit(schema: XsdSubset) -> None:
    task = schema.validate(
        tasking_event(_alert(), "K9-3", "sgt.tremblay", t_s=T0 + 60, callsign="WOLF 3")
    )
    down = schema.validate(
        stand_down_event(
            _alert(), "K9-3", "sgt.roy", t_s=T0 + 90, callsign="WOLF 3", reason="decline"
        )
    )
    assert down.get("type") == STAND_DOWN_TYPE
    assert down.get("uid") == task.get("uid"), "the same uid replaces the tasking"
    dest = down.find("detail/marti/dest")
    assert dest is not None
    assert dest.get("callsign") == "WOLF 3"
    assert _detail(down, "__northline").get("author") == "sgt.roy"
    remarks = down.find("detail/remarks")
    assert remarks is not None
    assert "A-1" in (remarks.text or "")
    assert "decline" in (remarks.text or "")
    with pytest.raises(InvalidInput):
        stand_down_event(_alert(), "K9-3", "", t_s=T0)


def test_boundary_as_polyline_shapes(schema: XsdSubset, shared_data: Path) -> None:
    (builtin,) = boundary_shape(builtin_boundary().lines, T0, marking=MARKING)
    elem = schema.validate(builtin)
    assert elem.get("type") == BOUNDARY_TYPE
    points = [link.get("point") for link in elem.findall("detail/link")]
    assert points == ["49.0000000,-123.3220000", "49.0000000,-95.1530000"]
    real = load_boundary(shared_data, fallback=False)
    events = boundary_shape(real.lines, T0, marking=MARKING, max_points=200)
    assert len(events) > 1
    first_last: list[tuple[float, float]] = []
    for data in events:
        assert len(data) < 60_000  # fits a UDP datagram
        e = schema.validate(data)
        links = e.findall("detail/link")
        assert 2 <= len(links) <= 200
        lat, lon = (float(v) for v in (links[0].get("point") or "").split(","))
        point = e.find("point")
        assert point is not None
        assert (float(point.get("lat", "")), float(point.get("lon", ""))) == (lat, lon)
        first_last.append((lon, lat))
    west, south, east, north = real.bounds
    assert all(west <= lo <= east and south <= la <= north for lo, la in first_last)
    # Long lines are cut into runs that share their end points.
    long = LineString(np.column_stack([np.linspace(-120, -100, 50), 49 + np.arange(50) % 2 * 0.1]))
    runs = boundary_shape(MultiLineString([long]), T0, marking=MARKING, max_points=10)
    assert len(runs) == 6  # 49 segments, 9 per run
    ends = [[ln.get("point") for ln in fromstring(r).findall("detail/link")] for r in runs]
    assert all(a[-1] == b[0] for a, b in itertools.pairwise(ends))


def test_bad_records_are_refused() -> None:
    with pytest.raises(InvalidInput):
        track_event(_update(lat=math.nan))
    with pytest.raises(InvalidInput):
        track_event(_update(lon=181.0))
    with pytest.raises(InvalidInput):
        cot_events("alert_event", _alert())
    with pytest.raises(InvalidInput):
        cot_events("alert", _update())


def test_publishers_plug_in_next_to_the_hub() -> None:
    hub = inspect.signature(Hub.publish).parameters
    for cls in (UdpCotPublisher, TcpCotPublisher):
        assert inspect.signature(cls.publish).parameters.keys() == hub.keys()
    batch = TrackBatch.from_columns(
        {"track_id": ["T-1", "T-2"], "t_s": [T0, T0], "lon": [-97.0, -97.1], "lat": [49.0] * 2}
    )
    assert [fromstring(e).get("uid") for e in cot_events("track", batch)] == [
        track_uid("T-1"),
        track_uid("T-2"),
    ]


# -- listeners on 127.0.0.1 --------------------------------------------------------------------


def _records() -> list[tuple[str, Any]]:
    return [("track", _update()), ("crossing", _crossing()), ("alert", _alert())]


def _check_received(events: list[bytes], schema: XsdSubset) -> None:
    uids = [schema.validate(e).get("uid") for e in events]
    assert uids == [track_uid("T-1"), "northline.crossing.X-9", alert_uid("A-1")]
    (obs,) = decode_cot(events[0], "listener").batch.to_records()
    assert obs.identity == track_uid("T-1")


@pytest.mark.parametrize("multicast", [False, True], ids=["unicast", "tak-multicast"])
def test_udp_listener_receives_valid_cot(schema: XsdSubset, multicast: bool) -> None:
    port = free_port()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.settimeout(5)
    with listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if multicast:
            listener.bind(("", port))
            membership = socket.inet_aton(TAK_MULTICAST[0]) + socket.inet_aton("127.0.0.1")
            listener.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            publisher = UdpCotPublisher(port=port, iface="127.0.0.1")
            assert publisher.host == TAK_MULTICAST[0]
        else:
            listener.bind(("127.0.0.1", port))
            publisher = UdpCotPublisher("127.0.0.1", port)
        with publisher:
            sent = [publisher.publish(kind, record) for kind, record in _records()]
            received = [listener.recvfrom(65_535)[0] for _ in sent]
        assert sent == [1, 1, 1]
        assert publisher.counters.sent == 3
        _check_received(received, schema)


class Listener:
    """A TCP (or TLS) CoT listener on 127.0.0.1: the events of every connection, framed."""

    def __init__(self) -> None:
        self.events: list[bytes] = []
        self.arrived = asyncio.Condition()
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []

    async def client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        framer = CotFramer()
        try:
            while data := await reader.read(1 << 16):
                async with self.arrived:
                    self.events.extend(bytes(c) for c in framer.feed(data))
                    self.arrived.notify_all()
        except (OSError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def wait_for(self, n: int, timeout_s: float = 5.0) -> list[bytes]:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.events) >= n), timeout_s)
        return list(self.events)

    def drop_clients(self) -> None:
        for w in self._writers:
            w.close()


@asynccontextmanager
async def listening(
    listener: Listener, port: int, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[asyncio.Server]:
    server = await asyncio.start_server(listener.client, "127.0.0.1", port, ssl=ssl_context)
    try:
        yield server
    finally:
        server.close()
        listener.drop_clients()
        await server.wait_closed()


@asynccontextmanager
async def running(publisher: TcpCotPublisher) -> AsyncIterator[TcpCotPublisher]:
    task = asyncio.create_task(publisher.run())
    try:
        yield publisher
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_tcp_listener_receives_valid_cot(schema: XsdSubset) -> None:
    async def main() -> list[bytes]:
        port, listener = free_port(), Listener()
        async with listening(listener, port), running(TcpCotPublisher("127.0.0.1", port)) as pub:
            for kind, record in _records():
                assert pub.publish(kind, record) == 1
            events = await listener.wait_for(3)
            assert pub.counters.connects == 1
            assert pub.pending == 0
        return events

    _check_received(asyncio.run(main()), schema)


def test_tcp_publisher_reconnects_after_the_listener_restarts(schema: XsdSubset) -> None:
    async def main() -> tuple[list[bytes], list[bytes], TcpCotPublisher]:
        port = free_port()
        pub = TcpCotPublisher("127.0.0.1", port, backoff=Backoff(0.02, 0.2))
        first, second = Listener(), Listener()
        async with running(pub):
            pub.publish("alert", _alert("A-1"))  # queued while nobody listens
            await asyncio.sleep(0.1)
            assert pub.counters.connects == 0
            assert pub.counters.disconnects >= 1  # refused, retried with back-off
            async with listening(first, port):
                got_first = await first.wait_for(1)
            # The listener is gone: the publisher notices the closed connection at once.
            for _ in range(100):
                if not pub.connected.is_set():
                    break
                await asyncio.sleep(0.01)
            assert not pub.connected.is_set()
            pub.publish("alert", _alert("A-2"))
            pub.publish("track", _update())
            await asyncio.sleep(0.1)
            assert pub.pending == 2
            async with listening(second, port):
                got_second = await second.wait_for(2)
                assert second.connections == 1
        return got_first, got_second, pub

    got_first, got_second, pub = asyncio.run(main())
    assert [schema.validate(e).get("uid") for e in got_first] == [alert_uid("A-1")]
    assert [schema.validate(e).get("uid") for e in got_second] == [
        alert_uid("A-2"),
        track_uid("T-1"),
    ]
    assert pub.counters.connects == 2
    assert pub.counters.sent == 3


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a test certificate with openssl: {exc}")
    return cert, key


def test_tls_listener_receives_valid_cot(schema: XsdSubset, tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))

    async def main() -> list[bytes]:
        port, listener = free_port(), Listener()
        pub = TcpCotPublisher("127.0.0.1", port, ssl_context=client_ctx)
        assert pub.label.startswith("ssl://")
        async with listening(listener, port, server_ctx), running(pub):
            for kind, record in _records():
                pub.publish(kind, record)
            return await listener.wait_for(3)

    _check_received(asyncio.run(main()), schema)


def test_decimal_helper_agrees_with_decimal() -> None:
    for text in ("1", "-1.5", ".5", "5.", "+0.0"):
        assert DECIMAL.fullmatch(text)
        Decimal(text)
    for text in ("1e3", "nan", "", "1.2.3"):
        assert not DECIMAL.fullmatch(text)
    with pytest.raises(InvalidOperation):
        Decimal("1.2.3")


def test_publisher_urls() -> None:
    from northline.model import InvalidInput
    from northline.tak import TcpCotPublisher, UdpCotPublisher, open_publisher

    sa = open_publisher("udp://")
    assert isinstance(sa, UdpCotPublisher)
    assert (sa.host, sa.port) == ("239.2.3.1", 6969)
    sa.close()
    one = open_publisher("udp://127.0.0.1:4242?ttl=3")
    assert isinstance(one, UdpCotPublisher)
    assert (one.host, one.port) == ("127.0.0.1", 4242)
    one.close()
    server = open_publisher("tcp://tak.example:8087")
    assert isinstance(server, TcpCotPublisher)
    assert server.label == "tcp://tak.example:8087"
    for bad in ("tcp://nohost", "mqtt://x:1/t", "udp://h:1?ttl=x", "udp://h:notaport"):
        with pytest.raises(InvalidInput):
            open_publisher(bad)
