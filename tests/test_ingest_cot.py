"""CotDecoder on real fixtures and on events built with known values."""

from __future__ import annotations

import gzip
import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.ingest import (
    FILE_SOURCE,
    UNKNOWN_CE_SIGMA_M,
    CotDecoder,
    DecodeResult,
    ReasonCode,
    _cotfast,
    decode_cot,
    decode_cot_stream,
    iter_cot_file,
)
from northline.ingest._cotcolumns import column_times, float_reprs, obs_ids_of, time_reprs
from northline.ingest._cotfast import fast_columns
from northline.ingest._cotplan import Plan
from northline.model import (
    InvalidInput,
    LonLat,
    Marking,
    NotFound,
    SensorKind,
    content_id,
    format_iso,
    parse_iso,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "cot"
T0 = 1768442400.0  # 2026-01-15T02:00:00Z


@pytest.fixture(scope="module")
def cot_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"../shared/fixtures is absent: no {FIXTURES.name} fixtures to decode")
    return FIXTURES


def cot_event(
    uid: str,
    t_s: float,
    lat: float,
    lon: float,
    *,
    type_: str = "a-f-G-U-C",
    ce: float | None = 10.0,
    course_deg: float | None = None,
    speed_mps: float | None = None,
    link_uid: str | None = None,
    northline: dict[str, str] | None = None,
) -> bytes:
    """A CoT event serialised by ElementTree, so that escaping is right."""
    t = format_iso(t_s)
    root = ET.Element(
        "event",
        {"version": "2.0", "uid": uid, "type": type_, "how": "m-g", "time": t, "start": t,
         "stale": format_iso(t_s + 60)},
    )  # fmt: skip
    point = {"lat": repr(lat), "lon": repr(lon), "hae": "0.0", "le": "9999999.0"}
    if ce is not None:
        point["ce"] = repr(ce)
    ET.SubElement(root, "point", point)
    detail = ET.SubElement(root, "detail")
    if link_uid is not None:
        ET.SubElement(detail, "link", {"uid": link_uid, "type": "a-f-G-E-S", "relation": "p-p"})
    if course_deg is not None or speed_mps is not None:
        track = {}
        if course_deg is not None:
            track["course"] = repr(course_deg)
        if speed_mps is not None:
            track["speed"] = repr(speed_mps)
        ET.SubElement(detail, "track", track)
    if northline is not None:
        ET.SubElement(detail, "__northline", northline)
    return ET.tostring(root)


@pytest.mark.shared
def test_taky_position_report(cot_dir: Path) -> None:
    raw = (cot_dir / "taky_1.xml").read_bytes()
    expected = ET.fromstring(raw)
    point, track = expected.find("point"), expected.find("detail/track")
    assert point is not None
    assert track is not None

    result = decode_cot(raw, "fixture:taky", received_t_s=0.0)

    assert result.counts == {"received": 1, "decoded": 1, "quarantined": 0, "unknown_ce": 0}
    (obs,) = result.batch.to_records()
    uid = expected.get("uid")
    assert obs.identity == obs.sensor_id == uid
    assert obs.sensor_kind is SensorKind.MOBILE  # a self-report: no p-p link
    assert obs.classification == expected.get("type")
    assert obs.t_s == parse_iso(expected.get("time", ""))
    assert obs.position == LonLat(float(point.get("lon", "")), float(point.get("lat", "")))
    assert obs.sigma_m == float(point.get("ce", ""))
    speed, course = float(track.get("speed", "")), math.radians(float(track.get("course", "")))
    assert obs.vel_east_mps == pytest.approx(speed * math.sin(course))
    assert obs.vel_north_mps == pytest.approx(speed * math.cos(course))
    assert obs.source == "fixture:taky"
    lon, lat = obs.position.lon, obs.position.lat
    assert obs.obs_id == content_id("obs", "fixture:taky", uid, uid, obs.t_s, lat, lon)


@pytest.mark.shared
def test_a_marker_placed_by_a_phone_names_the_phone_as_sensor(cot_dir: Path) -> None:
    raw = (cot_dir / "taky_2.xml").read_bytes()
    link = ET.fromstring(raw).find("detail/link")
    assert link is not None
    (obs,) = decode_cot(raw, "fixture").batch.to_records()
    assert obs.sensor_id == link.get("uid")
    assert obs.sensor_kind is SensorKind.OTHER
    assert obs.sigma_m == UNKNOWN_CE_SIGMA_M  # ce="0.0" is no error estimate
    assert obs.vel_east_mps is None


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "taky-geochat_1.xml",
        "nodecot-chat_1.xml",
        "nodecot-chat_2.xml",
        "nodecot-spotted_1.xml",
        "nodecot-spotted_2.xml",
        "nodecot-video_1.xml",
        "nodecot-video_2.xml",
        "nodecot-emergency_1.xml",
    ],
)
def test_chat_markers_and_alarms_are_quarantined_as_unsupported(cot_dir: Path, name: str) -> None:
    raw = (cot_dir / name).read_bytes()
    result = decode_cot(raw, "fixture", received_t_s=5.0)
    assert result.decoded == 0
    (q,) = result.quarantined
    assert q.reason_code == ReasonCode.UNSUPPORTED_TYPE
    assert ET.fromstring(raw).get("type", "") in q.reason
    assert q.raw == raw.strip()
    assert q.quarantine_id == content_id("q", "fixture", q.raw)
    assert (q.source, q.decoder, q.received_t_s) == ("fixture", "cot", 5.0)


@pytest.mark.shared
def test_all_fixtures_in_one_stream(cot_dir: Path) -> None:
    files = sorted(cot_dir.glob("*.xml"))
    atoms = [f for f in files if ET.parse(f).getroot().get("type", "").startswith("a-")]
    result = decode_cot(b"\n".join(f.read_bytes() for f in files), "fixture")
    assert result.received == len(files)
    assert result.decoded == len(atoms)
    assert result.reasons == {"unsupported_type": len(files) - len(atoms)}


def test_round_trip_of_known_values() -> None:
    marking = {"sensor_kind": "tower", "agency": "CBP", "releasability": "CAN-USA"}
    raw = cot_event(
        "TWR-7.42", T0 + 1.5, 48.9991234, -97.2345678, ce=12.5, course_deg=90.0,
        speed_mps=3.0, link_uid="TWR-7", northline=marking,
    )  # fmt: skip
    (obs,) = decode_cot(raw, "tower-feed").batch.to_records()
    assert obs.t_s == T0 + 1.5
    assert obs.position == LonLat(-97.2345678, 48.9991234)
    assert obs.sigma_m == 12.5
    assert obs.vel_east_mps == pytest.approx(3.0)
    assert obs.vel_north_mps == pytest.approx(0.0, abs=1e-12)
    assert (obs.sensor_id, obs.identity, obs.classification) == ("TWR-7", "TWR-7.42", "a-f-G-U-C")
    assert obs.sensor_kind is SensorKind.TOWER
    assert obs.marking == Marking("CBP", "CAN-USA")
    assert obs.source == "tower-feed"
    assert obs.obs_id == content_id(
        "obs", "tower-feed", "TWR-7", "TWR-7.42", T0 + 1.5, 48.9991234, -97.2345678
    )


def test_the_simulator_line_format() -> None:
    line = (
        b'<event version="2.0" uid="TWR-1.17" type="a-u-G" how="m-s" '
        b'time="2026-01-15T02:00:02.000Z" start="2026-01-15T02:00:02.000Z" '
        b'stale="2026-01-15T02:00:12.000Z"><point lat="48.9950000" lon="-97.2300000" hae="0.0" '
        b'ce="15.0" le="9999999.0"/><detail><link uid="TWR-1" type="a-f-G-E-S" relation="p-p"/>'
        b'<__northline sensor_kind="tower" agency="RCMP" releasability="CAN"/></detail></event>'
    )
    batch = decode_cot(line + b"\n" + line.replace(b"TWR-1.17", b"TWR-1.18") + b"\n", "sim").batch
    assert len(batch) == 2
    assert list(batch.sensor_id) == ["TWR-1", "TWR-1"]
    assert list(batch.sensor_kind) == ["tower", "tower"]
    assert batch.t_s[0] == T0 + 2.0
    assert np.isnan(batch.vel_east_mps).all()


@pytest.mark.parametrize("ce", [None, 9999999.0, -1.0, 0.0, math.inf, math.nan])
def test_unknown_circular_error_gets_the_default_sigma(ce: float | None) -> None:
    result = decode_cot(cot_event("u", T0, 1.0, 2.0, ce=ce), "s")
    assert result.batch.sigma_m.tolist() == [UNKNOWN_CE_SIGMA_M]
    assert result.unknown_ce == 1


@pytest.mark.parametrize(("course", "speed"), [(45.0, None), (None, 2.0), (math.nan, 1.0)])
def test_velocity_is_unknown_without_course_and_speed(
    course: float | None, speed: float | None
) -> None:
    batch = decode_cot(cot_event("u", T0, 1.0, 2.0, course_deg=course, speed_mps=speed), "s").batch
    assert np.isnan(batch.vel_east_mps).all()
    assert np.isnan(batch.vel_north_mps).all()


def test_the_decoder_marking_is_the_default_and_quarantine_carries_it() -> None:
    marking = Marking("CBSA", "CAN")
    decoder = CotDecoder("s", marking, clock=lambda: 123.0)
    result = decoder.decode([cot_event("u", T0, 1.0, 2.0), b"<nope/>"])
    assert result.batch.to_records()[0].marking == marking
    (q,) = result.quarantined
    assert (q.marking, q.received_t_s, q.reason_code) == (marking, 123.0, "wrong_root")


def test_a_partial_northline_marking_keeps_the_rest_of_the_default() -> None:
    raw = cot_event("u", T0, 1.0, 2.0, northline={"releasability": "CAN-USA"})
    (obs,) = decode_cot(raw, "s").batch.to_records()
    assert obs.marking == Marking("RCMP", "CAN-USA")
    assert obs.sensor_kind is SensorKind.MOBILE


def test_nothing_in_nothing_out() -> None:
    result = CotDecoder("s").decode([])
    assert result.counts == {"received": 0, "decoded": 0, "quarantined": 0, "unknown_ce": 0}
    assert len(result.batch) == 0


def test_results_concatenate() -> None:
    decoder = CotDecoder("s")
    a = decoder.decode([cot_event("a", T0, 1.0, 2.0)], received_t_s=1.0)
    b = decoder.decode([b"junk", cot_event("b", T0, 1.0, 2.0)], received_t_s=1.0)
    both = DecodeResult.concat([a, b])
    assert both.counts == {"received": 3, "decoded": 2, "quarantined": 1, "unknown_ce": 0}
    assert list(both.batch.identity) == ["a", "b"]


def test_iter_cot_file_reads_in_blocks_and_batches(tmp_path: Path) -> None:
    events = [cot_event(f"u{i}", T0 + i, 45.0, -75.0 + i * 1e-4) for i in range(250)]
    events.insert(100, b"<event uid='broken'")
    path = tmp_path / "feed.cot"
    path.write_bytes(b"\n".join(events) + b"\n")

    results = list(iter_cot_file(path, batch_size=64, block_bytes=1000, clock=lambda: 0.0))

    assert [r.received for r in results] == [64, 64, 64, 59]
    total = DecodeResult.concat(results)
    assert total.decoded == 250
    assert total.reasons == {"truncated": 1}
    assert [q.source for q in total.quarantined] == ["file:feed.cot"]
    assert list(total.batch.identity) == [f"u{i}" for i in range(250)]


def test_iter_cot_file_refuses_a_missing_file_and_bad_sizes(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        next(iter_cot_file(tmp_path / "absent.cot"))
    (tmp_path / "f.cot").write_bytes(b"")
    assert list(iter_cot_file(tmp_path / "f.cot", source="udp:4242")) == []
    with pytest.raises(InvalidInput):
        next(iter_cot_file(tmp_path / "f.cot", batch_size=0))


class _ReadOnly:
    """A stream with only ``read`` (no ``read1``), handing out at most 7 bytes a call."""

    name = "<pipe>"

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1, /) -> bytes:
        out, self._data = self._data[: min(size, 7)], self._data[min(size, 7) :]
        return out


def test_decode_cot_stream_from_streams_and_gzip(tmp_path: Path) -> None:
    events = [cot_event(f"u{i}", T0 + i, 45.0, -75.0) for i in range(30)]
    data = b"\n".join(events) + b"\nleft over"
    gz = tmp_path / "feed.cot.gz"
    with gzip.open(gz, "wb") as f:
        f.write(data)

    for src, source, name in [
        (io.BytesIO(data), "stdin", "stdin"),
        (_ReadOnly(data), FILE_SOURCE, "file:<pipe>"),
        (gz, FILE_SOURCE, "file:feed.cot.gz"),
        (str(gz), "udp:4242", "udp:4242"),
    ]:
        results = list(decode_cot_stream(src, 8, source=source, clock=lambda: 0.0))  # type: ignore[arg-type]
        assert [r.received for r in results] == [8, 8, 8, 7]
        total = DecodeResult.concat(results)
        assert list(total.batch.identity) == [f"u{i}" for i in range(30)]
        assert [(q.raw, q.source) for q in total.quarantined] == [(b"left over", name)]


# -- the batch fast path (ingest._cotfast) decodes exactly as defusedxml, one by one -------


class _OneByOne(CotDecoder):
    """The reference: overriding ``_decode_one`` turns the fast path off."""

    def _decode_one(self, chunk: object) -> tuple[object, ...]:
        return super()._decode_one(chunk)


def _same_result(chunks: list[bytes], **kwargs: object) -> DecodeResult:
    """Decode with the fast path (cold, then with the plans it learnt) and one by one; the
    results must be the same."""
    decoder = CotDecoder("s", **kwargs)  # type: ignore[arg-type]
    taken = fast_columns(
        chunks, decoder.max_message_bytes, "s", "RCMP", "CAN", {("RCMP", "CAN")}, {}, [], set()
    )  # raises if the fast path has a bug (decode would hide it behind the slow path)
    assert sorted(taken.index + taken.slow) == list(range(len(chunks)))
    slow = _OneByOne("s", **kwargs).decode(chunks, received_t_s=0.0)  # type: ignore[arg-type]
    for _ in range(2):
        fast = decoder.decode(chunks, received_t_s=0.0)
        assert fast.counts == slow.counts
        assert [(q.reason_code, q.reason, q.raw) for q in fast.quarantined] == [
            (q.reason_code, q.reason, q.raw) for q in slow.quarantined
        ]
        for name in fast.batch.columns():
            a, b = getattr(fast.batch, name), getattr(slow.batch, name)
            assert a.dtype == b.dtype, name
            if a.dtype.kind == "f":
                np.testing.assert_array_equal(a, b, err_msg=name)  # NaN equal to NaN
            else:
                assert a.tolist() == b.tolist(), name
    return fast


SIM_LINE = (
    '<event version="2.0" uid="TWR-1.{seq}" type="a-u-G" how="m-s" '
    'time="2026-01-15T02:00:{sec:02d}.{ms:03d}Z" start="2026-01-15T02:00:02.000Z" '
    'stale="2026-01-15T02:00:12.000Z"><point lat="{lat}" lon="{lon}" hae="0.0" '
    'ce="15.0" le="9999999.0"/><detail><link uid="TWR-1" type="a-f-G-E-S" relation="p-p"/>'
    '<__northline sensor_kind="tower" agency="RCMP" releasability="CAN"/></detail></event>'
)
ATAK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<event version="2.0" '
    'uid="ANDROID-{seq}" type="a-f-G-U-C" how="m-g" time="2026-01-15T02:00:{sec:02d}.{ms:03d}Z" '
    'start="2026-01-15T02:00:00Z" stale="2026-01-15T02:10:00Z">\n  <point lat="{lat}" '
    'lon="{lon}" hae="12.5" ce="9.9" le="9999999.0"/>\n  <detail>\n    <contact '
    'callsign="ALPHA-{seq}"/>\n    <track course="{course}" speed="{speed}"/>\n  </detail>\n'
    "</event>"
)


def _good(i: int) -> bytes:
    form = SIM_LINE if i % 2 else ATAK
    return form.format(
        seq=i, sec=i % 60, ms=(i * 37) % 1000, lat=f"{45 + i * 1e-4:.7f}",
        lon=f"{-75 - i * 1e-4:.7f}", course=f"{i % 360}.5", speed=f"{i % 7}.25",
    ).encode()  # fmt: skip


def test_fast_path_matches_one_by_one_on_good_events() -> None:
    chunks = [_good(i) for i in range(600)]
    taken = fast_columns(chunks, 1 << 20, "s", "RCMP", "CAN", {("RCMP", "CAN")}, {}, [], set())
    assert (len(taken.index), taken.slow) == (600, [])
    result = _same_result(chunks)
    assert result.decoded == 600
    assert list(result.batch.identity[:2]) == ["ANDROID-0", "TWR-1.1"]


@pytest.mark.parametrize(
    "bad",
    [
        b"<event uid='x'",  # broken, single quotes
        _good(1).replace(b'lat="', b'lat="9'),  # out of range
        _good(1).replace(b'ce="15.0"', b'ce="wide"'),
        _good(1).replace(b'ce="15.0"', b'ce="15.0" ce="16.0"'),  # duplicate attribute
        _good(1).replace(b'relation="p-p"', b'relation="p-p" x="&lt;"'),
        _good(1).replace(b'uid="TWR-1"', b'uid="TWR&#49;"'),
        _good(1).replace(b'agency="RCMP"', b'agency="R\tCMP"'),  # would be normalised
        _good(1).replace(b'agency="RCMP"', b'agency="x y"'),  # not a marking
        _good(1).replace(b'agency="RCMP"', b'agency="CBSA"'),  # a new, valid marking
        _good(1).replace(b'sensor_kind="tower"', b'sensor_kind="laser"'),
        _good(1).replace(b'sensor_kind="tower"', b'sensor_kind="ugs"'),
        _good(1).replace(b"02:00:01.037Z", b"02:00:01.037"),  # no zone
        _good(1).replace(b"02:00:01.037Z", b"02:00:61.037Z"),
        _good(1).replace(b"2026-01-15T02:00:01.037Z", b"2026-02-29T02:00:01Z"),
        _good(1).replace(b"2026-01-15T02:00:01.037Z", b"2024-02-29T23:59:59.999999Z"),
        _good(1).replace(b"2026-01-15T02:00:01.037Z", b"2026-01-15T02:00:01+05:30"),
        _good(1).replace(b'type="a-u-G"', b'type="b-t-f"'),
        _good(1).replace(b'uid="TWR-1.1"', b'uid=""'),
        _good(1).replace(b'uid="TWR-1"', b'uid=""'),  # empty link uid: a self-report
        _good(1).replace(b"<point", b"<pt"),
        _good(1).replace(b"<event", b"<!DOCTYPE event><event"),
        _good(1).replace(b"<detail>", b"<detail><?pi x?>"),
        _good(1).replace(b"<detail>", b"<detail><!-- c -->"),
        _good(1).replace(b'hae="0.0"', b'hae="<"'),
        _good(1).replace(b'hae="0.0"', b'hae="\x01"'),
        _good(1).replace(b'hae="0.0"', b'hae="\xef\xbf\xbe"'),
        _good(1).replace(b'hae="0.0"', b'hae="\xff"'),
        _good(1).replace(b'hae="0.0"', b'hae="\x00"'),
        _good(1).replace(b"<event", b"\xef\xbb\xbf<event"),
        _good(1).replace(b"</event>", b"</event>junk"),
        _good(1).replace(b"</detail>", b"</detail><detail/>"),
        _good(1).replace(b"<event", b'<event xmlns="urn:x"'),
        _good(1).replace(b"<event", b"<event a:b='1'"),
        _good(1).replace(b"<event", b'<event a:b="1"'),
        _good(0).replace(b'version="1.0"', b'version="1.1"'),
        _good(0).replace(b'encoding="UTF-8"', b'encoding="latin-1"'),
        _good(0).replace(b"<?xml", b" <?xml"),
        _good(0).replace(b'course="0.5"', b'course="nan"'),
        _good(0).replace(b'speed="0.25"', b'speed="-1"'),
        _good(0).replace(b' speed="0.25"', b""),
        _good(0).replace(b"<contact", b"<link relation='p-p' uid='L'/><contact"),
        _good(0).replace(b"<contact", b'<link relation="p-q" uid="L"/><contact'),
        _good(0).replace(b"<contact", b'<link relation="p-p" uid="L"/><contact'),
        _good(0).replace(b"<contact", b'<link relation="p-p"/><link relation="p-p" uid="M"/><c'),
        _good(0).replace(b"<contact", b"<__northline/><contact"),
        _good(0).replace(b'lat="45.0000000"', b'lat="4.5e1"'),
        _good(0).replace(b'lat="45.0000000"', b'lat="045.0"'),
        _good(0).replace(b'lat="45.0000000"', b'lat=" 45"'),
        _good(0).replace(b'lat="45.0000000"', b'lat="0.00001"'),
        _good(0).replace(b'lat="45.0000000"', b'lat="-0.000"'),
        _good(0).replace(b'lat="45.0000000"', b'lat="45.00000000000000001"'),
        b"",
        b"junk",
        "not bytes",  # type: ignore[list-item]
    ],
)
def test_fast_path_matches_one_by_one_around_a_bad_chunk(bad: bytes) -> None:
    chunks = [_good(i) for i in range(6)] + [bad] + [_good(i) for i in range(6, 12)]
    result = _same_result(chunks)
    assert result.decoded >= 12


@st.composite
def _mutated_good(draw: st.DrawFn) -> bytes:
    data = bytearray(_good(draw(st.integers(0, 3))))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(data)))
        new = draw(st.binary(max_size=4) | st.sampled_from(
            [b'"', b"'", b"<", b">", b"&", b"&amp;", b"\t", b"\n", b"\x00", b"\xff", b"-",
             b"9", b".", b"e", b"Z", b" ", b"/>", b"</point>", b'" a="1', b"<!--", b"<?x?>"]
        ))  # fmt: skip
        data[i : i + draw(st.integers(0, 3))] = new
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(_mutated_good(), min_size=1, max_size=12))
def test_fast_path_matches_one_by_one_on_mutated_events(chunks: list[bytes]) -> None:
    _same_result(chunks)


def test_fast_path_matches_one_by_one_on_oversize_and_many_skeletons() -> None:
    chunks = [_good(i) for i in range(40)]
    chunks += [cot_event(f"u{i}", T0 + i / 7, 1.0 + i, 2.0, ce=None if i % 3 else 5.0,
                         course_deg=float(i), speed_mps=1.0 if i % 2 else None,
                         link_uid=None if i % 4 else f"s{i}",
                         northline={"sensor_kind": "ugs"} if i % 5 == 0 else None)
               for i in range(40)]  # fmt: skip
    chunks.insert(17, _good(3) + b" " * 400)
    _same_result(chunks, max_message_bytes=512)
    _same_result(chunks[::-1])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            lambda x, k: f"{x:.{k}f}",
            st.floats(-1e17, 1e17, allow_nan=False) | st.floats(-1e-3, 1e-3),
            st.integers(0, 18),
        )
        | st.from_regex(r"-?[0-9]{1,17}\.[0-9]{1,17}", fullmatch=True),
        min_size=1,
        max_size=50,
    )
)
def test_float_reprs_are_repr_of_the_parsed_floats(texts: list[str]) -> None:
    values = np.array([float(t) for t in texts])
    assert float_reprs(texts, values) == [repr(float(t)) for t in texts]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            lambda y, mo, d, h, mi, s, frac, z: (
                f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{z}"
            ),
            st.integers(0, 9999),
            st.integers(0, 13),
            st.integers(0, 32),
            st.integers(0, 24),
            st.integers(0, 60),
            st.integers(0, 60),
            st.sampled_from(["", "."]) | st.from_regex(r"\.[0-9]{1,8}", fullmatch=True),
            st.sampled_from(["Z", "z", "+00:00", "-05:30", ""]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_column_times_are_parse_iso(texts: list[str]) -> None:
    t_s, bad, micros = column_times(texts)
    reprs = time_reprs(micros, t_s)
    for text, t, refused, shown in zip(texts, t_s.tolist(), bad.tolist(), reprs, strict=True):
        try:
            expected = parse_iso(text)
        except (ValueError, OverflowError):
            assert refused, text
        else:
            assert not refused, text
            assert t == expected, text
            assert shown == repr(expected), text


def test_time_reprs_of_whole_milliseconds() -> None:
    rng = np.random.default_rng(7)
    micros = np.concatenate(
        [rng.integers(0, 2**53 // 1000, 5000) * 1000, rng.integers(-(10**12), 2**53, 500)]
    ).astype(np.int64)
    micros[:3] = [0, 999_000, 1_000_000]
    t_s = micros.astype(np.float64) / 1e6
    assert time_reprs(micros, t_s) == [repr(t) for t in t_s.tolist()]
    # all of 10 digits of seconds, as today's times are: written by NumPy
    micros = rng.integers(10**12, 10**13, 5000) * 1000
    micros[:6] = [10**15, 10**15 + 5000, 10**15 + 120_000, 10**15 + 100_000, 10**16 - 1000, 0]
    micros[5] = 1_764_590_400_010_000
    t_s = micros.astype(np.float64) / 1e6
    assert time_reprs(micros, t_s) == [repr(t) for t in t_s.tolist()]
    assert time_reprs(micros[:1], t_s[:1]) == ["1000000000.0"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"-?[1-9][0-9]{0,3}\.[0-9]{1,11}", fullmatch=True), max_size=40))
def test_float_reprs_of_plain_coordinates_are_the_texts_trimmed(texts: list[str]) -> None:
    values = np.array([float(t) for t in texts])
    assert float_reprs(texts, values) == [repr(float(t)) for t in texts]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=6), st.text(max_size=6)) | st.just(("tower-01", "tower-01.7")),
        min_size=1,
        max_size=8,
    )
)
def test_obs_ids_are_content_ids(pairs: list[tuple[str, str]]) -> None:
    sensors, uids = [s for s, _ in pairs], [u for _, u in pairs]
    t_s = [T0 + i / 8 for i in range(len(pairs))]
    lats, lons = [45.5 + i for i in range(len(pairs))], [-75.25 - i for i in range(len(pairs))]
    ids = obs_ids_of(
        "src'", sensors, uids, [repr(t) for t in t_s], [repr(v) for v in lats],
        [repr(v) for v in lons],
    )  # fmt: skip
    assert ids == [
        content_id("obs", "src'", s, u, t, la, lo)
        for s, u, t, la, lo in zip(sensors, uids, t_s, lats, lons, strict=True)
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'hae="0.0"', b'hae="<"'),
        (b'hae="0.0"', b'hae="\x01"'),
        (b'hae="0.0"', b'hae="\xef\xbf\xbf"'),
        (b'hae="0.0"', b'hae="\xc3\xa9"'),  # not ASCII, but fine
        (b'ce="15.0"', b'ce="wide"'),
        (b'lat="', b'lat="9'),
    ],
)
def test_fast_path_matches_one_by_one_in_runs_of_one_skeleton(old: bytes, new: bytes) -> None:
    """Sub-batches all of one known skeleton are read in one pass: a value to refuse in
    one of them sends it (or its row) the slow way."""
    chunks = [_good(2 * i + 1) for i in range(1200)]
    for at in (3, 600, 1100):
        chunks[at] = chunks[at].replace(old, new)
    result = _same_result(chunks)
    assert result.decoded >= 1197


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'type="a-u-G"', b'type="a-f-G"'),
        (b'type="a-u-G"', b'type="b-t-f"'),
        (b'relation="p-p"', b'relation="p-q"'),
        (b'agency="RCMP"', b'agency="CBSA"'),
        (b'releasability="CAN"', b'releasability="x y"'),
        (b'sensor_kind="tower"', b'sensor_kind="ugs"'),
        (b'sensor_kind="tower"', b'sensor_kind="laser"'),
        (b'ce="15.0"', b'ce="9999999.0"'),
        (b'ce="15.0"', b'ce="\xc3\xa9"'),
        (b'uid="TWR-1"', b'uid=""'),
        (b'uid="TWR-1"', b'uid="TWR-2"'),
    ],
)
def test_fast_path_matches_one_by_one_when_a_constant_value_changes(
    old: bytes, new: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan reads the values one sub-batch had for all its rows as literals: a row with
    another value in a later sub-batch (or a whole sub-batch of them) reads as before."""
    monkeypatch.setattr(_cotfast, "_LOOSE_AFTER", 1)  # learn again two sub-batches on
    chunks = [_good(2 * i + 1) for i in range(3200)]
    for at in (1100, *range(2560, 3072)):
        chunks[at] = chunks[at].replace(old, new)
    plans: dict[str, Plan] = {}
    hot: list[Plan] = []
    taken = fast_columns(
        chunks[:1024], 1 << 20, "s", "RCMP", "CAN", {("RCMP", "CAN")}, plans, hot, set()
    )
    assert len(taken.index) == 1024
    assert hot[0].fixed is not None
    assert set(hot[0].consts.values()) >= {"a-u-G", "p-p", "RCMP", "CAN", "TWR-1", "tower"}
    taken = fast_columns(chunks, 1 << 20, "s", "RCMP", "CAN", {("RCMP", "CAN")}, plans, hot, set())
    assert sorted(taken.index + taken.slow) == list(range(len(chunks)))
    result = _same_result(chunks)
    assert result.decoded >= 2600


def test_fast_path_matches_one_by_one_on_copies_of_one_event() -> None:
    """Every value is the same in every row: one stays captured."""
    chunks = [_good(1)] * 1600 + [_good(3)] * 600
    result = _same_result(chunks)
    assert result.decoded == 2200
