"""Column-wise conversion and checks of the value texts the fast path of :mod:`._cotfast`
read: numbers, times, markings, and the ``obs_id`` of each row, exactly as the one-by-one
decode of :mod:`._cot` gives them (else the row goes that way)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import blake2b
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from ..model import SensorKind, parse_iso
from ._common import velocity_en

__all__ = [
    "CE_UNKNOWN_AT_LEAST",
    "NONE",
    "UNKNOWN_CE_SIGMA_M",
    "FastColumns",
    "column_times",
    "columns_of",
    "float_reprs",
    "obs_ids_of",
    "time_reprs",
]

UNKNOWN_CE_SIGMA_M = 50.0
"""sigma_m given to a position whose ce is unknown (absent, ≤ 0, non-finite or 9999999)."""

CE_UNKNOWN_AT_LEAST = 9_999_999.0
"""CoT's "unknown" value for ce and le."""

NONE = "none"
"""The key, among the value texts, of the names of the columns with a None in them."""

F8 = npt.NDArray[np.float64]
B1 = npt.NDArray[np.bool_]
I8 = npt.NDArray[np.int64]

_SENSOR_KINDS = frozenset(k.value for k in SensorKind)
_MOBILE, _OTHER = SensorKind.MOBILE.value, SensorKind.OTHER.value
_NAN = math.nan
_MAX_EXACT_US = 1 << 53  # |microseconds| below this convert to float exactly


@dataclass(slots=True)
class FastColumns:
    """Rows of the fast path (``index`` says which chunk each came from), and the chunks
    left for the slow path, by index."""

    index: list[int]
    columns: dict[str, Any]
    unknown_ce: int
    slow: list[int]


def _floats(texts: Sequence[str | None]) -> tuple[F8, B1, B1]:
    """``float`` of each text (NaN for None), where it failed, and where a text was given."""
    n = len(texts)
    try:  # float(None) raises TypeError
        values = np.fromiter(map(float, texts), np.float64, n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pass
    else:
        return values, np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    if texts.count(None) == n:
        return np.full(n, _NAN), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    values = np.full(n, _NAN)
    bad = np.zeros(n, dtype=bool)
    given = np.zeros(n, dtype=bool)
    for i, text in enumerate(texts):
        if text is None:
            continue
        given[i] = True
        try:
            values[i] = float(text)
        except ValueError:
            bad[i] = True
    return values, bad, given


def _days_from_civil(y: Any, m: Any, d: Any) -> Any:
    """Days since 1970-01-01 of proleptic Gregorian dates (arrays; y >= 1)."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)
_SEPARATORS = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"))
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _times_z(texts: Sequence[str]) -> tuple[F8, B1, I8]:
    """Epoch seconds of ``YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`` times, as ``parse_iso`` gives
    them (whole microseconds over 10**6, rounded once), and which texts are not of that form
    or range and are left to ``parse_iso``."""
    n = len(texts)
    out = np.full(n, _NAN)
    todo = np.ones(n, dtype=bool)
    micros = np.full(n, -1, dtype=np.int64)
    lengths = np.fromiter(map(len, texts), np.int64, n)
    width = int(lengths.max()) if n else 0
    if not 20 <= width <= 27:
        return out, todo, micros
    chars = np.array(texts, dtype=f"<U{width}").view(np.uint32).reshape(n, width)
    for length in np.unique(lengths).tolist():
        if length != 20 and not 22 <= length <= 27:
            continue
        rows = np.flatnonzero(lengths == length)
        c = chars[rows].astype(np.int64)
        ok = c[:, length - 1] == ord("Z")
        for pos, sep in _SEPARATORS:
            ok &= c[:, pos] == ord(sep)
        columns = list(_DIGITS)
        frac_digits = length - 21 if length > 20 else 0
        if frac_digits:
            ok &= c[:, 19] == ord(".")
            columns += range(20, 20 + frac_digits)
        d = c[:, columns] - ord("0")
        ok &= ((d >= 0) & (d <= 9)).all(axis=1)
        year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
        month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
        hour, minute = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11]
        second = d[:, 12] * 10 + d[:, 13]
        frac = np.zeros(len(rows), dtype=np.int64)
        for k in range(frac_digits):
            frac = frac * 10 + d[:, 14 + k]
        frac *= 10 ** (6 - frac_digits)
        ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        ok &= day <= _MONTH_DAYS[np.clip(month, 0, 12)] + (leap & (month == 2))
        ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
        days = _days_from_civil(year, month, day)
        us = (days * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000 + frac
        ok &= np.abs(us) < _MAX_EXACT_US
        good = rows[ok]
        out[good] = us[ok].astype(np.float64) / 1e6
        micros[good] = us[ok]
        todo[good] = False
    return out, todo, micros


def column_times(texts: Sequence[str]) -> tuple[F8, B1, I8]:
    """Epoch seconds as ``parse_iso`` gives them, and where it refused the text."""
    t_s, todo, micros = _times_z(texts)
    bad = np.zeros(len(texts), dtype=bool)
    for i in np.flatnonzero(todo).tolist():
        try:
            t_s[i] = parse_iso(texts[i])
        except (ValueError, OverflowError):
            bad[i] = True
    return t_s, bad, micros


def time_reprs(micros: I8, t_s: F8) -> list[str]:
    """``repr`` of the times ``t_s``, from their whole microseconds since the epoch where
    known (else -1): ``sec.mmm`` has at most 15 significant digits when the time is whole
    milliseconds, at least 1 s and exact (below 2**53 µs), so it is the only decimal of so
    few digits that reads as ``t_s``, and ``repr`` writes it without trailing zeros."""
    ok = (micros >= 1_000_000) & (micros % 1000 == 0)
    if len(micros) and ok.all() and ((micros >= 10**15) & (micros < 10**16)).all():
        return _time_reprs_10(micros)
    seconds, millis = (micros // 1_000_000).tolist(), (micros // 1000 % 1000).tolist()
    out = [f"{sec}.{_MILLIS[ms]}" for sec, ms in zip(seconds, millis, strict=True)]
    for i in np.flatnonzero(~ok).tolist():
        out[i] = repr(float(t_s[i]))
    return out


_MILLIS = [f"{ms:03d}".rstrip("0") or "0" for ms in range(1000)]
_TEN_DIGITS = 10 ** np.arange(9, -1, -1, dtype=np.int64)
_THREE_DIGITS = np.array([100, 10, 1], dtype=np.int64)


def _time_reprs_10(micros: I8) -> list[str]:
    """:func:`time_reprs` of whole milliseconds of 10 digits of seconds, written by NumPy:
    those digits, ".", those of the milliseconds less their trailing zeros (NULs, which a
    NumPy string drops at its end), or "0"."""
    sec, ms = micros // 1_000_000, micros // 1000 % 1000
    c = np.empty((len(micros), 14), dtype=np.uint32)
    c[:, :10] = sec[:, None] // _TEN_DIGITS % 10 + 48
    c[:, 10] = ord(".")
    c[:, 11:] = ms[:, None] // _THREE_DIGITS % 10 + 48
    c[:, 13] *= ms % 10 != 0
    c[:, 12] *= ms % 100 != 0
    return c.view("<U14").ravel().tolist()


# Texts whose float's repr is the text less its trailing zeros, as float_reprs says, in the
# common case of coordinates: at most 4 digits before the point (the first not 0, so
# 1 <= |value| < 1e4) and 1 to 11 after it; one after the other, each followed by a NUL.
_PLAIN_FLOATS = re.compile(r"(?:-?[1-9][0-9]{0,3}\.[0-9]{1,11}\x00)*+")


def float_reprs(texts: list[str], values: F8) -> list[str]:
    """``repr`` of the floats ``values`` parsed from ``texts``, taken from the texts where
    that is exact: a text ``-?D+.D+`` (no superfluous leading zero) with at most 15
    significant digits is the only decimal of so few digits that reads as its float, so
    ``repr`` (the shortest round-trip) is the text less its trailing zeros, when the value
    is written without an exponent (0, or 1e-4 <= |value| < 1e16)."""
    joined = "\x00".join(texts) + "\x00"
    if joined.count("\x00") == len(texts) and _PLAIN_FLOATS.fullmatch(joined) is not None:
        if "0\x00" not in joined:
            return texts
        while "0\x00" in joined:  # a zero at a time, from each text: at most 11 passes
            joined = joined.replace("0\x00", "\x00")
        return joined.replace(".\x00", ".0\x00").split("\x00")[:-1]
    n = len(texts)
    lengths = np.fromiter(map(len, texts), np.int64, n)
    width = int(lengths.max()) if n else 0
    if not 3 <= width <= 24:
        return list(map(repr, values.tolist()))
    c = np.array(texts, dtype=f"<U{width}").view(np.uint32).reshape(n, width)
    col = np.arange(width)
    inside = col < lengths[:, None]
    digit = (c >= ord("0")) & (c <= ord("9")) & inside
    dot_at = c == ord(".")
    neg = c[:, 0] == ord("-")
    start = neg.astype(np.int64)
    dot = np.argmax(dot_at, axis=1)
    ok = (dot_at.sum(axis=1) == 1) & (dot > start) & (dot < lengths - 1)
    ok &= (digit | dot_at | ~inside | ((col == 0) & neg[:, None])).all(axis=1)
    first = c[np.arange(n), start]
    int_len = dot - start
    ok &= (first != ord("0")) | (int_len == 1)
    nonzero = digit & (c != ord("0")) & (col > dot[:, None])
    any_nonzero = nonzero.any(axis=1)
    last = np.where(any_nonzero, width - 1 - np.argmax(nonzero[:, ::-1], axis=1), dot)
    zero_int = (first == ord("0")) & (int_len == 1)
    first_nonzero = np.argmax(nonzero, axis=1)
    sig = np.where(zero_int, last - first_nonzero + 1, int_len + last - dot)
    ok &= sig <= 15
    ok &= ~(zero_int & any_nonzero & (first_nonzero - dot > 4))  # below 1e-4
    end = np.maximum(last + 1, dot + 2)
    out = list(map(str.__getitem__, texts, map(slice, end.tolist())))
    for i in np.flatnonzero(~ok).tolist():
        out[i] = repr(float(values[i]))
    return out


def _mask(values: list[Any], refused: set[Any]) -> B1:
    return np.fromiter((v in refused for v in values), dtype=bool, count=len(values))


def columns_of(
    index: list[int],
    cols: dict[str, list[Any]],
    slow: list[int],
    source: str,
    agency: str,
    releasability: str,
    markings: set[tuple[str, str]],
) -> FastColumns:
    """Convert and check the values column-wise; rows with anything to refuse go slow."""
    m = len(index)
    if not m:
        return FastColumns([], {}, 0, slow)
    uids: list[str] = cols["uid"]
    types: list[str] = cols["type"]
    links: list[str | None] = cols["link"]
    bad = np.zeros(m, dtype=bool)
    for name in ("uid", "type", "time"):
        if "" in cols[name]:
            bad |= _mask(cols[name], {""})
    refused = {t for t in set(types) if not t.startswith("a-")}
    if refused:
        bad |= _mask(types, refused)
    nones = set(cols[NONE])
    kinds: list[str] = cols["kind"]
    if "kind" in nones:  # the default: mobile for a self-report, else other
        kinds = [
            (_MOBILE if u is None else _OTHER) if k is None else k
            for k, u in zip(kinds, links, strict=True)
        ]
    refused = set(kinds) - _SENSOR_KINDS
    if refused:
        bad |= _mask(kinds, refused)
    agencies: list[str] = cols["agency"]
    if "agency" in nones:
        agencies = [agency if a is None else a for a in agencies]
    rels: list[str] = cols["rel"]
    if "rel" in nones:
        rels = [releasability if r is None else r for r in rels]
    if not _all_known(agencies, rels, markings):
        refused_pairs = set(zip(agencies, rels, strict=True)) - markings
        bad |= _mask(list(zip(agencies, rels, strict=True)), refused_pairs)
    sensors: list[str] = (
        [u if k is None else k for u, k in zip(uids, links, strict=True)]
        if "link" in nones
        else cols["link"]  # no None in it
    )
    lat, bad_lat, _ = _floats(cols["lat"])
    lon, bad_lon, _ = _floats(cols["lon"])
    ce, bad_ce, _ = _floats(cols["ce"])
    speed, bad_speed, has_speed = _floats(cols["speed"])
    course, bad_course, has_course = _floats(cols["course"])
    t_s, bad_t, micros = column_times(cols["time"])
    both = has_speed & has_course
    with np.errstate(invalid="ignore"):
        bad |= bad_lat | bad_lon | bad_ce | bad_speed | bad_course | bad_t
        bad |= ~(np.abs(lat) <= 90.0) | ~(np.abs(lon) <= 180.0)  # NaN and inf too
        bad |= both & (speed < 0.0)
        known_ce = (ce > 0.0) & (ce < CE_UNKNOWN_AT_LEAST)  # NaN is unknown
    speed = np.where(both, speed, _NAN)  # non-finite stays unknown: NaN velocity
    course = np.where(both, course, _NAN)
    sigma = np.where(known_ce, ce, UNKNOWN_CE_SIGMA_M)
    row = np.asarray(index, dtype=np.int64)
    lat_text: list[str] = cols["lat"]
    lon_text: list[str] = cols["lon"]
    if bad.any() or np.any(row[1:] < row[:-1]):
        if bad.any():
            slow = sorted(slow + row[bad].tolist())
        take = np.flatnonzero(~bad)
        take = take[np.argsort(row[take], kind="stable")]
        if not take.size:
            return FastColumns([], {}, 0, slow)
        pick = itemgetter(*take.tolist())

        def pick_list(values: list[Any]) -> list[Any]:
            return list(pick(values)) if take.size > 1 else [pick(values)]

        uids, sensors, types = pick_list(uids), pick_list(sensors), pick_list(types)
        kinds, agencies, rels = pick_list(kinds), pick_list(agencies), pick_list(rels)
        lat_text, lon_text = pick_list(lat_text), pick_list(lon_text)
        row, known_ce, lat, lon, t_s = row[take], known_ce[take], lat[take], lon[take], t_s[take]
        micros = micros[take]
        sigma, speed, course = sigma[take], speed[take], course[take]
    n = len(uids)
    obs_ids = obs_ids_of(
        source, sensors, uids, time_reprs(micros, t_s), float_reprs(lat_text, lat),
        float_reprs(lon_text, lon),
    )  # fmt: skip
    vel_east, vel_north = velocity_en(speed, course)  # as atom_batch has them
    return FastColumns(
        index=row.tolist(),
        columns={
            "obs_id": obs_ids,
            "t_s": t_s,
            "sensor_id": sensors,
            "sensor_kind": kinds,
            "lon": lon,
            "lat": lat,
            "sigma_m": sigma,
            "vel_east_mps": vel_east,
            "vel_north_mps": vel_north,
            "classification": types,
            "identity": uids,
            "source": [source] * n,
            "agency": agencies,
            "releasability": rels,
        },
        unknown_ce=int(n - known_ce.sum()),
        slow=slow,
    )


def _all_known(agencies: list[str], rels: list[str], markings: set[tuple[str, str]]) -> bool:
    """Whether every (agency, releasability) pair is in ``markings``, seen from the few
    distinct values of each column (any pair of them known means every row's is)."""
    distinct_agencies, distinct_rels = set(agencies), set(rels)
    if len(distinct_agencies) * len(distinct_rels) > 16:
        return set(zip(agencies, rels, strict=True)) <= markings
    return all((a, r) in markings for a in distinct_agencies for r in distinct_rels)


def _quotable(texts: list[str]) -> bool:
    """Whether ``repr`` of each text is the text in single quotes: none has a quote, a
    backslash or a character ``repr`` escapes."""
    joined = "".join(texts)
    return "'" not in joined and "\\" not in joined and joined.isprintable()


def obs_ids_of(
    source: str, sensors: list[str], uids: list[str], times: list[str], lats: list[str],
    lons: list[str],
) -> list[str]:  # fmt: skip
    """``content_id("obs", source, sensor_id, uid, t_s, lat, lon)`` of each row, from the
    ``repr`` of its times and coordinates: the same hash over the same text, with the
    source's part hashed once."""
    first = blake2b(digest_size=16)
    first.update(f"{source!r}\x1f".encode())
    copy = first.copy
    if _quotable(sensors) and _quotable(uids):
        data = [
            f"'{sid}'\x1f'{uid}'\x1f{t}\x1f{la}\x1f{lo}\x1f"
            for sid, uid, t, la, lo in zip(sensors, uids, times, lats, lons, strict=True)
        ]
    else:
        data = [
            f"{sid!r}\x1f{uid!r}\x1f{t}\x1f{la}\x1f{lo}\x1f"
            for sid, uid, t, la, lo in zip(sensors, uids, times, lats, lons, strict=True)
        ]
    out = []
    for text in data:
        h = copy()
        h.update(text.encode())
        out.append("obs-" + h.hexdigest())
    return out
