"""The AIS decoder: real fixtures checked against pyais, round trips, and hostile input."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyais
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.util import checksum

from northline.ingest._ais import (
    HIGH_ACCURACY_SIGMA_M,
    KNOT_MPS,
    LOW_ACCURACY_SIGMA_M,
    MAX_PENDING_SENTENCES,
    AisDecoder,
    decode_ais,
)
from northline.ingest._result import DecodeResult, ReasonCode
from northline.model import content_id

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ais"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures is absent")
POSITION_TYPES = {1, 2, 3, 18, 19, 27}
T0 = 1_700_000_000.0


def _lines(name: str) -> list[bytes]:
    return (FIXTURES / name).read_bytes().splitlines()


def _check_accounting(dec: AisDecoder, results: list[DecodeResult]) -> None:
    """Every line is skipped, waiting, or in an observation, a static message or quarantine."""
    s = dec.stats
    assert s["lines"] == (
        s["skipped"]
        + dec.pending_lines
        + s["observation_lines"]
        + s["static_lines"]
        + s["quarantined_lines"]
    )
    decoded = sum(r.decoded for r in results)
    quarantined = [q for r in results for q in r.quarantined]
    assert sum(r.received for r in results) == decoded + len(quarantined)
    assert (
        sum(len([x for x in q.raw.split(b"\n") if x]) for q in quarantined)
        == s["quarantined_lines"]
    )


def _decode_file(name: str) -> tuple[AisDecoder, DecodeResult]:
    dec = AisDecoder("test", clock=lambda: T0)
    results = [dec.decode(_lines(name)), dec.close()]
    _check_accounting(dec, results)
    return dec, DecodeResult.concat(results)


def _tagged(fields: str, sentence: str) -> bytes:
    return f"\\{fields}*{checksum(fields.encode()):02X}\\{sentence}".encode()


@needs_fixtures
def test_nmea_data_sample_matches_pyais() -> None:
    lines = _lines("nmea_data_sample.txt")
    dec, result = _decode_file("nmea_data_sample.txt")
    assert dec.stats["lines"] == len(lines) == 898
    expected: list[tuple[str, float, float, str]] = []
    for line in lines:
        if not line.startswith(b"!AIVDM,1,1,"):
            continue
        try:
            msg: Any = pyais.decode(line)
        except Exception:
            continue
        if msg.msg_type in POSITION_TYPES and msg.lon != 181 and msg.lat != 91:
            expected.append((f"{msg.mmsi:09d}", msg.lon, msg.lat, content_id("obs", "test", line)))
    b = result.batch
    assert len(b) == len(expected) > 700
    assert list(b.identity) == [e[0] for e in expected]
    assert np.allclose(b.lon, [e[1] for e in expected])
    assert np.allclose(b.lat, [e[2] for e in expected])
    assert list(b.obs_id) == [e[3] for e in expected]
    assert len(set(b.identity)) > 100
    assert set(b.sensor_kind) == {"ais"}
    assert set(b.sensor_id) == {"ais:test"}
    assert set(b.sigma_m) <= {HIGH_ACCURACY_SIGMA_M, LOW_ACCURACY_SIGMA_M}
    assert np.all(b.t_s == T0)
    reasons = result.reasons
    assert reasons[ReasonCode.INCOMPLETE] == 20  # 20 first fragments whose second never came
    assert reasons[ReasonCode.OUT_OF_RANGE] == 4  # 181/91 "not available"
    assert ReasonCode.DECODER_ERROR not in reasons


@needs_fixtures
@pytest.mark.parametrize(
    "name",
    ["ais_test_messages", "gatehouse.nmea", "messages.ais", "mixed.txt", "sample.ais",
     "timestamped.ais"],
)  # fmt: skip
def test_every_fixture_is_accounted(name: str) -> None:
    _, result = _decode_file(name)
    assert result.decoded > 0
    assert ReasonCode.DECODER_ERROR not in result.reasons


@needs_fixtures
def test_mixed_reasons() -> None:
    dec, result = _decode_file("mixed.txt")
    r = result.reasons
    assert r[ReasonCode.UNSUPPORTED_MESSAGE] == 4  # GPGGA, GPRTE, GPR00, IIMWV
    assert r[ReasonCode.BAD_FIELD_COUNT] == 2  # foobar, IamNotAnAisMessage1111
    assert r[ReasonCode.BAD_CHECKSUM] >= 3  # corrupt tag blocks / sentence checksum
    assert dec.stats["static"] == 2  # two two-part type 5s, one with tag blocks
    assert dec.vessels  # joined into the vessel table


@needs_fixtures
def test_gatehouse_wrapper_time() -> None:
    _, result = _decode_file("gatehouse.nmea")
    wrapped = dt.datetime(2008, 5, 9, 0, 0, 0, 10_000, tzinfo=dt.UTC).timestamp()  # 10 ms
    assert wrapped in set(result.batch.t_s)
    assert T0 in set(result.batch.t_s)  # unwrapped sentences fall back to the clock


def test_tag_block_time_and_fallbacks() -> None:
    sentence = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"
    tagged = _tagged("c:1503079517", sentence)
    assert tagged.startswith(b"\\c:1503079517*53\\")
    dec = AisDecoder("rx", clock=lambda: T0)
    r = dec.decode([tagged, sentence.encode()], received_t_s=42.0)
    assert list(r.batch.t_s) == [1503079517.0, 42.0]
    assert dec.decode([sentence.encode()]).batch.t_s[0] == T0
    ms = dec.decode([_tagged("c:1503079517000", sentence)])
    assert ms.batch.t_s[0] == 1503079517.0
    bad = dec.decode([_tagged("c:soon", sentence)])
    assert bad.reasons == {ReasonCode.BAD_TIME: 1}
    wrong = dec.decode([b"\\c:1503079517*00\\" + sentence.encode()])
    assert wrong.reasons == {ReasonCode.BAD_CHECKSUM: 1}


def test_static_data_joins_across_calls_and_fragments() -> None:
    mmsi = 316001234
    static = pyais.encode_dict(
        {"type": 5, "mmsi": mmsi, "shipname": "NORTHERN LIGHT", "callsign": "CFA1234",
         "ship_type": 52}, radio_channel="B", seq_id=3, talker_id="AI", sentence_type="VDM",
    )  # fmt: skip
    assert len(static) == 2
    pos = pyais.encode_dict(
        {"type": 1, "mmsi": mmsi, "lon": -123.1, "lat": 49.3, "speed": 10.0, "course": 90.0,
         "accuracy": 1}, talker_id="AI", sentence_type="VDM",
    )  # fmt: skip
    dec = AisDecoder("rx", clock=lambda: T0)
    before = dec.decode([pos[0].encode()])
    assert before.batch.classification[0] == "vessel"
    first = dec.decode([static[0].encode()])
    assert first.received == 0
    assert dec.pending_lines == 1
    second = dec.decode([static[1].encode()])
    assert second.received == 0
    assert dec.stats["static"] == 1
    assert dec.pending_lines == 0
    after = dec.decode([pos[0].encode()])
    row = after.batch.row(0)
    assert row["identity"] == "316001234"
    assert row["classification"] == "vessel:Tug:NORTHERN LIGHT/CFA1234"
    assert row["sigma_m"] == HIGH_ACCURACY_SIGMA_M
    assert row["vel_east_mps"] == pytest.approx(10.0 * KNOT_MPS)
    assert row["vel_north_mps"] == pytest.approx(0.0, abs=1e-9)


def test_incomplete_fragments_expire_and_close() -> None:
    static = pyais.encode_dict(
        {"type": 5, "mmsi": 1, "shipname": "X"}, seq_id=1, talker_id="AI", sentence_type="VDM"
    )
    pos = pyais.encode_dict({"type": 1, "mmsi": 2, "lon": 1, "lat": 2}, sentence_type="VDM")[0]
    dec = AisDecoder("rx", clock=lambda: T0)
    r1 = dec.decode([static[0].encode()] + [pos.encode()] * MAX_PENDING_SENTENCES)
    assert r1.reasons == {}
    assert dec.pending_lines == 1
    r2 = dec.decode([pos.encode()])
    assert r2.reasons == {ReasonCode.INCOMPLETE: 1}
    assert r2.quarantined[0].raw == static[0].encode()
    assert dec.decode([static[0].encode()]).received == 0
    closed = dec.close()
    assert closed.reasons == {ReasonCode.INCOMPLETE: 1}
    assert dec.pending_lines == 0


def test_not_available_and_unsupported() -> None:
    na = pyais.encode_dict({"type": 1, "mmsi": 5, "lon": 181, "lat": 91, "speed": 102.3,
                            "course": 360})[0]  # fmt: skip
    slow = pyais.encode_dict({"type": 18, "mmsi": 6, "lon": 5, "lat": 6, "speed": 102.3,
                              "course": 360})[0]  # fmt: skip
    base = pyais.encode_dict({"type": 4, "mmsi": 7, "lon": 5, "lat": 6})[0]
    r = decode_ais(f"{na}\n{slow}\n{base}\n!AIVDM,1,1,,B,,0*25\n".encode(), "rx")
    assert r.decoded == 1
    assert math.isnan(r.batch.vel_east_mps[0])
    assert math.isnan(r.batch.vel_north_mps[0])
    assert r.batch.sigma_m[0] == LOW_ACCURACY_SIGMA_M
    assert [q.reason_code for q in r.quarantined] == [
        ReasonCode.OUT_OF_RANGE, ReasonCode.UNSUPPORTED_MESSAGE, ReasonCode.UNSUPPORTED_MESSAGE,
    ]  # fmt: skip
    assert "not available" in r.quarantined[0].reason


def test_bad_checksum_and_garbage() -> None:
    good = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"
    r = decode_ais(
        b"\n".join([good[:-2].encode() + b"00", b"\xff\xfe!AIVDM", b"!AIVDM,1", b"#c", b""]),
        "rx",
    )
    assert r.received == 3
    assert r.decoded == 0
    assert [q.reason_code for q in r.quarantined] == [
        ReasonCode.BAD_CHECKSUM, ReasonCode.BAD_ENCODING, ReasonCode.BAD_FIELD_COUNT,
    ]  # fmt: skip
    weird = AisDecoder("rx").decode([None, "text", 3])  # type: ignore[list-item]
    assert weird.received == 3


_mmsi = st.integers(min_value=1, max_value=999_999_999)
_lon = st.floats(min_value=-180.0, max_value=180.0)
_lat = st.floats(min_value=-90.0, max_value=90.0)
_sog = st.floats(min_value=0.0, max_value=102.2)
_cog = st.floats(min_value=0.0, max_value=359.9)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([1, 18]), _mmsi, _lon, _lat, _sog, _cog, st.booleans())
def test_round_trip(
    msg_type: int, mmsi: int, lon: float, lat: float, sog: float, cog: float, acc: bool
) -> None:
    data: dict[str, Any] = {"type": msg_type, "mmsi": mmsi, "lon": lon, "lat": lat, "speed": sog,
            "course": cog, "accuracy": int(acc)}  # fmt: skip
    sentences = pyais.encode_dict(data, sentence_type="VDM")
    r = AisDecoder("rx").decode([s.encode() for s in sentences], received_t_s=1.0)
    assert r.decoded == 1, r.quarantined
    row = r.batch.row(0)
    assert row["identity"] == f"{mmsi:09d}"
    assert row["lon"] == pytest.approx(lon, abs=1.01 / 600_000)
    assert row["lat"] == pytest.approx(lat, abs=1.01 / 600_000)
    assert row["sigma_m"] == (HIGH_ACCURACY_SIGMA_M if acc else LOW_ACCURACY_SIGMA_M)
    speed_kn = math.hypot(row["vel_east_mps"], row["vel_north_mps"]) / KNOT_MPS
    assert speed_kn == pytest.approx(sog, abs=0.1001)
    if speed_kn > 0.5:
        course = math.degrees(math.atan2(row["vel_east_mps"], row["vel_north_mps"])) % 360.0
        diff = abs((course - cog + 180.0) % 360.0 - 180.0)
        assert diff < 0.1001


_SEEDS = [
    b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"!AIVDM,2,1,9,A,581:Jqh2>;oaKLaCH00D<Dn0d4hd5H4p000000181j6;;5cPNC2kl1DP0000,0*65",
    b"\\c:1503079517*55\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17",
]


@st.composite
def _corrupt(draw: st.DrawFn) -> bytes:
    line = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(line)))
        op = draw(st.sampled_from(["set", "cut", "ins"]))
        b = draw(st.integers(0, 255))
        if op == "set" and i < len(line):
            line[i] = b
        elif op == "cut":
            del line[i:]
        else:
            line.insert(i, b)
    return bytes(line)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(_corrupt(), st.binary(max_size=80)).map(lambda b: b.replace(b"\n", b"")),
        max_size=12,
    )
)  # one line each, as a line framer gives them
def test_corrupted_input_never_raises(lines: list[bytes]) -> None:
    dec = AisDecoder("rx", clock=lambda: T0)
    results = [dec.decode(lines), dec.close()]
    _check_accounting(dec, results)
    assert all(q.reason_code != ReasonCode.DECODER_ERROR for r in results for q in r.quarantined)
