"""Sources on real files and loopback sockets: file and gzip, stdin, UDP unicast and the TAK
multicast group, TCP client (with reconnect) and server; URLs, back-pressure, counters."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import takproto

from _feeds import cot_messages, expected_ids
from _servers import free_port
from northline.ingest import (
    TAK_MULTICAST,
    Backoff,
    CsvMapping,
    DecodeResult,
    Envelope,
    FeedDecoder,
    FileSource,
    Items,
    JsonLinesSink,
    MqttSource,
    NatsSource,
    Put,
    ReasonCode,
    Source,
    SourceCounters,
    StdinSource,
    StoreSink,
    TcpClientSource,
    TcpServerSource,
    UdpSource,
    decode_cot,
    open_source,
    run_ingest,
)
from northline.model import InvalidInput, NotFound, TransportError
from northline.store import SQLiteStore


class Collect:
    """A sink that keeps every result (and counts new ids like the JSON Lines sink)."""

    def __init__(self) -> None:
        self.results: list[DecodeResult] = []
        self.ids: set[str] = set()

    def write(self, result: DecodeResult) -> int:
        self.results.append(result)
        before = len(self.ids)
        self.ids.update(result.batch.obs_id.tolist())
        return len(self.ids) - before

    @property
    def quarantined(self) -> list[str]:
        return [q.reason_code for r in self.results for q in r.quarantined]


def ingest(source: Source, fmt: str = "cot", **kw: Any) -> tuple[Collect, SourceCounters]:
    sink = Collect()

    async def main() -> SourceCounters:
        return await run_ingest(source, FeedDecoder(fmt, source.label), sink, **kw)

    return sink, asyncio.run(main())


# -- URLs --------------------------------------------------------------------------------------


def test_urls_name_their_sources(tmp_path: Path) -> None:
    f = tmp_path / "feed.cot"
    f.write_bytes(b"")
    assert isinstance(open_source(str(f)), FileSource)
    assert open_source(f"file:{f}").label == "file:feed.cot"
    assert open_source(f"file://{f}").label == "file:feed.cot"
    assert isinstance(open_source("-"), StdinSource)
    udp = open_source("udp://")
    assert isinstance(udp, UdpSource)
    assert (udp.host, udp.port, udp.multicast) == (*TAK_MULTICAST, True)
    uni = open_source("udp://127.0.0.1:4242")
    assert isinstance(uni, UdpSource)
    assert not uni.multicast
    mc = open_source("udp://239.2.3.1:6969?iface=10.0.0.5")
    assert isinstance(mc, UdpSource)
    assert mc.iface == "10.0.0.5"
    client = open_source("tcp://tak.example:8087")
    assert isinstance(client, TcpClientSource)
    assert client.reconnect
    once = open_source("tcp://h:1?once")
    assert isinstance(once, TcpClientSource)
    assert not once.reconnect
    assert isinstance(open_source("tcp://0.0.0.0:8088?listen"), TcpServerSource)
    m = open_source("mqtt://u:p%40ss@broker/sensors/+/cot#")
    assert isinstance(m, MqttSource)
    assert (m.port, m.topic, m.username, m.password, m.qos) == (
        1883,
        "sensors/+/cot#",
        "u",
        "p@ss",
        1,
    )
    assert "p@ss" not in m.label  # credentials never reach observations or logs
    ais = open_source("mqtt://b:1884/ais/%23?qos=0")
    assert isinstance(ais, MqttSource)
    assert (ais.topic, ais.qos) == ("ais/#", 0)
    n = open_source("nats://nats:4222/border.cot?stream=BORDER&durable=cop")
    assert isinstance(n, NatsSource)
    assert (n.subject, n.stream, n.durable, n.create) == ("border.cot", "BORDER", "cop", True)
    # The durable name is stable across runs, so a restart resumes where it stopped.
    again = [open_source("nats://x/a.b") for _ in range(2)]
    assert isinstance(again[0], NatsSource)
    assert isinstance(again[1], NatsSource)
    assert again[0].durable == again[1].durable


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("gopher://h:1/x", InvalidInput),
        ("tcp://h", InvalidInput),
        ("udp://h:notaport", InvalidInput),
        ("mqtt://h:1883?qos=x", InvalidInput),
        ("mqtt://h:1883/t?qos=3", InvalidInput),
        ("mqtt://h:1883", InvalidInput),
        ("nats://h:4222", InvalidInput),
        ("/no/such/file.cot", NotFound),
    ],
)
def test_bad_urls_are_clear_errors(url: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        open_source(url)


# -- files and stdin ---------------------------------------------------------------------------


def test_file_and_gzip_file_decode_the_same(tmp_path: Path) -> None:
    data = b"\n".join(cot_messages(500)) + b"\n<event broken"
    plain = tmp_path / "a.cot"
    plain.write_bytes(data)
    packed = tmp_path / "b.cot"  # gzip found by its magic bytes, not its name
    packed.write_bytes(gzip.compress(data))
    want = decode_cot(data, "file:a.cot")
    for path in (plain, packed):
        sink, counters = ingest(FileSource(path, label="file:a.cot", block_bytes=4096))
        assert sink.ids == set(want.batch.obs_id.tolist())
        assert sink.quarantined == [ReasonCode.TRUNCATED.value]
        assert counters.received == 501
        assert counters.decoded == 500
        assert counters.quarantined == 1
        assert counters.bytes == len(data)


def test_stdin_stream(tmp_path: Path) -> None:
    messages = cot_messages(50)
    src = StdinSource(io.BufferedReader(io.BytesIO(b"".join(messages))), block_bytes=100)
    sink, counters = ingest(src)
    assert sink.ids == expected_ids(messages, "stdin")
    assert counters.envelopes > 50  # read in small blocks


def test_geojson_file_is_one_document(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-97.2 + i * 1e-4, 49.0]},
                "properties": {"time": "2026-12-01T10:00:00Z", "id": f"obj-{i}"},
            }
            for i in range(20)
        ],
    }
    path = tmp_path / "drone.geojson"
    path.write_text(json.dumps(doc, indent=2))  # pretty-printed: not one feature a line
    sink, counters = ingest(open_source(str(path), "geojson"), "geojson")
    assert counters.decoded == 20
    assert not sink.quarantined


def test_the_same_file_twice_is_all_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "a.cot"
    path.write_bytes(b"".join(cot_messages(300)))
    with SQLiteStore(tmp_path / "s.db") as store:
        counts = []
        for _ in range(2):
            src = FileSource(path)

            async def main(src: Source = src) -> SourceCounters:
                return await run_ingest(src, FeedDecoder("cot", src.label), StoreSink(store))

            counts.append(asyncio.run(main()))
        assert store.counts()["observations"] == 300
    assert (counts[0].duplicates, counts[1].duplicates) == (0, 300)


# -- UDP ---------------------------------------------------------------------------------------


def _udp_sender(multicast: bool) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if multicast:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return s


@pytest.mark.parametrize("multicast", [False, True], ids=["unicast", "tak-multicast"])
def test_udp_datagrams_xml_and_tak_mesh(multicast: bool) -> None:
    port = free_port()
    host = TAK_MULTICAST[0] if multicast else "127.0.0.1"
    src = UdpSource(host, port, iface="127.0.0.1" if multicast else None)
    xml = cot_messages(300)
    # Every third event goes as TAK protobuf (mesh), as ATAK sends to the SA group.
    datagrams = [
        bytes(takproto.xml2proto(m, takproto.TAKProtoVer.MESH)) if i % 3 == 0 else m
        for i, m in enumerate(xml)
    ]
    sink = Collect()

    async def main() -> SourceCounters:
        task = asyncio.create_task(
            run_ingest(src, FeedDecoder("cot", src.label), sink, idle_timeout_s=1.0)
        )
        await asyncio.wait_for(src.ready.wait(), 5)
        out = _udp_sender(multicast)
        for d in [*datagrams, b"not cot at all"]:
            out.sendto(d, (host, port))
            await asyncio.sleep(0)
        out.close()
        return await task

    counters = asyncio.run(main())
    assert counters.decoded == 300
    assert counters.envelopes == 301
    assert sink.quarantined == [ReasonCode.XML_SYNTAX.value]
    kinds = {r for res in sink.results for r in res.batch.identity.tolist()}
    assert len(kinds) == 300  # one identity (uid) per event, XML and protobuf alike


# -- TCP ---------------------------------------------------------------------------------------


def test_tcp_client_reconnects_and_never_joins_connections() -> None:
    messages = cot_messages(200)
    first = b"".join(messages[:100]) + messages[100][:40]  # the 101st is cut by the drop
    second = b"".join(messages[101:])
    connections: list[int] = []

    async def main() -> tuple[SourceCounters, Collect, str]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(1)
            if len(connections) <= 2:  # later attempts find the connection refused
                writer.write(first if len(connections) == 1 else second)
                await writer.drain()
            if len(connections) == 2:
                server.close()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        src = TcpClientSource("127.0.0.1", port, backoff=Backoff(0.01, 0.05))
        sink = Collect()
        task = asyncio.create_task(
            run_ingest(src, FeedDecoder("cot", src.label), sink, idle_timeout_s=0.5)
        )
        counters = await task
        server.close()
        return counters, sink, src.label

    counters, sink, label = asyncio.run(main())
    assert counters.connects >= 2
    assert counters.decoded == 199
    assert sink.ids == expected_ids(messages[:100] + messages[101:], label)
    assert sink.quarantined == [ReasonCode.TRUNCATED.value]


def test_tcp_client_without_reconnect_reports_refusal() -> None:
    src = TcpClientSource("127.0.0.1", free_port(), reconnect=False)
    with pytest.raises(TransportError, match="cannot connect"):
        ingest(src)


def test_tcp_server_frames_each_client_on_its_own() -> None:
    port = free_port()
    src = TcpServerSource("127.0.0.1", port)
    a, b = cot_messages(400)[:200], cot_messages(400)[200:]
    sink = Collect()

    async def send(messages: list[bytes], rng: random.Random) -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        data = b"\n".join(messages)
        i = 0
        while i < len(data):  # pieces that cut events anywhere, interleaved with the other
            n = rng.randint(1, 700)
            writer.write(data[i : i + n])
            await writer.drain()
            await asyncio.sleep(0)
            i += n
        writer.close()
        await writer.wait_closed()

    async def main() -> SourceCounters:
        task = asyncio.create_task(
            run_ingest(src, FeedDecoder("cot", src.label), sink, idle_timeout_s=1.0)
        )
        await asyncio.wait_for(src.ready.wait(), 5)
        await asyncio.gather(send(a, random.Random(1)), send(b, random.Random(2)))
        return await task

    counters = asyncio.run(main())
    assert sink.ids == expected_ids(a + b, src.label)
    assert not sink.quarantined
    assert counters.connects == 2


def test_tcp_port_in_use_is_a_transport_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        src = TcpServerSource("127.0.0.1", busy.getsockname()[1])
        with pytest.raises(TransportError, match="cannot listen"):
            ingest(src)


def test_csv_over_tcp_takes_its_header_from_the_first_line() -> None:
    port = free_port()
    src = TcpServerSource("127.0.0.1", port)
    rows = [f"2026-12-01T10:00:{i:02d}Z,{-97.2 + i * 1e-4:.6f},49.0,cam-{i % 3}" for i in range(40)]
    data = ("t,x,y,cam\n" + "\n".join(rows) + "\n").encode()
    mapping = CsvMapping(time="t", lon="x", lat="y", sensor_id="cam")
    sink = Collect()

    async def main() -> SourceCounters:
        dec = FeedDecoder("csv", src.label, csv_mapping=mapping)
        task = asyncio.create_task(run_ingest(src, dec, sink, idle_timeout_s=1.0))
        await asyncio.wait_for(src.ready.wait(), 5)
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in range(0, len(data), 37):  # cut mid-row
            writer.write(data[i : i + 37])
            await writer.drain()
            await asyncio.sleep(0.001)
        writer.close()
        return await task

    counters = asyncio.run(main())
    assert counters.decoded == 40
    assert not sink.quarantined


# -- the loop: back-pressure, stop, counters ---------------------------------------------------


class Burst(Source):
    """A source that offers ``n`` one-event messages as fast as the queue takes them."""

    def __init__(self, messages: list[bytes]) -> None:
        super().__init__("burst")
        self.messages = messages
        self.waited = 0  # puts that found the queue full and had to wait

    async def run(self, put: Put) -> None:
        self.ready.set()
        for m in self.messages:
            t0 = time.perf_counter()
            await put(Envelope(m, time.time(), "message"))
            if time.perf_counter() - t0 > 0:
                self.waited += 1


def test_a_full_queue_holds_the_source_back() -> None:
    messages = cot_messages(1000)
    src = Burst(messages)
    sizes: list[int] = []
    _, counters = ingest(src, queue_size=8, on_batch=lambda c, r: sizes.append(r.received))
    assert counters.decoded == 1000
    # Never more than the queue plus the one in hand is decoded at once: the rest waited.
    assert max(sizes) <= 9
    assert len(sizes) >= 1000 // 9


def test_stop_ends_a_live_source_and_keeps_what_came() -> None:
    port = free_port()
    src = UdpSource("127.0.0.1", port)
    messages = cot_messages(20)
    sink = Collect()

    async def main() -> SourceCounters:
        stop = asyncio.Event()
        task = asyncio.create_task(run_ingest(src, FeedDecoder("cot", src.label), sink, stop=stop))
        await asyncio.wait_for(src.ready.wait(), 5)
        out = _udp_sender(False)
        for m in messages:
            out.sendto(m, ("127.0.0.1", port))
        out.close()
        for _ in range(200):
            if src.counters.envelopes == 20:
                break
            await asyncio.sleep(0.01)
        stop.set()
        return await asyncio.wait_for(task, 5)

    counters = asyncio.run(main())
    assert counters.decoded == 20


def test_backoff_grows_to_its_cap_and_resets() -> None:
    b = Backoff(0.1, 1.0, rng=random.Random(7))
    delays = [b.next() for _ in range(8)]
    assert all(0.05 <= d <= 1.0 for d in delays)
    assert delays[0] <= 0.1
    assert max(delays[4:]) > 0.5  # grew to about the cap
    b.reset()
    assert b.next() <= 0.1
    with pytest.raises(InvalidInput):
        Backoff(0.0, 1.0)


def test_json_lines_sink_writes_each_observation_once() -> None:
    out = io.StringIO()
    sink = JsonLinesSink(out, remember=10_000)
    dec = FeedDecoder("cot", "s")
    items = dec.message(cot_messages(3)[0], Items())
    assert sink.write(dec.decode(items)) == 1
    assert sink.write(dec.decode(items)) == 0
    assert len(out.getvalue().splitlines()) == 1


# -- the command line --------------------------------------------------------------------------


def test_cli_listens_on_tcp_and_exits_when_idle(tmp_path: Path) -> None:
    port = free_port()
    messages = cot_messages(100)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "northline",
            "ingest",
            "--from",
            f"tcp://127.0.0.1:{port}?listen",
            "--idle-timeout",
            "2",
            "--stats-every",
            "0.001",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            conn = socket.create_connection(("127.0.0.1", port), timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    with conn:
        conn.sendall(b"".join(messages) + b"<event junk")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["obs_id"] for r in rows} == expected_ids(messages, f"tcp://127.0.0.1:{port}?listen")
    assert "100 observations, 1 quarantined, 0 duplicates" in err
    stats = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert stats, err
    assert stats[-1]["source"] == f"tcp://127.0.0.1:{port}?listen"
    assert stats[-1]["decoded"] <= 100
    assert stats[-1]["connects"] == 1
