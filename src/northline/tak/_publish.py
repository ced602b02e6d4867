"""Publishers of CoT to TAK clients: UDP (the SA multicast group, or unicast) and TCP/TLS.

Both have ``publish(kind, record, *, marking=None) -> int``, the signature of the service
hub's :meth:`~northline.api.Hub.publish`, so the pipeline can hand the same records to both.
Kinds are ``track`` (a :class:`~northline.model.TrackUpdate` or a whole
:class:`~northline.model.TrackBatch`), ``crossing`` and ``alert``; ``publish`` returns how
many events it sent (UDP) or queued (TCP). ``marking`` is accepted for the hub's signature:
the events carry each record's own marking, and releasability to a TAK network is decided by
whoever points the publisher at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final

from ..ingest import TAK_MULTICAST, Backoff
from ..model import Alert, Crossing, InvalidInput, Marking, TrackBatch, TrackUpdate, TransportError
from ._events import alert_event, crossing_event, track_event

__all__ = [
    "KINDS",
    "PublisherCounters",
    "TcpCotPublisher",
    "UdpCotPublisher",
    "cot_events",
    "open_publisher",
]

KINDS: Final = ("track", "crossing", "alert")
QUEUE_EVENTS: Final = 10_000
_WRITERS: Final[dict[str, tuple[type, Callable[[Any], bytes]]]] = {
    "track": (TrackUpdate, track_event),
    "crossing": (Crossing, crossing_event),
    "alert": (Alert, alert_event),
}


def cot_events(kind: str, record: Any) -> list[bytes]:
    """The CoT events for one published record (a track batch gives one per row)."""
    if kind not in _WRITERS:
        raise InvalidInput(f"unknown CoT kind {kind!r}", field="kind", kinds=list(KINDS))
    if kind == "track" and isinstance(record, TrackBatch):
        return [track_event(r) for r in record.to_records()]
    cls, write = _WRITERS[kind]
    if not isinstance(record, cls):
        raise InvalidInput(
            f"a {kind} event is written from a {cls.__name__}, not {type(record).__name__}",
            field="record",
        )
    return [write(record)]


@dataclass(slots=True)
class PublisherCounters:
    """What a publisher has done; ``dropped`` events were pushed out of a full queue."""

    sent: int = 0
    bytes: int = 0
    dropped: int = 0
    connects: int = 0
    disconnects: int = 0
    last_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class UdpCotPublisher:
    """CoT datagrams, one event each, to ``host:port``: by default the TAK SA multicast group
    239.2.3.1:6969 with ``ttl`` hops, sent from the interface whose address is ``iface`` (the
    default route when None); multicast loops back so clients on this machine hear it too.
    A unicast ``host`` sends to that one client. Sending never blocks."""

    def __init__(
        self,
        host: str = TAK_MULTICAST[0],
        port: int = TAK_MULTICAST[1],
        *,
        ttl: int = 1,
        iface: str | None = None,
    ) -> None:
        if not 0 <= ttl <= 255:
            raise InvalidInput("a multicast ttl is 0 to 255", field="ttl")
        self.host = host
        self.port = port
        self.counters = PublisherCounters()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            if family == socket.AF_INET:
                self._sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
                self._sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
                if iface is not None:
                    self._sock.setsockopt(
                        socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface)
                    )
        except OSError as exc:
            self._sock.close()
            raise TransportError(
                f"cannot send to udp://{host}:{port}: {exc.strerror or exc}",
                url=f"udp://{host}:{port}",
            ) from None
        self._sock.setblocking(False)

    def send(self, event: bytes) -> None:
        """One event as one datagram; a datagram the kernel refuses is counted, not raised."""
        try:
            self._sock.sendto(event, (self.host, self.port))
        except OSError as exc:
            self.counters.dropped += 1
            self.counters.last_error = f"{type(exc).__name__}: {exc}"
            return
        self.counters.sent += 1
        self.counters.bytes += len(event)

    def publish(self, kind: str, record: Any, *, marking: Marking | None = None) -> int:
        events = cot_events(kind, record)
        for e in events:
            self.send(e)
        return len(events)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> UdpCotPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TcpCotPublisher:
    """A TCP (or, with ``ssl_context``, TLS) client streaming CoT events to a TAK server or
    client, one event after another as TAK's streaming protocol has them.

    :meth:`publish` queues (never blocks; any thread); :meth:`run`, as a task, connects and
    sends, reconnecting with ``backoff`` whenever the connection is refused or lost. An event
    leaves the queue only once written and drained, so one cut by a lost connection is sent
    again on the next (at least once); when ``queue_events`` are waiting, the oldest is
    dropped and counted. A peer that closes its end is noticed at once, not at the next write.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        backoff: Backoff | None = None,
        queue_events: int = QUEUE_EVENTS,
    ) -> None:
        if queue_events < 1:
            raise InvalidInput("a queue holds at least one event", field="queue_events")
        scheme = "ssl" if ssl_context is not None else "tcp"
        self.label = f"{scheme}://{host}:{port}"
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname
        self.backoff = backoff if backoff is not None else Backoff()
        self.counters = PublisherCounters()
        self.connected = asyncio.Event()
        self._queue: deque[bytes] = deque(maxlen=queue_events)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def pending(self) -> int:
        """Events queued and not yet sent."""
        return len(self._queue)

    def send(self, event: bytes) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.counters.dropped += 1
        self._queue.append(event)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    def publish(self, kind: str, record: Any, *, marking: Marking | None = None) -> int:
        events = cot_events(kind, record)
        for e in events:
            self.send(e)
        return len(events)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.ssl_context is None:
            return await asyncio.open_connection(self.host, self.port)
        return await asyncio.open_connection(
            self.host,
            self.port,
            ssl=self.ssl_context,
            server_hostname=self.server_hostname or self.host,
        )

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Write queued events until the peer goes away (returns) or the task is cancelled."""
        eof = asyncio.ensure_future(reader.read(1 << 16))  # a TAK peer sends nothing we need
        try:
            while True:
                while self._queue:
                    if eof.done():
                        return
                    event = self._queue[0]
                    writer.write(event)
                    await writer.drain()
                    if self._queue and self._queue[0] is event:
                        self._queue.popleft()
                    self.counters.sent += 1
                    self.counters.bytes += len(event)
                self._wake.clear()
                if self._queue:
                    continue
                waker = asyncio.ensure_future(self._wake.wait())
                done, _ = await asyncio.wait({eof, waker}, return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
                if eof in done:
                    if eof.exception() is None and eof.result():
                        eof = asyncio.ensure_future(reader.read(1 << 16))  # ignore what it says
                        continue
                    return
        finally:
            eof.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await eof

    async def run(self) -> None:
        """Connect, send and reconnect until cancelled."""
        self._loop = asyncio.get_running_loop()
        while True:
            try:
                reader, writer = await self._connect()
            except (OSError, ssl.SSLError) as exc:
                self._error(exc)
                self.counters.disconnects += 1
                await self.backoff.wait()
                continue
            self.counters.connects += 1
            self.backoff.reset()
            self.connected.set()
            try:
                await self._stream(reader, writer)
            except (OSError, ssl.SSLError) as exc:
                self._error(exc)
            finally:
                self.connected.clear()
                writer.close()
                with contextlib.suppress(OSError, ssl.SSLError):
                    await writer.wait_closed()
            self.counters.disconnects += 1
            await self.backoff.wait()

    def _error(self, exc: BaseException) -> None:
        self.counters.last_error = f"{type(exc).__name__}: {exc}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r})"


def open_publisher(url: str) -> UdpCotPublisher | TcpCotPublisher:
    """The publisher a URL names: ``udp://`` alone is the SA multicast group 239.2.3.1:6969,
    ``udp://HOST:PORT`` a group or one client (``?iface=ADDR`` picks the interface,
    ``?ttl=N`` the hops), ``tcp://HOST:PORT`` a TAK server's or client's streaming port."""
    from urllib.parse import parse_qs, urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"{url!r} is not a URL: {exc}", field="url") from None
    query = parse_qs(parts.query)
    if parts.scheme == "udp":
        host = parts.hostname or TAK_MULTICAST[0]
        try:
            ttl = int(query.get("ttl", ["1"])[-1])
        except ValueError:
            raise InvalidInput(f"{url}: ttl is not an integer", field="ttl") from None
        return UdpCotPublisher(
            host,
            port or TAK_MULTICAST[1],
            ttl=ttl,
            iface=query.get("iface", [None])[-1],
        )
    if parts.scheme == "tcp":
        if parts.hostname is None or port is None:
            raise InvalidInput(f"{url}: give tcp://HOST:PORT", field="url")
        return TcpCotPublisher(parts.hostname, port)
    raise InvalidInput(f"{url!r}: a TAK publisher is udp:// or tcp://", field="url")
