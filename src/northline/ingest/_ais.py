"""Decode AIS NMEA 0183 sentences (``!AIVDM``/``!AIVDO``) into an ObservationBatch.

Parsing, checksums, payload armouring and message decoding are done by ``pyais``; this
module adds line framing, multi-sentence assembly across ``decode`` calls with a bound on
how long a fragment may wait, the vessel table of static data, and quarantine. The decoder
never raises on input.

For speed, position reports and static data are not built into whole pyais messages: only
the fields a row or the vessel table needs are read from pyais's bit vector, at the
offsets and with the converters of pyais's own decoder plans (anything unusual, such as a
short payload, is decoded in full). The tag block's time is read here, as pyais's
``TagBlock`` reads it, once per distinct tag block. Rows are built into columns at the end.

Input is one NMEA sentence per line, optionally with an NMEA 4.x tag block
(``\\c:1503079517*55\\!AIVDM,...``) or preceded by a Gatehouse ``$PGHP`` wrapper line.
Blank lines and lines starting with ``#`` are skipped (not counted as messages).

A *message* is one single-sentence AIS line, or all fragments of a multi-sentence one, plus
a Gatehouse wrapper right before it. ``DecodeResult.received`` counts messages that became
an observation or were quarantined, so ``received == decoded + len(quarantined)``; static
data messages (types 5, 24, and the static part of 19) update the vessel table and are
counted in :attr:`AisDecoder.stats` ``["static"]`` instead. Quarantined ``raw`` is every line
of the message joined by ``b"\\n"``.

Mapping of a position report (types 1, 2, 3, 18, 19, 27) to a row::

    obs_id          content_id("obs", source, raw) where raw is the message's lines
                    (tag blocks included) joined by b"\\n"
    t_s             tag block ``c`` (unix s; values above 1e11 are taken as ms), else the
                    Gatehouse wrapper time (UTC), else ``received_t_s``, else ``clock()``
    lon, lat        WGS84 degrees; 181/91 ("not available") → OUT_OF_RANGE quarantine
    sigma_m         HIGH_ACCURACY_SIGMA_M if the accuracy flag is set, else
                    LOW_ACCURACY_SIGMA_M; type 27 at least LONG_RANGE_SIGMA_M
    vel_east_mps,   SOG (knots → m/s) along COG (deg true); NaN when SOG is 102.3 (63 for
    vel_north_mps   type 27) or COG is ≥ 360 (511 for type 27)
    sensor_id       "ais:" + source (the receiver)
    sensor_kind     "ais"
    identity        the MMSI as a 9-digit decimal string (leading zeros kept)
    classification  "vessel", or "vessel:<ship type>:<name>/<callsign>" once static data
                    for the MMSI has been seen (ship type is pyais's ShipType name, empty
                    when unknown; name/callsign empty when not yet known)
    source          the decoder's source
    agency, rel.    the decoder's marking

Quarantine reason codes: BAD_CHECKSUM (sentence or tag block checksum mismatch),
BAD_FIELD_COUNT (not an NMEA sentence / malformed AIS sentence), BAD_ENCODING (non-ASCII),
INCOMPLETE (fragments whose other parts never came, or a payload too short to carry a
position), UNSUPPORTED_MESSAGE (other NMEA sentences, other AIS message types, empty
payloads, a Gatehouse wrapper not followed by an AIS sentence), OUT_OF_RANGE (position not
available or outside the globe), BAD_TIME (tag block time not a number), DECODER_ERROR
(anything unexpected).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from pyais.constants import ShipType
from pyais.exceptions import InvalidNMEAMessageException, UnknownMessageException
from pyais.messages import (
    AISSentence,
    GatehouseSentence,
    NMEASentence,
    NMEASentenceFactory,
    TagBlock,
)

from ..model import (
    DEFAULT_MARKING,
    Marking,
    ObservationBatch,
    QuarantinedMessage,
    SensorKind,
    content_id,
)
from ._ais_fields import (
    COURSE_NA,
    HIGH_ACCURACY_SIGMA_M,
    KNOT_MPS,
    LONG_RANGE_SIGMA_M,
    LOW_ACCURACY_SIGMA_M,
    LR_COURSE_NA,
    LR_SPEED_NA,
    SPEED_NA,
    Numbers,
    TagEntry,
    fix_table,
    static_fields,
    tag_block_time,
)
from ._common import Reject as _Reject
from ._common import as_bytes as _as_bytes
from ._common import reject as _reject
from ._common import show as _show
from ._result import DecodeResult, ReasonCode

__all__ = [
    "HIGH_ACCURACY_SIGMA_M",
    "KNOT_MPS",
    "LONG_RANGE_SIGMA_M",
    "LOW_ACCURACY_SIGMA_M",
    "MAX_PENDING_SENTENCES",
    "AisDecoder",
    "decode_ais",
]

MAX_PENDING_SENTENCES = 8
"""A fragment group is INCOMPLETE once this many later AIS sentences came without its rest."""

DECODER = "ais"

_POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
_STATIC_TYPES = frozenset({5, 24})
_MS_ABOVE = 1e11
_NAN = math.nan
_MAX_VESSELS = 1_000_000
_PLAIN_TAGS = frozenset({b"VDM", b"VDO"})  # the type of a plain "!xxVDM," line
_MAX_TAG_TIMES = 4096  # distinct tag blocks whose time is kept, per decoder
_MAX_IDENTS = 65536  # MMSIs whose identity string is kept, per decoder


def _obs_id_maker(source: str) -> Callable[[bytes], str]:
    """``content_id("obs", source, raw)`` as a function of raw, with the source hashed once."""
    base = hashlib.blake2b(digest_size=16)
    base.update(repr(source).encode())
    base.update(b"\x1f")
    copy = base.copy

    def obs_id(raw: bytes) -> str:
        h = copy()
        h.update(repr(raw).encode() + b"\x1f")
        return "obs-" + h.hexdigest()

    probe = b"\\c:1*00\\!AIVDM,'\"\n"
    if obs_id(probe) != content_id("obs", source, probe):  # pragma: no cover - ids changed
        return lambda raw: content_id("obs", source, raw)
    return obs_id


@dataclass(slots=True)
class _Vessel:
    name: str = ""
    callsign: str = ""
    ship_type: str = ""
    label: str = "vessel"

    def update(self, name: str | None, callsign: str | None, ship_type: Any) -> None:
        if name:
            self.name = name.strip(" @")
        if callsign:
            self.callsign = callsign.strip(" @")
        if ship_type is not None:
            text = _ship_type_text(ship_type)
            if text:
                self.ship_type = text
        self.label = f"vessel:{self.ship_type}:{self.name}/{self.callsign}"


def _ship_type_text(value: Any) -> str:
    try:
        code = int(value)
    except (TypeError, ValueError):
        return ""
    if code == 0:
        return ""
    try:
        return str(ShipType(code).name)
    except ValueError:
        return str(code)


@dataclass(slots=True)
class _Group:
    """Fragments of one multi-sentence message, waiting for the rest."""

    count: int
    parts: dict[int, AISSentence] = field(default_factory=dict)
    lines: list[bytes] = field(default_factory=list)
    t_s: float | None = None
    last_seen: int = 0


class AisDecoder:
    """Stateful decoder of AIS NMEA lines; fragments are joined across :meth:`decode` calls.

    ``clock`` gives the receive time when ``decode`` is not told it. Call :meth:`close` at
    the end of the stream to quarantine fragments still waiting for their other parts.
    """

    decoder = DECODER

    def __init__(
        self,
        source: str,
        marking: Marking = DEFAULT_MARKING,
        *,
        clock: Callable[[], float] = time.time,
        max_pending: int = MAX_PENDING_SENTENCES,
    ) -> None:
        self.source = source
        self.marking = marking
        self.clock = clock
        self.max_pending = max_pending
        self.sensor_id = "ais:" + source
        self.vessels: dict[int, _Vessel] = {}
        self.stats: dict[str, int] = dict.fromkeys(
            (
                "lines",
                "skipped",
                "static",
                "static_lines",
                "observation_lines",
                "quarantined_lines",
            ),
            0,
        )
        """Running counts: every line is skipped, pending, or in an observation, a static
        message or the quarantine (``lines == skipped + pending_lines + *_lines``)."""
        self._pending: dict[tuple[str, int, str], _Group] = {}
        self._wrapper: tuple[bytes, GatehouseSentence] | None = None
        self._seen = 0  # AIS sentences so far, the clock of fragment expiry
        self._obs_id = _obs_id_maker(source)
        self._fixes = fix_table()
        self._idents: dict[int, str] = {}  # MMSI → identity
        self._tag_times: dict[bytes, TagEntry] = {}  # tag block → _tag_block_time

    # -- public -------------------------------------------------------------------------

    def decode(self, lines: Iterable[bytes], received_t_s: float | None = None) -> DecodeResult:
        """Decode lines into one batch; ``received_t_s`` None means now, by ``clock``.

        The common line (bytes, one sentence of a position report, valid checksum, no
        Gatehouse wrapper pending) is decoded inline here; every other line goes through
        :meth:`_line`, which gives the same result for the common one too, only slower.
        """
        out = _Out(self, received_t_s)
        n_lines = n_obs = 0
        produce = NMEASentenceFactory.produce
        fixes = self._fixes
        obs_id = self._obs_id
        vessels = self.vessels
        tag_times = self._tag_times
        idents = self._idents
        add_numbers = out.numbers.extend
        add_texts = out.texts.extend
        try:
            for line in lines:
                n_lines += 1
                try:
                    if type(line) is not bytes or self._wrapper is not None:
                        self._line(line, out)
                        continue
                    raw = line.strip()
                    if not raw.isascii():
                        self._line(line, out)
                        continue
                    start = raw[:1]
                    tag: bytes | None = None
                    if start == b"!" and raw.find(b",", 0, 7) == 6 and raw[3:6] in _PLAIN_TAGS:
                        make: Callable[[bytes], Any] = AISSentence  # produce(), less its checks
                        body = raw
                    elif start == b"\\":
                        end = raw.find(b"\\", 1)
                        body = raw[end + 1 :]
                        if (
                            end > 1
                            and body[:1] == b"!"
                            and body.find(b",", 0, 7) == 6
                            and body[3:6] in _PLAIN_TAGS
                        ):  # a tag block and a plain line, split as produce() splits them
                            make, tag = AISSentence, raw[1:end]
                        else:
                            make, body = produce, raw
                    else:  # skipped, or not AIS
                        self._line(line, out)
                        continue
                    try:
                        sentence: Any = make(body)
                    except Exception:
                        self._line(line, out)
                        continue
                    if type(sentence) is not AISSentence:
                        self._line(line, out)
                        continue
                    if sentence.tag_block is not None:
                        tag = sentence.tag_block.raw
                except _Reject as rej:
                    out.quarantine([line], rej.code, rej.reason)
                    continue
                except Exception as exc:  # a decoder never raises on input
                    out.quarantine(
                        [line],
                        ReasonCode.DECODER_ERROR,
                        f"unexpected {type(exc).__name__}: {_show(str(exc))}",
                    )
                    continue
                self._seen += 1
                try:
                    fix = None
                    if sentence.frag_cnt == 1 and sentence.is_valid and sentence.payload:
                        read = fixes.get(sentence.ais_id)
                        if read is not None:
                            fix = read(sentence.bv)
                    if fix is None:  # anything but a plain position report
                        if tag is not None and sentence.tag_block is None:
                            sentence.tag_block = TagBlock(tag)  # as produce() would have
                        self._ais(sentence, [raw], None, out)
                        continue
                    t_s = _NAN  # the receive time, filled in by the batch
                    if tag is not None:  # its time, once per distinct tag block
                        entry = tag_times.get(tag)
                        if entry is None:
                            entry = tag_block_time(tag)
                            if len(tag_times) >= _MAX_TAG_TIMES:
                                tag_times.clear()
                            tag_times[tag] = entry
                        t_s, code, reason = entry
                        if code is not None:
                            _reject(code, reason)
                    mmsi, lon, lat, sigma, sog, cog = fix
                    vessel = vessels.get(mmsi)
                    ident = idents.get(mmsi)
                    if ident is None:
                        if len(idents) >= _MAX_IDENTS:
                            idents.clear()
                        ident = idents[mmsi] = f"{mmsi:09d}"
                    add_numbers((t_s, lon, lat, sigma, sog, cog))
                    add_texts((obs_id(raw), "vessel" if vessel is None else vessel.label, ident))
                    n_obs += 1
                except _Reject as rej:
                    out.quarantine([raw], rej.code, rej.reason)
                except Exception as exc:  # a decoder never raises on input
                    out.quarantine(
                        [raw],
                        ReasonCode.DECODER_ERROR,
                        f"unexpected {type(exc).__name__}: {_show(str(exc))}",
                    )
                if self._pending:
                    self._sweep(out)
        except Exception as exc:  # the iterable itself failed
            out.quarantine(
                [b""], ReasonCode.DECODER_ERROR, f"input failed: {type(exc).__name__}: {exc}"
            )
        finally:
            self.stats["lines"] += n_lines
            self.stats["observation_lines"] += n_obs
            out.received += n_obs
        return out.result()

    def close(self, received_t_s: float | None = None) -> DecodeResult:
        """Quarantine what is still waiting (fragments, a Gatehouse wrapper) as INCOMPLETE."""
        out = _Out(self, received_t_s)
        for key in list(self._pending):
            self._expire(key, out)
        self._flush_wrapper(out)
        return out.result()

    @property
    def pending_lines(self) -> int:
        """Lines held back: fragments waiting for their group and a pending wrapper."""
        n = sum(len(g.lines) for g in self._pending.values())
        return n + (self._wrapper is not None)

    # -- internals ----------------------------------------------------------------------

    def _flush_wrapper(self, out: _Out) -> None:
        if self._wrapper is not None:
            raw, _ = self._wrapper
            self._wrapper = None
            out.quarantine(
                [raw],
                ReasonCode.UNSUPPORTED_MESSAGE,
                "Gatehouse wrapper not followed by an AIS sentence",
            )

    def _expire(self, key: tuple[str, int, str], out: _Out) -> None:
        group = self._pending.pop(key)
        out.quarantine(
            group.lines,
            ReasonCode.INCOMPLETE,
            f"{len(group.parts)} of {group.count} fragments (seq id {key[1]}, channel "
            f"{key[2]!r}) came; the others never did",
        )

    def _line(self, line: Any, out: _Out) -> None:
        """Any line, the general way."""
        raw = _as_bytes(line).strip()
        if not raw or raw.startswith(b"#"):
            out.skip()
            return
        if not raw.isascii():
            self._flush_wrapper(out)
            _reject(ReasonCode.BAD_ENCODING, "non-ASCII byte in NMEA sentence")
        try:
            sentence: NMEASentence = NMEASentenceFactory.produce(raw)
        except UnknownMessageException:
            self._flush_wrapper(out)
            if raw[:1] in (b"$", b"!", b"\\") and b"," in raw:
                _reject(ReasonCode.UNSUPPORTED_MESSAGE, f"not an AIS sentence: {_show(raw)}")
            _reject(ReasonCode.BAD_FIELD_COUNT, f"not an NMEA sentence: {_show(raw)}")
        except (InvalidNMEAMessageException, IndexError, ValueError) as exc:
            self._flush_wrapper(out)
            _reject(ReasonCode.BAD_FIELD_COUNT, f"malformed NMEA sentence: {_show(str(exc))}")
        if isinstance(sentence, GatehouseSentence):
            self._flush_wrapper(out)
            if not sentence.is_valid:
                _reject(ReasonCode.BAD_CHECKSUM, "Gatehouse wrapper checksum does not match")
            self._wrapper = (raw, sentence)
            return
        if not isinstance(sentence, AISSentence):  # pragma: no cover - factory makes no other
            _reject(ReasonCode.UNSUPPORTED_MESSAGE, f"not an AIS sentence: {_show(raw)}")
        lines = [raw]
        t_s: float | None = None
        if self._wrapper is not None:
            wraw, wrapper = self._wrapper
            self._wrapper = None
            lines.insert(0, wraw)
            t_s = wrapper.timestamp.replace(tzinfo=_dt.UTC).timestamp()
        self._seen += 1
        self._ais(sentence, lines, t_s, out)

    def _ais(self, sentence: AISSentence, lines: list[bytes], t_s: float | None, out: _Out) -> None:
        """One AIS sentence (``lines``: it and its wrapper), counted in ``_seen`` already."""
        try:
            if not sentence.is_valid:
                _reject(ReasonCode.BAD_CHECKSUM, "sentence checksum does not match")
            tag_t = _tag_time(sentence)
            if tag_t is not None:
                t_s = tag_t
            if sentence.frag_cnt == 1:
                self._message(sentence, lines, t_s, out)
            else:
                self._fragment(sentence, lines, t_s, out)
        except _Reject as rej:
            out.quarantine(lines, rej.code, rej.reason)
        except Exception as exc:  # a decoder never raises on input
            out.quarantine(
                lines,
                ReasonCode.DECODER_ERROR,
                f"unexpected {type(exc).__name__}: {_show(str(exc))}",
            )
        finally:
            self._sweep(out)

    def _sweep(self, out: _Out) -> None:
        if not self._pending:
            return
        limit = self._seen - self.max_pending
        for key in [k for k, g in self._pending.items() if g.last_seen < limit]:
            self._expire(key, out)

    def _fragment(
        self, sentence: AISSentence, lines: list[bytes], t_s: float | None, out: _Out
    ) -> None:
        seq = -1 if sentence.seq_id is None else sentence.seq_id
        key = (sentence.talker_id, seq, sentence.channel)
        group = self._pending.get(key)
        if group is not None and (
            group.count != sentence.frag_cnt or sentence.frag_num in group.parts
        ):
            self._expire(key, out)  # a new message reuses the slot: the old one is lost
            group = None
        if group is None:
            group = _Group(count=sentence.frag_cnt, t_s=t_s)
            self._pending[key] = group
        group.parts[sentence.frag_num] = sentence
        group.lines.extend(lines)
        group.last_seen = self._seen
        if group.t_s is None:
            group.t_s = t_s
        if len(group.parts) < group.count:
            return
        del self._pending[key]
        parts = [group.parts[i] for i in sorted(group.parts)]
        try:
            full = AISSentence.assemble_from_iterable(parts)
            self._message(full, group.lines, group.t_s, out)
        except _Reject as rej:  # the whole message is refused: every one of its lines
            out.quarantine(group.lines, rej.code, rej.reason)
        except Exception as exc:  # a decoder never raises on input
            out.quarantine(
                group.lines,
                ReasonCode.DECODER_ERROR,
                f"unexpected {type(exc).__name__}: {_show(str(exc))}",
            )

    def _message(
        self, sentence: AISSentence, lines: list[bytes], t_s: float | None, out: _Out
    ) -> None:
        if not sentence.payload:
            _reject(ReasonCode.UNSUPPORTED_MESSAGE, "empty payload")
        msg_type = sentence.ais_id
        if msg_type not in _POSITION_TYPES and msg_type not in _STATIC_TYPES:
            _reject(
                ReasonCode.UNSUPPORTED_MESSAGE,
                f"AIS message type {msg_type} carries no vessel position or static data",
            )
        static = static_fields(msg_type, sentence.bv) if msg_type in _STATIC_TYPES else None
        if static is None and msg_type == 24:
            _reject(
                ReasonCode.UNSUPPORTED_MESSAGE,
                f"type 24 part number {sentence.bv.get(38, 2)} is neither A (0) nor B (1)",
            )
        if static is not None:
            mmsi, shipname, callsign, ship_type = static
            if mmsi is None:
                _reject(ReasonCode.INCOMPLETE, "payload too short to carry an MMSI")
            self._static(int(mmsi), shipname, callsign, ship_type)
            out.static(len(lines))
            return
        try:
            msg: Any = sentence.decode()
        except UnknownMessageException as exc:
            _reject(ReasonCode.UNSUPPORTED_MESSAGE, f"pyais cannot decode: {_show(str(exc))}")
        mmsi = msg.mmsi
        if mmsi is None:
            _reject(ReasonCode.INCOMPLETE, "payload too short to carry an MMSI")
        mmsi = int(mmsi)
        if msg_type in _STATIC_TYPES:  # pragma: no cover - a part number pyais refuses raises
            self._static(mmsi, msg.shipname, msg.callsign, msg.ship_type)
            out.static(len(lines))
            return
        if msg_type == 19:
            self._static(mmsi, msg.shipname, None, msg.ship_type)
        lon, lat = msg.lon, msg.lat
        if lon is None or lat is None:
            _reject(ReasonCode.INCOMPLETE, "payload too short to carry a position")
        lon, lat = float(lon), float(lat)
        if lon == 181.0 or lat == 91.0:
            _reject(ReasonCode.OUT_OF_RANGE, "position not available (181/91)")
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            _reject(ReasonCode.OUT_OF_RANGE, f"position lon {lon!r} lat {lat!r} off the globe")
        sigma = HIGH_ACCURACY_SIGMA_M if msg.accuracy else LOW_ACCURACY_SIGMA_M
        speed, course = msg.speed, msg.course
        if msg_type == 27:
            sigma = max(sigma, LONG_RANGE_SIGMA_M)
            speed_na, course_na = LR_SPEED_NA, LR_COURSE_NA
        else:
            speed_na, course_na = SPEED_NA, COURSE_NA
        if speed is None or course is None or speed >= speed_na or course >= course_na:
            sog = cog = _NAN
        else:
            sog, cog = float(speed) * KNOT_MPS, float(course)
        vessel = self.vessels.get(mmsi)
        label = "vessel" if vessel is None else vessel.label
        raw = b"\n".join(lines)
        t = _NAN if t_s is None else t_s
        texts = (self._obs_id(raw), label, f"{mmsi:09d}")
        out.row((t, lon, lat, sigma, sog, cog), texts, len(lines))

    def _static(self, mmsi: int, shipname: Any, callsign: Any, ship_type: Any) -> None:
        vessel = self.vessels.get(mmsi)
        if vessel is None:
            if len(self.vessels) >= _MAX_VESSELS:
                self.vessels.clear()  # bound memory against MMSI floods
            vessel = self.vessels[mmsi] = _Vessel()
        vessel.update(shipname, callsign, ship_type)


def _tag_time(sentence: NMEASentence) -> float | None:
    """The sentence's tag block time; None without one (or without ``c``)."""
    tb = sentence.tag_block
    if tb is None:
        return None
    t_s, code, reason = tag_block_time(tb.raw)
    if code is not None:
        _reject(code, reason)
    return None if math.isnan(t_s) else t_s


class _Out:
    """What one decode or close call produces. Rows are kept flat, for one conversion each
    at the end: ``numbers`` holds six per row (t_s, NaN for the receive time; lon; lat;
    sigma_m; speed over ground, m/s; course over ground, deg true), ``texts`` three
    (obs_id, classification, identity)."""

    __slots__ = ("_dec", "_received_t_s", "numbers", "quarantined", "received", "texts")

    def __init__(self, dec: AisDecoder, received_t_s: float | None) -> None:
        self._dec = dec
        self._received_t_s = received_t_s
        self.numbers: list[float] = []
        self.texts: list[str] = []
        self.quarantined: list[QuarantinedMessage] = []
        self.received = 0

    def time(self, t_s: float | None) -> float:
        if t_s is not None:
            return t_s
        if self._received_t_s is None:
            self._received_t_s = float(self._dec.clock())
        return self._received_t_s

    def skip(self) -> None:
        self._dec.stats["skipped"] += 1

    def static(self, n_lines: int) -> None:
        self._dec.stats["static"] += 1
        self._dec.stats["static_lines"] += n_lines

    def row(self, numbers: Numbers, texts: tuple[str, str, str], n_lines: int) -> None:
        self.received += 1
        self._dec.stats["observation_lines"] += n_lines
        self.numbers.extend(numbers)
        self.texts.extend(texts)

    def quarantine(self, lines: list[Any], code: ReasonCode, reason: str) -> None:
        dec = self._dec
        self.received += 1
        dec.stats["quarantined_lines"] += sum(1 for x in lines if x)
        try:
            raw = b"\n".join(_as_bytes(x) for x in lines)
        except Exception as exc:
            raw = b""
            code = ReasonCode.DECODER_ERROR
            reason = f"line is not bytes ({exc})"
        self.quarantined.append(
            QuarantinedMessage(
                quarantine_id=content_id("q", dec.source, raw),
                received_t_s=self.time(None),
                source=dec.source,
                decoder=DECODER,
                reason_code=code.value,
                reason=reason,
                raw=raw,
                marking=dec.marking,
            )
        )

    def result(self) -> DecodeResult:
        return DecodeResult(
            batch=self._batch(), quarantined=self.quarantined, received=self.received
        )

    def _batch(self) -> ObservationBatch:
        n = len(self.texts) // 3
        if not n:
            return ObservationBatch.empty()
        numbers = np.asarray(self.numbers, dtype=np.float64).reshape(n, 6).T.copy()
        t_s, lon, lat, sigma, speed, course_deg = numbers
        unknown = np.isnan(t_s)
        if unknown.any():
            t_s[unknown] = self.time(None)
        course = np.radians(course_deg)
        texts = np.asarray(self.texts, dtype=object).reshape(n, 3).T.copy()
        obs_id, label, ident = texts
        dec = self._dec

        def same(value: str) -> npt.NDArray[np.object_]:
            column = np.empty(n, dtype=object)
            column.fill(value)  # much quicker than np.full for objects
            return column

        return ObservationBatch.from_columns(
            {
                "obs_id": obs_id,
                "t_s": t_s,
                "sensor_id": same(dec.sensor_id),
                "sensor_kind": same(SensorKind.AIS.value),
                "lon": lon,
                "lat": lat,
                "sigma_m": sigma,
                "vel_east_mps": speed * np.sin(course),
                "vel_north_mps": speed * np.cos(course),
                "classification": label,
                "identity": ident,
                "source": same(dec.source),
                "agency": same(dec.marking.agency),
                "releasability": same(dec.marking.releasability),
            },
            n=n,
        )


def decode_ais(
    data: bytes,
    source: str,
    marking: Marking = DEFAULT_MARKING,
    *,
    received_t_s: float | None = None,
    clock: Callable[[], float] = time.time,
) -> DecodeResult:
    """Decode a whole buffer of NMEA lines, then close: leftover fragments are INCOMPLETE."""
    dec = AisDecoder(source, marking, clock=clock)
    lines = _as_bytes(data).splitlines() if data else []
    return DecodeResult.concat([dec.decode(lines, received_t_s), dec.close(received_t_s)])
