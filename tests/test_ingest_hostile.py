"""Hostile input among good events: every good event comes out, every bad one is quarantined
with the right reason, nothing raises."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.ingest import CotDecoder, CotFramer, ReasonCode, decode_cot
from northline.model import LonLat, format_iso

T = format_iso(1768442400.0)
DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def good(uid: str) -> bytes:
    return (
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" time="{T}" start="{T}" '
        f'stale="{T}"><point lat="49.0" lon="-97.2" hae="0" ce="5" le="9999999"/>'
        f'<detail><track course="10" speed="1"/></detail></event>'
    ).encode()


def ev(attrs: str = 'uid="x" type="a-f-G" time="' + T + '"', body: str | None = None) -> bytes:
    body = '<point lat="49.0" lon="-97.2" ce="5"/>' if body is None else body
    return f"<event {attrs}>{body}</event>".encode()


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
    + ev(body='<point lat="1" lon="1"/><detail><remarks>&lol9;</remarks></detail>')
)
_NO_TIME = 'uid="x" type="a-f-G"'

# (bytes, reason code) in the order they appear in the stream
HOSTILE: list[tuple[bytes, ReasonCode]] = [
    (ev()[:45], ReasonCode.TRUNCATED),  # cut in the middle of the start tag
    (ev()[:-12], ReasonCode.TRUNCATED),  # cut before </event>
    (b'<message uid="x" type="a-f-G"/>', ReasonCode.WRONG_ROOT),
    (DECL + b"<cot:event xmlns:cot='urn:x' uid='x'/>", ReasonCode.WRONG_ROOT),
    (ev('type="a-f-G" time="' + T + '"'), ReasonCode.MISSING_ATTRIBUTE),  # uid
    (ev('uid="x" time="' + T + '"'), ReasonCode.MISSING_ATTRIBUTE),  # type
    (ev(_NO_TIME), ReasonCode.MISSING_ATTRIBUTE),  # time
    (ev(body=""), ReasonCode.MISSING_POINT),
    (ev(body='<point lon="-97.2"/>'), ReasonCode.MISSING_ATTRIBUTE),  # lat
    (ev(body='<point lat="90.5" lon="-97.2"/>'), ReasonCode.OUT_OF_RANGE),
    (ev(body='<point lat="49" lon="-180.01"/>'), ReasonCode.OUT_OF_RANGE),
    (ev(body='<point lat="NaN" lon="-97.2"/>'), ReasonCode.NOT_A_NUMBER),
    (ev(body='<point lat="49" lon="inf"/>'), ReasonCode.NOT_A_NUMBER),
    (ev(body='<point lat="49" lon="-97.2" ce="wide"/>'), ReasonCode.NOT_A_NUMBER),
    (ev(body='<point lat="4 9" lon="-97.2"/>'), ReasonCode.NOT_A_NUMBER),
    (ev(_NO_TIME + ' time="2026-01-15T02:00:00"'), ReasonCode.BAD_TIME),  # no zone
    (ev(_NO_TIME + ' time="yesterday"'), ReasonCode.BAD_TIME),
    (LAUGHS, ReasonCode.ENTITIES_FORBIDDEN),
    (b'<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + ev(body="&x;"),
     ReasonCode.EXTERNAL_REFERENCE),
    (b"<!DOCTYPE e [<!ENTITY % p \"<!ENTITY x 'y'>\"> %p;]>" + ev(body="&x;"),
     ReasonCode.ENTITIES_FORBIDDEN),  # a parameter entity
    (b'<!DOCTYPE e [<!ENTITY % p SYSTEM "http://example.invalid/e.dtd"> %p;]>' + ev(),
     ReasonCode.EXTERNAL_REFERENCE),  # an external parameter entity
    (b'<!DOCTYPE event SYSTEM "http://example.invalid/cot.dtd">' + ev(),
     ReasonCode.EXTERNAL_REFERENCE),  # an external DTD
    (b"<!DOCTYPE event [<!ELEMENT event ANY>]>" + ev(), ReasonCode.DTD_FORBIDDEN),
    (ev(body='<point lat="1" lon="1"/><remarks>&undeclared;</remarks>'), ReasonCode.XML_SYNTAX),
    (b"%PDF-1.4 \x00\x01\x02 garbage", ReasonCode.XML_SYNTAX),
    (b"</event>", ReasonCode.XML_SYNTAX),  # a stray end tag
    (ev().replace(b'uid="x"', b'uid="\xff\xfe\xfd"'), ReasonCode.BAD_ENCODING),
    (ev(body='<point lat="1" lon="1"/><detail><track course="1" speed="-3"/></detail>'),
     ReasonCode.OUT_OF_RANGE),
    (ev(body='<point lat="1" lon="1"/><detail><track course="N" speed="3"/></detail>'),
     ReasonCode.NOT_A_NUMBER),
    (ev(body='<point lat="1" lon="1"/><detail><__northline sensor_kind="laser"/></detail>'),
     ReasonCode.BAD_SENSOR_KIND),
    (ev(body='<point lat="1" lon="1"/><detail><__northline agency="x y"/></detail>'),
     ReasonCode.BAD_MARKING),
    (ev('uid="c" type="b-t-f" time="' + T + '"'), ReasonCode.UNSUPPORTED_TYPE),  # chat
    (ev('uid="t" type="t-x-c" time="' + T + '"'), ReasonCode.UNSUPPORTED_TYPE),  # tasking
    (ev(body="<point/><remarks>" + "x" * 5000 + "</remarks>"), ReasonCode.OVERSIZE),
    (b'<event uid="self-closing" type="a-f-G"/>', ReasonCode.MISSING_ATTRIBUTE),
    (b"<event>" + b"<a>" * 500 + b"</event>", ReasonCode.XML_SYNTAX),  # mismatched tags
    (DECL.replace(b"UTF-8", b"EBCDIC-XX") + ev(), ReasonCode.BAD_ENCODING),
    (DECL.replace(b"UTF-8", b"UTF-32") + ev(), ReasonCode.BAD_ENCODING),
]  # fmt: skip


def test_hostile_input_among_good_events() -> None:
    parts: list[bytes] = []
    uids: list[str] = []
    for i, (bad, _) in enumerate(HOSTILE):
        uids.append(f"good-{i}")
        parts += [good(uids[-1]), bad]
    uids.append("good-last")
    parts += [DECL + good("good-last"), b"trailing junk"]
    stream = b"\n".join(parts)

    result = decode_cot(stream, "hostile", received_t_s=0.0, max_message_bytes=4096)

    assert list(result.batch.identity) == uids
    expected = [code.value for _, code in HOSTILE] + ["xml_syntax"]
    got = [q.reason_code for q in result.quarantined]
    assert got == expected, [(q.reason_code, q.reason) for q in result.quarantined]
    assert result.received == result.decoded + len(result.quarantined)
    assert all(q.reason and q.raw for q in result.quarantined)
    # what is kept is what was sent (with the separator, if nothing closed the message before
    # it; oversize keeps the head only)
    for (bad, code), q in zip(HOSTILE, result.quarantined, strict=False):
        if code == ReasonCode.OVERSIZE:
            assert bad.startswith(q.raw)
        else:
            assert q.raw in (bad, bad + b"\n"), (code, q.raw)


@pytest.mark.parametrize(("bad", "code"), HOSTILE, ids=[c.value for _, c in HOSTILE])
def test_each_hostile_message_alone(bad: bytes, code: ReasonCode) -> None:
    result = CotDecoder("hostile", max_message_bytes=4096).decode([bad], received_t_s=0.0)
    assert result.decoded == 0
    (q,) = result.quarantined
    assert q.reason_code == code, q.reason


def test_reasons_name_what_is_wrong() -> None:
    reasons = {
        q.raw: q.reason
        for q in CotDecoder("s").decode([b for b, _ in HOSTILE], received_t_s=0.0).quarantined
    }
    assert "'lat'" in reasons[ev(body='<point lon="-97.2"/>')]
    assert "time" in reasons[ev(_NO_TIME)]
    assert "no zone" in reasons[ev(_NO_TIME + ' time="2026-01-15T02:00:00"')]
    assert "file:///etc/passwd" in reasons[HOSTILE[18][0]]
    assert "lol" in reasons[LAUGHS]


def test_a_decoder_bug_is_quarantined_not_raised() -> None:
    class Exploding(CotDecoder):
        def _decode_one(self, chunk: object) -> tuple[object, ...]:
            raise RuntimeError("boom")

    result = Exploding("s").decode([good("a")], received_t_s=0.0)
    assert [q.reason_code for q in result.quarantined] == ["decoder_error"]
    assert "boom" in result.quarantined[0].reason


GOOD = [good("a"), DECL + good("b")]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A good event with a few bytes replaced, inserted or deleted."""
    data = bytearray(draw(st.sampled_from(GOOD)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        if op == "cut":
            del data[i:]
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 8))]
        else:
            new = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
                [b"<", b">", b'"', b"&", b"&lol;", b"<!DOCTYPE x>", b"</event>", b"<event ",
                 b"\xff", b"NaN", b"-", b"9"]
            ))  # fmt: skip
            data[i : i + (len(new) if op == "replace" else 0)] = new
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(st.lists(mutated() | st.binary(max_size=64) | st.sampled_from(GOOD), max_size=8))
def test_decoder_never_raises_and_accounts_for_every_chunk(chunks: list[bytes]) -> None:
    result = CotDecoder("fuzz").decode(chunks, received_t_s=0.0)
    assert result.received == len(chunks)
    assert result.decoded + len(result.quarantined) == result.received
    assert {q.reason_code for q in result.quarantined} <= {c.value for c in ReasonCode}
    assert "decoder_error" not in {q.reason_code for q in result.quarantined}
    assert {q.raw for q in result.quarantined} <= set(chunks)
    for obs in result.batch.to_records():
        assert isinstance(obs.position, LonLat)
        assert -90 <= obs.position.lat <= 90
        assert -180 <= obs.position.lon <= 180
        assert obs.sigma_m > 0


def _may_end_in_a_prolog(part: bytes) -> bool:
    tail = part.rstrip(b" \t\r\n")
    return tail.endswith(b">") and not tail.endswith(b"</event>")


@settings(max_examples=300, deadline=None)
@given(st.lists(mutated() | st.binary(max_size=64) | st.sampled_from(GOOD), max_size=8))
def test_framing_and_decoding_a_stream_never_raises(parts: list[bytes]) -> None:
    stream = b"\n".join(parts)
    framer = CotFramer(max_message_bytes=1024)
    chunks = framer.feed(stream) + framer.close()
    result = CotDecoder("fuzz", max_message_bytes=1024).decode(chunks, received_t_s=0.0)
    assert result.decoded + len(result.quarantined) == result.received == len(chunks)
    # An intact good event is not lost to its neighbours, unless what comes before it may be
    # a (broken) prolog of its own: the framer rightly keeps that with the event.
    intact = sum(
        1
        for i, p in enumerate(parts)
        if p in GOOD and not _may_end_in_a_prolog(b"\n".join(parts[:i]))
    )
    survivors = sum(1 for uid in result.batch.identity if uid in ("a", "b"))
    assert survivors >= intact


def test_good_events_parse_with_plain_elementtree_too() -> None:
    for g in GOOD:
        assert ET.fromstring(g).get("uid") in ("a", "b")


def test_chunks_that_are_not_bytes_do_not_raise() -> None:
    chunks: list[object] = [bytearray(good("a")), memoryview(good("b")), 42, None]
    result = CotDecoder("s").decode(chunks, received_t_s=0.0)  # type: ignore[arg-type]
    assert list(result.batch.identity) == ["a", "b"]
    assert [q.reason_code for q in result.quarantined] == ["decoder_error", "decoder_error"]
    assert [q.raw for q in result.quarantined] == [b"", b""]
