"""One decoder a feed, whatever carries it: cut bytes into items, decode items in batches.

A transport hands over either **stream bytes** (a file, stdin, a TCP connection: message
boundaries are the format's framing, and state is kept per connection) or **whole messages**
(a UDP datagram, an MQTT or NATS message: one message, or for line formats a few lines).
:class:`FeedDecoder` turns both into items (CoT chunks, TAK frames, NMEA/SBS/GeoJSONSeq/CSV
lines) and decodes many items at once, because every decoder is fastest over a batch.

Formats: ``cot`` (XML; a datagram or message that starts with the TAK mesh header ``0xbf``
is TAK protobuf, as on the SA multicast group), ``takproto`` (stream framing on streams, mesh
on messages), ``ais``, ``sbs``, ``geojson`` (GeoJSONSeq on streams, a document a message) and
``csv`` (the first line of a stream is its header; a message is a document with its header).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..model import DEFAULT_MARKING, InvalidInput, Marking
from ._ais import AisDecoder
from ._cot import CotDecoder
from ._csv import CsvMapping, decode_csv
from ._framing import MAX_MESSAGE_BYTES, CotFramer
from ._geojson import decode_geojson
from ._result import DecodeResult
from ._sbs import SbsDecoder
from ._takproto import TakProtoDecoder, TakStreamFramer

__all__ = ["FORMATS", "FeedDecoder", "Items"]

Format = Literal["cot", "takproto", "ais", "sbs", "geojson", "csv"]
FORMATS: tuple[str, ...] = ("cot", "takproto", "ais", "sbs", "geojson", "csv")

_LINE_FORMATS = ("ais", "sbs", "geojson", "csv")


@dataclass(slots=True)
class Items:
    """Items cut from transport data, waiting to be decoded together."""

    xml: list[bytes] = field(default_factory=list)  # CoT XML chunks
    mesh: list[bytes] = field(default_factory=list)  # TAK mesh datagrams
    stream: list[bytes] = field(default_factory=list)  # TAK stream frames
    lines: list[bytes] = field(default_factory=list)  # AIS, SBS, GeoJSONSeq lines
    docs: list[bytes] = field(default_factory=list)  # GeoJSON or CSV documents

    def __len__(self) -> int:
        return len(self.xml) + len(self.mesh) + len(self.stream) + len(self.lines) + len(self.docs)


class _Lines:
    """Cuts a byte stream into lines, holding the partial last line until more comes."""

    __slots__ = ("head", "max_bytes", "rest")

    def __init__(self, max_bytes: int) -> None:
        self.rest = b""
        self.head: bytes | None = None  # a CSV stream's header line
        self.max_bytes = max_bytes

    def feed(self, data: bytes) -> list[bytes]:
        buf = self.rest + data if self.rest else data
        cut = buf.rfind(b"\n")
        if cut < 0:
            self.rest = buf
            if len(buf) >= self.max_bytes:  # no newline in sight: give it up as a line
                self.rest = b""
                return [buf]
            return []
        self.rest = buf[cut + 1 :]
        return buf[:cut].splitlines()

    def close(self) -> list[bytes]:
        rest, self.rest = self.rest, b""
        return rest.splitlines()


class FeedDecoder:
    """The decoder of one feed: ``format`` from :data:`FORMATS`, observations attributed to
    ``source`` under ``marking``. Per-connection framing state is kept by ``key``.

    >>> dec = FeedDecoder("sbs", "tcp://127.0.0.1:30003")
    >>> items = dec.stream(b"MSG,3,1,1,ABC123,1,2026/12/01,10:00:00.000,", "conn1")
    >>> len(items), dec.buffered_bytes
    (0, 43)
    """

    def __init__(
        self,
        format: str,
        source: str,
        marking: Marking = DEFAULT_MARKING,
        *,
        csv_mapping: CsvMapping | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if format not in FORMATS:
            raise InvalidInput(
                f"format {format!r} is not one of {', '.join(FORMATS)}", field="format"
            )
        if format == "csv" and csv_mapping is None:
            raise InvalidInput("the csv format needs a column mapping", field="csv_mapping")
        self.format = format
        self.source = source
        self.marking = marking
        self.csv_mapping = csv_mapping
        self.max_message_bytes = max_message_bytes
        self.clock = clock
        self._cot = CotDecoder(source, marking, max_message_bytes=max_message_bytes, clock=clock)
        self._tak = TakProtoDecoder(
            source, marking, max_message_bytes=max_message_bytes, clock=clock
        )
        self._ais = AisDecoder(source, marking, clock=clock) if format == "ais" else None
        self._sbs = SbsDecoder(source, marking, clock=clock) if format == "sbs" else None
        self._framers: dict[str, CotFramer | TakStreamFramer | _Lines] = {}

    # -- cutting ---------------------------------------------------------------------------

    @property
    def buffered_bytes(self) -> int:
        """Bytes held back over every open stream, waiting for the rest of their message."""
        total = 0
        for framer in self._framers.values():
            total += len(framer.rest) if isinstance(framer, _Lines) else framer.buffered_bytes
        return total

    def _framer(self, key: str) -> CotFramer | TakStreamFramer | _Lines:
        framer = self._framers.get(key)
        if framer is None:
            if self.format == "cot":
                framer = CotFramer(max_message_bytes=self.max_message_bytes)
            elif self.format == "takproto":
                framer = TakStreamFramer(max_message_bytes=self.max_message_bytes)
            else:
                framer = _Lines(self.max_message_bytes)
            self._framers[key] = framer
        return framer

    def stream(self, data: bytes, key: str = "", into: Items | None = None) -> Items:
        """Cut bytes of the stream ``key``; a partial message waits for the next call."""
        items = Items() if into is None else into
        framer = self._framer(key)
        if isinstance(framer, CotFramer):
            items.xml.extend(framer.feed(data))
        elif isinstance(framer, TakStreamFramer):
            items.stream.extend(framer.feed(data))
        else:
            self._lines(framer, framer.feed(data), items)
        return items

    def end(self, key: str = "", into: Items | None = None) -> Items:
        """The stream ``key`` ended: what it still held is cut (and refused if incomplete)."""
        items = Items() if into is None else into
        framer = self._framers.pop(key, None)
        if isinstance(framer, CotFramer):
            items.xml.extend(framer.close())
        elif isinstance(framer, TakStreamFramer):
            items.stream.extend(framer.close())
        elif framer is not None:
            self._lines(framer, framer.close(), items)
        return items

    def message(self, data: bytes, into: Items | None = None) -> Items:
        """Cut one whole message (a datagram, an MQTT or NATS payload)."""
        items = Items() if into is None else into
        fmt = self.format
        if fmt == "takproto" or (fmt == "cot" and data[:1] == b"\xbf"):
            (items.mesh if data[1:2] == b"\x01" else items.stream).append(data)
        elif fmt == "cot":
            framer = CotFramer(max_message_bytes=self.max_message_bytes)
            chunks = framer.feed(data)
            chunks.extend(framer.close())
            items.xml.extend(chunks or [data])
        elif fmt in ("ais", "sbs"):
            items.lines.extend(data.splitlines() or [data])
        else:  # geojson, csv: a document
            items.docs.append(data)
        return items

    def _lines(self, framer: _Lines, lines: list[bytes], items: Items) -> None:
        if self.format == "csv":
            # A CSV stream's first non-blank line is its header; later lines are rows.
            if framer.head is None:
                while lines and not lines[0].strip():
                    lines.pop(0)
                if not lines:
                    return
                framer.head = lines.pop(0)
            if lines:
                items.docs.append(b"\n".join([framer.head, *lines]))
            return
        items.lines.extend(line for line in lines if line.strip())

    # -- decoding --------------------------------------------------------------------------

    def decode(self, items: Items, received_t_s: float | None = None) -> DecodeResult:
        """Decode everything cut so far in one go: never raises on input."""
        if received_t_s is None:
            received_t_s = float(self.clock())
        parts: list[DecodeResult] = []
        if items.xml:
            parts.append(self._cot.decode(items.xml, received_t_s))
        if items.mesh:
            parts.append(self._tak.decode(items.mesh, framing="mesh", received_t_s=received_t_s))
        if items.stream:
            parts.append(
                self._tak.decode(items.stream, framing="stream", received_t_s=received_t_s)
            )
        if items.lines:
            if self._ais is not None:
                parts.append(self._ais.decode(items.lines, received_t_s))
            elif self._sbs is not None:
                parts.append(self._sbs.decode(items.lines, received_t_s))
            else:  # GeoJSONSeq
                parts.append(
                    decode_geojson(
                        b"\n".join(items.lines),
                        self.source,
                        self.marking,
                        received_t_s=received_t_s,
                    )
                )
        for doc in items.docs:
            if self.format == "csv":
                assert self.csv_mapping is not None
                parts.append(
                    _csv_doc(doc, self.source, self.csv_mapping, self.marking, received_t_s)
                )
            else:
                parts.append(
                    decode_geojson(doc, self.source, self.marking, received_t_s=received_t_s)
                )
        if len(parts) == 1:
            return parts[0]
        return DecodeResult.concat(parts)

    def close(self, received_t_s: float | None = None) -> DecodeResult:
        """End every stream and decode what they held; AIS fragments still waiting for
        their other parts are quarantined as incomplete."""
        items = Items()
        for key in list(self._framers):
            self.end(key, items)
        result = self.decode(items, received_t_s)
        if self._ais is not None:
            result = DecodeResult.concat([result, self._ais.close(received_t_s)])
        return result


def _csv_doc(
    doc: bytes, source: str, mapping: CsvMapping, marking: Marking, received_t_s: float
) -> DecodeResult:
    try:
        return decode_csv(doc, source, mapping, marking, received_t_s=received_t_s)
    except InvalidInput as exc:  # a header that does not fit the mapping: the whole document
        from ..model import ObservationBatch
        from ._common import quarantined
        from ._result import ReasonCode

        return DecodeResult(
            batch=ObservationBatch.empty(),
            quarantined=[
                quarantined(
                    source,
                    marking,
                    "csv",
                    doc,
                    ReasonCode.BAD_HEADER,
                    f"CSV header does not fit the mapping: {exc}",
                    received_t_s,
                )
            ],
            received=1,
        )
