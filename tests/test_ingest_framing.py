"""CotFramer: one chunk per message, whatever the stream looks like or how it is split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.ingest import CotFramer
from northline.model import InvalidInput

A = b'<event uid="a" type="a-f-G" time="2026-01-15T02:00:00Z"><point lat="1" lon="2"/></event>'
B = b'<event uid="b" type="a-f-G" time="2026-01-15T02:00:01Z"><point lat="3" lon="4"/></event>'
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def frame(data: bytes, *, max_message_bytes: int = 1 << 20) -> list[bytes]:
    framer = CotFramer(max_message_bytes=max_message_bytes)
    return framer.feed(data) + framer.close()


def frame_in_pieces(data: bytes, cuts: list[int], *, max_message_bytes: int) -> list[bytes]:
    framer = CotFramer(max_message_bytes=max_message_bytes)
    out: list[bytes] = []
    last = 0
    for cut in sorted(cuts):
        out += framer.feed(data[last:cut])
        last = cut
    return out + framer.feed(data[last:]) + framer.close()


def test_back_to_back_and_line_separated_events() -> None:
    assert frame(A + B) == [A, B]
    assert frame(b"\n" + A + b"\r\n" + B + b"\n\n") == [A, B]


def test_a_prolog_stays_with_its_event() -> None:
    doctype = b'<!DOCTYPE event [<!ENTITY x "y">]>'
    comment = b"<!-- from tower 1 -->"
    assert frame(DECL + b"\n" + A + DECL + doctype + comment + B) == [
        DECL + b"\n" + A,
        DECL + doctype + comment + B,
    ]


def test_a_truncated_event_does_not_swallow_the_next() -> None:
    cut = A[:40]
    assert frame(cut + B) == [cut, B]
    assert frame(cut + DECL + B) == [cut, DECL + B]
    assert frame(cut + b"\n" + B) == [cut + b"\n", B]


def test_garbage_between_events_is_its_own_chunk() -> None:
    assert frame(A + b" junk \x00\xff " + B) == [A, b"junk \x00\xff ", B]
    assert frame(A + b"</event>" + B) == [A, b"</event>", B]
    assert frame(A + DECL + b"<wrong/>" + B) == [A, DECL + b"<wrong/>", B]
    assert frame(A + DECL + DECL + B) == [A, DECL, DECL + B]
    assert frame(A + b"trailing") == [A, b"trailing"]


def test_an_end_tag_may_have_whitespace_and_a_bad_one_is_cut() -> None:
    spaced = A.replace(b"</event>", b"</event \n >")
    assert frame(spaced + B) == [spaced, B]
    bad = A.replace(b"</event>", b"</event x>")
    assert frame(bad + B) == [bad[:-2], b"x>", B]


def test_other_elements_named_like_event_are_not_boundaries() -> None:
    inner = A.replace(b"<point", b"<events/><eventually/><point")
    assert frame(inner + B) == [inner, B]


def test_self_closing_event_waits_for_the_next_boundary() -> None:
    framer = CotFramer()
    assert framer.feed(b'<event uid="x"/>') == []
    assert framer.feed(A) == [b'<event uid="x"/>', A]
    assert framer.close() == []


def test_oversize_message_is_cut_to_the_limit_and_the_rest_dropped() -> None:
    big = A.replace(b"<point", b"<remarks>" + b"x" * 500 + b"</remarks><point")
    framer = CotFramer(max_message_bytes=100)
    chunks = framer.feed(big + B) + framer.close()
    assert chunks == [big[:100], B]
    assert framer.oversize == 1
    assert framer.discarded_bytes == len(big) - 100
    assert framer.messages == 2


def test_memory_stays_bounded_on_a_flood() -> None:
    framer = CotFramer(max_message_bytes=1000)
    out: list[bytes] = []
    for _ in range(200):
        out += framer.feed(b"<" + b"x" * 4095)
        assert framer.buffered_bytes <= 1000 + 16
    out += framer.feed(A)
    out += framer.close()
    assert out == [(b"<" + b"x" * 4095)[:1000], A]
    assert framer.discarded_bytes == 200 * 4096 - 1000


def test_whitespace_floods_are_not_messages() -> None:
    framer = CotFramer(max_message_bytes=100)
    out = framer.feed(b" " * 1000) + framer.feed(b"\n" * 1000) + framer.feed(A) + framer.close()
    assert out == [A]
    assert framer.buffered_bytes == 0


def test_max_message_bytes_must_be_sane() -> None:
    with pytest.raises(InvalidInput):
        CotFramer(max_message_bytes=3)


_FRAGMENTS = [
    A,
    B,
    DECL,
    b"<?xml ",
    b"<!DOCTYPE e [<!ENTITY x 'y'>]>",
    b"<!DOCTYPE",
    b"<event",
    b"<event ",
    b"</event",
    b"</event>",
    b"</event \n>",
    b"<!-- c -->",
    b"<?pi?>",
    b"<",
    b">",
    b" ",
    b"\n",
    b"junk",
    b'"',
    b"\xff",
    A[:33],
    B[20:],
]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(_FRAGMENTS) | st.binary(max_size=12), max_size=25),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12),
    limit=st.sampled_from([16, 40, 100, 1 << 20]),
)
def test_chunks_do_not_depend_on_how_the_stream_is_split(
    parts: list[bytes], cuts: list[int], limit: int
) -> None:
    data = b"".join(parts)
    whole = frame(data, max_message_bytes=limit)
    cuts = [c for c in cuts if c <= len(data)]
    assert frame_in_pieces(data, cuts, max_message_bytes=limit) == whole
    byte_by_byte = frame_in_pieces(data, list(range(len(data))), max_message_bytes=limit)
    assert byte_by_byte == whole
    assert all(len(c) <= limit and c.strip(b" \t\r\n") for c in whole)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([A, B, DECL + A, DECL + b"\n" + B]), max_size=20))
def test_good_events_come_out_one_each(events: list[bytes]) -> None:
    assert frame(b"\n".join(events)) == events


class _TokenByToken(CotFramer):
    _runs = False


def _framed(framer: CotFramer, data: bytes, cuts: list[int]) -> tuple[list[bytes], tuple[int, ...]]:
    out: list[bytes] = []
    last = 0
    for cut in sorted(c for c in cuts if c <= len(data)):
        out += framer.feed(data[last:cut])
        last = cut
    out += framer.feed(data[last:]) + framer.close()
    return out, (framer.messages, framer.oversize, framer.discarded_bytes, framer.buffered_bytes)


_PLAIN = [
    A,
    B,
    b"<event/></event>",
    b"<event\tx='1'>\n</event>",
    b"<event>" + b"x" * 60 + b"</event>",
]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.sampled_from(_PLAIN)
        | st.sampled_from([b"\n", b" \r\n", b"\t"])
        | st.sampled_from(_FRAGMENTS),
        max_size=30,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=6),
    limit=st.sampled_from([16, 64, 100, 1 << 20]),
)
def test_plain_runs_cut_at_once_as_token_by_token(
    parts: list[bytes], cuts: list[int], limit: int
) -> None:
    data = b"".join(parts)
    fast = _framed(CotFramer(max_message_bytes=limit), data, cuts)
    assert fast == _framed(_TokenByToken(max_message_bytes=limit), data, cuts)


def test_a_long_plain_run_is_cut_in_runs() -> None:
    events = [A, B] * 20_000  # more than one run of _RUN_BYTES
    data = b"\n".join(events) + b"\n<event uid="
    framer = CotFramer()
    assert framer.feed(data) == events
    assert framer.close() == [b"<event uid="]
    assert framer.messages == len(events) + 1
