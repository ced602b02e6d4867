"""Skeletons and their plans, for the fast path of :mod:`._cotfast`.

A chunk split at its double quotes has its *skeleton* (markup, attribute names, text) in the
even pieces and its attribute values in the odd ones. :func:`make_plan` parses a skeleton once
with ``defusedxml`` (every value replaced by its own index) and says where the values a row
needs are; :func:`plan_regex` reads a batch of chunks of one skeleton with one pattern. Why
this reads exactly what ``defusedxml`` reads is said in :mod:`._cotfast`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring as defused_fromstring

__all__ = [
    "ASCII_VALUE",
    "FIELDS",
    "NO_PLAN",
    "UNSEEN",
    "Plan",
    "bodies",
    "make_plan",
    "marks",
    "plan_regex",
]

_DECLS_CACHED = 64
_S = r"[ \t\r\n]*+"
_DECL = re.compile(
    rf"<\?xml[ \t\r\n]++version{_S}={_S}\"1\.0\""
    rf"(?:[ \t\r\n]++encoding{_S}={_S}\"(?i:utf-8)\")?"
    rf"(?:[ \t\r\n]++standalone{_S}={_S}\"(?:yes|no)\")?{_S}\?>"
)
_PROBE_DECL = b'<?xml version="1.0" encoding="utf-8"?>'


@dataclass(slots=True, eq=False)
class Plan:
    """Where the values of one skeleton are: indexes into ``text.split('"')`` by ``FIELDS``,
    -1 when the attribute is absent."""

    parts: int  # how many pieces a chunk of this skeleton splits into
    marks: int  # how many "<" and C0 controls it has (values have none)
    where: tuple[int, ...]  # by FIELDS
    links: tuple[tuple[int, int], ...]  # (relation, uid) of each link with a relation
    key: str = ""  # the skeleton
    regex: re.Pattern[str] | None = None  # see plan_regex
    loose: re.Pattern[str] | None = None  # plan_regex with ASCII_VALUE
    loose_after: int = 0  # sub-batches to go before trying ``loose`` again
    consts: dict[int, str] = field(default_factory=dict)  # slot: its value, in ``fixed``
    fixed: re.Pattern[str] | None = None  # ``loose`` with the ``consts`` values literal
    fixed_after: int = 0  # sub-batches to go before learning ``consts`` again
    slots: list[int] = field(init=False)
    """The indexes of the values a row needs, in order."""

    def __post_init__(self) -> None:
        wanted = {k for k in self.where if k >= 0}
        wanted.update(k for link in self.links for k in link if k >= 0)
        self.slots = sorted(wanted)


FIELDS = ("uid", "type", "time", "lat", "lon", "ce", "speed", "course", "kind", "agency", "rel")
NO_PLAN = Plan(parts=-1, marks=0, where=(), links=())
UNSEEN = Plan(parts=-2, marks=0, where=(), links=())


def make_plan(key: str, parts: list[str]) -> Plan:
    """Parse the probe of a skeleton with ``defusedxml``; ``NO_PLAN`` when it has what the
    fast path never takes, is not well-formed, or lacks what a row needs (the slow path then
    says why)."""
    if len(parts) % 2 == 0 or any(bad in key for bad in ("<!", "<?", "]]>", "xmlns")):
        return NO_PLAN
    probe = '"'.join(p if k % 2 == 0 else str(k) for k, p in enumerate(parts))
    try:
        root = defused_fromstring(_PROBE_DECL + probe.encode("utf-8"), forbid_dtd=True)
        return _plan(root, len(parts), marks(probe), key)
    except Exception:
        return NO_PLAN


def _plan(root: Element, n_parts: int, marks: int, key: str) -> Plan:
    if root.tag != "event":
        return NO_PLAN

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
        return NO_PLAN
    return Plan(n_parts, marks, where, tuple(links), key)


# A value that needs no normalising and holds nothing XML forbids; with no "<", "&" or '"'.
_VALUE = '[^"<\x00-\x1f\ufffe\uffff]*+'


def plan_regex(
    plan: Plan, value: str = _VALUE, consts: dict[int, str] | None = None
) -> re.Pattern[str]:
    """A pattern for ``findall`` over ``"\\x00" + "\\x00".join(texts)``: for each text, a
    tuple of "\\x00" and the values in ``plan.slots`` when the text is of the plan's
    skeleton with acceptable values, else of empty strings. Such a text splits at its
    quotes into exactly the skeleton's pieces, so it has the plan's skeleton.

    With ``value`` :data:`ASCII_VALUE` U+FFFE and U+FFFF are not refused: the caller
    must (see ``_cotfast._whole``).

    With ``consts`` (slot: value) those slots are not captured but must have that value,
    which must be one ``value`` matches; the tuple then has only the other slots."""
    consts = consts or {}
    wanted = set(plan.slots)
    pieces = plan.key.split('""')
    body = [re.escape(pieces[0])]
    for j, piece in enumerate(pieces[1:]):
        k = 2 * j + 1
        if k in consts:
            body.append(f'"{re.escape(consts[k])}"')
        else:
            body.append(f'"({value})"' if k in wanted else f'"{value}"')
        body.append(re.escape(piece))
    return re.compile("(\x00)" + "".join(body) + "(?=\x00|\\Z)|\x00[^\x00]*+")


ASCII_VALUE = '[^"<\x00-\x1f]*+'
"""A value of :func:`plan_regex` but for U+FFFE and U+FFFF: a set of code points below 256
(one bit in a table a character, where with them it is a walk through ranges)."""


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


def bodies(
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


def marks(text: str) -> int:
    return len(text) - len(text.translate(_MARK_TABLE))


_MARKS = bytes(range(0x20)) + b"<"  # "<" and the C0 controls (tab, LF and CR among them)
_MARK_TABLE = dict.fromkeys(_MARKS)
