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

Skeletons and their plans are in :mod:`._cotplan`, the column-wise conversions in
:mod:`._cotcolumns`; this module picks the chunks of known skeletons and reads their values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter, methodcaller
from typing import Any

import numpy as np
import numpy.typing as npt

from ._cotcolumns import NONE, FastColumns, columns_of
from ._cotplan import ASCII_VALUE, FIELDS, UNSEEN, Plan, bodies, make_plan, marks, plan_regex

__all__ = ["FastColumns", "Plan", "fast_columns"]

_PLANS_CACHED = 512
_SUB_BATCH = 512  # chunks read at a time: small enough to stay in the CPU cache
_COLUMN_BATCH = 1024  # rows converted at a time: large enough to amortise NumPy calls
_HOT_PLANS = 4
_LOOSE_AFTER = 8  # sub-batches a plan's loose pattern waits after it did not take them all
_LEARN_FROM = 64  # rows of one sub-batch from which a plan learns its constant values
_MARKS = bytes(range(0x20)) + b"<"  # as _cotplan counts them
_FIRST = itemgetter(0)

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
        columns: dict[str, list[Any]] = {f: [] for f in (*FIELDS, "link", NONE)}
        index: list[int] = []
        slow: list[int] = []
        for at in range(start, min(start + _COLUMN_BATCH, len(chunks)), _SUB_BATCH):
            _pick(
                chunks[at : at + _SUB_BATCH], at, max_bytes, plans, hot, decls,
                columns, index, slow,
            )  # fmt: skip
        pieces.append(columns_of(index, columns, slow, source, agency, releasability, markings))
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
    texts, doc, joined = bodies(chunks, max_bytes, decls)
    todo = list(range(len(chunks)))
    if (
        doc is not None
        and joined is not None
        and hot
        and _whole(hot[0], len(chunks), doc, joined, columns)
    ):
        index += range(offset, offset + len(chunks))
        return
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
            flat = list(chain.from_iterable(rows))
            width = len(plan.slots) + 1
            values = [flat[k::width] for k in range(1, width)]
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


def _whole(plan: Plan, n: int, doc: str, joined: bytes, columns: dict[str, list[Any]]) -> bool:
    """Whether all ``n`` texts of ``doc`` are of ``plan`` with acceptable values; if so,
    add their values to ``columns``. One pass of the plan's ``loose`` pattern, when the
    texts (``joined``) have no U+FFFE or U+FFFF, which it does not refuse. As there is one
    match a text, each starting at its NUL (which no value has), no match spans texts.

    Slots with one value in a whole sub-batch (a type, a relation, a marking) are learnt
    from it, and read as literals by the plan's ``fixed`` pattern (capturing less) while
    every text of a sub-batch has them; a text that has another fails it, and ``loose``
    reads the sub-batch again."""
    if (
        plan.loose is None
        or plan.loose_after
        or not (joined.isascii() or b"\xef\xbf" not in joined)
    ):
        plan.loose_after = max(0, plan.loose_after - 1)
        return False
    if plan.fixed is not None:
        rows = plan.fixed.findall(doc)
        if len(rows) == n and sum(map(len, map(_FIRST, rows))) == n:
            slots = [k for k in plan.slots if k not in plan.consts]
            by_slot = _by_slot(rows, slots)
            for k, value in plan.consts.items():
                by_slot[k] = [value] * n
            _add(plan, by_slot, columns)
            return True
        plan.fixed, plan.consts, plan.fixed_after = None, {}, _LOOSE_AFTER
    rows = plan.loose.findall(doc)
    if len(rows) != n or sum(map(len, map(_FIRST, rows))) != n:
        plan.loose_after = _LOOSE_AFTER
        return False
    by_slot = _by_slot(rows, plan.slots)
    _add(plan, by_slot, columns)
    if plan.fixed_after:
        plan.fixed_after -= 1
    elif n >= _LEARN_FROM:
        _learn(plan, by_slot)
    return True


def _by_slot(rows: list[tuple[str, ...]], slots: list[int]) -> dict[int, list[str]]:
    """The values of ``findall`` rows (a "\\x00" then those of ``slots``) by slot."""
    flat = list(chain.from_iterable(rows))
    width = len(slots) + 1
    return {k: flat[j::width] for j, k in enumerate(slots, 1)}


def _learn(plan: Plan, by_slot: dict[int, list[str]]) -> None:
    """Give ``plan`` a ``fixed`` pattern with the values of the slots that had only one in
    ``by_slot`` (rows its ``loose`` pattern read) as literals, when some had; one slot
    stays captured, so that ``findall`` still gives a tuple a text."""
    consts = {k: v[0] for k, v in by_slot.items() if v.count(v[0]) == len(v)}
    consts.pop(plan.slots[0] if len(consts) == len(plan.slots) else -1, None)
    if consts:
        plan.consts = consts
        plan.fixed = plan_regex(plan, ASCII_VALUE, consts)
    else:
        plan.fixed_after = _LOOSE_AFTER


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
    found = list(map(plans.get, keys, repeat(UNSEEN)))
    if UNSEEN in found:
        for i in [i for i, plan in enumerate(found) if plan is UNSEEN]:
            plan = plans.get(keys[i], UNSEEN)
            if plan is UNSEEN:
                plan = make_plan(keys[i], parts[i])
                if len(parts[i]) % 2:  # an odd quote out says nothing of the skeleton
                    if len(plans) >= _PLANS_CACHED:
                        plans.clear()
                    plans[keys[i]] = plan
            found[i] = plan
    ok = np.fromiter(map(len, parts), np.int64, n) == np.fromiter(map(_PARTS, found), np.int64, n)
    # No value may hold "<" or a control character (and so need normalising, or be what
    # XML forbids): the batch has no more of them than its skeletons, else look one by one.
    expected = sum(map(_MARKS_OF, found)) + sum(marks(texts[i]) for i in np.flatnonzero(~ok))
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
            plan.regex = plan_regex(plan)
            plan.loose = plan_regex(plan, ASCII_VALUE)
        if plan in hot:
            hot.remove(plan)
        hot.insert(0, plan)
        del hot[_HOT_PLANS:]


def _add(plan: Plan, by_slot: Mapping[int, Sequence[str]], columns: dict[str, list[Any]]) -> None:
    """Add the values of rows of one plan to ``columns``."""
    m = len(next(iter(by_slot.values())))
    for name, k in zip(FIELDS, plan.where, strict=True):
        if k >= 0:
            columns[name] += by_slot[k]
        else:
            columns[name] += repeat(None, m)
            columns[NONE].append(name)
    if not plan.links:
        columns["link"] += repeat(None, m)
        columns[NONE].append("link")
        return
    rel_at, uid_at = plan.links[0]
    if uid_at >= 0 and set(by_slot[rel_at]) == {"p-p"} and "" not in by_slot[uid_at]:
        columns["link"] += by_slot[uid_at]  # the first link is p-p with a uid in every row
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
    if unset.any():
        columns[NONE].append("link")
