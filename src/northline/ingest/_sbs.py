"""Decode ADS-B from dump1090: SBS-1 BaseStation lines (port 30003) and ``aircraft.json``.

SBS-1 lines have 22 comma-separated fields::

    MSG,<type 1-8>,<session>,<aircraft>,<ICAO hex>,<flight>,<date gen>,<time gen>,
    <date log>,<time log>,<callsign>,<altitude ft>,<ground speed kt>,<track deg>,<lat>,<lon>,
    <vertical rate ft/min>,<squawk>,<alert>,<emergency>,<spi>,<on ground>

Flags are ``-1`` true, ``0`` false, empty unknown (``1`` is accepted as true). Dates are
``YYYY/MM/DD`` and times ``HH:MM:SS[.fff]`` in the receiver's local time with no zone: they
are read as UTC minus ``utc_offset_s`` (default 0, i.e. the receiver runs on UTC; a receiver
on UTC-5 has ``utc_offset_s=-18000``). The generated date/time is used, else the logged one,
else the receive time (``received_t_s`` or the decoder's ``clock``).

:class:`SbsDecoder` is stateful, per ICAO24 address:

* MSG,1 (identification) remembers the callsign;
* MSG,4 (airborne velocity) remembers ground speed and track; they are applied to the
  *next* position of that aircraft only (then forgotten, so a velocity is never stale by
  more than one position);
* MSG,5/6/7 remember the altitude (used when a position line has none); MSG,8 carries
  nothing Northline uses;
* MSG,3 (airborne position) and MSG,2 (surface position) are observations.

Mapping of a position to a row::

    obs_id          content_id("obs", source, icao24, t_s, lat, lon)
    t_s             generated date/time, else logged, else received time (see above)
    lat, lon        fields 15, 16 (WGS84 degrees)
    sigma_m         UNKNOWN_CE_SIGMA_M (SBS carries no accuracy; counted in unknown_ce)
    vel_east_mps,   ground speed (kt → m/s) along track (deg from true north): from the line
    vel_north_mps   itself if it has both, else from the last MSG,4; NaN when unknown
    sensor_id       the decoder's source (the receiver)
    sensor_kind     "adsb"
    identity        the ICAO24 address, lowercase hex
    classification  "aircraft:<callsign>:<altitude ft>", either part empty when unknown
    source, marking the decoder's

Accounting. :class:`DecodeResult` keeps ``received == decoded + len(quarantined)``, where
``decoded`` is the number of rows. Lines that are valid but only update state (MSG 1, 4-8)
and blank lines are therefore *not* counted in ``received``; the decoder keeps them in
:attr:`SbsDecoder.last_counts` (for the last call) and :attr:`SbsDecoder.totals` (since
creation), so that ``lines == received + state_only + blank``. A state-only line that is
malformed is quarantined (and so is in ``received``). Numbers of a state-only line are
validated; its date/time is not (only a position's time is used).

``aircraft.json`` (:func:`decode_aircraft_json`): every aircraft with ``lat`` and ``lon`` is
an observation at ``now - seen_pos`` (``seen_pos`` absent: ``now``); an aircraft without a
position is skipped (neither decoded nor received); an aircraft entry with a bad position,
hex or number is quarantined on its own; a document that is not JSON, not an object, or lacks
a numeric ``now`` or an ``aircraft`` list is one quarantined message.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..model import (
    DEFAULT_MARKING,
    Marking,
    ObservationBatch,
    QuarantinedMessage,
    SensorKind,
    content_id,
)
from ._common import Reject as _Reject
from ._common import as_bytes as _as_bytes
from ._common import finite_number
from ._common import quarantined as _quarantined
from ._common import show as _show
from ._cot import UNKNOWN_CE_SIGMA_M
from ._result import DecodeResult, ReasonCode

__all__ = [
    "KNOT_MPS",
    "SBS_FIELDS",
    "SbsDecoder",
    "decode_aircraft_json",
    "sbs_line",
]

SBS_FIELDS = 22
"""Fields of an SBS-1 line."""

KNOT_MPS = 1852.0 / 3600.0
"""Metres per second in a knot."""

DECODER = "sbs"
JSON_DECODER = "dump1090-json"
MAX_AIRCRAFT = 100_000
"""Aircraft remembered by one decoder; the oldest are forgotten beyond it."""

_ADSB = SensorKind.ADSB.value
_NAN = math.nan
_HEX = frozenset(b"0123456789abcdefABCDEF")
_FLAGS = frozenset((b"", b"0", b"-1", b"1"))
_NOT_MSG = frozenset((b"SEL", b"ID", b"AIR", b"STA", b"CLK"))
_POSITION = frozenset((b"2", b"3"))
_ALTITUDE = frozenset((b"5", b"6", b"7"))
_STATE_ONLY = frozenset((b"1", b"4", b"5", b"6", b"7", b"8"))


class _Aircraft:
    __slots__ = ("alt", "callsign", "gs", "track")

    def __init__(self) -> None:
        self.callsign = ""
        self.alt = ""
        self.gs = _NAN
        self.track = _NAN


def _alt_text(alt: float) -> str:
    return str(int(alt)) if alt.is_integer() else repr(alt)


def _number(text: bytes, name: str) -> float:
    """A finite number, or NaN for an empty field; rejected otherwise."""
    return finite_number(text, name) if text else _NAN


class SbsDecoder:
    """Stateful decoder of SBS-1 BaseStation lines (one line per item, newline optional).

    ``clock`` gives the receive time when ``decode`` is not told it.
    """

    decoder = DECODER

    def __init__(
        self,
        source: str,
        marking: Marking = DEFAULT_MARKING,
        *,
        utc_offset_s: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.marking = marking
        self.utc_offset_s = float(utc_offset_s)
        self.clock = clock
        self._aircraft: dict[bytes, _Aircraft] = {}
        self._midnight: dict[bytes, float] = {}
        self.last_counts: dict[str, int] = {"lines": 0, "state_only": 0, "blank": 0}
        self.totals: dict[str, int] = {"lines": 0, "state_only": 0, "blank": 0}

    def decode(self, lines: Iterable[bytes], received_t_s: float | None = None) -> DecodeResult:
        """Decode lines into one batch; ``received_t_s`` None means now, by ``clock``."""
        if received_t_s is None:
            received_t_s = float(self.clock())
        icaos: list[str] = []
        t_s: list[float] = []
        lon: list[float] = []
        lat: list[float] = []
        gs: list[float] = []
        track: list[float] = []
        classification: list[str] = []
        quarantined: list[QuarantinedMessage] = []
        n_lines = state_only = blank = 0
        aircraft = self._aircraft
        for item in lines:
            n_lines += 1
            try:
                line = item if isinstance(item, bytes) else _as_bytes(item)
                line = line.rstrip(b"\r\n")
                if not line:
                    blank += 1
                    continue
                f = line.split(b",")
                if len(f) != SBS_FIELDS:
                    if f[0] in _NOT_MSG:
                        raise _Reject(
                            ReasonCode.UNSUPPORTED_MESSAGE,
                            f"{_show(f[0])} lines carry no aircraft data",
                        )
                    raise _Reject(
                        ReasonCode.BAD_FIELD_COUNT,
                        f"{len(f)} fields, not {SBS_FIELDS}",
                    )
                if f[0] != b"MSG":
                    raise _Reject(
                        ReasonCode.UNSUPPORTED_MESSAGE,
                        f"message type {_show(f[0])} is not MSG",
                    )
                if not line.isascii():
                    raise _Reject(ReasonCode.BAD_ENCODING, "line is not ASCII")
                kind = f[1]
                key = f[4]
                ac = aircraft.get(key)
                if ac is None:
                    if len(key) != 6 or not _HEX.issuperset(key):
                        raise _Reject(
                            ReasonCode.NOT_A_NUMBER,
                            f"ICAO address {_show(key)} is not 6 hex digits",
                        )
                    if kind not in _POSITION and kind not in _STATE_ONLY:
                        raise _Reject(
                            ReasonCode.UNSUPPORTED_MESSAGE,
                            f"transmission type {_show(kind)} is not 1-8",
                        )
                    ac = _Aircraft()
                for flag in f[18:]:
                    if flag not in _FLAGS:
                        raise _Reject(
                            ReasonCode.NOT_A_NUMBER, f"flag {_show(flag)} is not -1, 0 or empty"
                        )
                if kind in _POSITION:
                    row = self._position(f, ac, received_t_s)
                    icaos.append(key.decode().lower())
                    t_s.append(row[0])
                    lat.append(row[1])
                    lon.append(row[2])
                    gs.append(row[3])
                    track.append(row[4])
                    classification.append(row[5])
                elif kind in _ALTITUDE:
                    alt = _number(f[11], "altitude")
                    if f[16]:
                        _number(f[16], "vertical rate")
                    if alt == alt:
                        ac.alt = _alt_text(alt)
                    state_only += 1
                elif kind == b"1":
                    callsign = f[10].strip().decode()
                    if callsign:
                        ac.callsign = callsign
                    state_only += 1
                elif kind == b"4":
                    speed = _number(f[12], "ground speed")
                    heading = _number(f[13], "track")
                    if f[16]:
                        _number(f[16], "vertical rate")
                    if speed < 0.0:
                        raise _Reject(ReasonCode.OUT_OF_RANGE, f"ground speed {speed!r} < 0")
                    ac.gs, ac.track = speed, heading
                    state_only += 1
                elif kind == b"8":
                    state_only += 1
                else:
                    raise _Reject(
                        ReasonCode.UNSUPPORTED_MESSAGE,
                        f"transmission type {_show(kind)} is not 1-8",
                    )
                if key not in aircraft:
                    aircraft[key] = ac
                    if len(aircraft) > MAX_AIRCRAFT:  # forget the first seen
                        del aircraft[next(iter(aircraft))]
            except _Reject as rej:
                quarantined.append(self._quarantine(item, rej.code, rej.reason, received_t_s))
            except Exception as exc:  # a decoder never raises on input
                reason = f"unexpected {type(exc).__name__}: {_show(str(exc))}"
                quarantined.append(
                    self._quarantine(item, ReasonCode.DECODER_ERROR, reason, received_t_s)
                )
        counts = {"lines": n_lines, "state_only": state_only, "blank": blank}
        self.last_counts = counts
        for name, value in counts.items():
            self.totals[name] += value
        batch = _batch(self.source, self.marking, icaos, t_s, lon, lat, gs, track, classification)
        return DecodeResult(
            batch=batch,
            quarantined=quarantined,
            received=len(batch) + len(quarantined),
            unknown_ce=len(batch),
        )

    def _position(
        self, f: list[bytes], ac: _Aircraft, received_t_s: float
    ) -> tuple[float, float, float, float, float, str]:
        lat = _number(f[14], "lat")
        lon = _number(f[15], "lon")
        if lat != lat or lon != lon:
            raise _Reject(ReasonCode.NOT_A_NUMBER, "position line without lat/lon")
        if not -90.0 <= lat <= 90.0:
            raise _Reject(ReasonCode.OUT_OF_RANGE, f"lat {lat!r} is outside ±90")
        if not -180.0 <= lon <= 180.0:
            raise _Reject(ReasonCode.OUT_OF_RANGE, f"lon {lon!r} is outside ±180")
        alt = _number(f[11], "altitude")
        speed = _number(f[12], "ground speed") if f[12] else _NAN
        heading = _number(f[13], "track") if f[13] else _NAN
        if f[16]:
            _number(f[16], "vertical rate")
        if speed < 0.0:
            raise _Reject(ReasonCode.OUT_OF_RANGE, f"ground speed {speed!r} < 0")
        if f[6] or f[7]:
            t = self._time(f[6], f[7])
        elif f[8] or f[9]:
            t = self._time(f[8], f[9])
        else:
            t = received_t_s
        if alt == alt:
            ac.alt = _alt_text(alt)
        if speed != speed or heading != heading:
            speed, heading = ac.gs, ac.track
            ac.gs = ac.track = _NAN  # a remembered velocity is used once
        return t, lat, lon, speed, heading, f"aircraft:{ac.callsign}:{ac.alt}"

    def _time(self, date: bytes, clock_time: bytes) -> float:
        midnight = self._midnight.get(date)
        try:
            if midnight is None:
                y, m, d = date.split(b"/")
                midnight = datetime(int(y), int(m), int(d), tzinfo=UTC).timestamp()
                if len(self._midnight) < 4096:
                    self._midnight[date] = midnight
            hh, mm, ss = clock_time.split(b":")
            h, mi, s = int(hh), int(mm), float(ss)
        except (ValueError, OverflowError) as exc:
            raise _Reject(
                ReasonCode.BAD_TIME, f"date/time {_show(date)} {_show(clock_time)}: {exc}"
            ) from None
        if not (0 <= h < 24 and 0 <= mi < 60 and 0.0 <= s < 61.0):
            raise _Reject(ReasonCode.BAD_TIME, f"time {_show(clock_time)} is not a time of day")
        return midnight + h * 3600 + mi * 60 + s - self.utc_offset_s

    def _quarantine(
        self, item: Any, code: ReasonCode, reason: str, received_t_s: float
    ) -> QuarantinedMessage:
        return _quarantined(self.source, self.marking, DECODER, item, code, reason, received_t_s)


def _batch(
    source: str,
    marking: Marking,
    icaos: list[str],
    t_s: list[float],
    lon: list[float],
    lat: list[float],
    gs: list[float],
    track: list[float],
    classification: list[str],
) -> ObservationBatch:
    n = len(icaos)
    if not n:
        return ObservationBatch.empty()
    speed = np.asarray(gs, dtype=np.float64) * KNOT_MPS
    course = np.radians(np.asarray(track, dtype=np.float64))
    return ObservationBatch.from_columns(
        {
            "obs_id": [
                content_id("obs", source, i, t, a, o)
                for i, t, a, o in zip(icaos, t_s, lat, lon, strict=True)
            ],
            "t_s": t_s,
            "sensor_id": [source] * n,
            "sensor_kind": [_ADSB] * n,
            "lon": lon,
            "lat": lat,
            "sigma_m": np.full(n, UNKNOWN_CE_SIGMA_M),
            "vel_east_mps": speed * np.sin(course),
            "vel_north_mps": speed * np.cos(course),
            "classification": classification,
            "identity": icaos,
            "source": [source] * n,
            "agency": [marking.agency] * n,
            "releasability": [marking.releasability] * n,
        },
        n=n,
    )


def _flag(value: bool | None) -> str:
    return "" if value is None else ("-1" if value else "0")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def sbs_line(
    msg_type: int,
    icao: str,
    *,
    t_s: float | None = None,
    callsign: str = "",
    altitude_ft: float | None = None,
    ground_speed_kt: float | None = None,
    track_deg: float | None = None,
    lat: float | None = None,
    lon: float | None = None,
    vertical_rate_fpm: float | None = None,
    squawk: str = "",
    alert: bool | None = None,
    emergency: bool | None = None,
    spi: bool | None = None,
    on_ground: bool | None = None,
    utc_offset_s: float = 0.0,
    session_id: int = 1,
    aircraft_id: int = 1,
    flight_id: int = 1,
) -> bytes:
    """One SBS-1 ``MSG`` line with ``\\r\\n``; ``t_s`` (to the millisecond) is written as
    both generated and logged time, in local time ``utc_offset_s`` from UTC; None leaves the
    times blank. Numbers are written exactly (``repr``), so they decode to the same floats."""
    if t_s is None:
        date = clock = ""
    else:
        local = datetime.fromtimestamp(round(t_s + utc_offset_s, 3), tz=UTC)
        date = local.strftime("%Y/%m/%d")
        clock = local.strftime("%H:%M:%S.%f")[:-3]
    fields = [
        "MSG",
        str(msg_type),
        str(session_id),
        str(aircraft_id),
        icao.upper(),
        str(flight_id),
        date,
        clock,
        date,
        clock,
        callsign,
        _num(altitude_ft),
        _num(ground_speed_kt),
        _num(track_deg),
        _num(lat),
        _num(lon),
        _num(vertical_rate_fpm),
        squawk,
        _flag(alert),
        _flag(emergency),
        _flag(spi),
        _flag(on_ground),
    ]
    return (",".join(fields) + "\r\n").encode("ascii")


def _json_number(entry: dict[str, Any], name: str) -> float:
    value = entry.get(name)
    if value is None:
        return _NAN
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Reject(ReasonCode.NOT_A_NUMBER, f"{name} {_show(value)} is not a number")
    try:
        value = float(value)
    except OverflowError:  # an integer beyond any float
        raise _Reject(ReasonCode.NOT_A_NUMBER, f"{name} {_show(value)} is too large") from None
    if not math.isfinite(value):
        raise _Reject(ReasonCode.NOT_A_NUMBER, f"{name} {value!r} is not finite")
    return value


def _json_aircraft(entry: Any, now: float) -> tuple[str, float, float, float, float, float, str]:
    if not isinstance(entry, dict):
        raise _Reject(ReasonCode.MISSING_ATTRIBUTE, "aircraft entry is not an object")
    hex_text = entry.get("hex")
    if not isinstance(hex_text, str):
        raise _Reject(ReasonCode.MISSING_ATTRIBUTE, "aircraft has no 'hex'")
    bare = hex_text.strip().lstrip("~")  # "~" marks a non-ICAO (TIS-B) address
    if len(bare) != 6 or not _HEX.issuperset(bare.encode("ascii", "replace")):
        raise _Reject(ReasonCode.NOT_A_NUMBER, f"hex {_show(hex_text)} is not 6 hex digits")
    lat = _json_number(entry, "lat")
    lon = _json_number(entry, "lon")
    if not -90.0 <= lat <= 90.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"lat {lat!r} is outside ±90")
    if not -180.0 <= lon <= 180.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"lon {lon!r} is outside ±180")
    seen_pos = _json_number(entry, "seen_pos")
    if seen_pos < 0.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"seen_pos {seen_pos!r} is negative")
    gs = _json_number(entry, "gs")
    if gs < 0.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"gs {gs!r} is negative")
    track = _json_number(entry, "track")
    alt_value = entry.get("alt_baro")
    if alt_value == "ground":
        alt = "ground"
    else:
        alt_ft = _json_number(entry, "alt_baro")
        alt = "" if alt_ft != alt_ft else _alt_text(alt_ft)
    flight = entry.get("flight")
    callsign = flight.strip() if isinstance(flight, str) else ""
    t = now if seen_pos != seen_pos else now - seen_pos
    return hex_text.strip().lower(), t, lat, lon, gs, track, f"aircraft:{callsign}:{alt}"


def decode_aircraft_json(
    data: bytes,
    source: str,
    marking: Marking = DEFAULT_MARKING,
    *,
    received_t_s: float | None = None,
    clock: Callable[[], float] = time.time,
) -> DecodeResult:
    """Decode a dump1090 ``aircraft.json`` document (see the module doc for what counts)."""
    if received_t_s is None:
        received_t_s = float(clock())
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict):
            raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, "document is not a JSON object")
        now = doc.get("now")
        if isinstance(now, bool) or not isinstance(now, int | float):
            raise _Reject(ReasonCode.BAD_TIME, f"'now' {_show(now)} is not a number")
        try:
            now = float(now)
        except OverflowError:
            raise _Reject(ReasonCode.BAD_TIME, f"'now' {_show(now)} is too large") from None
        if not math.isfinite(now):
            raise _Reject(ReasonCode.BAD_TIME, f"'now' {now!r} is not a number")
        entries = doc.get("aircraft")
        if not isinstance(entries, list):
            raise _Reject(ReasonCode.MISSING_ATTRIBUTE, "document has no 'aircraft' list")
    except _Reject as rej:
        return _whole_quarantined(source, marking, data, rej.code, rej.reason, received_t_s)
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8: {exc}"
        return _whole_quarantined(
            source, marking, data, ReasonCode.BAD_ENCODING, reason, received_t_s
        )
    except (ValueError, RecursionError) as exc:
        reason = f"not JSON: {_show(str(exc))}"
        return _whole_quarantined(
            source, marking, data, ReasonCode.UNSUPPORTED_MESSAGE, reason, received_t_s
        )
    except Exception as exc:
        reason = f"unexpected {type(exc).__name__}: {_show(str(exc))}"
        return _whole_quarantined(
            source, marking, data, ReasonCode.DECODER_ERROR, reason, received_t_s
        )
    rows: list[tuple[str, float, float, float, float, float, str]] = []
    quarantined: list[QuarantinedMessage] = []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("lat") is None and entry.get("lon") is None:
            continue  # no position: skipped, not received
        try:
            rows.append(_json_aircraft(entry, float(now)))
            continue
        except _Reject as rej:
            code, reason = rej.code, rej.reason
        except Exception as exc:
            code = ReasonCode.DECODER_ERROR
            reason = f"unexpected {type(exc).__name__}: {_show(str(exc))}"
        try:
            raw = json.dumps(entry, sort_keys=True).encode()
        except Exception:
            raw = repr(entry).encode("utf-8", "replace")
        quarantined.append(
            _quarantined(source, marking, JSON_DECODER, raw, code, reason, received_t_s)
        )
    if rows:
        icaos, t_s, lat, lon, gs, track, cls = (list(c) for c in zip(*rows, strict=True))
    else:
        icaos, t_s, lat, lon, gs, track, cls = [], [], [], [], [], [], []
    batch = _batch(source, marking, icaos, t_s, lon, lat, gs, track, cls)
    return DecodeResult(
        batch=batch,
        quarantined=quarantined,
        received=len(batch) + len(quarantined),
        unknown_ce=len(batch),
    )


def _whole_quarantined(
    source: str,
    marking: Marking,
    data: Any,
    code: ReasonCode,
    reason: str,
    received_t_s: float,
) -> DecodeResult:
    q = _quarantined(source, marking, JSON_DECODER, data, code, reason, received_t_s)
    return DecodeResult(batch=ObservationBatch.empty(), quarantined=[q], received=1)
