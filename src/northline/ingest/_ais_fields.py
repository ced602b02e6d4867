"""What the AIS decoder reads from pyais: the fields of a row, of static data, and tag times.

Position and static fields are read straight from pyais's bit vector, at the offsets, widths
and with the converters of pyais's own decoder plans, so the values are the ones
``decode()`` gives without building whole messages. Tag-block times are parsed as pyais's
``TagBlock.init`` parses them, less the fields the decoder does not use.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from pyais.bit_vector import bit_vector, int_bit_vector
from pyais.messages import (
    BOOL,
    BYTES,
    FLOAT,
    INT,
    MSG_CLASS,
    STR,
    MessageType24PartA,
    MessageType24PartB,
    MessageType24PartBAuxiliaryCraft,
)
from pyais.util import checksum, is_auxiliary_craft

from ._common import show as _show
from ._result import ReasonCode

__all__ = [
    "COURSE_NA",
    "HIGH_ACCURACY_SIGMA_M",
    "KNOT_MPS",
    "LONG_RANGE_SIGMA_M",
    "LOW_ACCURACY_SIGMA_M",
    "LR_COURSE_NA",
    "LR_SPEED_NA",
    "SPEED_NA",
    "Numbers",
    "TagEntry",
    "fix_table",
    "static_fields",
    "tag_block_time",
]

HIGH_ACCURACY_SIGMA_M = 10.0
"""sigma_m of a position with the accuracy flag set (DGNSS, better than 10 m)."""

LOW_ACCURACY_SIGMA_M = 100.0
"""sigma_m of a position with the accuracy flag clear (autonomous GNSS, worse than 10 m)."""

LONG_RANGE_SIGMA_M = 185.2
"""Least sigma_m of a type 27 position, whose resolution is 1/10 arc-minute (185.2 m)."""

KNOT_MPS = 1852.0 / 3600.0
"""One knot in m/s."""


SPEED_NA = 102.3  # speed over ground "not available", knots (63 for type 27)
COURSE_NA = 360.0  # course over ground "not available", degrees (511 for type 27)
LR_SPEED_NA = 63.0
LR_COURSE_NA = 511.0
_MS_ABOVE = 1e11  # a tag time above this is in milliseconds
_NAN = math.nan


Numbers = tuple[float, float, float, float, float, float]
_Fix = tuple[int, float, float, float, float, float]
"""mmsi, lon, lat, sigma_m, speed over ground (m/s), course over ground (deg true)."""

# The fields of a position report a row needs, and how pyais's decoder plan types them.
_FIX_FIELDS = ("mmsi", "lon", "lat", "speed", "course", "accuracy")
_FIX_KINDS = ((INT, False), (FLOAT, True), (FLOAT, True), (FLOAT, False), (FLOAT, False),
              (BOOL, False))  # fmt: skip


def _fix_reader(msg_type: int) -> Callable[[bit_vector], _Fix | None] | None:
    """The row values of a position report, reading only the fields a row needs.

    Offsets, widths, signedness and converters come from pyais's decoder plan of the message
    class and the bits from pyais's bit vector, so the values are what ``decode()`` gives
    (``_message`` maps them the same way), without building the whole message with its
    enums and comm state. The reader gives None when the full decode is needed: a payload
    too short for every field, or a position not available or off the globe (whose
    quarantine reason ``_message`` words). The factory gives None when the plan has not the
    expected shape (a pyais change); then every message is decoded in full."""
    cls: Any = MSG_CLASS.get(msg_type)
    if cls is None:  # pragma: no cover - pyais knows every position type
        return None
    try:
        plan = {p[0]: p for p in cls.decoder_plan()}
        specs = [plan[name] for name in _FIX_FIELDS]
    except Exception:  # pragma: no cover - a pyais change
        return None
    if [(kind, signed) for _, _, _, signed, kind, _ in specs] != list(_FIX_KINDS):
        return None  # pragma: no cover - a pyais change
    (_, mo, mw, _, _, mc), (_, xo, xw, _, _, xc), (_, yo, yw, _, _, yc) = specs[:3]
    (_, so, sw, _, _, sc), (_, co, cw, _, _, cc), (_, ao, aw, _, _, ac) = specs[3:]
    if mc is not None or ac is not None:  # pragma: no cover - a pyais change
        return None
    need = max(offset + width for _, offset, width, _, _, _ in specs)
    # pyais's own fast paths hand these converters the raw ints (same results as for the
    # float its generic path passes); a FLOAT field without a converter is float(raw).
    lon_conv: Callable[[int], float] = xc or float
    lat_conv: Callable[[int], float] = yc or float
    speed_conv: Callable[[int], float] = sc or float
    course_conv: Callable[[int], float] = cc or float
    if msg_type == 27:
        speed_na, course_na = LR_SPEED_NA, LR_COURSE_NA
        sigma_hi = max(HIGH_ACCURACY_SIGMA_M, LONG_RANGE_SIGMA_M)
        sigma_lo = max(LOW_ACCURACY_SIGMA_M, LONG_RANGE_SIGMA_M)
    else:
        speed_na, course_na = SPEED_NA, COURSE_NA
        sigma_hi, sigma_lo = HIGH_ACCURACY_SIGMA_M, LOW_ACCURACY_SIGMA_M
    m_end, m_mask = mo + mw, (1 << mw) - 1
    x_end, x_mask, x_sign, x_wrap = xo + xw, (1 << xw) - 1, 1 << (xw - 1), 1 << xw
    y_end, y_mask, y_sign, y_wrap = yo + yw, (1 << yw) - 1, 1 << (yw - 1), 1 << yw
    s_end, s_mask = so + sw, (1 << sw) - 1
    c_end, c_mask = co + cw, (1 << cw) - 1
    a_end, a_mask = ao + aw, (1 << aw) - 1

    def read(bv: bit_vector) -> _Fix | None:
        n = len(bv)
        if n < need:
            return None
        if type(bv) is int_bit_vector:
            # What int_bit_vector.get/get_signed do for a field inside the payload, on the
            # one int pyais made of the payload (as pyais's own fast paths read it).
            v = bv._value
            x = (v >> (n - x_end)) & x_mask
            if x & x_sign:
                x -= x_wrap
            y = (v >> (n - y_end)) & y_mask
            if y & y_sign:
                y -= y_wrap
            mmsi = (v >> (n - m_end)) & m_mask
            speed = speed_conv((v >> (n - s_end)) & s_mask)
            course = course_conv((v >> (n - c_end)) & c_mask)
            accurate = (v >> (n - a_end)) & a_mask
        else:  # pragma: no cover - PyPy's word vector
            get = bv.get
            x, y, mmsi = bv.get_signed(xo, xw), bv.get_signed(yo, yw), get(mo, mw)
            speed, course = speed_conv(get(so, sw)), course_conv(get(co, cw))
            accurate = get(ao, aw)
        lon, lat = lon_conv(x), lat_conv(y)
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            return None
        sigma = sigma_hi if accurate else sigma_lo
        if speed >= speed_na or course >= course_na:
            return mmsi, lon, lat, sigma, _NAN, _NAN
        return mmsi, lon, lat, sigma, speed * KNOT_MPS, course

    return read


@functools.cache
def fix_table() -> dict[int, Callable[[bit_vector], _Fix | None]]:
    """The fix reader of each position type the fast path decodes. Type 19 is left out:
    its static part needs the full decode."""
    table = {t: _fix_reader(t) for t in (1, 2, 3, 18, 27)}
    return {t: read for t, read in table.items() if read is not None}


_Static = tuple[Any, Any, Any, Any]
"""mmsi, shipname, callsign, ship_type of a static message, as pyais decodes them."""
_STATIC_FIELDS = ("mmsi", "shipname", "callsign", "ship_type")


def _field_reader(cls: Any) -> Callable[[bit_vector], _Static]:
    """Read the static fields of a message class as pyais's generic ``from_vector`` does
    (None past the payload's end or for a field the class has not), skipping the rest."""
    plan = {p[0]: p[1:] for p in cls.decoder_plan()}
    specs = [plan.get(name) for name in _STATIC_FIELDS]

    def read(bv: bit_vector) -> _Static:
        n = len(bv)
        values: list[Any] = []
        for spec in specs:
            if spec is None or spec[0] >= n:
                values.append(None)
                continue
            offset, width, signed, kind, converter = spec
            val: Any
            if kind == STR:
                val = bv.get_str(offset, width)
            elif kind == BYTES:  # pragma: no cover - no static field is bytes
                val = bv.get_bytes(offset, width)
            else:
                val = bv.get_num(offset, width, signed)
                if kind == FLOAT:  # pragma: no cover - no static field is a float
                    val = float(val)
                elif kind == BOOL:  # pragma: no cover - no static field is a flag
                    val = bool(val)
            if converter is not None:
                val = converter(val)
            values.append(val)
        return values[0], values[1], values[2], values[3]

    return read


@functools.cache
def _static_readers() -> tuple[Callable[[bit_vector], _Static], ...]:
    """Readers of type 5, type 24 part A, part B and part B of an auxiliary craft."""
    classes = (MSG_CLASS[5], MessageType24PartA, MessageType24PartB)
    return tuple(_field_reader(c) for c in (*classes, MessageType24PartBAuxiliaryCraft))


def static_fields(msg_type: int, bv: bit_vector) -> _Static | None:
    """The static fields of a type 5 or 24, read the way ``decode()`` does (type 24 picks
    its part as ``MessageType24.from_vector`` does); None for a part number pyais refuses,
    which the full decode then reports."""
    type5, part_a, part_b, part_b_aux = _static_readers()
    if msg_type == 5:
        return type5(bv)
    partno = bv.get(38, 2)
    if partno == 0:
        return part_a(bv)
    if partno == 1:
        return part_b_aux(bv) if is_auxiliary_craft(bv.get(8, 30)) else part_b(bv)
    return None


TagEntry = tuple[float, ReasonCode | None, str]
"""A tag block's time (NaN: none given), or why it is refused (code and reason)."""


def tag_block_time(tag: bytes) -> TagEntry:
    """The receive time of a tag block (its bytes between the backslashes).

    Read as pyais's ``TagBlock.init`` reads it (invalid unless ASCII with one ``*`` and a
    hexadecimal checksum that matches; the last ``c:`` field is the time), less the fields
    this decoder does not use. A value: it depends on the bytes alone, and a receiver stamps
    every sentence of a second with the same block, so the decoder keeps it."""
    try:
        if not tag.isascii():
            raise ValueError
        payload, check = tag.split(b"*")
        expected = int(check, 16)
    except ValueError:
        return _NAN, ReasonCode.BAD_CHECKSUM, "tag block checksum does not match"
    if checksum(payload) != expected:
        return _NAN, ReasonCode.BAD_CHECKSUM, "tag block checksum does not match"
    text: str | None = None
    for item in payload.split(b","):
        if item[:2] == b"c:":
            text = item[2:].decode()
    if text is None:
        return _NAN, None, ""
    try:
        value = float(text)
    except ValueError:
        return _NAN, ReasonCode.BAD_TIME, f"tag block time c:{_show(text)} is not a number"
    if not math.isfinite(value) or value < 0:
        return _NAN, ReasonCode.BAD_TIME, f"tag block time c:{_show(text)} is not a unix time"
    return (value / 1000.0 if value > _MS_ABOVE else value), None, ""
