"""CotDecoder on real fixtures and on events built with known values."""

from __future__ import annotations

import gzip
import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from northline.ingest import (
    FILE_SOURCE,
    UNKNOWN_CE_SIGMA_M,
    CotDecoder,
    DecodeResult,
    ReasonCode,
    decode_cot,
    decode_cot_stream,
    iter_cot_file,
)
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
