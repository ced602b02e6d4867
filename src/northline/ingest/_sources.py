"""Transports that carry feeds in: files, stdin, UDP (unicast and multicast), TCP.

A :class:`Source` runs until its input ends (a file) or it is cancelled (a socket), handing
each piece of input to ``put`` as an :class:`Envelope`. ``put`` is the bounded queue of the
ingest loop: when it is full, ``await put(...)`` waits, so a source stops reading, and the
kernel's socket buffer or TCP flow control holds the sender back (back-pressure, not loss).

Network sources that connect out (TCP client here; MQTT and NATS in their own modules)
reconnect with exponential back-off and jitter, and count what happened in their
:class:`SourceCounters`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import ipaddress
import random
import socket
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from ..model import InvalidInput, NotFound, TransportError

__all__ = [
    "Backoff",
    "Envelope",
    "FileSource",
    "Put",
    "Source",
    "SourceCounters",
    "StdinSource",
    "TcpClientSource",
    "TcpServerSource",
    "UdpSource",
]

BLOCK_BYTES = 1 << 20
DATAGRAM_BYTES = 65_535
UDP_RCVBUF_BYTES = 4 << 20
TAK_MULTICAST = ("239.2.3.1", 6969)  # the TAK situational-awareness multicast group


@dataclass(slots=True)
class Envelope:
    """A piece of transport input.

    ``kind`` is ``"stream"`` (bytes of the stream ``key``, cut by the format's framing),
    ``"end"`` (the stream ``key`` ended) or ``"message"`` (one whole message). ``ack``, when
    set, tells the transport the message is safely stored (MQTT PUBACK, JetStream ack).
    """

    data: bytes
    received_t_s: float
    kind: Literal["stream", "end", "message"] = "message"
    key: str = ""
    ack: Callable[[], Awaitable[None]] | None = None


Put = Callable[[Envelope], Awaitable[None]]


@dataclass(slots=True)
class SourceCounters:
    """What a source has done. ``received == decoded + quarantined`` counts messages the
    decoder finished with; ``duplicates`` are decoded observations already stored."""

    received: int = 0
    decoded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    envelopes: int = 0  # datagrams, transport messages or stream reads
    bytes: int = 0
    connects: int = 0  # connections made (or accepted, for a server)
    disconnects: int = 0  # connections lost or refused, each followed by a back-off
    acked: int = 0  # messages acknowledged to the transport after they were stored
    last_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Backoff:
    """Exponential back-off with full jitter: ``initial_s``, doubling, capped at ``max_s``."""

    def __init__(
        self,
        initial_s: float = 0.1,
        max_s: float = 10.0,
        factor: float = 2.0,
        *,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < initial_s <= max_s or factor < 1:
            raise InvalidInput("back-off needs 0 < initial_s <= max_s and factor >= 1")
        self.initial_s = initial_s
        self.max_s = max_s
        self.factor = factor
        self._rng = rng if rng is not None else random.Random()
        self._next = initial_s

    def next(self) -> float:
        """The delay before the next attempt; each call lengthens the one after."""
        ceiling = self._next
        self._next = min(self.max_s, self._next * self.factor)
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self._next = self.initial_s

    async def wait(self) -> None:
        await asyncio.sleep(self.next())


class Source(ABC):
    """A transport feeding one ingest loop.

    ``label`` names the source in observations and quarantine (it takes part in their ids,
    so a reconnect or replay of the same message yields the same id). ``ready`` is set once
    the source listens or is connected; ``whole`` sources hand over documents, not streams.
    """

    label: str
    counters: SourceCounters
    ready: asyncio.Event

    def __init__(self, label: str) -> None:
        self.label = label
        self.counters = SourceCounters()
        self.ready = asyncio.Event()

    @abstractmethod
    async def run(self, put: Put) -> None:
        """Hand input to ``put`` until it ends or the task is cancelled."""

    def _error(self, exc: BaseException) -> None:
        self.counters.last_error = f"{type(exc).__name__}: {exc}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r})"


# -- files and stdin ---------------------------------------------------------------------------


def _open_file(path: Path) -> BinaryIO:
    """The file, decompressed when it is gzip (by its magic bytes, whatever its name)."""
    if not path.is_file():
        raise NotFound(f"no file at {path}", path=str(path))
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


async def _pump(
    stream: BinaryIO, put: Put, counters: SourceCounters, *, whole: bool, block_bytes: int
) -> None:
    read: Callable[[int], bytes] = getattr(stream, "read1", stream.read)
    if whole:
        data = await asyncio.to_thread(stream.read)
        counters.envelopes += 1
        counters.bytes += len(data)
        await put(Envelope(data, time.time(), "message"))
        return
    while block := await asyncio.to_thread(read, block_bytes):
        counters.envelopes += 1
        counters.bytes += len(block)
        await put(Envelope(block, time.time(), "stream"))
    await put(Envelope(b"", time.time(), "end"))


class FileSource(Source):
    """A file, plain or gzip; ``whole`` hands it over as one document (GeoJSON, CSV)."""

    def __init__(
        self,
        path: str | Path,
        *,
        whole: bool = False,
        label: str | None = None,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        self.path = Path(path)
        super().__init__(label if label is not None else f"file:{self.path.name}")
        self.whole = whole
        self.block_bytes = block_bytes
        if not self.path.is_file():
            raise NotFound(f"no file at {self.path}", path=str(self.path))

    async def run(self, put: Put) -> None:
        with await asyncio.to_thread(_open_file, self.path) as stream:
            self.ready.set()
            await _pump(stream, put, self.counters, whole=self.whole, block_bytes=self.block_bytes)


class StdinSource(Source):
    """Standard input (or any open binary stream), read as data arrives."""

    def __init__(
        self,
        stream: BinaryIO | None = None,
        *,
        whole: bool = False,
        label: str = "stdin",
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        super().__init__(label)
        self.stream = stream if stream is not None else sys.stdin.buffer
        self.whole = whole
        self.block_bytes = block_bytes

    async def run(self, put: Put) -> None:
        self.ready.set()
        await _pump(self.stream, put, self.counters, whole=self.whole, block_bytes=self.block_bytes)


# -- UDP ---------------------------------------------------------------------------------------


def _is_multicast(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_multicast
    except ValueError:
        return False


class UdpSource(Source):
    """Datagrams on ``host:port``, one message each. A multicast ``host`` (the TAK SA group
    239.2.3.1:6969, say) is joined on the interface whose address is ``iface`` (any when
    None); other members of the group on this machine keep receiving (SO_REUSEADDR)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        iface: str | None = None,
        label: str | None = None,
        rcvbuf_bytes: int = UDP_RCVBUF_BYTES,
    ) -> None:
        super().__init__(label if label is not None else f"udp://{host}:{port}")
        self.host = host
        self.port = port
        self.iface = iface
        self.rcvbuf_bytes = rcvbuf_bytes
        self.multicast = _is_multicast(host)

    def _socket(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf_bytes)
            if self.multicast:
                if hasattr(socket, "SO_REUSEPORT"):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                sock.bind(("", self.port))
                group = socket.inet_aton(self.host)
                iface = socket.inet_aton(self.iface or "0.0.0.0")
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, group + iface)
            else:
                sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise TransportError(
                f"cannot listen on udp://{self.host}:{self.port}: {exc.strerror or exc}",
                url=self.label,
            ) from None
        sock.setblocking(False)
        return sock

    async def run(self, put: Put) -> None:
        loop = asyncio.get_running_loop()
        sock = self._socket()
        self.port = sock.getsockname()[1]
        self.ready.set()
        counters = self.counters
        try:
            while True:
                data, _ = await loop.sock_recvfrom(sock, DATAGRAM_BYTES)
                counters.envelopes += 1
                counters.bytes += len(data)
                await put(Envelope(data, time.time(), "message"))
        finally:
            sock.close()


# -- TCP ---------------------------------------------------------------------------------------


async def _read_stream(
    reader: asyncio.StreamReader, put: Put, counters: SourceCounters, key: str
) -> None:
    try:
        while data := await reader.read(BLOCK_BYTES):
            counters.envelopes += 1
            counters.bytes += len(data)
            await put(Envelope(data, time.time(), "stream", key))
    finally:
        await put(Envelope(b"", time.time(), "end", key))


class TcpClientSource(Source):
    """A TCP stream from ``host:port`` (a TAK server's streaming port, dump1090's 30003, an
    AIS dispatcher). A lost or refused connection is retried with back-off, forever unless
    ``reconnect`` is False; each connection frames on its own, so a message cut by a lost
    connection is quarantined as truncated, never joined to the next connection's bytes."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        reconnect: bool = True,
        backoff: Backoff | None = None,
        label: str | None = None,
    ) -> None:
        super().__init__(label if label is not None else f"tcp://{host}:{port}")
        self.host = host
        self.port = port
        self.reconnect = reconnect
        self.backoff = backoff if backoff is not None else Backoff()

    async def run(self, put: Put) -> None:
        n = 0
        while True:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError as exc:
                self._error(exc)
                self.counters.disconnects += 1
                if not self.reconnect:
                    raise TransportError(
                        f"cannot connect to {self.label}: {exc.strerror or exc}", url=self.label
                    ) from None
                await self.backoff.wait()
                continue
            n += 1
            self.counters.connects += 1
            self.backoff.reset()
            self.ready.set()
            try:
                await _read_stream(reader, put, self.counters, f"{self.label}#{n}")
            except OSError as exc:
                self._error(exc)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            self.counters.disconnects += 1
            if not self.reconnect:
                return
            await self.backoff.wait()


class TcpServerSource(Source):
    """Listens on ``host:port`` and reads every client that connects, each its own stream
    (sensor gateways pushing CoT, a TAK client's TCP output)."""

    def __init__(self, host: str, port: int, *, label: str | None = None) -> None:
        super().__init__(label if label is not None else f"tcp://{host}:{port}?listen")
        self.host = host
        self.port = port

    async def run(self, put: Put) -> None:
        n = 0

        async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal n
            n += 1
            self.counters.connects += 1
            peer = writer.get_extra_info("peername")
            key = f"{peer[0]}:{peer[1]}#{n}" if peer else f"#{n}"
            try:
                await _read_stream(reader, put, self.counters, key)
            except OSError as exc:
                self._error(exc)
            finally:
                self.counters.disconnects += 1
                writer.close()

        try:
            server = await asyncio.start_server(client, self.host, self.port)
        except OSError as exc:
            raise TransportError(
                f"cannot listen on tcp://{self.host}:{self.port}: {exc.strerror or exc}",
                url=self.label,
            ) from None
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        async with server:
            await server.serve_forever()
