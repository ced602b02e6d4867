"""SbsDecoder and decode_aircraft_json on a recorded feed and on messages built to order."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from northline.ingest import DecodeResult, ReasonCode
from northline.ingest._cot import UNKNOWN_CE_SIGMA_M
from northline.ingest._sbs import KNOT_MPS, SbsDecoder, decode_aircraft_json, sbs_line
from northline.model import Marking, SensorKind

FIXTURE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "sbs" / "node-sbs1_msgs.txt"
T0 = 1768442400.0  # 2026-01-15T02:00:00Z
RECEIVED = 1768442500.0


def _decoder(utc_offset_s: float = 0.0) -> SbsDecoder:
    return SbsDecoder("rx-1", clock=lambda: RECEIVED, utc_offset_s=utc_offset_s)


def _accounted(dec: SbsDecoder, r: DecodeResult, n_lines: int) -> None:
    """Each line is decoded, quarantined, state-only or blank; the invariant holds."""
    assert r.received == r.decoded + len(r.quarantined)
    c = dec.last_counts
    assert c["lines"] == n_lines
    assert n_lines == r.received + c["state_only"] + c["blank"]


@pytest.fixture(scope="module")
def fixture_lines() -> list[bytes]:
    if not FIXTURE.is_file():
        pytest.skip("../shared/fixtures is absent")
    return FIXTURE.read_bytes().splitlines(keepends=True)


# --- the recorded feed -------------------------------------------------------------------


def test_fixture_positions_match_plain_parsing(fixture_lines: list[bytes]) -> None:
    assert len(fixture_lines) == 4184
    expected = []
    for line in fixture_lines:
        f = line.decode().rstrip("\r\n").split(",")
        if f[0] == "MSG" and f[1] == "3" and f[14] and f[15]:
            expected.append((f[4].lower(), float(f[14]), float(f[15])))
    assert len(expected) == 74
    dec = _decoder()
    r = dec.decode(fixture_lines)
    _accounted(dec, r, len(fixture_lines))
    assert r.quarantined == []
    assert r.decoded == len(expected)
    got = list(zip(r.batch.identity, r.batch.lat, r.batch.lon, strict=True))
    assert got == expected
    icaos = {line.split(b",")[4].decode().lower() for line in fixture_lines}
    assert len(icaos) == 24
    assert set(r.batch.identity) <= icaos
    assert set(r.batch.sensor_kind) == {SensorKind.ADSB.value}
    assert np.all(r.batch.t_s == RECEIVED)  # the fixture has no times
    assert np.all(r.batch.sigma_m == UNKNOWN_CE_SIGMA_M)
    assert r.unknown_ce == r.decoded
    assert all(c.startswith("aircraft:") for c in r.batch.classification)
    # ids are by content: a repeated report (same aircraft, place and time) gets the same id
    assert len(set(r.batch.obs_id)) == len(set(expected))


def test_fixture_in_pieces_equals_whole(fixture_lines: list[bytes]) -> None:
    whole = _decoder().decode(fixture_lines)
    dec = _decoder()
    parts = [dec.decode(fixture_lines[i : i + 500]) for i in range(0, len(fixture_lines), 500)]
    assert [p.decoded for p in parts]
    assert sum(p.decoded for p in parts) == whole.decoded
    got = np.concatenate([p.batch.vel_east_mps for p in parts])
    np.testing.assert_array_equal(got, whole.batch.vel_east_mps)
    assert dec.totals["lines"] == len(fixture_lines)


# --- state and values --------------------------------------------------------------------


def test_state_callsign_velocity_and_altitude_apply_to_next_position() -> None:
    dec = _decoder()
    lines = [
        sbs_line(1, "abc123", callsign="ACA123  "),
        sbs_line(5, "abc123", altitude_ft=12000),
        sbs_line(4, "abc123", ground_speed_kt=400.0, track_deg=90.0),
        sbs_line(3, "abc123", lat=49.0, lon=-123.0, t_s=T0),
        sbs_line(3, "abc123", lat=49.01, lon=-122.9, altitude_ft=12100, t_s=T0 + 1),
    ]
    r = dec.decode(lines)
    _accounted(dec, r, 5)
    assert r.decoded == 2
    assert dec.last_counts["state_only"] == 3
    b = r.batch
    assert list(b.identity) == ["abc123", "abc123"]
    assert list(b.classification) == ["aircraft:ACA123:12000", "aircraft:ACA123:12100"]
    assert b.vel_east_mps[0] == pytest.approx(400.0 * KNOT_MPS)
    assert b.vel_north_mps[0] == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(b.vel_east_mps[1])  # a velocity is used once
    assert list(b.t_s) == pytest.approx([T0, T0 + 1], abs=1e-3)
    assert list(b.sensor_id) == ["rx-1", "rx-1"]


def test_surface_position_is_an_observation() -> None:
    dec = _decoder()
    r = dec.decode(
        [
            sbs_line(
                2,
                "C0FFEE",
                lat=49.19,
                lon=-123.18,
                ground_speed_kt=10.0,
                track_deg=180.0,
                on_ground=True,
            )
        ]
    )
    assert r.decoded == 1
    assert r.batch.identity[0] == "c0ffee"
    assert r.batch.vel_north_mps[0] == pytest.approx(-10.0 * KNOT_MPS)


def test_utc_offset_and_logged_time() -> None:
    dec = _decoder(utc_offset_s=-5 * 3600.0)
    line = sbs_line(3, "abc123", lat=1.0, lon=2.0, t_s=T0, utc_offset_s=-5 * 3600.0)
    assert dec.decode([line]).batch.t_s[0] == pytest.approx(T0, abs=1e-3)
    f = sbs_line(3, "abc123", lat=1.0, lon=2.0, t_s=T0).split(b",")
    f[6] = f[7] = b""
    r = _decoder().decode([b",".join(f)])
    assert r.batch.t_s[0] == pytest.approx(T0, abs=1e-3)


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"MSG,3,1,1,ABC123,1,,,,,,100,,,49.0,-123.0,,,0,0,0", ReasonCode.BAD_FIELD_COUNT),
        (b"MSG,3,1,1,ABC123,1,,,,,,10x,,,49.0,-123.0,,,0,0,0,0", ReasonCode.NOT_A_NUMBER),
        (b"MSG,3,1,1,ABC123,1,,,,,,100,,,nan,-123.0,,,0,0,0,0", ReasonCode.NOT_A_NUMBER),
        (b"MSG,3,1,1,ABC123,1,,,,,,100,,,91.0,-123.0,,,0,0,0,0", ReasonCode.OUT_OF_RANGE),
        (b"MSG,3,1,1,ABC123,1,,,,,,100,,,49.0,-181.0,,,0,0,0,0", ReasonCode.OUT_OF_RANGE),
        (b"MSG,3,1,1,ABC12G,1,,,,,,100,,,49.0,-123.0,,,0,0,0,0", ReasonCode.NOT_A_NUMBER),
        (b"MSG,3,1,1,ABC1234,1,,,,,,100,,,49.0,-123.0,,,0,0,0,0", ReasonCode.NOT_A_NUMBER),
        (b"MSG,3,1,1,ABC123,1,2026/13/01,00:00:00,,,,1,,,49,-123,,,0,0,0,0", ReasonCode.BAD_TIME),
        (b"MSG,3,1,1,ABC123,1,2026/01/01,25:00:00,,,,1,,,49,-123,,,0,0,0,0", ReasonCode.BAD_TIME),
        (b"MSG,3,1,1,ABC123,1,,,,,,100,,,49.0,-123.0,,,2,0,0,0", ReasonCode.NOT_A_NUMBER),
        (b"MSG,4,1,1,ABC123,1,,,,,,,-5,90,,,,,0,0,0,0", ReasonCode.OUT_OF_RANGE),
        (b"MSG,9,1,1,ABC123,1,,,,,,,,,,,,,,,,", ReasonCode.UNSUPPORTED_MESSAGE),
        (b"MSG,1,1,1,ABC123,1,,,,,\xc3\xa9,,,,,,,,,,,", ReasonCode.BAD_ENCODING),
        (
            b"SEL,,496,2286,4CA4E5,27215,2010/02/19,18:06:07.710,2010/02/19,18:06:07.710,RYR1427",
            ReasonCode.UNSUPPORTED_MESSAGE,
        ),
        (
            b"ID,,496,7162,405637,27928,2010/02/19,18:06:07.115,2010/02/19,18:06:07.115,EZY691A",
            ReasonCode.UNSUPPORTED_MESSAGE,
        ),
        (
            b"AIR,,496,5906,400F01,27931,2010/02/19,18:06:07.128,2010/02/19,18:06:07.128",
            ReasonCode.UNSUPPORTED_MESSAGE,
        ),
        (
            b"STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
            ReasonCode.UNSUPPORTED_MESSAGE,
        ),
        (b"CLK,,,,,,,,,,,,,,,,,,,,,", ReasonCode.UNSUPPORTED_MESSAGE),
        (b"hello", ReasonCode.BAD_FIELD_COUNT),
    ],
)
def test_bad_lines_are_quarantined(line: bytes, code: ReasonCode) -> None:
    dec = _decoder()
    r = dec.decode([line + b"\r\n"])
    _accounted(dec, r, 1)
    assert r.decoded == 0
    assert [q.reason_code for q in r.quarantined] == [code.value]
    q = r.quarantined[0]
    assert q.raw == line + b"\r\n"
    assert q.decoder == "sbs"
    assert q.received_t_s == RECEIVED


def test_not_bytes_is_a_decoder_error_and_blank_lines_are_ignored() -> None:
    dec = _decoder()
    r = dec.decode([b"\r\n", 42, b""])  # type: ignore[list-item]
    _accounted(dec, r, 3)
    assert r.reasons == {ReasonCode.DECODER_ERROR.value: 1}
    assert dec.last_counts["blank"] == 2


def test_marking_is_carried() -> None:
    m = Marking("CBSA", "CAN-USA")
    r = SbsDecoder("rx", m, clock=lambda: RECEIVED).decode(
        [sbs_line(3, "abc123", lat=1.0, lon=2.0), b"junk"]
    )
    assert list(r.batch.agency) == ["CBSA"]
    assert r.quarantined[0].marking == m


# --- properties ---------------------------------------------------------------------------

_icao = st.integers(0, 0xFFFFFF).map(lambda v: f"{v:06x}")


@settings(max_examples=200, deadline=None)
@given(
    icao=_icao,
    lat=st.floats(-90, 90, allow_nan=False, allow_infinity=False),
    lon=st.floats(-180, 180, allow_nan=False, allow_infinity=False),
    alt=st.one_of(st.none(), st.integers(-1000, 60000)),
    gs=st.floats(0, 2000, allow_nan=False, allow_infinity=False),
    track=st.floats(0, 360, exclude_max=True, allow_nan=False, allow_infinity=False),
    callsign=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8),
    t_s=st.one_of(st.none(), st.floats(0, 4e9, allow_nan=False, allow_infinity=False)),
    offset=st.sampled_from([0.0, -18000.0, 3600.0]),
    surface=st.booleans(),
)
def test_round_trip(
    icao: str,
    lat: float,
    lon: float,
    alt: int | None,
    gs: float,
    track: float,
    callsign: str,
    t_s: float | None,
    offset: float,
    surface: bool,
) -> None:
    dec = _decoder(utc_offset_s=offset)
    lines = [
        sbs_line(1, icao, callsign=callsign),
        sbs_line(4, icao, ground_speed_kt=gs, track_deg=track, vertical_rate_fpm=-64),
        sbs_line(
            2 if surface else 3,
            icao,
            lat=lat,
            lon=lon,
            altitude_ft=alt,
            t_s=t_s,
            utc_offset_s=offset,
            on_ground=surface,
            squawk="7000",
        ),
    ]
    r = dec.decode(lines)
    _accounted(dec, r, 3)
    assert r.quarantined == []
    assert r.decoded == 1
    b = r.batch
    assert b.identity[0] == icao.lower()
    assert b.lat[0] == lat
    assert b.lon[0] == lon
    assert b.classification[0] == f"aircraft:{callsign}:{'' if alt is None else alt}"
    speed = math.hypot(b.vel_east_mps[0], b.vel_north_mps[0])
    assert speed == pytest.approx(gs * KNOT_MPS, rel=1e-9, abs=1e-9)
    expected_t = RECEIVED if t_s is None else round(t_s, 3)
    assert b.t_s[0] == pytest.approx(expected_t, abs=2e-3)


_valid = st.builds(
    lambda k, i, a, o: sbs_line(k, i, lat=a, lon=o, altitude_ft=100),
    st.sampled_from([1, 2, 3, 4, 5, 8]),
    _icao,
    st.floats(-90, 90, allow_nan=False, allow_infinity=False),
    st.floats(-180, 180, allow_nan=False, allow_infinity=False),
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    line = bytearray(draw(_valid))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(line)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = draw(st.sampled_from([*b",-.0x9e:/ \xff", *range(256)]))
        if op == "insert":
            line.insert(pos, byte)
        elif pos < len(line):
            if op == "delete":
                del line[pos]
            else:
                line[pos] = byte
    return bytes(line)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.binary(max_size=200), _mutated(), _valid), max_size=20))
def test_fuzz_never_raises_and_accounts_for_everything(lines: list[bytes]) -> None:
    dec = _decoder()
    r = dec.decode(lines)
    _accounted(dec, r, len(lines))
    assert all(q.raw in lines for q in r.quarantined)
    assert {q.reason_code for q in r.quarantined} <= {c.value for c in ReasonCode}
    assert not any(q.reason_code == ReasonCode.DECODER_ERROR.value for q in r.quarantined)
    assert np.all(np.abs(r.batch.lat) <= 90)
    assert np.all(np.abs(r.batch.lon) <= 180)


# --- aircraft.json ------------------------------------------------------------------------


def _doc(*aircraft: object, now: object = T0) -> bytes:
    return json.dumps({"now": now, "messages": 1234, "aircraft": list(aircraft)}).encode()


def test_aircraft_json_positions_and_skips() -> None:
    data = _doc(
        {
            "hex": "c0ffee",
            "flight": "WJA123  ",
            "lat": 49.1,
            "lon": -123.2,
            "seen_pos": 2.5,
            "alt_baro": 3500,
            "gs": 200.0,
            "track": 0.0,
        },
        {"hex": "abc123", "flight": "ACA9", "alt_baro": 35000},  # no position: skipped
        {"hex": "~1a2b3c", "lat": 49.2, "lon": -123.1, "alt_baro": "ground"},
    )
    r = decode_aircraft_json(data, "rx-json", received_t_s=RECEIVED)
    assert r.received == 2
    assert r.decoded == 2
    assert r.quarantined == []
    b = r.batch
    assert list(b.identity) == ["c0ffee", "~1a2b3c"]
    assert list(b.t_s) == [T0 - 2.5, T0]
    assert list(b.classification) == ["aircraft:WJA123:3500", "aircraft::ground"]
    assert b.vel_north_mps[0] == pytest.approx(200.0 * KNOT_MPS)
    assert math.isnan(b.vel_east_mps[1])
    assert list(b.sensor_kind) == ["adsb", "adsb"]
    assert r.unknown_ce == 2


def test_aircraft_json_bad_entries_are_quarantined_alone() -> None:
    data = _doc(
        {"hex": "c0ffee", "lat": 95.0, "lon": 0.0},
        {"hex": "zzzzzz", "lat": 1.0, "lon": 0.0},
        {"hex": "abc123", "lat": "49", "lon": 0.0},
        {"hex": "abc124", "lat": 49.0, "lon": 0.0, "gs": True},
        "not an object",
        {"hex": "abc125", "lat": 49.0, "lon": 1.0},
    )
    r = decode_aircraft_json(data, "rx-json", received_t_s=RECEIVED)
    assert r.received == 6
    assert r.decoded == 1
    assert [q.reason_code for q in r.quarantined] == [
        ReasonCode.OUT_OF_RANGE.value,
        ReasonCode.NOT_A_NUMBER.value,
        ReasonCode.NOT_A_NUMBER.value,
        ReasonCode.NOT_A_NUMBER.value,
        ReasonCode.MISSING_ATTRIBUTE.value,
    ]
    assert json.loads(r.quarantined[0].raw)["hex"] == "c0ffee"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{not json",
        b"[1, 2]",
        b'{"aircraft": []}',
        b'{"now": "soon", "aircraft": []}',
        b'{"now": 1.0, "aircraft": {}}',
        b"\xff\xfe\x00",
        b"[" * 100_000,
    ],
)
def test_aircraft_json_malformed_document_is_one_quarantined(data: bytes) -> None:
    r = decode_aircraft_json(data, "rx-json", clock=lambda: RECEIVED)
    assert r.received == 1
    assert r.decoded == 0
    assert len(r.quarantined) == 1
    q = r.quarantined[0]
    assert q.raw == data
    assert q.received_t_s == RECEIVED
    assert q.decoder == "dump1090-json"


def test_aircraft_json_empty_list() -> None:
    r = decode_aircraft_json(_doc(), "rx-json", received_t_s=RECEIVED)
    assert r.received == 0
    assert r.decoded == 0
    assert len(r.batch) == 0


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
        lambda kids: (
            st.lists(kids, max_size=4)
            | st.dictionaries(
                st.sampled_from(["hex", "lat", "lon", "seen_pos", "gs", "track", "alt_baro", "x"]),
                kids,
                max_size=6,
            )
        ),
        max_leaves=20,
    )
)
def test_aircraft_json_fuzz_never_raises(entry: object) -> None:
    data = json.dumps({"now": T0, "aircraft": [entry]}).encode()
    r = decode_aircraft_json(data, "rx-json", received_t_s=RECEIVED)
    assert r.received == r.decoded + len(r.quarantined) <= 1
