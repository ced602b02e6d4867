"""The fast path of :class:`~northline.ingest.CotDecoder`: whole batches of plain events.

Most CoT on the wire is a run of events from a few producers, each writing the same markup
around different values. Split a chunk at its double quotes and the even pieces are its
*skeleton* (tags, attribute names, text), the odd pieces its attribute values. A skeleton is
parsed once with ``defusedxml``, every value replaced by its own index (the *probe*); that
parse says where uid, type, time, lat, lon, ce, link, track and ``__northline`` are, as a
:class:`Plan`. Later chunks of a known skeleton are read by indexing their pieces (or, for
the few skeletons last used, by one compiled pattern over a batch of chunks), and their
values are converted and checked column-wise with NumPy.

Why this reads exactly what ``defusedxml`` reads, and refuses what it refuses:

* a chunk takes the fast path only if it is bytes, shorter than the size limit, valid
  UTF-8, has no ``&`` (no entity or character reference at all: nothing to expand, nothing
  external to fetch) and no ``'`` (every attribute value is double-quoted), once a strict
  XML declaration (version 1.0, encoding UTF-8 or none, standalone yes/no, double quotes)
  is taken off its head;
* its skeleton has no ``<!`` (no DOCTYPE, no entity or other markup declaration, no comment
  or CDATA), no ``<?`` (no processing instruction), no ``]]>`` and no ``xmlns``;
* its values have no ``<`` and no C0 control character (so no tab, CR or LF either, and no
  attribute-value normalisation), nor U+FFFE or U+FFFF: nothing XML forbids;
* such values are inert: put in place of the probe's digits, in an attribute value or in
  text, they cannot change how the document tokenises. The chunk is therefore well-formed
  exactly when its probe is (duplicate attributes, bad names, mismatched tags and stray text
  are all in the skeleton), and its tree is the probe's with the values put back. The probe
  is parsed behind a fixed declaration, so where the chunk had none it is only stricter
  (a byte-order mark then fails the probe, and the chunk goes the slow way).

Anything hostile needs ``<!`` or ``&`` and never takes this path. Every chunk the fast path
does not take, and every row with something to refuse (a missing or bad number, a
coordinate out of range, a bad time, a negative speed, an unknown sensor kind, a marking not
yet known to be valid, an empty uid/type/time or a non-atom type), goes to the one-by-one
``defusedxml`` decode of :mod:`._cot`, which gives its exact row or reason code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from hashlib import blake2b
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter, methodcaller
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import numpy.typing as npt
from defusedxml.ElementTree import fromstring as defused_fromstring

from ..model import SensorKind, parse_iso
from ._common import velocity_en

__all__ = [
    "CE_UNKNOWN_AT_LEAST",
    "UNKNOWN_CE_SIGMA_M",
    "FastColumns",
    "Plan",
    "column_times",
    "fast_columns",
    "float_reprs",
    "time_reprs",
]

UNKNOWN_CE_SIGMA_M = 50.0
"""sigma_m given to a position whose ce is unknown (absent, ≤ 0, non-finite or 9999999)."""

CE_UNKNOWN_AT_LEAST = 9_999_999.0
"""CoT's "unknown" value for ce and le."""

F8 = npt.NDArray[np.float64]
B1 = npt.NDArray[np.bool_]
I8 = npt.NDArray[np.int64]
Row = tuple[Any, ...]

_SENSOR_KINDS = frozenset(k.value for k in SensorKind)
_MOBILE, _OTHER = SensorKind.MOBILE.value, SensorKind.OTHER.value
_NAN = math.nan
_MAX_EXACT_US = 1 << 53  # |microseconds| below this convert to float exactly
_PLANS_CACHED = 512
_SUB_BATCH = 256  # chunks split at a time: small enough to stay in the CPU cache
_COLUMN_BATCH = 1024  # rows converted at a time: large enough to amortise NumPy calls
_HOT_PLANS = 4
_DECLS_CACHED = 64

_S = r"[ \t\r\n]*+"
_DECL = re.compile(
    rf"<\?xml[ \t\r\n]++version{_S}={_S}\"1\.0\""
    rf"(?:[ \t\r\n]++encoding{_S}={_S}\"(?i:utf-8)\")?"
    rf"(?:[ \t\r\n]++standalone{_S}={_S}\"(?:yes|no)\")?{_S}\?>"
)
_PROBE_DECL = b'<?xml version="1.0" encoding="utf-8"?>'


@dataclass(slots=True)
class FastColumns:
    """Rows of the fast path (``index`` says which chunk each came from), and the chunks
    left for the slow path, by index."""

    index: list[int]
    columns: dict[str, Any]
    unknown_ce: int
    slow: list[int]


@dataclass(slots=True, eq=False)
class Plan:
    """Where the values of one skeleton are: indexes into ``text.split('"')`` by ``FIELDS``,
    -1 when the attribute is absent."""

    parts: int  # how many pieces a chunk of this skeleton splits into
    marks: int  # how many "<" and C0 controls it has (values have none)
    where: tuple[int, ...]  # by FIELDS
    links: tuple[tuple[int, int], ...]  # (relation, uid) of each link with a relation
    key: str = ""  # the skeleton
    regex: re.Pattern[str] | None = None  # see _regex

    @property
    def slots(self) -> list[int]:
        """The indexes of the values a row needs, in order."""
        wanted = {k for k in self.where if k >= 0}
        wanted.update(k for link in self.links for k in link if k >= 0)
        return sorted(wanted)


FIELDS = ("uid", "type", "time", "lat", "lon", "ce", "speed", "course", "kind", "agency", "rel")
_NO_PLAN = Plan(parts=-1, marks=0, where=(), links=())
_UNSEEN = Plan(parts=-2, marks=0, where=(), links=())


def make_plan(key: str, parts: list[str]) -> Plan:
    """Parse the probe of a skeleton with ``defusedxml``; ``_NO_PLAN`` when it has what the
    fast path never takes, is not well-formed, or lacks what a row needs (the slow path then
    says why)."""
    if len(parts) % 2 == 0 or any(bad in key for bad in ("<!", "<?", "]]>", "xmlns")):
        return _NO_PLAN
    probe = '"'.join(p if k % 2 == 0 else str(k) for k, p in enumerate(parts))
    try:
        root = defused_fromstring(_PROBE_DECL + probe.encode("utf-8"), forbid_dtd=True)
        return _plan(root, len(parts), _marks(probe), key)
    except Exception:
        return _NO_PLAN


def _plan(root: Element, n_parts: int, marks: int, key: str) -> Plan:
    if root.tag != "event":
        return _NO_PLAN

    def at(elem: Element | None, name: str) -> int:
        value = None if elem is None else elem.get(name)
        return -1 if value is None else int(value)

    point = root.find("point")
    links: list[tuple[int, int]] = []
    track: Element | None = None
    ours: Element | None = None
    detail = root.find("detail")
    for child in () if detail is None else detail:
        if child.tag == "link":
            if child.get("relation") is not None:
                links.append((at(child, "relation"), at(child, "uid")))
        elif child.tag == "track":
            if track is None:
                track = child
        elif child.tag == "__northline" and ours is None:
            ours = child
    where = (
        at(root, "uid"), at(root, "type"), at(root, "time"), at(point, "lat"), at(point, "lon"),
        at(point, "ce"), at(track, "speed"), at(track, "course"), at(ours, "sensor_kind"),
        at(ours, "agency"), at(ours, "releasability"),
    )  # fmt: skip
    if min(where[:5]) < 0:
        return _NO_PLAN
    return Plan(n_parts, marks, where, tuple(links), key)


# A value that needs no normalising and holds nothing XML forbids; with no "<", "&" or '"'.
_VALUE = '[^"<\x00-\x1f\ufffe\uffff]*+'


def _regex(plan: Plan) -> re.Pattern[str]:
    """A pattern for ``findall`` over ``"\\x00" + "\\x00".join(texts)``: for each text, a
    tuple of "\\x00" and the values in ``plan.slots`` when the text is of the plan's
    skeleton with acceptable values, else of empty strings. Such a text splits at its
    quotes into exactly the skeleton's pieces, so it has the plan's skeleton."""
    wanted = set(plan.slots)
    pieces = plan.key.split('""')
    body = [re.escape(pieces[0])]
    for j, piece in enumerate(pieces[1:]):
        body.append(f'"({_VALUE})"' if 2 * j + 1 in wanted else f'"{_VALUE}"')
        body.append(re.escape(piece))
    return re.compile("(\x00)" + "".join(body) + "(?=\x00|\\Z)|\x00[^\x00]*+")


def _body(chunk: Any, max_bytes: int, decls: set[bytes]) -> str:
    """The chunk as text without its XML declaration; "" (which no plan takes) when it
    cannot take the fast path."""
    if type(chunk) is not bytes or len(chunk) >= max_bytes or b"&" in chunk or b"'" in chunk:
        return ""
    try:
        return _strip_decl(chunk, decls).decode("utf-8")
    except UnicodeDecodeError:
        return ""


def _strip_decl(chunk: bytes, decls: set[bytes]) -> bytes:
    """The chunk without a strict XML declaration at its head; b"" if it has another."""
    if not chunk.startswith(b"<?xml"):
        return chunk
    end = chunk.find(b"?>") + 2
    decl = chunk[:end]
    if decl not in decls:
        if len(decl) < 2 or _DECL.fullmatch(decl.decode("latin-1")) is None:
            return b""
        if len(decls) < _DECLS_CACHED:
            decls.add(decl)
    return chunk[end:]


def _bodies(
    chunks: Sequence[Any], max_bytes: int, decls: set[bytes]
) -> tuple[list[str] | None, str | None, bytes | None]:
    """The texts of :func:`_body` (None until needed), "\\x00" + "\\x00".join(texts) (None
    if one chunk has a NUL or is not bytes) and the bodies joined as UTF-8 (else None); with
    C-level passes over the whole batch."""
    if set(map(type, chunks)) == {bytes} and max(map(len, chunks)) < max_bytes:
        joined = b"".join(chunks)
        if b"&" not in joined and b"'" not in joined and b"\x00" not in joined:
            bodies = chunks
            if b"?" in joined and b"<?xml" in joined:
                bodies = [_strip_decl(c, decls) for c in chunks]
                joined = b"".join(bodies)
            try:
                return None, (b"\x00" + b"\x00".join(bodies)).decode("utf-8"), joined
            except UnicodeDecodeError:
                pass
    return [_body(c, max_bytes, decls) for c in chunks], None, None


def _marks(text: str) -> int:
    return len(text) - len(text.translate(_MARK_TABLE))


_MARKS = bytes(range(0x20)) + b"<"  # "<" and the C0 controls (tab, LF and CR among them)
_MARK_TABLE = dict.fromkeys(_MARKS)
_SPLIT = methodcaller("split", '"')
_EVEN = itemgetter(slice(None, None, 2))
_ODD = itemgetter(slice(1, None, 2))
_PARTS = attrgetter("parts")
_MARKS_OF = attrgetter("marks")


def fast_columns(
    chunks: Sequence[Any],
    max_bytes: int,
    source: str,
    agency: str,
    releasability: str,
    markings: set[tuple[str, str]],
    plans: dict[str, Plan],
    hot: list[Plan],
    decls: set[bytes],
) -> FastColumns:
    """The rows of the chunks that take the fast path; see the module docstring.

    ``markings`` are the (agency, releasability) pairs known to be valid; ``plans`` and
    ``decls`` cache the plan of each skeleton and the XML declarations seen.
    """
    pieces: list[FastColumns] = []
    for start in range(0, len(chunks), _COLUMN_BATCH):
        columns: dict[str, list[Any]] = {f: [] for f in (*FIELDS, "link")}
        index: list[int] = []
        slow: list[int] = []
        for at in range(start, min(start + _COLUMN_BATCH, len(chunks)), _SUB_BATCH):
            _pick(
                chunks[at : at + _SUB_BATCH], at, max_bytes, plans, hot, decls,
                columns, index, slow,
            )  # fmt: skip
        pieces.append(_columns(index, columns, slow, source, agency, releasability, markings))
    return _concat(pieces)


def _concat(pieces: list[FastColumns]) -> FastColumns:
    if len(pieces) == 1:
        return pieces[0]
    slow = [i for p in pieces for i in p.slow]
    pieces = [p for p in pieces if p.index]
    if not pieces:
        return FastColumns([], {}, 0, slow)
    columns: dict[str, Any] = {}
    for name, first in pieces[0].columns.items():
        if isinstance(first, np.ndarray):
            columns[name] = np.concatenate([p.columns[name] for p in pieces])
        else:
            columns[name] = list(chain.from_iterable(p.columns[name] for p in pieces))
    return FastColumns(
        index=list(chain.from_iterable(p.index for p in pieces)),
        columns=columns,
        unknown_ce=sum(p.unknown_ce for p in pieces),
        slow=slow,
    )


def _pick(
    chunks: Sequence[Any],
    offset: int,
    max_bytes: int,
    plans: dict[str, Plan],
    hot: list[Plan],
    decls: set[bytes],
    columns: dict[str, list[Any]],
    index: list[int],
    slow: list[int],
) -> None:
    """Add the value texts of the chunks of a known plan to ``columns``, their indexes
    (plus ``offset``) to ``index``; the indexes of the others to ``slow``. Texts of the
    ``hot`` plans are read by their patterns, the rest by splitting."""
    texts, doc, joined = _bodies(chunks, max_bytes, decls)
    todo = list(range(len(chunks)))
    if doc is not None:
        for plan in hot:
            if doc is None:
                assert texts is not None
                doc = "\x00" + "\x00".join([texts[i] for i in todo])
            assert plan.regex is not None
            rows = plan.regex.findall(doc)
            if len(rows) != len(todo):  # cannot happen: one match per text
                break
            hit = np.fromiter(map(len, map(_FIRST, rows)), bool, len(rows))
            if not hit.any():
                continue
            at = np.asarray(todo)
            if not hit.all():
                rows = list(compress(rows, hit.tolist()))
            values = list(zip(*rows, strict=True))[1:]
            _add(plan, dict(zip(plan.slots, values, strict=True)), columns)
            index += (at[hit] + offset).tolist()
            todo = at[~hit].tolist()
            if not todo:
                return
            if texts is None:
                texts = doc[1:].split("\x00")
            doc = None
        if texts is None:
            texts = (doc or "")[1:].split("\x00")
    assert texts is not None
    _split(texts, todo, joined, offset, plans, hot, columns, index, slow)


def _split(
    texts: list[str],
    todo: list[int],
    joined: bytes | None,
    offset: int,
    plans: dict[str, Plan],
    hot: list[Plan],
    columns: dict[str, list[Any]],
    index: list[int],
    slow: list[int],
) -> None:
    """:func:`_pick` of the texts at ``todo``, by splitting them at their quotes."""
    n = len(todo)
    if n < len(texts):
        texts = [texts[i] for i in todo]
        joined = None
    parts = list(map(_SPLIT, texts))
    keys = list(map('""'.join, map(_EVEN, parts)))
    found = list(map(plans.get, keys, repeat(_UNSEEN)))
    if _UNSEEN in found:
        for i in [i for i, plan in enumerate(found) if plan is _UNSEEN]:
            plan = plans.get(keys[i], _UNSEEN)
            if plan is _UNSEEN:
                plan = make_plan(keys[i], parts[i])
                if len(parts[i]) % 2:  # an odd quote out says nothing of the skeleton
                    if len(plans) >= _PLANS_CACHED:
                        plans.clear()
                    plans[keys[i]] = plan
            found[i] = plan
    ok = np.fromiter(map(len, parts), np.int64, n) == np.fromiter(map(_PARTS, found), np.int64, n)
    # No value may hold "<" or a control character (and so need normalising, or be what
    # XML forbids): the batch has no more of them than its skeletons, else look one by one.
    expected = sum(map(_MARKS_OF, found)) + sum(_marks(texts[i]) for i in np.flatnonzero(~ok))
    if (
        joined is None
        or not (joined.isascii() or b"\xef\xbf" not in joined)  # U+FFFE, U+FFFF
        or len(joined) - len(joined.translate(None, _MARKS)) != expected
    ):
        for i in np.flatnonzero(ok).tolist():
            values = "".join(parts[i][1::2])
            ok[i] = values.isprintable() and "<" not in values
    rows_at = np.asarray(todo, dtype=np.int64) + offset
    if not ok.all():
        slow += rows_at[~ok].tolist()
        if not ok.any():
            return
    good = np.flatnonzero(ok)
    ids = np.fromiter(map(id, found), np.int64, n)[good]
    first = dict(zip(ids.tolist(), good.tolist(), strict=True))
    for plan_id, at in first.items():
        rows = good.tolist() if len(first) == 1 else good[ids == plan_id].tolist()
        plan = found[at]
        group = parts if len(rows) == n else [parts[i] for i in rows]
        _add(plan, {k: list(map(itemgetter(k), group)) for k in plan.slots}, columns)
        index += rows_at[rows].tolist()
        if plan.regex is None:
            plan.regex = _regex(plan)
        if plan in hot:
            hot.remove(plan)
        hot.insert(0, plan)
        del hot[_HOT_PLANS:]


def _add(plan: Plan, by_slot: dict[int, Sequence[str]], columns: dict[str, list[Any]]) -> None:
    """Add the values of rows of one plan to ``columns``."""
    m = len(next(iter(by_slot.values())))
    for name, k in zip(FIELDS, plan.where, strict=True):
        columns[name] += by_slot[k] if k >= 0 else repeat(None, m)
    if not plan.links:
        columns["link"] += repeat(None, m)
        return
    link: npt.NDArray[np.object_] = np.full(m, None, dtype=object)
    unset = np.ones(m, dtype=bool)
    for rel_at, uid_at in plan.links:  # the first link with relation p-p and a uid
        if uid_at < 0:
            continue
        rel = np.array(by_slot[rel_at], dtype=object)
        uid = np.array(by_slot[uid_at], dtype=object)
        take = (rel == "p-p") & (uid != "") & unset
        link[take] = uid[take]
        unset &= ~take
    columns["link"] += link.tolist()


_FIRST = itemgetter(0)


def _floats(texts: Sequence[str | None]) -> tuple[F8, B1, B1]:
    """``float`` of each text (NaN for None), where it failed, and where a text was given."""
    n = len(texts)
    absent = texts.count(None)
    if absent == n:
        return np.full(n, _NAN), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if not absent:
        try:
            values = np.fromiter(map(float, texts), dtype=np.float64, count=n)  # type: ignore[arg-type]
        except ValueError:
            pass
        else:
            return values, np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
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
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
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
    seconds, millis = (micros // 1_000_000).tolist(), (micros // 1000 % 1000).tolist()
    out = [f"{sec}.{_MILLIS[ms]}" for sec, ms in zip(seconds, millis, strict=True)]
    for i in np.flatnonzero(~ok).tolist():
        out[i] = repr(float(t_s[i]))
    return out


_MILLIS = [f"{ms:03d}".rstrip("0") or "0" for ms in range(1000)]


def float_reprs(texts: list[str], values: F8) -> list[str]:
    """``repr`` of the floats ``values`` parsed from ``texts``, taken from the texts where
    that is exact: a text ``-?D+.D+`` (no superfluous leading zero) with at most 15
    significant digits is the only decimal of so few digits that reads as its float, so
    ``repr`` (the shortest round-trip) is the text less its trailing zeros, when the value
    is written without an exponent (0, or 1e-4 <= |value| < 1e16)."""
    n = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
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


def _columns(
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
    kinds: list[str] = cols["kind"]
    if None in kinds:  # the default: mobile for a self-report, else other
        kinds = [
            (_MOBILE if u is None else _OTHER) if k is None else k
            for k, u in zip(kinds, links, strict=True)
        ]
    refused = set(kinds) - _SENSOR_KINDS
    if refused:
        bad |= _mask(kinds, refused)
    agencies: list[str] = cols["agency"]
    if None in agencies:
        agencies = [agency if a is None else a for a in agencies]
    rels: list[str] = cols["rel"]
    if None in rels:
        rels = [releasability if r is None else r for r in rels]
    refused_pairs = set(zip(agencies, rels, strict=True)) - markings
    if refused_pairs:
        bad |= _mask(list(zip(agencies, rels, strict=True)), refused_pairs)
    sensors = (
        [u if k is None else k for u, k in zip(uids, links, strict=True)]
        if None in links
        else links
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
    # as content_id("obs", source, sensor_id, uid, t_s, lat, lon): the parts' reprs
    head = f"{source!r}\x1f"
    n = len(uids)
    data = [
        f"{head}{sid!r}\x1f{uid!r}\x1f{t}\x1f{la}\x1f{lo}\x1f"
        for sid, uid, t, la, lo in zip(
            sensors,
            uids,
            time_reprs(micros, t_s),
            float_reprs(lat_text, lat),
            float_reprs(lon_text, lon),
            strict=True,
        )
    ]
    obs_ids = list(map("obs-".__add__, map(_HEX, map(_BLAKE, map(str.encode, data)))))
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


_BLAKE = partial(blake2b, digest_size=16)
_HEX = methodcaller("hexdigest")
