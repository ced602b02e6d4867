"""Decode Cursor-on-Target XML events into an :class:`~northline.model.ObservationBatch`.

Every chunk is parsed with ``defusedxml`` with DTDs, entities and external references
forbidden: one by one, or, for chunks whose markup (everything but the attribute values)
``defusedxml`` has already parsed and found plain, by the batch fast path of
:mod:`._cotfast`, which gives the same rows. A chunk that is not a usable observation becomes a
:class:`~northline.model.QuarantinedMessage` with a :class:`ReasonCode`; the decoder never
raises on input.

Mapping of an atom event (type ``a-…``) to a row::

    obs_id          content_id("obs", source, sensor_id, uid, t_s, lat, lon)
    t_s             event/@time (ISO 8601 with a zone)
    lat, lon        point/@lat, point/@lon (WGS84 degrees)
    sigma_m         point/@ce (1-sigma circular error, m); unknown → UNKNOWN_CE_SIGMA_M
    vel_east_mps,   detail/track/@speed (m/s) along detail/track/@course (deg from true north);
    vel_north_mps   NaN when either is absent
    sensor_id       detail/link[@relation="p-p"]/@uid, else the event uid (a self-report)
    sensor_kind     detail/__northline/@sensor_kind, else "mobile" (self-report), else "other"
    agency,         detail/__northline/@agency, @releasability, else the decoder's marking
    releasability
    identity        event/@uid
    classification  event/@type
    source          the decoder's source
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import errors as expat_errors

import numpy as np
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml import ExternalReferenceForbidden as ExternalForbidden
from defusedxml.ElementTree import fromstring

from ..model import (
    DEFAULT_MARKING,
    InvalidInput,
    Marking,
    ObservationBatch,
    QuarantinedMessage,
    SensorKind,
    content_id,
    parse_iso,
)
from ._common import Reject as _Reject
from ._common import as_bytes as _as_bytes
from ._common import atom_batch, quarantined
from ._common import reject as _reject
from ._common import show as _show
from ._cotcolumns import CE_UNKNOWN_AT_LEAST, UNKNOWN_CE_SIGMA_M
from ._cotfast import FastColumns, fast_columns
from ._cotplan import Plan
from ._framing import MAX_MESSAGE_BYTES
from ._result import DecodeResult, ReasonCode

__all__ = ["CE_UNKNOWN_AT_LEAST", "UNKNOWN_CE_SIGMA_M", "CotDecoder"]

DECODER = "cot"

_TRUNCATION = frozenset(
    expat_errors.codes[m]
    for m in (
        expat_errors.XML_ERROR_NO_ELEMENTS,
        expat_errors.XML_ERROR_UNCLOSED_TOKEN,
        expat_errors.XML_ERROR_PARTIAL_CHAR,
        expat_errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)
_INVALID_TOKEN = expat_errors.codes[expat_errors.XML_ERROR_INVALID_TOKEN]
_SENSOR_KINDS = frozenset(k.value for k in SensorKind)
_MOBILE, _OTHER = SensorKind.MOBILE.value, SensorKind.OTHER.value
_NAN = math.nan
_MARKINGS_CACHED = 1024


def _number(elem: Element, name: str, where: str) -> float | None:
    """A numeric attribute: None when absent; rejected when not a number."""
    text = elem.get(name)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        _reject(ReasonCode.NOT_A_NUMBER, f"{where}/@{name} {_show(text)} is not a number")


def _coordinate(point: Element, name: str, limit: float) -> float:
    value = _number(point, name, "point")
    if value is None:
        _reject(ReasonCode.MISSING_ATTRIBUTE, f"point has no {name!r} attribute")
    if not math.isfinite(value):
        _reject(ReasonCode.NOT_A_NUMBER, f"point/@{name} {value!r} is not a finite number")
    if not -limit <= value <= limit:
        _reject(ReasonCode.OUT_OF_RANGE, f"point/@{name} {value!r} is outside ±{limit:g}")
    return value


@dataclass(frozen=True, slots=True)
class _Slow:
    batch: ObservationBatch
    rows_from: list[int]  # the chunk index of each row of the batch
    quarantined: list[QuarantinedMessage]
    unknown_ce: int


class CotDecoder:
    """Decoder of CoT XML chunks (one event each, as cut by :class:`CotFramer`).

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
        self._markings: set[tuple[str, str]] = {(marking.agency, marking.releasability)}
        self._plans: dict[str, Plan] = {}  # fast-path plans by skeleton
        self._hot: list[Plan] = []  # the plans last used, most recent first
        self._decls: set[bytes] = set()  # XML declarations the fast path may take off

    def decode(self, chunks: Iterable[bytes], received_t_s: float | None = None) -> DecodeResult:
        """Decode chunks into one batch; ``received_t_s`` None means now, by ``clock``.

        Chunks whose markup is known take the batch fast path of :mod:`._cotfast`; the
        others, and any with a value to refuse, are parsed one by one with ``defusedxml``
        (as all are for a subclass that overrides ``_decode_one``).
        """
        chunks = chunks if isinstance(chunks, list) else list(chunks)
        fast: FastColumns | None = None
        if type(self)._decode_one is CotDecoder._decode_one:
            try:
                fast = fast_columns(
                    chunks,
                    self.max_message_bytes,
                    self.source,
                    self.marking.agency,
                    self.marking.releasability,
                    self._markings,
                    self._plans,
                    self._hot,
                    self._decls,
                )
            except Exception:  # a bug in the fast path: every chunk takes the slow one
                fast = None
        if fast is None:
            fast = FastColumns([], {}, 0, list(range(len(chunks))))
        if not fast.slow:
            batch = ObservationBatch.from_columns(fast.columns, n=len(fast.index))
            return DecodeResult(batch=batch, received=len(chunks), unknown_ce=fast.unknown_ce)
        slow = self._decode_slow(chunks, fast.slow, received_t_s)
        batch = slow.batch
        if fast.index:
            batch = ObservationBatch.concat(
                [ObservationBatch.from_columns(fast.columns, n=len(fast.index)), batch]
            )
            batch = batch.take(np.argsort(np.asarray(fast.index + slow.rows_from), kind="stable"))
        return DecodeResult(
            batch=batch,
            quarantined=slow.quarantined,
            received=len(chunks),
            unknown_ce=fast.unknown_ce + slow.unknown_ce,
        )

    def _decode_slow(
        self, chunks: list[Any], which: Sequence[int], received_t_s: float | None
    ) -> _Slow:
        """The chunks at ``which``, one by one with ``defusedxml``."""
        rows: list[tuple[Any, ...]] = []
        rows_from: list[int] = []
        quarantined: list[QuarantinedMessage] = []
        unknown_ce = 0
        one = self._decode_one
        for i in which:
            chunk = chunks[i]
            try:
                row = one(chunk)
            except _Reject as rej:
                code, reason = rej.code, rej.reason
            except Exception as exc:  # a decoder never raises on input
                code = ReasonCode.DECODER_ERROR
                reason = f"unexpected {type(exc).__name__}: {_show(str(exc))}"
            else:
                rows.append(row)
                rows_from.append(i)
                unknown_ce += row[-1]
                continue
            if received_t_s is None:
                received_t_s = self.clock()
            quarantined.append(self._quarantine(chunk, code, reason, received_t_s))
        return _Slow(self._batch(rows), rows_from, quarantined, unknown_ce)

    def _quarantine(
        self, chunk: Any, code: ReasonCode, reason: str, received_t_s: float
    ) -> QuarantinedMessage:
        return quarantined(self.source, self.marking, DECODER, chunk, code, reason, received_t_s)

    def _batch(self, rows: list[tuple[Any, ...]]) -> ObservationBatch:
        return atom_batch(rows, self.source)

    def _parse(self, chunk: Any) -> Element:
        if len(chunk) >= self.max_message_bytes:
            _reject(
                ReasonCode.OVERSIZE,
                f"message of {len(chunk)} bytes reaches the limit of {self.max_message_bytes}",
            )
        try:
            return fromstring(chunk, forbid_dtd=True)
        except ParseError as exc:
            _reject(*_classify_parse_error(chunk, exc))
        except DTDForbidden as exc:
            _reject(*_classify_dtd(chunk, exc))
        except DefusedXmlException as exc:  # entities or external refs outside a DTD: none yet
            _reject(ReasonCode.ENTITIES_FORBIDDEN, f"forbidden XML construct: {exc}")
        except LookupError as exc:  # the declared encoding has no codec
            _reject(ReasonCode.BAD_ENCODING, f"declared encoding: {_show(str(exc))}")
        except ValueError as exc:
            if "encoding" not in str(exc):
                raise
            _reject(ReasonCode.BAD_ENCODING, f"declared encoding: {_show(str(exc))}")

    def _decode_one(self, chunk: Any) -> tuple[Any, ...]:
        """One row, or :class:`_Reject`. The last field is 1 when ce was unknown."""
        root = self._parse(chunk)
        if root.tag != "event":
            _reject(ReasonCode.WRONG_ROOT, f"root element is {_show(root.tag)}, not 'event'")
        get = root.get
        uid = get("uid")
        if not uid:
            _reject(ReasonCode.MISSING_ATTRIBUTE, "event has no 'uid' attribute")
        typ = get("type")
        if not typ:
            _reject(ReasonCode.MISSING_ATTRIBUTE, "event has no 'type' attribute")
        if not typ.startswith("a-"):
            _reject(
                ReasonCode.UNSUPPORTED_TYPE,
                f"event type {_show(typ)} is not an atom (a-…); only atoms are observations",
            )
        time_text = get("time")
        if not time_text:
            _reject(ReasonCode.MISSING_ATTRIBUTE, "event has no 'time' attribute")
        try:
            t_s = parse_iso(time_text)
        except (ValueError, OverflowError) as exc:
            _reject(ReasonCode.BAD_TIME, f"event/@time {_show(time_text)}: {exc}")
        point = root.find("point")
        if point is None:
            _reject(ReasonCode.MISSING_POINT, "event has no <point> element")
        lat = _coordinate(point, "lat", 90.0)
        lon = _coordinate(point, "lon", 180.0)
        ce = _number(point, "ce", "point")
        unknown = ce is None or not 0.0 < ce < CE_UNKNOWN_AT_LEAST  # NaN is unknown too
        sigma = UNKNOWN_CE_SIGMA_M if unknown else ce

        link_uid: str | None = None
        track: Element | None = None
        ours: Element | None = None
        detail = root.find("detail")
        if detail is not None:
            for child in detail:
                tag = child.tag
                if tag == "link":
                    if link_uid is None and child.get("relation") == "p-p":
                        link_uid = child.get("uid") or None
                elif tag == "track":
                    if track is None:
                        track = child
                elif tag == "__northline" and ours is None:
                    ours = child
        speed = course = _NAN
        if track is not None:
            speed_v = _number(track, "speed", "track")
            course_v = _number(track, "course", "track")
            if speed_v is not None and course_v is not None:
                if speed_v < 0.0:
                    _reject(ReasonCode.OUT_OF_RANGE, f"track/@speed {speed_v!r} is negative")
                speed, course = speed_v, course_v  # non-finite stays unknown: NaN velocity
        kind = _MOBILE if link_uid is None else _OTHER
        agency, rel = self.marking.agency, self.marking.releasability
        if ours is not None:
            kind_text = ours.get("sensor_kind")
            if kind_text is not None:
                if kind_text not in _SENSOR_KINDS:
                    _reject(
                        ReasonCode.BAD_SENSOR_KIND,
                        f"__northline/@sensor_kind {_show(kind_text)} is not one of "
                        f"{', '.join(sorted(_SENSOR_KINDS))}",
                    )
                kind = kind_text
            agency = ours.get("agency", agency)
            rel = ours.get("releasability", rel)
            if (agency, rel) not in self._markings:
                try:
                    Marking(agency, rel)
                except InvalidInput as exc:
                    _reject(ReasonCode.BAD_MARKING, f"__northline: {exc.message}")
                if len(self._markings) < _MARKINGS_CACHED:
                    self._markings.add((agency, rel))
        sensor_id = uid if link_uid is None else link_uid
        obs_id = content_id("obs", self.source, sensor_id, uid, t_s, lat, lon)
        return (
            obs_id, t_s, sensor_id, kind, lon, lat, sigma, speed, course,
            typ, uid, agency, rel, int(unknown),
        )  # fmt: skip


def _classify_parse_error(chunk: Any, exc: ParseError) -> tuple[ReasonCode, str]:
    code = getattr(exc, "code", None)
    if code in _TRUNCATION and b"<event" in _as_bytes(chunk):
        return ReasonCode.TRUNCATED, f"message ends before </event> ({exc})"
    if code == _INVALID_TOKEN:
        try:
            _as_bytes(chunk).decode("utf-8")
        except UnicodeDecodeError as bad:
            return ReasonCode.BAD_ENCODING, f"not UTF-8 at byte {bad.start} ({exc})"
    return ReasonCode.XML_SYNTAX, f"not well-formed XML: {exc}"


def _classify_dtd(chunk: Any, exc: DTDForbidden) -> tuple[ReasonCode, str]:
    """Say what a forbidden DOCTYPE tried to do, by a second defused parse that allows the
    DOCTYPE but still forbids entities and external references (so it cannot expand)."""
    if exc.sysid or exc.pubid:
        return (
            ReasonCode.EXTERNAL_REFERENCE,
            f"DOCTYPE {_show(exc.name)} refers to external DTD {_show(exc.sysid or exc.pubid)}",
        )
    try:
        fromstring(chunk, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as ent:
        if ent.sysid or ent.pubid:
            return (
                ReasonCode.EXTERNAL_REFERENCE,
                f"entity {_show(ent.name)} refers to external {_show(ent.sysid or ent.pubid)}",
            )
        return ReasonCode.ENTITIES_FORBIDDEN, f"DOCTYPE declares entity {_show(ent.name)}"
    except ExternalForbidden as ext:
        return ReasonCode.EXTERNAL_REFERENCE, f"external reference {_show(ext.sysid)}"
    except Exception:
        pass  # the first verdict stands
    return ReasonCode.DTD_FORBIDDEN, f"DOCTYPE {_show(exc.name)} is forbidden"
