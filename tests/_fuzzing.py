"""Fuzzing helpers: seed messages from our own writers and the shared fixtures, a
deterministic mutational fuzzer, and the checks every decoder result must pass.

The mutational fuzzer is plain ``random.Random`` with a fixed seed: the same
``NORTHLINE_FUZZ_CASES`` always gives the same cases, so a failure is reproducible from the
printed case index alone (:meth:`Mutator.case` rebuilds one case).
"""

from __future__ import annotations

import json
import math
import os
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pyais
from takproto import TAKProtoVer, xml2proto  # type: ignore[import-untyped]
from takproto.proto import TakMessage  # type: ignore[import-untyped]

from northline.ingest import DecodeResult, ReasonCode, sbs_line
from northline.ingest._takproto import MESH_HEADER
from northline.model import DEFAULT_MARKING, SensorKind, format_iso
from northline.sim import SensorInfo
from northline.sim._cot import cot_lines

__all__ = [
    "AIS_ARMOUR",
    "CASES",
    "EXAMPLES",
    "RUN",
    "Mutator",
    "check_result",
    "nmea_fix_checksum",
    "sbs_line_fields",
    "stream_frame",
    "varint",
]


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "")
    return int(text.replace("_", "")) if text.strip() else default


CASES = _env_int("NORTHLINE_FUZZ_CASES", 120_000)
"""Mutational cases in total over all decoders (``make fuzz`` sets millions)."""

EXAMPLES = _env_int("NORTHLINE_FUZZ_EXAMPLES", 60)
"""Hypothesis ``max_examples`` of each fuzz property."""

RUN: Counter[str] = Counter()
"""Cases actually run, per decoder (mutational and Hypothesis alike)."""

T0_S = 1_768_442_400.0  # 2026-01-15T02:00:00Z
REASON_CODES = frozenset(c.value for c in ReasonCode)

# -- checks -----------------------------------------------------------------------------------


def check_result(
    result: DecodeResult,
    *,
    received: int | None = None,
    inputs: Iterable[bytes] | None = None,
    source: str | None = None,
) -> None:
    """Everything is an observation or a quarantined message, each of them well formed.

    ``received``: the number of input messages, when each input is exactly one message.
    ``inputs``: when given, every quarantined ``raw`` must be one of them, byte for byte.
    Velocities are finite or NaN (unknown), never infinite.
    """
    assert isinstance(result, DecodeResult), type(result)
    batch = result.batch
    n = len(batch)
    assert result.received == n + len(result.quarantined), result.counts
    if received is not None:
        assert result.received == received, (result.received, received)
    assert 0 <= result.unknown_ce <= n, result.counts
    if n:
        lat, lon = batch.lat, batch.lon
        assert np.isfinite(lat).all()
        assert np.isfinite(lon).all()
        assert (np.abs(lat) <= 90.0).all()
        assert (np.abs(lon) <= 180.0).all()
        assert np.isfinite(batch.t_s).all()
        sigma = batch.sigma_m
        assert np.isfinite(sigma).all()
        assert (sigma > 0.0).all()
        for name in ("vel_east_mps", "vel_north_mps"):
            v = getattr(batch, name)
            assert not np.isinf(v).any(), (name, v[np.isinf(v)])
        for name in ("obs_id", "sensor_kind", "source"):
            col = getattr(batch, name)
            assert all(isinstance(x, str) and x for x in col), name
        for name in ("sensor_id", "classification", "identity", "agency", "releasability"):
            assert all(isinstance(x, str) for x in getattr(batch, name)), name
        assert set(batch.sensor_kind.tolist()) <= {k.value for k in SensorKind}
    allowed = None if inputs is None else set(inputs)
    for q in result.quarantined:
        assert q.reason_code in REASON_CODES, q.reason_code
        assert isinstance(q.reason, str), q
        assert q.reason, q
        assert isinstance(q.raw, bytes), type(q.raw)
        assert isinstance(q.decoder, str)
        assert q.decoder
        assert math.isfinite(q.received_t_s)
        assert q.quarantine_id
        if source is not None:
            assert q.source == source
        if allowed is not None:
            assert q.raw in allowed, q.raw[:200]


def decoder_errors(result: DecodeResult) -> list[tuple[bytes, str]]:
    """Quarantined messages that are the decoder's own failure (an exception it caught)."""
    return [(q.raw, q.reason) for q in result.quarantined if q.reason_code == "decoder_error"]


# -- the mutational fuzzer --------------------------------------------------------------------

_INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xBF, 0xFF, 0x0A, 0x0D, 0x22, 0x26, 0x2C, 0x3C, 0x3E)

NUMBER_TOKENS: tuple[bytes, ...] = (
    b"NaN", b"nan", b"-nan", b"inf", b"-inf", b"Infinity", b"-Infinity", b"1e309", b"-1e309",
    b"1e-400", b"9" * 400, b"-0", b"-0.0", b"0x10", b"1_000", b"+5", b"-", b"+", b".", b"1e",
    b"1.2.3", b"\xd9\xa3", b"\xef\xbc\x91", b"\x00", b"", b" ", b"99999999999999999999",
    b"-99999999999999999999", b"180.0000001", b"-90.0000001", b"4.9e-324",
    b"1.7976931348623157e308",
)  # fmt: skip
"""Numbers that break parsers: NaN and infinities, overflow, digits of other scripts
(``float`` accepts them), separators, empty."""

XML_TOKENS: tuple[bytes, ...] = (
    b"<?xml version='1.0' encoding='UTF-8'?>", b"<?xml version='1.0' encoding='utf-16'?>",
    b"<?xml version='1.0' encoding='bogus'?>", b"<!DOCTYPE event>",
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b'<!DOCTYPE x SYSTEM "http://127.0.0.1/x.dtd">',
    b'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;", b"&a;", b"&amp;",
    b"&#0;", b"&#x110000;", b"&#xD800;", b"<![CDATA[</event>]]>", b"<!--", b"-->",
    b"<!-- <event -->", b"<?pi x?>", b"<event", b"<event>", b"</event>", b"</event >",
    b"<event/>", b"<point", b"<point/>", b'<point lat="NaN" lon="inf"/>',
    b'<point lat="1e309" lon="-1e309" ce="-1" le="nan"/>', b"<detail>", b"</detail>",
    b"<detail>" * 300, b"<track speed='-1' course='NaN'/>",
    b"<track speed='1e308' course='1e308'/>",
    b'<link uid="x" relation="p-p"/>', b'<link relation="p-p"/>',
    b"<__northline sensor_kind='bogus'/>", b"<__northline agency='' releasability='ZZZ'/>",
    b'<__northline sensor_kind="tower" agency="RCMP" releasability="CAN"/>',
    b'xmlns="urn:x"', b'xmlns:cot="urn:x"', b'time="9999-12-31T23:59:59Z"',
    b'time="0000-01-01T00:00:00Z"', b'time="2026-02-30T00:00:00Z"', b'time="2026-01-15T02:00:00"',
    b'time="2026-01-15T02:00:00+99:00"', b'time="1e309"', b'uid=""', b'type=""', b'type="b-t-f"',
    b'lat="', b'"', b"'", b"=", b"<", b">", b"/>", b"\xc3\x28", b"\xff\xfe", b"\xef\xbb\xbf",
    b"\xed\xa0\x80", b"\x00", b"\x0c", b"\t\r\n",
)  # fmt: skip
"""Fragments of hostile XML: DTDs, entities, XXE, CDATA with tokens, nesting, bad encodings."""

NMEA_TOKENS: tuple[bytes, ...] = (
    b"!AIVDM,", b"!AIVDO,", b"!BSVDM,", b"$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17", b"$GPGGA,",
    b"\\s:rx,c:1768442400*00\\", b"\\c:1e309*00\\", b"\\c:NaN*00\\", b"\\c:-5*00\\",
    b"\\g:1-2-3*00\\",
    b"\\", b"*00", b"*", b"*ZZ", b",", b",,", b"1,1,,A,", b"2,1,3,A,", b"2,2,3,A,", b"9,9,9,B,",
    b"0,0,,", b"-1,", b"99999999999,", b"A", b"B", b"C", b"1", b"2", b"3", b"5", b"6", b"9",
    b"wwwwwwwwwwwwwwwwwwwwwwwwwwwwww", b"0" * 100, b"\x00", b"\xff", b"\r", b"\n", b"#",
)  # fmt: skip
"""NMEA pieces: talkers, tag blocks with bad times, fragment counts, fill bits, checksums."""

SBS_TOKENS: tuple[bytes, ...] = (
    b"MSG", b"SEL", b"ID", b"AIR", b"STA", b"CLK", b"MSG,3", b"1", b"2", b"3", b"4", b"5", b"8",
    b"9", b"0", b"-1", b"ffffff", b"FFFFFF", b"abc", b"4B1908", b"~4B190", b"2026/01/15",
    b"2026/02/30", b"9999/12/31", b"0000/00/00", b"1/1/1", b"2026/1/15/1", b"02:00:00.000",
    b"24:00:00", b"23:59:60.999", b"-1:00:00", b"00:00:61", b"1:2", b"1:2:3:4", b"00:00:nan",
    b"00:00:1e309", b"ground", b",", b",,,,", b"\r\n", b"\xc3\xa9",
)  # fmt: skip

JSON_TOKENS: tuple[bytes, ...] = (
    b'{"type":"Feature"}', b'"type":"FeatureCollection"', b'"features":null', b'"features":[1]',
    b'"geometry":null', b'"geometry":{"type":"Point","coordinates":[1e400,0]}',
    b'"coordinates":[]', b'"coordinates":[1]', b'"coordinates":["1","2"]',
    b'"coordinates":[200,95]', b'"coordinates":[NaN,Infinity]', b'"properties":[]',
    b'"properties":{"time":"2026-13-01T00:00:00Z"}', b'"time":1e300', b'"time":-1e300',
    b'"time":"9999-12-31T23:59:59Z"', b'"time":true', b'"id":1e400', b'"id":true', b'"id":{}',
    b'"id":12345678901234567890123', b'"sensor_kind":"bogus"', b'"agency":""',
    b'"releasability":"ZZ"', b'"sigma_m":0', b'"sigma_m":-1', b'"speed_mps":-1',
    b'"heading_deg":1e308', b'"vel_east_mps":1e308', b'"now":"x"', b'"now":NaN', b'"now":true',
    b'"aircraft":{}', b'"aircraft":[null,1,"x",[]]', b'"hex":"~abcdef"', b'"hex":123',
    b'"lat":"1"', b'"lat":91', b'"lon":-181', b'"seen_pos":-1', b'"gs":-1', b'"alt_baro":"ground"',
    b'"alt_baro":"x"', b'"flight":5', b'"\\ud800"', b'"\\u0000"', b"NaN", b"-Infinity", b"1e400",
    b"[" * 3000, b"{" * 50, b"]", b"}", b":", b",", b'"', b"\x1e", b"\n", b"\xff", b"\xc3\x28",
    b"\xef\xbb\xbf", b"null", b"true", b"[]", b"{}",
)  # fmt: skip

CSV_TOKENS: tuple[bytes, ...] = (
    b'"', b'""', b'"a,b"', b'"\n"', b"\r", b"\n", b"\r\n", b",", b";", b"\t", b"\x00",
    b"2026-01-15T02:00:00Z", b"2026-01-15T02:00:00", b"2026-02-30T00:00:00Z",
    b"9999-12-31T23:59:59+14:00", b"0001-01-01T00:00:00-14:00", b"1768442400", b"-1e300",
    b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80",
)  # fmt: skip


AIS_ARMOUR = bytes(range(48, 88)) + bytes(range(96, 120))
"""The 64 characters of AIS six-bit payload armouring."""
XML_VALUE = rb"(?<==\")[^\"]*(?=\")|(?<==')[^']*(?=')"
"""An XML attribute value (without its quotes)."""
JSON_VALUE = rb'(?<=: )(?:"[^"]*"|[^,{}\[\]]+)|(?<=:)(?:"[^"]*"|[^,{}\[\] ]+)|-?\d+(?:\.\d+)?'
"""A JSON value after a key, or any number."""


def nmea_fix_checksum(line: bytes) -> bytes:
    """The line with its sentence (after any tag block) given the right checksum."""
    start = line.rfind(b"\\") + 1
    star = line.rfind(b"*")
    if star <= start or line[start : start + 1] not in (b"!", b"$"):
        return line
    x = 0
    for b in line[start + 1 : star]:
        x ^= b
    return line[: star + 1] + b"%02X" % x + line[star + 3 :]


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def stream_frame(payload: bytes) -> bytes:
    """A TAK protocol stream frame: 0xbf, the varint length, the protobuf."""
    return b"\xbf" + varint(len(payload)) + payload


class Mutator:
    """Deterministic mutations of seed messages: byte flips, insertions of hostile tokens,
    deletions, duplication, splicing between seeds, truncation and, for line formats,
    field-level mutations; ``fixup`` (e.g. an NMEA checksum) is applied to most cases so
    that they get past the first check into the parser proper."""

    def __init__(
        self,
        seeds: Sequence[bytes],
        tokens: Sequence[bytes],
        seed: int,
        *,
        sep: bytes | None = None,
        fixup: Callable[[bytes], bytes] | None = None,
        fixup_p: float = 0.0,
        max_ops: int = 4,
        alphabet: bytes = b"",
        value_re: bytes | None = None,
        structured_p: float = 0.5,
    ) -> None:
        assert seeds, "no seeds"
        self.seeds = list(seeds)
        self.tokens = list(tokens) + list(NUMBER_TOKENS)
        self.seed = seed
        self.sep = sep
        self.fixup = fixup
        self.fixup_p = fixup_p
        self.max_ops = max_ops
        self.alphabet = alphabet
        self.value_re = None if value_re is None else re.compile(value_re)
        self.structured_p = structured_p
        self.rng = random.Random(seed)
        ops: list[Callable[[bytes], bytes]] = [
            self._flip,
            self._set_byte,
            self._insert_random,
            self._insert_token,
            self._insert_token,
            self._replace_token,
            self._delete,
            self._duplicate,
            self._splice,
            self._truncate,
        ]
        self.ops = ops
        structured: list[Callable[[bytes], bytes]] = []
        if sep is not None:
            structured += [self._field_token, self._field_token, self._field_drop_dup]
            structured += [self._field_swap]
            if alphabet:
                structured += [self._field_char, self._field_char]
        if self.value_re is not None:
            structured += [self._value_token, self._value_token, self._value_swap]
        self.structured = structured

    def batch(self, n: int) -> list[bytes]:
        return [self.one() for _ in range(n)]

    def one(self) -> bytes:
        rng = self.rng
        data = rng.choice(self.seeds)
        k = 1 + min(int(rng.expovariate(0.9)), self.max_ops - 1)
        for _ in range(k):
            if self.structured and rng.random() < self.structured_p:
                data = rng.choice(self.structured)(data)
            else:
                data = rng.choice(self.ops)(data)
        if self.fixup is not None and rng.random() < self.fixup_p:
            data = self.fixup(data)
        return data

    # -- byte-level ---------------------------------------------------------------------------

    def _pos(self, data: bytes) -> int:
        return self.rng.randint(0, len(data))

    def _flip(self, data: bytes) -> bytes:
        if not data:
            return data
        i = self.rng.randrange(len(data))
        return data[:i] + bytes([data[i] ^ (1 << self.rng.randrange(8))]) + data[i + 1 :]

    def _set_byte(self, data: bytes) -> bytes:
        if not data:
            return data
        i = self.rng.randrange(len(data))
        rng = self.rng
        b = rng.choice(_INTERESTING) if rng.random() < 0.5 else rng.randrange(256)
        return data[:i] + bytes([b]) + data[i + 1 :]

    def _insert_random(self, data: bytes) -> bytes:
        i = self._pos(data)
        return data[:i] + self.rng.randbytes(self.rng.randint(1, 8)) + data[i:]

    def _insert_token(self, data: bytes) -> bytes:
        i = self._pos(data)
        return data[:i] + self.rng.choice(self.tokens) + data[i:]

    def _replace_token(self, data: bytes) -> bytes:
        i = self._pos(data)
        j = min(len(data), i + self.rng.randint(1, 12))
        return data[:i] + self.rng.choice(self.tokens) + data[j:]

    def _delete(self, data: bytes) -> bytes:
        if not data:
            return data
        i = self.rng.randrange(len(data))
        j = min(len(data), i + self.rng.randint(1, max(1, len(data) // 4)))
        return data[:i] + data[j:]

    def _duplicate(self, data: bytes) -> bytes:
        if not data:
            return data
        i = self.rng.randrange(len(data))
        j = min(len(data), i + self.rng.randint(1, 32))
        times = self.rng.choice((1, 1, 2, 3, 50))
        at = self._pos(data)
        return data[:at] + data[i:j] * times + data[at:]

    def _splice(self, data: bytes) -> bytes:
        other = self.rng.choice(self.seeds)
        return data[: self._pos(data)] + other[self.rng.randint(0, len(other)) :]

    def _truncate(self, data: bytes) -> bytes:
        return data[: self._pos(data)]

    # -- field-level (line formats) -----------------------------------------------------------

    def _fields(self, data: bytes) -> list[bytes]:
        assert self.sep is not None
        return data.split(self.sep)

    def _field_token(self, data: bytes) -> bytes:
        assert self.sep is not None
        f = self._fields(data)
        f[self.rng.randrange(len(f))] = self.rng.choice(self.tokens)
        return self.sep.join(f)

    def _field_drop_dup(self, data: bytes) -> bytes:
        assert self.sep is not None
        f = self._fields(data)
        i = self.rng.randrange(len(f))
        if self.rng.random() < 0.5:
            del f[i]
        else:
            f.insert(i, f[i])
        return self.sep.join(f)

    def _field_char(self, data: bytes) -> bytes:
        """One character of a field replaced by another of the format's alphabet (e.g. the
        AIS six-bit armour), so that the field still parses and its value is what changes."""
        assert self.sep is not None
        f = self._fields(data)
        i = self.rng.randrange(len(f))
        if f[i]:
            j = self.rng.randrange(len(f[i]))
            c = self.alphabet[self.rng.randrange(len(self.alphabet))]
            f[i] = f[i][:j] + bytes([c]) + f[i][j + 1 :]
        return self.sep.join(f)

    def _values(self, data: bytes) -> list[re.Match[bytes]]:
        assert self.value_re is not None
        return list(self.value_re.finditer(data))

    def _value_token(self, data: bytes) -> bytes:
        """An attribute or JSON value replaced by a hostile token."""
        found = self._values(data)
        if not found:
            return self._insert_token(data)
        m = self.rng.choice(found)
        return data[: m.start()] + self.rng.choice(self.tokens) + data[m.end() :]

    def _value_swap(self, data: bytes) -> bytes:
        found = self._values(data)
        if len(found) < 2:
            return data
        a, b = sorted(self.rng.sample(found, 2), key=lambda m: m.start())
        return (
            data[: a.start()] + b.group() + data[a.end() : b.start()] + a.group() + data[b.end() :]
        )

    def _field_swap(self, data: bytes) -> bytes:
        assert self.sep is not None
        f = self._fields(data)
        i, j = self.rng.randrange(len(f)), self.rng.randrange(len(f))
        f[i], f[j] = f[j], f[i]
        return self.sep.join(f)


def random_splits(data: bytes, rng: random.Random, max_piece: int) -> list[bytes]:
    """``data`` cut at random points into pieces of 0..max_piece bytes."""
    out: list[bytes] = []
    i = 0
    while i < len(data):
        k = rng.randint(0, max_piece)
        out.append(data[i : i + k])
        i += k
    return out


# -- seeds written by our own writers ---------------------------------------------------------


def _sensors() -> list[SensorInfo]:
    return [
        SensorInfo(
            sensor_id="tower-1", kind=SensorKind.TOWER, lon=-97.2, lat=49.0, range_m=5000.0,
            sigma_m=25.0, pd=0.9, scan_period_s=2.0,
        ),
        SensorInfo(
            sensor_id='ugs "2" <&>', kind=SensorKind.UGS, lon=-97.1, lat=49.001, range_m=50.0,
            sigma_m=10.0, pd=0.8,
        ),
    ]  # fmt: skip


def cot_seeds() -> list[bytes]:
    """CoT events: the simulator's writer, plus track, chat, prolog and marker variants."""
    n = 8
    lines = cot_lines(
        T0_S + np.arange(n, dtype=np.float64),
        np.arange(n, dtype=np.int64) % 2,
        np.arange(n, dtype=np.int64),
        (-97.2 + 0.001 * np.arange(n)).astype(np.float64),
        (49.0 - 0.001 * np.arange(n)).astype(np.float64),
        _sensors(),
        DEFAULT_MARKING,
    )
    seeds = [line.encode() for line in lines]
    t = format_iso(T0_S)
    seeds += [
        (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<event version="2.0" '
            f'uid="ANDROID-1" type="a-f-G-U-C" how="m-g" time="{t}" start="{t}" stale="{t}">'
            f'<point lat="49.0" lon="-97.2" hae="0" ce="9999999.0" le="9999999"/><detail>'
            f'<track course="10.5" speed="1.25"/><contact callsign="A"/></detail></event>'
        ).encode(),
        (
            f'<event version="2.0" uid="GeoChat.1" type="b-t-f" how="h-g-i-g-o" time="{t}" '
            f'start="{t}" stale="{t}"><point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/>'
            f"<detail><remarks>hi &amp; bye</remarks></detail></event>"
        ).encode(),
        (
            f"<!-- a comment --><event uid='x' type='a-h-G' time='{t}'><point lat='-90' "
            f"lon='180' ce='5'/><detail><__northline sensor_kind='ugs' agency='RCMP' "
            f"releasability='CAN'/></detail></event>"
        ).encode(),
    ]
    return seeds


def ais_seeds() -> list[bytes]:
    """AIVDM sentences from pyais's encoder: positions, statics (two-part), base stations,
    class B, with and without tag blocks, and a Gatehouse wrapper."""
    out: list[bytes] = []
    msgs: list[dict[str, str | int | float | bytes | bool]] = [
        {"type": 1, "mmsi": 316001234, "lon": -123.1, "lat": 49.2, "speed": 12.3, "course": 87.5},
        {"type": 2, "mmsi": 2, "lon": 181, "lat": 91, "speed": 102.3, "course": 360},
        {"type": 3, "mmsi": 3, "lon": -180, "lat": -90, "speed": 0, "course": 0, "heading": 511},
        {"type": 18, "mmsi": 18, "lon": 5.5, "lat": 6.5, "speed": 3.2, "course": 10.0},
        {"type": 19, "mmsi": 19, "lon": 5.5, "lat": 6.5, "shipname": "B", "ship_type": 37},
        {"type": 4, "mmsi": 7, "lon": 5, "lat": 6},
        {"type": 21, "mmsi": 21, "lon": 1.0, "lat": 2.0, "name": "BUOY"},
        {"type": 24, "mmsi": 24, "partno": 0, "shipname": "TWENTYFOUR"},
        {"type": 27, "mmsi": 27, "lon": 1.0, "lat": 2.0, "speed": 3, "course": 4},
        {
            "type": 5, "mmsi": 316001234, "shipname": "NORTHLINE TEST", "callsign": "CFX1",
            "ship_type": 70, "destination": "VANCOUVER",
        },
    ]  # fmt: skip
    for i, m in enumerate(msgs):
        for s in pyais.encode_dict(m, sentence_type="VDM", seq_id=i % 10):
            out.append(s.encode())
    tagged = [
        nmea_fix_checksum(b"\\s:rx,c:1768442400*00\\" + out[0]),
        b"\\c:1768442400000*00\\" + out[3],
    ]
    gatehouse = nmea_fix_checksum(b"$PGHP,1,2026,1,15,2,0,0,0,316,219,,1,00*00")
    return [*out, *tagged, gatehouse, out[0]]


def ais_groups() -> list[bytes]:
    """Whole multi-line runs (a wrapper then its sentence, both parts of a static)."""
    s = ais_seeds()
    return [b"\n".join(s[-12:-10]), b"\n".join([s[-2], s[0]])]


def sbs_seeds() -> list[bytes]:
    """SBS-1 lines of every transmission type, from :func:`sbs_line`."""
    return [
        sbs_line(1, "4b1908", t_s=T0_S, callsign="ACA123  "),
        sbs_line(3, "4b1908", t_s=T0_S + 0.5, altitude_ft=35000, lat=49.25, lon=-123.1),
        sbs_line(3, "4b1908", lat=-90.0, lon=180.0, ground_speed_kt=450.5, track_deg=359.9),
        sbs_line(2, "abcdef", t_s=T0_S + 1.25, altitude_ft=0, lat=0.0, lon=0.0, on_ground=True),
        sbs_line(4, "4b1908", t_s=T0_S, ground_speed_kt=450.0, track_deg=90.0,
                 vertical_rate_fpm=-64),
        sbs_line(5, "4b1908", t_s=T0_S, altitude_ft=35000, alert=False, spi=False),
        sbs_line(6, "4b1908", t_s=T0_S, altitude_ft=1000, squawk="7700", emergency=True),
        sbs_line(7, "4b1908", t_s=T0_S, altitude_ft=-1000, utc_offset_s=-18000),
        sbs_line(8, "4b1908", t_s=T0_S, on_ground=False),
        b"SEL,,496,2286,4CA4E5,27215,2010/02/19,18:06:07.710,2010/02/19,18:06:07.710,RYR1427\r\n",
    ]  # fmt: skip


def tak_payloads() -> list[bytes]:
    """TakMessage protobufs (without framing): built fields, and takproto's XML converter."""
    out: list[bytes] = []
    for i, (lat, lon, ce, speed) in enumerate(
        [(49.0, -97.2, 10.0, 1.5), (0.0, 0.0, 0.0, None), (-90.0, 180.0, 9_999_999.0, 0.0)]
    ):
        msg = TakMessage()
        ev = msg.cotEvent
        ev.uid, ev.type, ev.how = f"ANDROID-{i}", "a-f-G-U-C", "m-g"
        send_ms = int(T0_S * 1000) + i
        ev.sendTime, ev.startTime, ev.staleTime = send_ms, send_ms, send_ms + 60_000
        ev.lat, ev.lon, ev.hae, ev.ce, ev.le = lat, lon, 100.0, ce, 9_999_999.0
        if speed is not None:
            ev.detail.track.speed, ev.detail.track.course = speed, 45.0
        if i == 0:
            ev.detail.xmlDetail = (
                '<link uid="tower-1" relation="p-p" type="a-f-G-E-S"/>'
                '<__northline sensor_kind="tower" agency="RCMP" releasability="CAN"/>'
            )
            ev.detail.contact.callsign = "ALPHA"
        out.append(msg.SerializeToString())
    for line in cot_seeds()[:2]:
        frame = bytes(xml2proto(line.decode(), TAKProtoVer.MESH))
        out.append(frame[len(MESH_HEADER) :])
    return out


def geojson_seeds() -> list[bytes]:
    def feature(i: int, **props: object) -> dict[str, object]:
        base: dict[str, object] = {
            "time": format_iso(T0_S + i), "track_id": f"t{i}", "sensor_id": "drone-1",
            "class": "person", "sigma_m": 3.5, "speed_mps": 1.2, "heading_deg": 45.0,
        }  # fmt: skip
        base.update(props)
        return {
            "type": "Feature",
            "id": i,
            "geometry": {"type": "Point", "coordinates": [-97.2 + i * 1e-4, 49.0, 10.0]},
            "properties": base,
        }

    f = [
        feature(0),
        feature(1, time=T0_S, vel_east_mps=1.0, vel_north_mps=-1.0, sensor_kind="ugs"),
        feature(2, agency="RCMP", releasability="CAN", accuracy_m=1.0, label="vehicle"),
    ]
    coll = {"type": "FeatureCollection", "features": f}
    return [
        json.dumps(coll).encode(),
        json.dumps(f[0], indent=1).encode(),
        b"\n".join(json.dumps(x).encode() for x in f),
        b"".join(b"\x1e" + json.dumps(x).encode() + b"\n" for x in f),
    ]


def aircraft_json_seeds() -> list[bytes]:
    doc = {
        "now": T0_S,
        "messages": 1234,
        "aircraft": [
            {"hex": "4b1908", "flight": "ACA123  ", "alt_baro": 35000, "gs": 450.1,
             "track": 90.5, "lat": 49.25, "lon": -123.1, "seen_pos": 0.4, "seen": 0.1},
            {"hex": "~abcdef", "alt_baro": "ground", "lat": 0.0, "lon": 0.0},
            {"hex": "c0ffee", "flight": "NOPOS"},
        ],
    }  # fmt: skip
    return [json.dumps(doc).encode(), json.dumps(doc, indent=2).encode()]


CSV_HEADER = b"time,lon,lat,sensor,track,class,sigma,ve,vn\n"


def csv_rows() -> list[bytes]:
    t = format_iso(T0_S).encode()
    return [
        t + b",-97.2,49.0,tower-1,t1,person,5.0,1.0,-1.0",
        t + b",180,-90,ugs-2,t2,,,,",
        b'2026-01-15T02:00:00+00:00,-97.2,49.0,"sensor, quoted","t""3",vehicle,1e-3,0,0',
        b"1768442400.5,-97.2,49.0,x,y,z,1,2,3",
    ]


# -- seeds from ../shared/fixtures ------------------------------------------------------------


def fixture_lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines() if line.strip()]


def fixture_seeds(root: Path) -> dict[str, list[bytes]]:
    """Recorded messages by format, from the shared fixtures (README.md there)."""
    cot = [p.read_bytes() for p in sorted((root / "cot").glob("*.xml"))]
    ais: list[bytes] = []
    for p in sorted((root / "ais").iterdir()):
        ais += fixture_lines(p)
    sbs = fixture_lines(root / "sbs" / "node-sbs1_msgs.txt")
    return {"cot": cot, "ais": ais, "sbs": sbs}


_FLOATS = (
    0.0, -0.0, 1.0, -1.0, 45.0, 49.0, -97.2, 90.0, -90.0, 90.0000001, 180.0, -180.0, 180.5, 1e-310,
    1e308, -1e308, math.inf, -math.inf, math.nan, 9_999_999.0, 1e7, -5.0,
)  # fmt: skip
_INTS = (0, 1, -1, 2**31 - 1, 2**63 - 1, -(2**63), 253_402_300_799_999, 253_402_300_800_000)
_STRINGS = ("", "x", "a-f-G-U-C", "b-t-f", "a-h-G", "m-g", "\x00", "é" * 3, "<", "&", "\ud7ff")


def tak_structured(rng: random.Random) -> bytes:
    """A TakMessage with each field drawn from hostile values: NaN, infinities, out-of-range
    coordinates, huge and negative times, empty and odd strings, hostile ``xmlDetail``."""
    msg = TakMessage()
    ev = msg.cotEvent
    pick_f: Callable[[], float] = lambda: (  # noqa: E731
        rng.choice(_FLOATS) if rng.random() < 0.7 else rng.uniform(-200.0, 200.0)
    )
    ev.uid, ev.type, ev.how = rng.choice(_STRINGS), rng.choice(_STRINGS), rng.choice(_STRINGS)
    if rng.random() < 0.7:
        ev.uid = f"uid-{rng.randrange(100)}"
    if rng.random() < 0.7:
        ev.type = "a-f-G-U-C"
    send = int(T0_S * 1000) if rng.random() < 0.5 else rng.choice(_INTS)
    ev.sendTime = send % 2**64
    ev.startTime = rng.choice(_INTS) % 2**64
    ev.staleTime = rng.choice(_INTS) % 2**64
    ev.lat, ev.lon, ev.hae, ev.ce, ev.le = (pick_f() for _ in range(5))
    if rng.random() < 0.5:
        ev.detail.track.speed, ev.detail.track.course = pick_f(), pick_f()
    if rng.random() < 0.5:
        parts = [
            rng.choice(XML_TOKENS).decode("utf-8", "replace") for _ in range(rng.randint(0, 4))
        ]
        ev.detail.xmlDetail = "".join(parts)
    if rng.random() < 0.2:
        ev.detail.contact.callsign = rng.choice(_STRINGS)
    if rng.random() < 0.1:
        msg.ClearField("cotEvent")
        msg.takControl.minProtoVersion = 1
    out: bytes = msg.SerializeToString()
    return out


Op = tuple[int, float, int, bytes]


def apply_ops(seed: bytes, ops: Sequence[Op]) -> bytes:
    """Apply Hypothesis-drawn ``(kind, where 0..1, length, token)`` edits to ``seed``:
    set a byte, insert a token, delete, truncate, duplicate a range, replace a range."""
    data = seed
    for kind, where, length, token in ops:
        i = min(len(data), int(where * (len(data) + 1)))
        if kind == 0 and i < len(data):
            data = data[:i] + (token[:1] or b"\xff") + data[i + 1 :]
        elif kind == 1:
            data = data[:i] + token + data[i:]
        elif kind == 2:
            data = data[:i] + data[i + length :]
        elif kind == 3:
            data = data[:i]
        elif kind == 4:
            data = data[:i] + data[i : i + length] * 2 + data[i + length :]
        else:
            data = data[:i] + token + data[i + length :]
    return data


def sbs_line_fields(fields: Sequence[bytes], kind: bytes) -> bytes:
    """An SBS-1 ``MSG`` line of transmission type ``kind`` whose fields after the ICAO
    address and flight are ``fields`` (22 fields in all unless ``fields`` has over 22)."""
    rest = list(fields[:16]) if len(fields) <= 22 else list(fields)
    return b",".join([b"MSG", kind, b"1", b"1", b"4B1908", b"1", *rest]) + b"\r\n"


# -- regressions the fuzzers found ------------------------------------------------------------
# Inputs that once broke a decoder; the ``test_fixed_*`` tests in test_fuzz.py pin the fix.

COT_INF_COURSE = (
    b'<event version="2.0" uid="x" type="a-f-G-U-C" how="m-g" time="2026-01-15T02:00:00Z" '
    b'start="2026-01-15T02:00:00Z" stale="2026-01-15T02:00:00Z"><point lat="49.0" lon="-97.2" '
    b'ce="5"/><detail><track course="-1e309" speed="1.25"/></detail></event>'
)
"""A CoT event whose track course overflows to -inf (``atom_batch`` computed sin(-inf), and
NumPy warned): the velocity is unknown (NaN), the observation kept."""


def tak_inf_course() -> bytes:
    """A TAK mesh datagram whose track course is +inf (same root cause as COT_INF_COURSE)."""
    msg = TakMessage()
    ev = msg.cotEvent
    ev.uid, ev.type, ev.how = "x", "a-f-G-U-C", "m-g"
    ev.sendTime = ev.startTime = ev.staleTime = int(T0_S * 1000)
    ev.lat, ev.lon, ev.ce = 49.0, -97.2, 5.0
    ev.detail.track.speed, ev.detail.track.course = 1.25, math.inf
    out: bytes = MESH_HEADER + msg.SerializeToString()
    return out


COT_INF_SPEED = COT_INF_COURSE.replace(
    b'course="-1e309" speed="1.25"', b'course="10" speed="1e309"'
)
"""A CoT event whose track speed overflows to inf (its velocity came out infinite): the
velocity is unknown (NaN), the observation kept."""

AIS_TYPE24_PART2 = b"!AIVDM,1,1,,A,H01ALDqATHuE800000000000,0*32"
"""An AIS type 24 message with part number 2 (only 0 and 1 exist): pyais raises
UnknownPartNoException (once a decoder_error); it is an unsupported_message."""

AIS_UNSUPPORTED_TWO_PART = (
    b"!AIVDM,2,1,3,A,800000@0@@410@410@410@410@410@410@410@410@410@410@410@410@41,0*6B",
    b"!AIVDM,2,2,3,A,0@410@410@410@410@410@410@410@410@410@410@410@410@410@41,0*15",
)
"""Both parts of an AIS type 8 message (binary broadcast, quarantined as unsupported): the
quarantined message is both lines (once only the last one was kept)."""

AIRCRAFT_HUGE_INT = (
    b'{"now": 1768442400, "aircraft": [{"hex": "4b1908", "lat": 49, "lon": 1, "track": 1'
    + b"0" * 400
    + b"}]}"
)
"""An aircraft.json entry whose track is an integer too large for a float (once an
OverflowError, a decoder_error): it is not_a_number."""
