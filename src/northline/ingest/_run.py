"""The ingest loop: a source, a bounded queue, a decoder and a sink, with counters.

:func:`open_source` reads a source URL (``file:``, a path, ``-``, ``udp://``, ``tcp://``,
``mqtt://``, ``nats://``); :func:`run_ingest` runs a source into a sink until the input
ends, ``stop`` is set or nothing came for ``idle_timeout_s``. Between the two sits a queue of
``queue_size`` envelopes: a source that outpaces decoding waits on it (back-pressure). The
loop takes what is waiting in one go, decodes it as one batch, writes it to the sink, and
only then acknowledges the messages to their transport (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from ..model import InvalidInput, to_dict
from ._brokers import MqttSource, NatsSource
from ._feed import FeedDecoder, Items
from ._result import DecodeResult
from ._sources import (
    TAK_MULTICAST,
    Envelope,
    FileSource,
    Source,
    SourceCounters,
    StdinSource,
    TcpClientSource,
    TcpServerSource,
    UdpSource,
)

__all__ = [
    "SCHEMES",
    "JsonLinesSink",
    "Sink",
    "StoreSink",
    "open_source",
    "run_ingest",
]

SCHEMES = ("file", "udp", "tcp", "mqtt", "nats")
QUEUE_SIZE = 1024
MAX_BATCH_ITEMS = 20_000
_DOC_FORMATS = ("geojson", "csv")  # a file of these is one document


class Sink(Protocol):
    """Where decoded observations go; ``write`` returns how many were new."""

    def write(self, result: DecodeResult) -> int: ...


class StoreSink:
    """Writes observations and quarantine to a store, committed before the acks."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def write(self, result: DecodeResult) -> int:
        new = int(self.store.add_observations(result.batch)) if len(result.batch) else 0
        if result.quarantined:
            self.store.add_quarantined(result.quarantined)
        return new


class JsonLinesSink:
    """Writes observations as JSON Lines (quarantine is only counted); an observation seen
    among the last ``remember`` ids is a duplicate and not written again."""

    def __init__(self, out: TextIO, *, remember: int = 1_000_000) -> None:
        self.out = out
        self.remember = remember
        self._seen: dict[str, None] = {}

    def write(self, result: DecodeResult) -> int:
        new = 0
        seen = self._seen
        lines = []
        for rec in result.batch.to_records():
            if rec.obs_id in seen:
                continue
            seen[rec.obs_id] = None
            lines.append(json.dumps(to_dict(rec)))
            new += 1
        while len(seen) > self.remember:
            del seen[next(iter(seen))]
        if lines:
            self.out.write("\n".join(lines) + "\n")
            self.out.flush()
        return new


# -- URLs --------------------------------------------------------------------------------------


def _flag(query: dict[str, list[str]], name: str) -> bool:
    values = query.get(name)
    if values is None:
        return False
    return values[-1].lower() not in ("0", "false", "no", "off")


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    text = _one(query, name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"URL parameter {name}={text!r} is not an integer", field=name) from None


def _host_port(
    url: str, host: str | None, port: int | None, default_port: int | None
) -> tuple[str, int]:
    if port is None:
        port = default_port
    if port is None:
        raise InvalidInput(f"{url}: give a port (host:port)", field="url")
    return (host or "127.0.0.1"), port


def open_source(url: str, format: str = "cot") -> Source:
    """The source a URL names (see the README's table of schemes).

    * ``-``: standard input; ``file:PATH`` or a plain path: a file, plain or gzip;
    * ``udp://HOST:PORT``: datagrams; a multicast HOST is joined (``?iface=ADDR`` picks the
      interface); ``udp://`` alone is the TAK SA group 239.2.3.1:6969;
    * ``tcp://HOST:PORT``: connect, and reconnect when the connection is lost;
      ``tcp://HOST:PORT?listen``: listen and read every client;
    * ``mqtt://[USER:PASS@]HOST[:1883]/TOPIC/FILTER?qos=1&client_id=ID`` (write ``#`` as
      ``%23``, or last in the URL);
    * ``nats://[USER:PASS@]HOST[:4222]/SUBJECT?stream=NAME&durable=NAME&create=1``.

    A file of GeoJSON or CSV is one document; every other file is a stream.
    """
    whole = format in _DOC_FORMATS
    if url == "-":
        return StdinSource(whole=whole)
    if "://" not in url:
        path = url[len("file:") :] if url.startswith("file:") else url
        return FileSource(Path(path), whole=whole)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"{url!r} is not a URL: {exc}", field="url") from None
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query, keep_blank_values=True)
    host = parts.hostname
    match scheme:
        case "file":
            return FileSource(Path(unquote(parts.path)), whole=whole)
        case "udp":
            if host is None and port is None:
                host, port = TAK_MULTICAST
            h, p = _host_port(url, host, port, None)
            return UdpSource(h, p, iface=_one(query, "iface"))
        case "tcp":
            h, p = _host_port(url, host, port, None)
            if _flag(query, "listen"):
                return TcpServerSource(h, p)
            return TcpClientSource(h, p, reconnect=not _flag(query, "once"))
        case "mqtt":
            h, p = _host_port(url, host, port, 1883)
            topic = unquote(parts.path.lstrip("/"))
            if url.endswith("#") and not parts.fragment:
                topic += "#"
            elif parts.fragment:
                topic += "#" + parts.fragment
            return MqttSource(
                h,
                p,
                topic,
                qos=_int(query, "qos", 1),
                client_id=_one(query, "client_id"),
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                clean_session=_flag(query, "clean"),
                label=f"mqtt://{h}:{p}/{topic}",
            )
        case "nats":
            h, p = _host_port(url, host, port, 4222)
            subject = unquote(parts.path.lstrip("/"))
            return NatsSource(
                f"nats://{h}:{p}",
                subject,
                stream=_one(query, "stream"),
                durable=_one(query, "durable"),
                create=not _flag(query, "nocreate")
                if "create" not in query
                else _flag(query, "create"),
                batch=_int(query, "batch", 512),
                user=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
            )
    raise InvalidInput(
        f"{url!r}: scheme {scheme!r} is not one of {', '.join(SCHEMES)} (or - for stdin)",
        field="url",
    )


# -- the loop ----------------------------------------------------------------------------------


async def run_ingest(
    source: Source,
    decoder: FeedDecoder,
    sink: Sink,
    *,
    queue_size: int = QUEUE_SIZE,
    stop: asyncio.Event | None = None,
    idle_timeout_s: float | None = None,
    on_batch: Callable[[SourceCounters, DecodeResult], None] | None = None,
) -> SourceCounters:
    """Run ``source`` through ``decoder`` into ``sink``; return the source's counters.

    Ends when the source does (a file or stdin), when ``stop`` is set, or after
    ``idle_timeout_s`` seconds without input. What the decoder still holds (a partial
    message, AIS fragments) is decoded, or quarantined, on the way out. An error of the
    source (a port in use, a file that is not there) is raised; so is one of the sink.
    """
    if queue_size < 1:
        raise InvalidInput("queue_size must be at least 1", field="queue_size")
    queue: asyncio.Queue[Envelope] = asyncio.Queue(maxsize=queue_size)
    counters = source.counters
    producer = asyncio.create_task(source.run(queue.put), name=f"source {source.label}")
    stopper = asyncio.create_task(stop.wait()) if stop is not None else None
    last_input = time.monotonic()
    try:
        while True:
            if producer.done() and queue.empty():
                producer.result()  # raises the source's error, if it had one
                break
            if stop is not None and stop.is_set():
                break
            if queue.empty():
                env = await _next(queue, producer, stopper, idle_timeout_s, last_input)
                if env is None:
                    if producer.done():
                        continue
                    break  # stopped, or idle too long
            else:
                env = queue.get_nowait()
            envelopes = [env]
            while not queue.empty() and len(envelopes) < MAX_BATCH_ITEMS:
                envelopes.append(queue.get_nowait())
            if any(env.data for env in envelopes):
                last_input = time.monotonic()
            _process(envelopes, decoder, sink, counters, on_batch)
            await _ack(envelopes, counters, source)
    finally:
        for task in (producer, stopper):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    rest: list[Envelope] = []
    while not queue.empty():
        rest.append(queue.get_nowait())
    if rest:
        _process(rest, decoder, sink, counters, on_batch)
        await _ack(rest, counters, source)
    _account(decoder.close(), sink, counters, on_batch)
    return counters


async def _next(
    queue: asyncio.Queue[Envelope],
    producer: asyncio.Task[None],
    stopper: asyncio.Task[Any] | None,
    idle_timeout_s: float | None,
    last_input: float,
) -> Envelope | None:
    """The next envelope, or None when the source ended, ``stop`` was set or time ran out."""
    getter = asyncio.ensure_future(queue.get())
    waiting: set[asyncio.Future[Any]] = {getter}
    if not producer.done():
        waiting.add(producer)
    if stopper is not None:
        waiting.add(stopper)
    timeout = None
    if idle_timeout_s is not None:
        timeout = max(0.0, idle_timeout_s - (time.monotonic() - last_input))
    done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if getter in done:
        return getter.result()
    getter.cancel()
    try:
        return await getter  # it may have got one as it was cancelled
    except asyncio.CancelledError:
        return None


def _process(
    envelopes: list[Envelope],
    decoder: FeedDecoder,
    sink: Sink,
    counters: SourceCounters,
    on_batch: Callable[[SourceCounters, DecodeResult], None] | None,
) -> None:
    items = Items()
    received_t_s = envelopes[0].received_t_s
    for env in envelopes:
        received_t_s = env.received_t_s
        if env.kind == "message":
            decoder.message(env.data, items)
        elif env.kind == "stream":
            decoder.stream(env.data, env.key, items)
        else:
            decoder.end(env.key, items)
    if len(items):
        _account(decoder.decode(items, received_t_s), sink, counters, on_batch)


def _account(
    result: DecodeResult,
    sink: Sink,
    counters: SourceCounters,
    on_batch: Callable[[SourceCounters, DecodeResult], None] | None,
) -> None:
    new = sink.write(result)
    counters.received += result.received
    counters.decoded += result.decoded
    counters.quarantined += len(result.quarantined)
    counters.duplicates += result.decoded - new
    if on_batch is not None:
        on_batch(counters, result)


async def _ack(envelopes: list[Envelope], counters: SourceCounters, source: Source) -> None:
    for env in envelopes:
        if env.ack is None:
            continue
        try:
            await env.ack()
        except Exception as exc:  # the transport will redeliver; the store makes it a no-op
            source._error(exc)
        else:
            counters.acked += 1
