"""TakProtoDecoder and TakStreamFramer: TAK protocol version 1 (mesh and stream)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from takproto import TAKProtoVer, xml2proto
from takproto.functions import msg2proto, xml2message
from takproto.proto import TakMessage

from northline.ingest import UNKNOWN_CE_SIGMA_M, ReasonCode, _takproto, decode_cot
from northline.ingest._takproto import MESH_HEADER, TakProtoDecoder, TakStreamFramer
from northline.model import Marking, content_id

T0_MS = 1_768_442_400_000  # 2026-01-15T02:00:00Z
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SOURCE = "tak-test"
COLUMNS = (
    "t_s",
    "sensor_id",
    "sensor_kind",
    "lon",
    "lat",
    "sigma_m",
    "vel_east_mps",
    "vel_north_mps",
    "classification",
    "identity",
    "agency",
    "releasability",
)


def tak_message(
    uid: str = "ANDROID-1",
    type_: str = "a-f-G-U-C",
    send_ms: int = T0_MS,
    lat: float = 45.0,
    lon: float = -75.0,
    ce: float = 10.0,
    *,
    speed: float | None = None,
    course: float | None = None,
    xml_detail: str = "",
    callsign: str = "",
) -> TakMessage:
    msg = TakMessage()
    ev = msg.cotEvent
    ev.uid, ev.type, ev.how = uid, type_, "m-g"
    ev.sendTime, ev.startTime, ev.staleTime = send_ms, send_ms, send_ms + 60_000
    ev.lat, ev.lon, ev.hae, ev.ce, ev.le = lat, lon, 100.0, ce, 9_999_999.0
    if speed is not None:
        ev.detail.track.speed = speed
        ev.detail.track.course = course if course is not None else 0.0
    if xml_detail:
        ev.detail.xmlDetail = xml_detail
    if callsign:
        ev.detail.contact.callsign = callsign
    return msg


def mesh(msg: TakMessage) -> bytes:
    return bytes(msg2proto(msg, TAKProtoVer.MESH))


def stream(msg: TakMessage) -> bytes:
    return bytes(msg2proto(msg, TAKProtoVer.STREAM))


def decoder() -> TakProtoDecoder:
    return TakProtoDecoder(SOURCE, clock=lambda: 1.0)


def columns(batch: object) -> dict[str, list[object]]:
    return {c: list(getattr(batch, c)) for c in COLUMNS}


def same(a: dict[str, list[object]], b: dict[str, list[object]]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        for x, y in zip(a[key], b[key], strict=True):
            if isinstance(x, float) and math.isnan(x):
                assert isinstance(y, float), key
                assert math.isnan(y), key
            else:
                assert x == y, key


# -- decoding ------------------------------------------------------------------------------


def test_mesh_and_stream_decode_the_same_row() -> None:
    msg = tak_message(speed=10.0, course=90.0, callsign="ALPHA")
    a = decoder().decode([mesh(msg)])
    b = decoder().decode([stream(msg)], framing="stream")
    assert a.counts == b.counts == {"received": 1, "decoded": 1, "quarantined": 0, "unknown_ce": 0}
    same(columns(a.batch), columns(b.batch))
    assert a.batch.t_s[0] == T0_MS / 1000
    assert a.batch.identity[0] == a.batch.sensor_id[0] == "ANDROID-1"
    assert a.batch.sensor_kind[0] == "mobile"
    assert a.batch.vel_east_mps[0] == pytest.approx(10.0)
    assert a.batch.vel_north_mps[0] == pytest.approx(0.0, abs=1e-9)
    assert a.batch.source[0] == SOURCE


def test_xml_detail_link_and_northline() -> None:
    detail = (
        '<link uid="TOWER-7" relation="p-p" type="a-f-G"/>'
        '<__northline sensor_kind="tower" agency="CBSA" releasability="CAN-USA"/>'
    )
    res = decoder().decode([mesh(tak_message(xml_detail=detail, ce=0.0))])
    assert res.decoded == 1
    assert res.unknown_ce == 1
    b = res.batch
    assert (b.sensor_id[0], b.identity[0], b.sensor_kind[0]) == ("TOWER-7", "ANDROID-1", "tower")
    assert (b.agency[0], b.releasability[0]) == ("CBSA", "CAN-USA")
    assert b.sigma_m[0] == UNKNOWN_CE_SIGMA_M
    assert np.isnan(b.vel_east_mps[0])


def test_link_without_northline_is_other() -> None:
    res = decoder().decode([mesh(tak_message(xml_detail='<link uid="S" relation="p-p"/>'))])
    assert (res.batch.sensor_id[0], res.batch.sensor_kind[0]) == ("S", "other")


def test_takproto_xml2proto_helper_round_trips() -> None:
    xml = (
        '<event version="2.0" uid="U-1" type="a-h-G" how="m-g" time="2026-01-15T02:00:00Z" '
        'start="2026-01-15T02:00:00Z" stale="2026-01-15T02:01:00Z">'
        '<point lat="49.5" lon="-123.25" hae="0" ce="7.5" le="9999999"/>'
        '<detail><track course="180" speed="3"/><link uid="CAM-2" relation="p-p"/></detail>'
        "</event>"
    )
    res = decoder().decode([bytes(xml2proto(xml))])
    assert res.decoded == 1, res.quarantined
    b = res.batch
    assert (b.t_s[0], b.lat[0], b.lon[0], b.sigma_m[0]) == (T0_MS / 1000, 49.5, -123.25, 7.5)
    assert (b.sensor_id[0], b.classification[0]) == ("CAM-2", "a-h-G")
    assert b.vel_north_mps[0] == pytest.approx(-3.0)


@pytest.mark.parametrize(
    ("message", "framing", "code"),
    [
        (b"", "mesh", ReasonCode.BAD_FRAMING),
        (b"\xbf\x01", "mesh", ReasonCode.TRUNCATED),
        (b"\xbf\x02\xbf" + mesh(tak_message())[3:], "mesh", ReasonCode.BAD_FRAMING),
        (b"<event/>", "mesh", ReasonCode.BAD_FRAMING),
        (MESH_HEADER + b"\xff\xff\xff", "mesh", ReasonCode.BAD_ENCODING),
        (MESH_HEADER, "mesh", ReasonCode.UNSUPPORTED_MESSAGE),
        (mesh(tak_message(uid="")), "mesh", ReasonCode.MISSING_ATTRIBUTE),
        (mesh(tak_message(type_="")), "mesh", ReasonCode.MISSING_ATTRIBUTE),
        (mesh(tak_message(type_="b-t-f")), "mesh", ReasonCode.UNSUPPORTED_TYPE),
        (mesh(tak_message(send_ms=0)), "mesh", ReasonCode.MISSING_ATTRIBUTE),
        (mesh(tak_message(send_ms=2**63)), "mesh", ReasonCode.BAD_TIME),
        (mesh(tak_message(lat=91.0)), "mesh", ReasonCode.OUT_OF_RANGE),
        (mesh(tak_message(lon=math.nan)), "mesh", ReasonCode.NOT_A_NUMBER),
        (mesh(tak_message(speed=-1.0)), "mesh", ReasonCode.OUT_OF_RANGE),
        (mesh(tak_message(xml_detail="<link")), "mesh", ReasonCode.XML_SYNTAX),
        (
            mesh(tak_message(xml_detail='<__northline sensor_kind="x"/>')),
            "mesh",
            ReasonCode.BAD_SENSOR_KIND,
        ),
        (mesh(tak_message(xml_detail='<__northline agency="?"/>')), "mesh", ReasonCode.BAD_MARKING),
        (b"\x00\x02\x12\x00", "stream", ReasonCode.BAD_FRAMING),
        (b"\xbf\x80", "stream", ReasonCode.TRUNCATED),
        (b"\xbf\x05\x12", "stream", ReasonCode.TRUNCATED),
        (stream(tak_message()) + b"x", "stream", ReasonCode.BAD_FRAMING),
        (b"\xbf" + b"\xff" * 12, "stream", ReasonCode.BAD_FRAMING),
        (b"\xbf" * (1 << 20), "stream", ReasonCode.OVERSIZE),
    ],
)
def test_bad_messages_are_quarantined(message: bytes, framing: str, code: ReasonCode) -> None:
    res = decoder().decode([message], framing=framing)  # type: ignore[arg-type]
    assert res.counts["quarantined"] == 1, res.batch
    q = res.quarantined[0]
    assert q.reason_code == code.value, q.reason
    assert (q.raw, q.decoder, q.source, q.received_t_s) == (message, "takproto", SOURCE, 1.0)


def test_missing_point_when_every_point_field_is_zero() -> None:
    msg = tak_message(lat=0.0, lon=0.0, ce=0.0)
    msg.cotEvent.hae = msg.cotEvent.le = 0.0
    assert decoder().decode([mesh(msg)]).reasons == {"missing_point": 1}


def test_non_bytes_and_bad_framing_are_decoder_errors() -> None:
    res = decoder().decode([42, mesh(tak_message())])  # type: ignore[list-item]
    assert res.reasons == {"decoder_error": 1}
    assert res.decoded == 1
    res = decoder().decode([mesh(tak_message())], framing="udp")  # type: ignore[arg-type]
    assert res.reasons == {"decoder_error": 1}


def test_marking_and_received_time() -> None:
    marking = Marking("CBSA", "CAN")
    res = TakProtoDecoder(SOURCE, marking).decode([b"junk"], received_t_s=5.0)
    assert res.quarantined[0].marking == marking
    assert res.quarantined[0].received_t_s == 5.0


# -- the detail cache ----------------------------------------------------------------------

DETAILS = [
    '<link uid="TOWER-7" relation="p-p"/><__northline sensor_kind="tower" agency="CBSA"/>',
    '<link uid="S" relation="p-p"/>',
    '<__northline releasability="CAN-USA"/>',
    '<__northline agency="RCMP" releasability="CAN"/>',
    '<__northline agency="CBSA" releasability="CAN"/>',
    '<__northline sensor_kind="x"/>',  # bad_sensor_kind
    '<__northline agency="?"/>',  # bad_marking
    "<link",  # xml_syntax
    '<!DOCTYPE d [<!ENTITY a "b">]>',  # not well-formed inside <detail>
    '<link uid="L" relation="p-p"/>' + "<x/>" * 600,  # too long to be cached
    "",
]


def mixed_stream() -> list[bytes]:
    """Messages whose details repeat, good and bad, with bad framing and bad fields between."""
    out: list[bytes] = []
    for i in range(60):
        detail = DETAILS[i % len(DETAILS)]
        out.append(mesh(tak_message(uid=f"U{i % 7}", send_ms=T0_MS + i, xml_detail=detail)))
        if i % 9 == 0:
            out.append(mesh(tak_message(speed=-1.0, xml_detail=detail)))  # speed first
            out.append(mesh(tak_message(lat=91.0, xml_detail=DETAILS[5])))  # lat first
            out.append(b"junk" + bytes([i]))
    return out


def everything(res: object) -> tuple[object, ...]:
    batch = res.batch  # type: ignore[attr-defined]
    cols = columns(batch)
    cols["obs_id"] = list(batch.obs_id)
    nan_free = {k: ["nan" if v != v else v for v in col] for k, col in cols.items()}
    return nan_free, res.quarantined, res.counts  # type: ignore[attr-defined]


@pytest.mark.parametrize("marking", [Marking("RCMP", "CAN"), Marking("CBSA", "CAN-USA")])
def test_cached_details_give_what_a_fresh_decoder_gives(marking: Marking) -> None:
    messages = mixed_stream()
    _takproto._DETAILS.clear()
    whole = [TakProtoDecoder(SOURCE, marking, clock=lambda: 1.0).decode(messages)]
    whole.append(TakProtoDecoder(SOURCE, marking, clock=lambda: 1.0).decode(messages))  # warm
    fresh = []
    for message in messages:
        _takproto._DETAILS.clear()  # nothing remembered from another message
        fresh.append(TakProtoDecoder(SOURCE, marking, clock=lambda: 1.0).decode([message]))
    nan_free = [everything(r) for r in fresh]
    expected = (
        {k: [v for cols, _, _ in nan_free for v in cols[k]] for k in nan_free[0][0]},
        [q for _, qs, _ in nan_free for q in qs],
        {k: sum(c[k] for _, _, c in nan_free) for k in nan_free[0][2]},
    )
    assert everything(whole[0]) == everything(whole[1]) == expected
    reasons = whole[0].reasons
    assert {"bad_sensor_kind", "bad_marking", "xml_syntax", "bad_framing"} <= reasons.keys()
    assert whole[0].decoded > 20
    first = {q.raw: q.reason_code for q in whole[1].quarantined}
    assert first[mesh(tak_message(lat=91.0, xml_detail=DETAILS[5]))] == "out_of_range"
    assert first[mesh(tak_message(speed=-1.0, xml_detail=DETAILS[5]))] == "out_of_range"
    assert not any(len(text) > 2048 for d in _takproto._DETAILS.values() for text in d)


def test_obs_id_is_the_content_id() -> None:
    res = decoder().decode([mesh(tak_message(uid="é\x00'\"\\", lat=-0.0, lon=1e-300))])
    b = res.batch
    args = (b.sensor_id[0], b.identity[0], float(b.t_s[0]), float(b.lat[0]), float(b.lon[0]))
    assert b.obs_id[0] == content_id("obs", SOURCE, *args)
    res = decoder().decode(mixed_stream())
    b = res.batch
    for i in range(len(b)):
        args = (b.sensor_id[i], b.identity[i], float(b.t_s[i]), float(b.lat[i]), float(b.lon[i]))
        assert b.obs_id[i] == content_id("obs", SOURCE, *args)


def test_detail_cache_is_bounded() -> None:
    _takproto._DETAILS.clear()
    n = _takproto._DETAILS_CACHED + 10
    res = decoder().decode([mesh(tak_message(xml_detail=f'<link uid="S{i}" relation="p-p"/>'))
                            for i in range(n)])  # fmt: skip
    assert list(res.batch.sensor_id) == [f"S{i}" for i in range(n)]
    (cache,) = _takproto._DETAILS.values()
    assert 0 < len(cache) <= _takproto._DETAILS_CACHED
    for i in range(_takproto._MARKINGS_CACHED + 2):
        TakProtoDecoder(SOURCE, Marking(f"AG{i:02d}", "CAN")).decode([])
    assert len(_takproto._DETAILS) <= _takproto._MARKINGS_CACHED


# -- properties ----------------------------------------------------------------------------

uids = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._"),
    min_size=1,
    max_size=40,
)
types = st.builds(
    lambda a, b: f"a-{a}-{b}",
    st.sampled_from("fhnuaspjk"),
    st.sampled_from(["G", "A", "S", "G-U-C"]),
)
lats = st.floats(-90.0, 90.0, allow_nan=False)
lons = st.floats(-180.0, 180.0, allow_nan=False)
ces = st.one_of(st.floats(0.001, 1e6), st.just(9_999_999.0), st.just(0.0))
times_ms = st.integers(1, 253_402_300_799_999)
events = st.fixed_dictionaries(
    {"uid": uids, "type_": types, "send_ms": times_ms, "lat": lats, "lon": lons, "ce": ces}
)


@settings(max_examples=200, deadline=None)
@given(ev=events, framing=st.sampled_from(["mesh", "stream"]))
def test_round_trip(ev: dict[str, object], framing: str) -> None:
    msg = tak_message(**ev)  # type: ignore[arg-type]
    data = mesh(msg) if framing == "mesh" else stream(msg)
    res = decoder().decode([data], framing=framing)  # type: ignore[arg-type]
    assert res.decoded == 1, res.quarantined
    b = res.batch
    assert b.identity[0] == b.sensor_id[0] == ev["uid"]
    assert b.classification[0] == ev["type_"]
    assert b.t_s[0] == ev["send_ms"] / 1000  # type: ignore[operator]
    assert (b.lat[0], b.lon[0]) == (ev["lat"], ev["lon"])
    ce = ev["ce"]
    known = 0.0 < ce < 9_999_999.0  # type: ignore[operator]
    assert b.sigma_m[0] == (ce if known else UNKNOWN_CE_SIGMA_M)
    assert res.unknown_ce == (0 if known else 1)


def cot_xml(
    uid: str,
    type_: str,
    send_ms: int,
    lat: float,
    lon: float,
    ce: float,
    speed: float | None,
    course: float | None,
    link: str | None,
    kind: str | None,
) -> bytes:
    t = (EPOCH + timedelta(milliseconds=send_ms)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    event = ET.Element("event", version="2.0", uid=uid, type=type_, how="m-g", time=t)
    event.set("start", t)
    event.set("stale", t)
    pt = {"lat": repr(lat), "lon": repr(lon), "hae": "100.0", "ce": repr(ce), "le": "9999999"}
    ET.SubElement(event, "point", pt)
    detail = ET.SubElement(event, "detail")
    ET.SubElement(detail, "contact", callsign="ALPHA")
    if speed is not None and course is not None:
        ET.SubElement(detail, "track", speed=repr(speed), course=repr(course))
    if link is not None:
        ET.SubElement(detail, "link", uid=link, relation="p-p")
    if kind is not None:
        ET.SubElement(detail, "__northline", sensor_kind=kind, agency="CBSA")
    return ET.tostring(event)


@settings(max_examples=200, deadline=None)
@given(
    ev=events,
    speed=st.one_of(st.none(), st.floats(0.0, 400.0)),
    course=st.floats(0.0, 360.0),
    link=st.one_of(st.none(), uids),
    kind=st.one_of(st.none(), st.sampled_from(["tower", "drone", "ugs"])),
)
def test_xml_and_proto_give_the_same_observation(
    ev: dict[str, object],
    speed: float | None,
    course: float,
    link: str | None,
    kind: str | None,
) -> None:
    xml = cot_xml(**ev, speed=speed, course=course, link=link, kind=kind)  # type: ignore[arg-type]
    from_xml = decode_cot(xml, "cot-src", received_t_s=0.0)
    msg = xml2message(xml)  # takproto's XML → TakMessage; its time conversion rounds via float
    msg.cotEvent.sendTime = ev["send_ms"]
    from_proto = decoder().decode([mesh(msg)])
    assert from_xml.decoded == from_proto.decoded == 1, (from_xml.quarantined, from_proto)
    assert from_xml.unknown_ce == from_proto.unknown_ce
    same(columns(from_xml.batch), columns(from_proto.batch))
    assert from_xml.batch.obs_id[0] != from_proto.batch.obs_id[0]  # the source differs


# -- stream framing ------------------------------------------------------------------------


def test_framer_splits_at_every_byte_boundary() -> None:
    frames = [stream(tak_message(uid=f"U{i}", speed=1.0, xml_detail="<x/>" * i)) for i in range(3)]
    data = b"junk" + frames[0] + frames[1] + b"\x00\xbf\xff" + frames[2] + b"\xbf\x05"
    whole = TakStreamFramer()
    expected = whole.feed(data) + whole.close()
    assert frames[0] in expected
    assert frames[1] in expected
    assert frames[2] in expected
    assert expected[0] == b"junk"
    assert expected[-1] == b"\xbf\x05"
    for cut in range(len(data) + 1):
        f = TakStreamFramer()
        assert f.feed(data[:cut]) + f.feed(data[cut:]) + f.close() == expected, cut
    one = TakStreamFramer()
    assert [c for b in data for c in one.feed(bytes([b]))] + one.close() == expected
    res = decoder().decode(expected, framing="stream")
    assert res.decoded == 3
    assert res.received == len(expected)
    assert list(res.batch.identity) == ["U0", "U1", "U2"]


def test_framer_buffer_is_bounded_and_resyncs() -> None:
    f = TakStreamFramer(max_message_bytes=64)
    out = f.feed(b"x" * 1000)
    assert all(len(c) <= 64 for c in out)
    assert f.buffered_bytes < 64
    frame = stream(tak_message(uid="OK"))
    out = TakStreamFramer(max_message_bytes=1024).feed(b"\xbf\xff\xff\xff\x7f" + frame)
    assert out[-1] == frame  # a length too big is garbage; the real frame after it is found
    f = TakStreamFramer(max_message_bytes=64)
    assert f.feed(b"\xbf\x80") == []
    assert f.buffered_bytes == 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), cut=st.integers(0, 600))
def test_fuzz_never_raises_and_accounts(data: bytes, cut: int) -> None:
    for framing in ("mesh", "stream"):
        res = decoder().decode([data, MESH_HEADER + data], framing=framing)  # type: ignore[arg-type]
        assert res.received == 2 == res.decoded + len(res.quarantined)
    f = TakStreamFramer(max_message_bytes=128)
    chunks = f.feed(data[:cut]) + f.feed(data[cut:]) + f.close()
    assert b"".join(chunks) == data  # nothing is lost or invented
    res = decoder().decode(chunks, framing="stream")
    assert res.received == len(chunks) == res.decoded + len(res.quarantined)
    assert "decoder_error" not in res.reasons
