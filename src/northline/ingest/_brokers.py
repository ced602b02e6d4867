"""Message brokers as sources: MQTT (``aiomqtt``) and NATS JetStream (``nats-py``).

Both deliver **at least once** and are acknowledged only after the ingest loop has stored
what a message carried, so a broker restart, a lost connection or a crash of Northline
redelivers rather than loses; observation ids derived from content and source make the
redelivery a no-op in the store (exactly once in effect).

* MQTT: a persistent session (``clean_session=False``, a stable client id) at QoS 1, acked
  by hand after storage. While Northline is away the broker keeps the session's messages.
* NATS: a durable pull consumer on a JetStream stream, explicit acks; messages fetched in
  batches, so back-pressure is the fetch size.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from typing import Any

from ..model import InvalidInput
from ._sources import Backoff, Envelope, Put, Source

__all__ = ["MqttSource", "NatsSource"]


def _stable_name(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]
    return f"{prefix}-{digest}"


class MqttSource(Source):
    """Messages on an MQTT topic filter (``sensors/+/cot``, ``ais/#``), one message each."""

    def __init__(
        self,
        host: str,
        port: int,
        topic: str,
        *,
        qos: int = 1,
        client_id: str | None = None,
        username: str | None = None,
        password: str | None = None,
        clean_session: bool = False,
        keepalive_s: int = 30,
        backoff: Backoff | None = None,
        label: str | None = None,
    ) -> None:
        if not topic:
            raise InvalidInput("an MQTT source needs a topic filter", field="topic")
        if qos not in (0, 1, 2):
            raise InvalidInput(f"MQTT qos {qos!r} is not 0, 1 or 2", field="qos")
        super().__init__(label if label is not None else f"mqtt://{host}:{port}/{topic}")
        self.host = host
        self.port = port
        self.topic = topic
        self.qos = qos
        self.client_id = client_id or _stable_name("northline", host, str(port), topic)
        self.username = username
        self.password = password
        self.clean_session = clean_session
        self.keepalive_s = keepalive_s
        self.backoff = backoff if backoff is not None else Backoff()
        self._generation = 0

    async def run(self, put: Put) -> None:
        import aiomqtt

        while True:
            client = aiomqtt.Client(
                self.host,
                self.port,
                identifier=self.client_id,
                username=self.username,
                password=self.password,
                clean_session=self.clean_session,
                keepalive=self.keepalive_s,
            )
            # Ack by hand, after storage. It must be set before connecting: a persistent
            # session's queued messages arrive as soon as the broker accepts us.
            paho = client._client
            paho.manual_ack_set(True)
            try:
                async with client:
                    self._generation += 1
                    self.counters.connects += 1
                    await client.subscribe(self.topic, qos=self.qos)
                    self.backoff.reset()
                    self.ready.set()
                    async for message in client.messages:
                        await put(self._envelope(paho, message))
            except aiomqtt.MqttError as exc:
                self._error(exc)
            # What the broker delivered before the connection dropped is kept, unacked: the
            # broker may send it again, which the store makes a no-op.
            waiting = client._queue
            while not waiting.empty():
                await put(self._envelope(paho, waiting.get_nowait(), ackable=False))
            self.counters.disconnects += 1
            await self.backoff.wait()

    def _envelope(self, paho: Any, message: Any, *, ackable: bool = True) -> Envelope:
        payload = message.payload
        if isinstance(payload, bytearray | memoryview):
            data = bytes(payload)
        elif isinstance(payload, bytes):
            data = payload
        elif payload is None:
            data = b""
        else:
            data = str(payload).encode()
        self.counters.envelopes += 1
        self.counters.bytes += len(data)
        ack = None
        if ackable and message.qos > 0:
            generation, mid, qos = self._generation, message.mid, message.qos

            async def ack() -> None:
                # A packet id names a message only on the connection that delivered it;
                # after a reconnect the broker redelivers instead.
                if generation == self._generation:
                    with contextlib.suppress(Exception):
                        paho.ack(mid, qos)

        return Envelope(data, time.time(), "message", ack=ack)


class NatsSource(Source):
    """Messages on a NATS subject, read through a durable JetStream pull consumer.

    ``stream`` names the JetStream stream (found from the subject when None); with
    ``create`` a missing stream is created on file storage for the subject, so a border site
    can start publishing before the consumer's first run. ``durable`` names the consumer,
    derived from the servers and subject when None, so a restart resumes where it stopped.
    """

    def __init__(
        self,
        servers: str | list[str],
        subject: str,
        *,
        stream: str | None = None,
        durable: str | None = None,
        create: bool = True,
        batch: int = 512,
        user: str | None = None,
        password: str | None = None,
        backoff: Backoff | None = None,
        label: str | None = None,
    ) -> None:
        if not subject:
            raise InvalidInput("a NATS source needs a subject", field="subject")
        if batch < 1:
            raise InvalidInput("batch must be at least 1", field="batch")
        self.servers = [servers] if isinstance(servers, str) else list(servers)
        super().__init__(label if label is not None else f"{self.servers[0]}/{subject}")
        self.subject = subject
        self.stream = stream
        self.durable = durable or _stable_name("northline", subject, stream or "")
        self.create = create
        self.batch = batch
        self.user = user
        self.password = password
        self.backoff = backoff if backoff is not None else Backoff()

    async def run(self, put: Put) -> None:
        import nats

        while True:
            try:
                nc = await nats.connect(
                    self.servers,
                    user=self.user,
                    password=self.password,
                    connect_timeout=2,
                    reconnect_time_wait=1,
                    max_reconnect_attempts=-1,
                    allow_reconnect=True,
                    error_cb=self._nats_error,
                    disconnected_cb=self._nats_disconnected,
                    reconnected_cb=self._nats_reconnected,
                )
            except Exception as exc:
                self._error(exc)
                self.counters.disconnects += 1
                await self.backoff.wait()
                continue
            self.counters.connects += 1
            try:
                await self._consume(nc, put)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # anything else: start over on a new connection
                self._error(exc)
                self.counters.disconnects += 1
                await self.backoff.wait()
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(nc.close(), 2)

    async def _consume(self, nc: Any, put: Put) -> None:
        import nats
        from nats.js.api import AckPolicy, ConsumerConfig, StorageType

        js = nc.jetstream()
        sub = None
        while sub is None:
            try:
                if self.create and self.stream is not None:
                    try:
                        await js.stream_info(self.stream)
                    except nats.js.errors.NotFoundError:
                        await js.add_stream(
                            name=self.stream, subjects=[self.subject], storage=StorageType.FILE
                        )
                sub = await js.pull_subscribe(
                    self.subject,
                    durable=self.durable,
                    stream=self.stream,
                    config=ConsumerConfig(
                        ack_policy=AckPolicy.EXPLICIT, max_ack_pending=self.batch * 8
                    ),
                )
            except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError) as exc:
                self._error(exc)
                await self.backoff.wait()
        self.backoff.reset()
        self.ready.set()
        while True:
            try:
                msgs = await sub.fetch(self.batch, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            except (nats.errors.Error, OSError) as exc:  # server away: the client reconnects
                self._error(exc)
                await self.backoff.wait()
                continue
            self.backoff.reset()
            for msg in msgs:
                data = bytes(msg.data)
                self.counters.envelopes += 1
                self.counters.bytes += len(data)
                await put(Envelope(data, time.time(), "message", ack=msg.ack))

    async def _nats_error(self, exc: Exception) -> None:
        self._error(exc)

    async def _nats_disconnected(self) -> None:
        self.counters.disconnects += 1

    async def _nats_reconnected(self) -> None:
        self.counters.connects += 1
