"""Decode TAK Protocol version 1 (protobuf) messages into an :class:`ObservationBatch`.

Two framings carry a ``TakMessage`` protobuf (``takproto``'s generated classes):

* **mesh** (UDP, one message a datagram): ``0xbf 0x01 0xbf`` then the protobuf;
* **stream** (TCP): ``0xbf``, the protobuf's length as a varint, then the protobuf.
  :class:`TakStreamFramer` cuts a byte stream into one frame each.

A ``CotEvent`` maps to a row the way :class:`~northline.ingest.CotDecoder` maps an XML event
(see :mod:`northline.ingest._cot`): ``sendTime`` (ms) is ``t_s``, ``lat``/``lon``/``ce``
the point, ``detail.track`` the velocity, and ``detail.xmlDetail`` (the XML of detail
elements without a protobuf field) gives the ``link`` with ``relation="p-p"`` and the
``__northline`` element. Differences forced by proto3, whose scalars have no presence:

* a zero ``sendTime`` is a missing time (``missing_attribute``);
* an event whose ``lat``, ``lon``, ``hae``, ``ce`` and ``le`` are all zero carried no point
  (``missing_point``);
* a present ``track`` has both speed and course (zero when not sent).

``startTime``, ``staleTime``, ``hae``, ``le`` and ``contact.callsign`` are not columns of
an observation and are not used (the XML decoder does not use them either).

Frames that are not TAK protocol version 1 (wrong magic or version, junk after a frame) are
quarantined as ``bad_framing``, protobufs that do not parse as ``bad_encoding``; a frame cut
short is ``truncated``.
The decoder never raises on input; an unexpected failure is ``decoder_error``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from takproto.proto import TakMessage  # type: ignore[import-untyped]

from ..model import (
    DEFAULT_MARKING,
    InvalidInput,
    Marking,
    ObservationBatch,
    QuarantinedMessage,
    SensorKind,
)
from ._common import Reject as _Reject
from ._common import as_bytes as _as_bytes
from ._common import atom_batch, quarantined
from ._common import reject as _reject
from ._common import show as _show
from ._cot import CE_UNKNOWN_AT_LEAST, UNKNOWN_CE_SIGMA_M
from ._framing import MAX_MESSAGE_BYTES
from ._result import DecodeResult, ReasonCode

__all__ = [
    "MESH_HEADER",
    "STREAM_MAGIC",
    "TakProtoDecoder",
    "TakStreamFramer",
]

DECODER = "takproto"

STREAM_MAGIC = 0xBF
"""The first byte of every TAK protocol frame."""

MESH_HEADER = b"\xbf\x01\xbf"
"""Magic, protocol version 1, magic: the head of a mesh (UDP) datagram."""

_MAX_VARINT_BYTES = 10
_MAX_SEND_TIME_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, as far as ISO 8601 goes
_SENSOR_KINDS = frozenset(k.value for k in SensorKind)
_MOBILE, _OTHER = SensorKind.MOBILE.value, SensorKind.OTHER.value
_NAN = math.nan
_MIN_MESSAGE_BYTES = 16
_DETAILS_CACHED = 4096  # detail.xmlDetail strings remembered a marking (sensors repeat a few)
_DETAIL_CACHED_CHARS = 2048  # longer strings are parsed every time
_DETAILS_CACHED_CHARS = 1 << 20  # characters remembered a marking, all strings together
_MARKINGS_CACHED = 8  # markings with a cache of details

Framing = Literal["mesh", "stream"]
_parse_tak_message = TakMessage.FromString


def _varint(buf: bytes | bytearray, pos: int) -> tuple[int | None, int]:
    """(value, end) of the varint at ``pos``; value None with end -1 when it needs more
    bytes, None with end -2 when it is longer than 10 bytes."""
    value = shift = 0
    n = len(buf)
    for i in range(pos, min(n, pos + _MAX_VARINT_BYTES)):
        b = buf[i]
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i + 1
        shift += 7
    return None, -1 if n < pos + _MAX_VARINT_BYTES else -2


class TakStreamFramer:
    """Incremental splitter of a TAK protocol stream (TCP) into frames.

    A frame is ``0xbf``, a varint length below ``max_message_bytes`` and that many bytes;
    each is handed out whole (header included), ready for
    ``TakProtoDecoder.decode(..., framing="stream")``. Anything else is garbage: a ``0xbf``
    with a varint longer than 10 bytes or a length of ``max_message_bytes`` or more does not
    start a frame, and the bytes from it (or from the start of other junk) up to the next
    ``0xbf`` are handed out as one chunk of their own, cut at ``max_message_bytes``, so that
    they are quarantined and the stream resynchronises. Chunks do not depend on how the
    stream was split into ``feed`` calls, and the buffer never holds more than
    ``max_message_bytes`` plus a header.

    >>> framer = TakStreamFramer()
    >>> framer.feed(b"junk\\xbf\\x02\\x12\\x00\\xbf\\x05")
    [b'junk', b'\\xbf\\x02\\x12\\x00']
    >>> framer.close()
    [b'\\xbf\\x05']
    """

    def __init__(self, *, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        if max_message_bytes < _MIN_MESSAGE_BYTES:
            raise InvalidInput(
                f"max_message_bytes must be at least {_MIN_MESSAGE_BYTES}",
                field="max_message_bytes",
            )
        self.max_message_bytes = max_message_bytes
        self.frames = 0
        """Well-formed frames handed out so far."""
        self.garbage_chunks = 0
        """Chunks of garbage handed out so far (and the remainder at ``close``)."""
        self._buf = bytearray()

    @property
    def buffered_bytes(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes from the stream; return the frames (and garbage chunks) they complete."""
        out: list[bytes] = []
        add = out.append
        buf = self._buf
        buf += data
        n = len(buf)
        pos = frames = 0
        limit = self.max_message_bytes
        with memoryview(buf) as view:  # released before the buffer is cut
            while pos < n:
                if buf[pos] == STREAM_MAGIC:
                    length: int | None
                    if pos + 1 < n and buf[pos + 1] < 0x80:  # a length of one byte
                        length, end = buf[pos + 1], pos + 2
                    elif pos + 2 < n and buf[pos + 2] < 0x80:  # or two
                        length, end = (buf[pos + 1] & 0x7F) | buf[pos + 2] << 7, pos + 3
                    else:
                        length, end = _varint(buf, pos + 1)
                        if length is None and end == -1:
                            break  # the length is still coming
                    if length is not None and length < limit:
                        if n < end + length:
                            break  # the body is still coming
                        add(bytes(view[pos : end + length]))
                        frames += 1
                        pos = end + length
                        continue
                # garbage from pos to the next magic byte (exclusive), at most `limit` bytes
                nxt = buf.find(STREAM_MAGIC, pos + 1, pos + limit)
                if nxt < 0:
                    if n - pos < limit:
                        break  # its end is still coming
                    nxt = pos + limit
                add(bytes(view[pos:nxt]))
                self.garbage_chunks += 1
                pos = nxt
        self.frames += frames
        del buf[:pos]
        return out

    def close(self) -> list[bytes]:
        """End of stream: return what is left as a last (cut short) chunk."""
        out: list[bytes] = []
        if self._buf:
            out.append(bytes(self._buf))
            self.garbage_chunks += 1
        self._buf = bytearray()
        return out


def _finite(value: float, name: str, limit: float) -> float:
    if not math.isfinite(value):
        _reject(ReasonCode.NOT_A_NUMBER, f"cotEvent.{name} {value!r} is not a finite number")
    if not -limit <= value <= limit:
        _reject(ReasonCode.OUT_OF_RANGE, f"cotEvent.{name} {value!r} is outside ±{limit:g}")
    return value


class TakProtoDecoder:
    """Decoder of TAK protocol version 1 messages (mesh datagrams or stream frames).

    ``clock`` gives the receive time of quarantined messages when ``decode`` is not told it.
    """

    decoder = DECODER

    def __init__(
        self,
        source: str,
        marking: Marking = DEFAULT_MARKING,
        *,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.marking = marking
        self.max_message_bytes = max_message_bytes
        self.clock = clock

    def decode(
        self,
        messages: Iterable[bytes],
        *,
        framing: Framing = "mesh",
        received_t_s: float | None = None,
    ) -> DecodeResult:
        """Decode messages into one batch; ``received_t_s`` None means now, by ``clock``.

        The loop is the hot path, written out inline: the common message (bytes, a
        well-formed frame under the size limit) is unframed here, every other one by
        ``_unframe_*``, which rejects it as it should; what a ``detail.xmlDetail`` string
        gives is looked up in the marking's :class:`_Details`; ``obs_id`` is
        ``content_id("obs", source, sensor_id, uid, t_s, lat, lon)`` with the source
        hashed once a call.
        """
        rows: list[tuple[Any, ...]] = []
        quarantined: list[QuarantinedMessage] = []
        received = 0
        unknown_ce = 0
        is_stream = framing == "stream"
        bad_framing = framing not in ("mesh", "stream")
        unframe = self._unframe_stream if is_stream else self._unframe_mesh
        limit = self.max_message_bytes
        add = rows.append
        base = hashlib.blake2b(digest_size=16)  # content_id("obs", source, ...) so far
        base.update(repr(self.source).encode() + b"\x1f")
        obs_hash = base.copy
        m_agency, m_rel = self.marking.agency, self.marking.releasability
        details = _details_for(m_agency, m_rel)
        parse, refused, nan, mobile = _parse_tak_message, _Refused, _NAN, _MOBILE
        max_send_ms, ce_unknown = _MAX_SEND_TIME_MS, CE_UNKNOWN_AT_LEAST
        for message in messages:
            received += 1
            try:
                if bad_framing:
                    raise ValueError(f"framing {framing!r} is neither 'mesh' nor 'stream'")
                raw = message if message.__class__ is bytes else _as_bytes(message)
                n = len(raw)
                payload = None
                if n < limit:
                    if is_stream:
                        if n > 2 and raw[0] == STREAM_MAGIC:
                            b1 = raw[1]
                            if b1 < 0x80:
                                if n - 2 == b1:
                                    payload = raw[2:]
                            elif n > 3:
                                b2 = raw[2]
                                if b2 < 0x80 and n - 3 == (b1 & 0x7F) | b2 << 7:
                                    payload = raw[3:]
                    elif raw[:3] == MESH_HEADER:
                        payload = raw[3:]
                if payload is None:
                    payload = unframe(raw)
                try:
                    msg = parse(payload)
                except DecodeError as exc:
                    _reject(
                        ReasonCode.BAD_ENCODING, f"not a TakMessage protobuf: {_show(str(exc))}"
                    )
                ev = msg.cotEvent  # an empty default when absent
                uid: str = ev.uid
                if not uid:
                    if not msg.HasField("cotEvent"):
                        _reject(ReasonCode.UNSUPPORTED_MESSAGE, "TakMessage carries no cotEvent")
                    _reject(ReasonCode.MISSING_ATTRIBUTE, "cotEvent has no uid")
                typ: str = ev.type
                if not typ:
                    _reject(ReasonCode.MISSING_ATTRIBUTE, "cotEvent has no type")
                if not typ.startswith("a-"):
                    _reject(
                        ReasonCode.UNSUPPORTED_TYPE,
                        f"event type {_show(typ)} is not an atom (a-…); "
                        "only atoms are observations",
                    )
                send_ms: int = ev.sendTime
                if not send_ms:
                    _reject(ReasonCode.MISSING_ATTRIBUTE, "cotEvent has no sendTime")
                if send_ms > max_send_ms:
                    _reject(
                        ReasonCode.BAD_TIME, f"cotEvent.sendTime {send_ms} ms is after year 9999"
                    )
                t_s = send_ms / 1000.0
                lat: float = ev.lat
                lon: float = ev.lon
                ce: float = ev.ce
                if not (lat or lon or ev.hae or ce or ev.le):
                    _reject(
                        ReasonCode.MISSING_POINT, "cotEvent has no point (lat, lon, hae, ce, le)"
                    )
                if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # False for NaN too
                    _finite(lat, "lat", 90.0)
                    _finite(lon, "lon", 180.0)
                unknown = not 0.0 < ce < ce_unknown  # NaN is unknown too
                sigma = UNKNOWN_CE_SIGMA_M if unknown else ce

                speed = course = nan
                link_uid: str | None = None
                kind = mobile
                agency, rel = m_agency, m_rel
                detail = ev.detail  # an empty default when absent: no track, no xmlDetail
                if detail.HasField("track"):
                    track = detail.track
                    speed_v: float = track.speed
                    course_v: float = track.course
                    if speed_v < 0.0:
                        _reject(ReasonCode.OUT_OF_RANGE, f"track.speed {speed_v!r} is negative")
                    speed, course = speed_v, course_v  # non-finite stays unknown: NaN velocity
                xml_detail: str = detail.xmlDetail
                if xml_detail:
                    got = details.get(xml_detail)
                    if got is None:
                        got = details.resolve(xml_detail)
                    if isinstance(got, refused):
                        _reject(got.code, got.reason)
                    link_uid, kind, agency, rel = got
                sensor_id = uid if link_uid is None else link_uid
                h = obs_hash()
                h.update(f"{sensor_id!r}\x1f{uid!r}\x1f{t_s!r}\x1f{lat!r}\x1f{lon!r}\x1f".encode())
                row = (
                    "obs-" + h.hexdigest(), t_s, sensor_id, kind, lon, lat, sigma, speed, course,
                    typ, uid, agency, rel, unknown,
                )  # fmt: skip
            except _Reject as rej:
                code, reason = rej.code, rej.reason
            except Exception as exc:  # a decoder never raises on input
                code = ReasonCode.DECODER_ERROR
                reason = f"unexpected {type(exc).__name__}: {_show(str(exc))}"
            else:
                add(row)
                unknown_ce += row[-1]
                continue
            if received_t_s is None:
                received_t_s = self.clock()
            quarantined.append(self._quarantine(message, code, reason, received_t_s))
        return DecodeResult(
            batch=self._batch(rows),
            quarantined=quarantined,
            received=received,
            unknown_ce=unknown_ce,
        )

    # -- framing -----------------------------------------------------------------------------

    def _check_size(self, raw: bytes) -> None:
        if len(raw) >= self.max_message_bytes:
            _reject(
                ReasonCode.OVERSIZE,
                f"message of {len(raw)} bytes reaches the limit of {self.max_message_bytes}",
            )

    def _unframe_mesh(self, raw: bytes) -> bytes:
        self._check_size(raw)
        if raw[:3] == MESH_HEADER:
            return raw[3:]
        if len(raw) < 3 and MESH_HEADER.startswith(raw) and raw:
            _reject(ReasonCode.TRUNCATED, f"datagram {_show(raw)} ends inside the mesh header")
        if len(raw) >= 3 and raw[0] == STREAM_MAGIC and raw[2] == STREAM_MAGIC:
            _reject(
                ReasonCode.BAD_FRAMING,
                f"TAK protocol version {raw[1]} is not supported (only version 1)",
            )
        _reject(
            ReasonCode.BAD_FRAMING,
            f"datagram starts {_show(raw[:8])}, not the mesh header {MESH_HEADER!r}",
        )

    def _unframe_stream(self, raw: bytes) -> bytes:
        self._check_size(raw)
        if not raw or raw[0] != STREAM_MAGIC:
            _reject(ReasonCode.BAD_FRAMING, f"frame starts {_show(raw[:8])}, not 0xbf")
        length, end = _varint(raw, 1)
        if length is None:
            if end == -1:
                _reject(ReasonCode.TRUNCATED, "frame ends inside its length")
            _reject(ReasonCode.BAD_FRAMING, "frame length is a varint of over 10 bytes")
        have = len(raw) - end
        if have < length:
            _reject(ReasonCode.TRUNCATED, f"frame of length {length} ends after {have} bytes")
        if have > length:
            _reject(
                ReasonCode.BAD_FRAMING,
                f"{have - length} bytes of junk after a frame of length {length}",
            )
        return raw[end:]

    def _quarantine(
        self, message: Any, code: ReasonCode, reason: str, received_t_s: float
    ) -> QuarantinedMessage:
        return quarantined(self.source, self.marking, DECODER, message, code, reason, received_t_s)

    def _batch(self, rows: list[tuple[Any, ...]]) -> ObservationBatch:
        return atom_batch(rows, self.source)


class _Refused(NamedTuple):
    """Why a ``detail.xmlDetail`` is quarantined (kept in the cache like any other result)."""

    code: ReasonCode
    reason: str


def _detail(text: str, agency: str, rel: str) -> tuple[str | None, str, str, str] | _Refused:
    """(link uid, sensor kind, agency, releasability) of a ``detail.xmlDetail``, given the
    decoder's marking; or why it is refused. Depends only on its arguments."""
    try:
        link_uid, ours = _xml_detail(text)
    except _Reject as rej:
        return _Refused(rej.code, rej.reason)
    kind = _MOBILE if link_uid is None else _OTHER
    if ours is not None:
        kind_text = ours.get("sensor_kind")
        if kind_text is not None:
            if kind_text not in _SENSOR_KINDS:
                return _Refused(
                    ReasonCode.BAD_SENSOR_KIND,
                    f"__northline/@sensor_kind {_show(kind_text)} is not one of "
                    f"{', '.join(sorted(_SENSOR_KINDS))}",
                )
            kind = kind_text
        default = (agency, rel)  # the decoder's marking: valid
        agency = ours.get("agency", agency)
        rel = ours.get("releasability", rel)
        if (agency, rel) != default:
            try:
                Marking(agency, rel)
            except InvalidInput as exc:
                return _Refused(ReasonCode.BAD_MARKING, f"__northline: {exc.message}")
    return link_uid, kind, agency, rel


class _Details(dict[str, tuple[str | None, str, str, str] | _Refused]):
    """What ``detail.xmlDetail`` strings give under one marking, by the exact string.

    Sensors repeat a few detail strings, so each is parsed once; a refusal depends only on
    the string and the marking, and is kept too. At most ``_DETAILS_CACHED`` strings of up
    to ``_DETAIL_CACHED_CHARS`` characters each and ``_DETAILS_CACHED_CHARS`` in all are
    kept: the cache starts over when full.
    """

    def __init__(self, agency: str, releasability: str) -> None:
        super().__init__()
        self.agency = agency
        self.releasability = releasability
        self.chars = 0

    def resolve(self, text: str) -> tuple[str | None, str, str, str] | _Refused:
        """What ``text`` gives (see :func:`_detail`), remembered if it is short enough."""
        got = _detail(text, self.agency, self.releasability)
        n = len(text)
        if n <= _DETAIL_CACHED_CHARS:
            if len(self) >= _DETAILS_CACHED or self.chars + n > _DETAILS_CACHED_CHARS:
                self.clear()
                self.chars = 0
            self[text] = got
            self.chars += n
        return got


_DETAILS: dict[tuple[str, str], _Details] = {}


def _details_for(agency: str, releasability: str) -> _Details:
    """The detail cache of a marking, shared by the decoders of that marking."""
    details = _DETAILS.get((agency, releasability))
    if details is None:
        if len(_DETAILS) >= _MARKINGS_CACHED:
            _DETAILS.clear()
        details = _DETAILS[agency, releasability] = _Details(agency, releasability)
    return details


def _xml_detail(text: str) -> tuple[str | None, Element | None]:
    """The p-p link uid and the ``__northline`` element of ``detail.xmlDetail``."""
    try:
        detail = fromstring(
            "<detail>" + text + "</detail>",
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
    except ParseError as exc:
        _reject(ReasonCode.XML_SYNTAX, f"detail.xmlDetail is not well-formed XML: {exc}")
    except DefusedXmlException as exc:
        _reject(ReasonCode.ENTITIES_FORBIDDEN, f"detail.xmlDetail: forbidden construct: {exc}")
    link_uid: str | None = None
    ours: Element | None = None
    for child in detail:
        if child.tag == "link":
            if link_uid is None and child.get("relation") == "p-p":
                link_uid = child.get("uid") or None
        elif child.tag == "__northline" and ours is None:
            ours = child
    return link_uid, ours
