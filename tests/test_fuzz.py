"""Fuzz tests of every decoder and framer: no exception escapes, everything is accounted for.

Two fuzzers share the checks of :func:`_fuzzing.check_result` (``received == decoded +
quarantined``, each quarantined message with a reason code, a reason and its raw bytes,
observations finite and on the globe, velocities finite or NaN, and, where one input is one
message, ``received`` equal to the number of inputs):

* a deterministic mutational fuzzer (fixed ``random.Random`` seeds) that feeds large batches
  of mutated seeds to each decoder — ``NORTHLINE_FUZZ_CASES`` cases in all (default 120,000;
  ``make fuzz`` sets millions); the seeds are messages written by our own writers and, when
  ``../shared/fixtures`` is present, the recorded feeds too (the ``[recorded]`` tests, which
  run as many cases again);
* Hypothesis properties with structured mutations (``NORTHLINE_FUZZ_EXAMPLES`` examples each,
  default 60).

A decoder that catches its own exception quarantines the message as ``decoder_error``; that
is a bug too, so the tests fail on it. Run with ``-s`` to see the cases per decoder.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pyais
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from takproto.proto import TakMessage  # type: ignore[import-untyped]

from _fuzzing import (
    AIRCRAFT_HUGE_INT,
    AIS_ARMOUR,
    AIS_TYPE24_PART2,
    AIS_UNSUPPORTED_TWO_PART,
    CASES,
    COT_INF_COURSE,
    COT_INF_SPEED,
    CSV_HEADER,
    CSV_TOKENS,
    EXAMPLES,
    JSON_TOKENS,
    JSON_VALUE,
    NMEA_TOKENS,
    NUMBER_TOKENS,
    RUN,
    SBS_TOKENS,
    T0_S,
    XML_TOKENS,
    XML_VALUE,
    Mutator,
    aircraft_json_seeds,
    ais_groups,
    ais_seeds,
    apply_ops,
    check_result,
    cot_seeds,
    csv_rows,
    decoder_errors,
    fixture_seeds,
    geojson_seeds,
    nmea_fix_checksum,
    random_splits,
    sbs_line_fields,
    sbs_seeds,
    stream_frame,
    tak_inf_course,
    tak_payloads,
    tak_structured,
    varint,
)
from northline.ingest import (
    MAX_MESSAGE_BYTES,
    AisDecoder,
    CotDecoder,
    CotFramer,
    CsvMapping,
    DecodeResult,
    SbsDecoder,
    TakProtoDecoder,
    TakStreamFramer,
    decode_aircraft_json,
    decode_ais,
    decode_cot,
    decode_csv,
    decode_geojson,
    sbs_line,
)
from northline.ingest._takproto import MESH_HEADER
from northline.model import InvalidInput, SensorKind

SRC = "fuzz"
BATCH = 2_000
SHARES = {
    "cot": 0.22,
    "cot-framer": 0.05,
    "ais": 0.22,
    "sbs": 0.17,
    "takproto": 0.12,
    "tak-framer": 0.04,
    "geojson": 0.06,
    "aircraft-json": 0.06,
    "csv": 0.06,
}
"""Each decoder's share of ``NORTHLINE_FUZZ_CASES``."""
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WS = b" \t\r\n"


def clock() -> float:
    return T0_S


def share(name: str) -> int:
    return max(1, math.ceil(CASES * SHARES[name]))


def run(decode: Callable[[list[bytes]], DecodeResult], batch: list[bytes]) -> DecodeResult:
    """``decode(batch)``; if it raises, name the single input that makes it raise."""
    try:
        return decode(batch)
    except Exception as exc:
        for item in batch:
            try:
                decode([item])
            except Exception as single:
                raise AssertionError(f"decoder raised {single!r} on input {item!r}") from single
        raise AssertionError(f"decoder raised {exc!r} on a batch of {len(batch)}") from exc


def no_decoder_errors(errors: list[tuple[bytes, str]]) -> None:
    assert not errors, f"{len(errors)} decoder_error quarantines, first: {errors[0]!r}"


@pytest.fixture(scope="module", params=["built", "recorded"])
def origin(request: pytest.FixtureRequest) -> tuple[str, dict[str, list[bytes]]]:
    """Seeds from our own writers, and (``recorded``) also the shared fixtures."""
    built = {"cot": cot_seeds(), "ais": ais_seeds() + ais_groups(), "sbs": sbs_seeds()}
    if request.param == "built":
        return "built", built
    root: Path = request.getfixturevalue("shared_fixtures")
    recorded = fixture_seeds(root)
    return "recorded", {k: recorded[k] + built[k] for k in built}


def key(name: str, origin_name: str) -> str:
    return name if origin_name == "built" else f"{name}[recorded]"


# -- the mutational fuzzer: CoT ---------------------------------------------------------------


def cot_mutator(seeds: Sequence[bytes], seed: int) -> Mutator:
    return Mutator(seeds, XML_TOKENS, seed, value_re=XML_VALUE, structured_p=0.4)


def test_fuzz_cot_decoder(origin: tuple[str, dict[str, list[bytes]]]) -> None:
    name, seeds = origin
    n = share("cot")
    mut = cot_mutator(seeds["cot"], 1)
    decoders = [CotDecoder(SRC, clock=clock), CotDecoder(SRC, max_message_bytes=256, clock=clock)]
    done, errors = 0, []
    while done < n:
        batch = mut.batch(min(BATCH, n - done))
        dec = decoders[(done // BATCH) % 2]
        r = run(dec.decode, batch)
        check_result(r, received=len(batch), inputs=batch, source=SRC)
        errors += decoder_errors(r)
        done += len(batch)
    RUN[key("cot", name)] += done
    assert done == n
    no_decoder_errors(errors)


F = TypeVar("F", CotFramer, TakStreamFramer)


def frame_whole_and_split(
    framer: Callable[[], F], stream: bytes, pieces: list[bytes], max_buffered: int
) -> tuple[F, list[bytes]]:
    """(the framer, its chunks) of ``stream`` fed at once; fed in ``pieces`` instead, a
    fresh framer gives the same chunks and never buffers over ``max_buffered + len(piece)``."""
    whole = framer()
    chunks = whole.feed(stream) + whole.close()
    split = framer()
    got: list[bytes] = []
    for piece in pieces:
        got += split.feed(piece)
        assert split.buffered_bytes <= max_buffered + len(piece)
    got += split.close()
    assert got == chunks, (stream, pieces)
    return whole, chunks


def cut(data: bytes, lengths: list[int]) -> list[bytes]:
    """``data`` cut into pieces of ``lengths``, and the rest."""
    pieces, i = [], 0
    for k in lengths:
        pieces.append(data[i : i + k])
        i += k
    return [*pieces, data[i:]]


def check_cot_stream(stream: bytes, pieces: list[bytes], max_bytes: int) -> int:
    """Frame ``stream`` at once and in ``pieces``: the same chunks, nothing lost; decode."""
    whole, chunks = frame_whole_and_split(
        lambda: CotFramer(max_message_bytes=max_bytes), stream, pieces, 2 * max_bytes + 64
    )
    assert whole.messages == len(chunks)
    for c in chunks:
        assert c
        assert c[:1] not in (b" ", b"\t", b"\r", b"\n")
        assert len(c) <= max_bytes
    if whole.oversize == 0:
        strip = bytes.maketrans(b"", b"")
        assert b"".join(chunks).translate(strip, WS) == stream.translate(strip, WS)
    r = CotDecoder(SRC, max_message_bytes=max_bytes, clock=clock).decode(chunks)
    check_result(r, received=len(chunks), inputs=chunks, source=SRC)
    no_decoder_errors(decoder_errors(r))
    if max_bytes == MAX_MESSAGE_BYTES:
        r2 = decode_cot(stream, SRC, clock=clock)
        assert (r2.received, r2.decoded) == (r.received, r.decoded)
    return len(chunks)


SEPARATORS = (b"", b"\n", b"\r\n  ", b"junk", b"</event>", b"<?xml version='1.0'?>", b"\x00")


def test_fuzz_cot_framer(origin: tuple[str, dict[str, list[bytes]]]) -> None:
    name, seeds = origin
    n = share("cot-framer")
    mut = cot_mutator(seeds["cot"], 2)
    rng = random.Random(3)
    for _ in range(n):
        msgs = mut.batch(rng.randint(1, 6))
        stream = b"".join(m + rng.choice(SEPARATORS) for m in msgs)
        max_bytes = rng.choice((16, 100, 700, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES))
        pieces = random_splits(stream, rng, rng.choice((7, 32, 256, 4096)))
        check_cot_stream(stream, pieces, max_bytes)
    RUN[key("cot-framer", name)] += n


# -- AIS --------------------------------------------------------------------------------------


def ais_accounted(dec: AisDecoder) -> None:
    s = dec.stats
    parts = ("skipped", "static_lines", "observation_lines", "quarantined_lines")
    accounted = dec.pending_lines + sum(s[p] for p in parts)
    assert s["lines"] == accounted, (s, dec.pending_lines)


def test_fuzz_ais_decoder(origin: tuple[str, dict[str, list[bytes]]]) -> None:
    name, seeds = origin
    n = share("ais")
    mut = Mutator(
        seeds["ais"], NMEA_TOKENS, 4, sep=b",", alphabet=AIS_ARMOUR,
        fixup=nmea_fix_checksum, fixup_p=0.75, structured_p=0.6,
    )  # fmt: skip
    dec = AisDecoder(SRC, clock=clock, max_pending=50)
    done, errors = 0, []
    while done < n:
        cases = mut.batch(min(BATCH, n - done))
        lines = b"\n".join(cases).splitlines()
        if (done // BATCH) % 4 == 3:
            r = run(lambda b: decode_ais(b"\n".join(b), SRC, clock=clock), lines)
        else:
            r = run(dec.decode, lines)
            ais_accounted(dec)
        check_result(r, source=SRC)
        errors += decoder_errors(r)
        done += len(cases)
    r = dec.close()
    check_result(r, source=SRC)
    assert dec.pending_lines == 0
    ais_accounted(dec)
    RUN[key("ais", name)] += done
    assert done == n
    no_decoder_errors(errors + decoder_errors(r))


# -- SBS-1 ------------------------------------------------------------------------------------


def sbs_accounted(dec: SbsDecoder, r: DecodeResult, n_lines: int) -> None:
    c = dec.last_counts
    assert c["lines"] == n_lines
    assert c["lines"] == r.received + c["state_only"] + c["blank"], (c, r.counts)


def test_fuzz_sbs_decoder(origin: tuple[str, dict[str, list[bytes]]]) -> None:
    name, seeds = origin
    n = share("sbs")
    mut = Mutator(
        seeds["sbs"], SBS_TOKENS, 5, sep=b",", alphabet=b"0123456789.-+eE:/abcdefABCDEF ",
        structured_p=0.7,
    )  # fmt: skip
    decoders = [SbsDecoder(SRC, clock=clock), SbsDecoder(SRC, utc_offset_s=-18000, clock=clock)]
    done, errors = 0, []
    while done < n:
        batch = mut.batch(min(BATCH, n - done))
        dec = decoders[(done // BATCH) % 2]
        r = run(dec.decode, batch)
        check_result(r, inputs=batch, source=SRC)
        sbs_accounted(dec, r, len(batch))
        errors += decoder_errors(r)
        done += len(batch)
    RUN[key("sbs", name)] += done
    assert done == n
    no_decoder_errors(errors)


# -- TAK protocol -----------------------------------------------------------------------------

BAD_HEADERS = (b"", b"\xbf", b"\xbf\x01", b"\xbf\x02\xbf", b"\xbf\x01\xbe", b"\xbf\x00\xbf")


def tak_batch(mut: Mutator, rng: random.Random, k: int) -> tuple[list[bytes], list[bytes]]:
    """(mesh datagrams, stream frames) of mutated and of structurally hostile payloads."""
    mesh, stream = [], []
    for _ in range(k):
        payload = mut.one() if rng.random() < 0.5 else tak_structured(rng)
        r = rng.random()
        mesh.append(MESH_HEADER + payload if r < 0.85 else rng.choice(BAD_HEADERS) + payload)
        if r < 0.85:
            stream.append(stream_frame(payload))
        else:
            wrong = max(0, len(payload) + rng.choice((-2, -1, 1, 2, 1 << 40)))
            stream.append(b"\xbf" + varint(wrong) + payload)
    return mesh, stream


def test_fuzz_takproto_decoder() -> None:
    n = share("takproto")
    rng = random.Random(6)
    mut = Mutator(tak_payloads(), XML_TOKENS, 7, value_re=XML_VALUE, structured_p=0.3)
    dec = TakProtoDecoder(SRC, clock=clock)
    small = TakProtoDecoder(SRC, max_message_bytes=64, clock=clock)
    done, errors = 0, []
    while done < n:
        mesh, stream = tak_batch(mut, rng, min(BATCH, n - done) // 2 or 1)
        for framing, batch in (("mesh", mesh), ("stream", stream)):
            d = small if (done // BATCH) % 3 == 2 else dec
            r = run(lambda b, f=framing, d=d: d.decode(b, framing=f), batch)  # type: ignore[misc]
            check_result(r, received=len(batch), inputs=batch, source=SRC)
            errors += decoder_errors(r)
            done += len(batch)
    RUN["takproto"] += done
    assert done >= n
    no_decoder_errors(errors)


def check_tak_stream(stream: bytes, pieces: list[bytes], max_bytes: int) -> None:
    """Frame ``stream`` at once and in ``pieces``: the same chunks, nothing lost; decode."""
    whole, chunks = frame_whole_and_split(
        lambda: TakStreamFramer(max_message_bytes=max_bytes), stream, pieces, max_bytes + 11
    )
    assert b"".join(chunks) == stream
    assert whole.frames + whole.garbage_chunks == len(chunks)
    assert all(chunks)
    r = TakProtoDecoder(SRC, max_message_bytes=max_bytes, clock=clock).decode(
        chunks, framing="stream"
    )
    check_result(r, received=len(chunks), inputs=chunks, source=SRC)
    no_decoder_errors(decoder_errors(r))


def test_fuzz_tak_stream_framer() -> None:
    n = share("tak-framer")
    rng = random.Random(8)
    mut = Mutator(tak_payloads(), XML_TOKENS, 9, value_re=XML_VALUE, structured_p=0.3)
    junk = (b"", b"", b"\x00junk", b"\xbf", b"\xbf\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
    for _ in range(n):
        _, frames = tak_batch(mut, rng, rng.randint(1, 6))
        stream = b"".join(f + rng.choice(junk) for f in frames)
        max_bytes = rng.choice((16, 64, 300, MAX_MESSAGE_BYTES))
        check_tak_stream(stream, random_splits(stream, rng, rng.choice((2, 16, 256))), max_bytes)
    RUN["tak-framer"] += n


# -- GeoJSON, aircraft.json, CSV (whole documents) --------------------------------------------


def test_fuzz_geojson_decoder() -> None:
    n = share("geojson")
    mut = Mutator(geojson_seeds(), JSON_TOKENS, 10, value_re=JSON_VALUE, structured_p=0.6)
    errors = []
    kinds = list(SensorKind)
    for i in range(n):
        doc = mut.one()
        r = decode_geojson(doc, SRC, clock=clock, sensor_kind=kinds[i % len(kinds)])
        check_result(r, source=SRC)
        errors += decoder_errors(r)
    RUN["geojson"] += n
    no_decoder_errors(errors)


def test_fuzz_aircraft_json_decoder() -> None:
    n = share("aircraft-json")
    mut = Mutator(aircraft_json_seeds(), JSON_TOKENS, 11, value_re=JSON_VALUE, structured_p=0.6)
    errors = []
    for i in range(n):
        doc = mut.one()
        r = decode_aircraft_json(doc, SRC, received_t_s=None if i % 2 else T0_S, clock=clock)
        check_result(r, source=SRC)
        errors += decoder_errors(r)
    RUN["aircraft-json"] += n
    no_decoder_errors(errors)


CSV_MAPPINGS = [
    CsvMapping(
        sensor_id="sensor", identity="track", classification="class", sigma_m="sigma",
        vel_east_mps="ve", vel_north_mps="vn",
    ),
    CsvMapping(time_format="epoch_s", identity="track", sigma_m="sigma"),
    CsvMapping(delimiter=";", fixed_sensor_id="fixed", vel_east_mps="ve", vel_north_mps="vn"),
]  # fmt: skip


def decode_csv_checked(header: bytes, body: bytes, mapping: CsvMapping) -> DecodeResult | None:
    """Decode; a header that is no longer ours may be refused as InvalidInput (documented:
    a configuration error), nothing else may escape."""
    doc = header + body
    try:
        r = decode_csv(doc, SRC, mapping, clock=clock)
    except InvalidInput:
        if header.replace(b";", b",") == CSV_HEADER:
            raise
        return None
    check_result(r, source=SRC)
    assert r.received <= len(doc.splitlines())
    return r


def test_fuzz_csv_decoder() -> None:
    n = share("csv")
    rng = random.Random(12)
    mut = Mutator(csv_rows(), CSV_TOKENS, 13, sep=b",", structured_p=0.6)
    head_mut = Mutator([CSV_HEADER], CSV_TOKENS, 14, sep=b",")
    errors = []
    for i in range(n):
        mapping = CSV_MAPPINGS[i % len(CSV_MAPPINGS)]
        header = head_mut.one() if rng.random() < 0.05 else CSV_HEADER
        body = b"\n".join(mut.batch(rng.randint(1, 4)))
        if mapping.delimiter == ";":
            header, body = header.replace(b",", b";"), body.replace(b",", b";")
        r = decode_csv_checked(header, body, mapping)
        if r is not None:
            errors += decoder_errors(r)
    RUN["csv"] += n
    no_decoder_errors(errors)


# -- Hypothesis: structured mutations ---------------------------------------------------------


def ops(tokens: Sequence[bytes]) -> st.SearchStrategy[list[tuple[int, float, int, bytes]]]:
    op = st.tuples(
        st.integers(0, 5),
        st.floats(0.0, 1.0),
        st.integers(1, 64),
        st.sampled_from(list(tokens) + list(NUMBER_TOKENS)) | st.binary(max_size=8),
    )
    return st.lists(op, max_size=5)


COT = cot_seeds()
HOSTILE_VALUE = (
    st.sampled_from([t.decode("utf-8", "surrogateescape") for t in NUMBER_TOKENS + XML_TOKENS])
    | st.floats().map(repr)
    | st.text(max_size=20)
)


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(COT), ops(XML_TOKENS)), min_size=1, max_size=5),
    st.lists(st.integers(0, 200), max_size=30),
    st.sampled_from((16, 200, MAX_MESSAGE_BYTES)),
)
def test_hypothesis_cot_stream(
    msgs: list[tuple[bytes, list[tuple[int, float, int, bytes]]]],
    cuts: list[int],
    max_bytes: int,
) -> None:
    stream = b"\n".join(apply_ops(seed, o) for seed, o in msgs)
    check_cot_stream(stream, cut(stream, cuts), max_bytes)
    RUN["hypothesis:cot"] += len(msgs)


@FUZZ
@given(st.fixed_dictionaries({k: HOSTILE_VALUE for k in ("uid", "type", "time", "lat", "lon")}))
def test_hypothesis_cot_event_attributes(v: dict[str, str]) -> None:
    t = "2026-01-15T02:00:00Z"
    event = (
        f'<event version="2.0" uid="{v["uid"]}" type="{v["type"]}" time="{v["time"]}" '
        f'start="{t}" stale="{t}"><point lat="{v["lat"]}" lon="{v["lon"]}" ce="5"/>'
        f'<detail><track speed="{v["lat"]}" course="{v["lon"]}"/></detail></event>'
    ).encode("utf-8", "surrogateescape")
    r = CotDecoder(SRC, clock=clock).decode([event])
    check_result(r, received=1, inputs=[event], source=SRC)
    no_decoder_errors(decoder_errors(r))
    RUN["hypothesis:cot"] += 1


AIS = ais_seeds()


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(AIS), ops(NMEA_TOKENS), st.booleans()), max_size=12),
)
def test_hypothesis_ais_mutated(lines: list[tuple[bytes, list[Any], bool]]) -> None:
    cases = [apply_ops(s, o) for s, o, _ in lines]
    cases = [
        nmea_fix_checksum(c) if fix else c for c, (_, _, fix) in zip(cases, lines, strict=True)
    ]
    dec = AisDecoder(SRC, clock=clock)
    r = DecodeResult.concat([dec.decode(b"\n".join(cases).splitlines()), dec.close()])
    check_result(r, source=SRC)
    ais_accounted(dec)
    no_decoder_errors(decoder_errors(r))
    RUN["hypothesis:ais"] += len(cases)


@FUZZ
@given(
    st.sampled_from((1, 2, 3, 4, 5, 9, 11, 18, 19, 21, 24, 27)),
    st.integers(0, 2**30 - 1),
    st.floats(-400, 400) | st.sampled_from((181.0, 91.0, -181.0)),
    st.floats(-200, 200),
    st.floats(0, 1100),
    st.floats(0, 400),
    st.integers(0, 11),
)
def test_hypothesis_ais_encoded(
    msg_type: int, mmsi: int, lon: float, lat: float, speed: float, course: float, seq: int
) -> None:
    data: dict[str, str | int | float | bytes | bool] = {
        "type": msg_type,
        "mmsi": mmsi,
        "lon": lon,
        "lat": lat,
        "speed": speed,
    }
    data |= {"course": course, "shipname": "X" * (seq * 2), "partno": seq % 2}
    try:
        sentences = pyais.encode_dict(data, sentence_type="VDM", seq_id=seq % 10)
    except Exception:
        assume(False)
        raise
    lines = [s.encode() for s in sentences]
    r = decode_ais(b"\n".join(lines[::-1] if seq > 5 else lines), SRC, clock=clock)
    check_result(r, source=SRC)
    no_decoder_errors(decoder_errors(r))
    RUN["hypothesis:ais"] += len(lines)


FLOAT = st.none() | st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**20), 10**20)


@FUZZ
@given(
    st.integers(1, 8),
    st.text("0123456789abcdefABCDEFxyz", min_size=5, max_size=7),
    st.none() | st.floats(-1e11, 1e11),
    st.tuples(FLOAT, FLOAT, FLOAT, FLOAT, FLOAT, FLOAT),
    st.text(max_size=10).filter(lambda s: "," not in s and "\n" not in s and "\r" not in s),
)
def test_hypothesis_sbs_line(
    msg_type: int,
    icao: str,
    t_s: float | None,
    nums: tuple[Any, ...],
    callsign: str,
) -> None:
    alt, gs, track, lat, lon, vr = nums
    try:
        line = sbs_line(
            msg_type, icao, t_s=t_s, callsign=callsign, altitude_ft=alt, ground_speed_kt=gs,
            track_deg=track, lat=lat, lon=lon, vertical_rate_fpm=vr,
        )  # fmt: skip
    except (ValueError, OverflowError, OSError, UnicodeEncodeError):
        assume(False)
        raise
    dec = SbsDecoder(SRC, clock=clock)
    r = dec.decode([line])
    check_result(r, inputs=[line], source=SRC)
    sbs_accounted(dec, r, 1)
    no_decoder_errors(decoder_errors(r))
    RUN["hypothesis:sbs"] += 1


@FUZZ
@given(st.lists(st.sampled_from(SBS_TOKENS + NUMBER_TOKENS), min_size=18, max_size=24))
def test_hypothesis_sbs_fields(fields: list[bytes]) -> None:
    lines = [sbs_line_fields(fields, kind) for kind in (b"2", b"3", b"4", b"5", b"1")]
    dec = SbsDecoder(SRC, clock=clock)
    r = dec.decode(lines)
    check_result(r, inputs=lines, source=SRC)
    sbs_accounted(dec, r, len(lines))
    no_decoder_errors(decoder_errors(r))
    RUN["hypothesis:sbs"] += len(lines)


ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
XML_TEXT = st.lists(
    st.sampled_from([t.decode("utf-8", "replace") for t in XML_TOKENS]), max_size=5
).map("".join)


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "lat": ANY_FLOAT, "lon": ANY_FLOAT, "ce": ANY_FLOAT, "hae": ANY_FLOAT,
            "le": ANY_FLOAT, "sendTime": st.integers(0, 2**64 - 1), "uid": st.text(max_size=5),
            "type": st.sampled_from(("a-f-G", "a-u-G", "b-t-f", "")) | st.text(max_size=5),
        }
    ),
    st.none() | st.tuples(ANY_FLOAT, ANY_FLOAT),
    XML_TEXT,
    st.lists(st.integers(0, 64), max_size=10),
)  # fmt: skip
def test_hypothesis_takproto(
    fields: dict[str, Any], track: tuple[float, float] | None, xml: str, cuts: list[int]
) -> None:
    msg = TakMessage()
    for name, value in fields.items():
        setattr(msg.cotEvent, name, value)
    if track is not None:
        msg.cotEvent.detail.track.speed, msg.cotEvent.detail.track.course = track
    if xml:
        msg.cotEvent.detail.xmlDetail = xml
    payload = msg.SerializeToString()
    mesh = [MESH_HEADER + payload]
    r = TakProtoDecoder(SRC, clock=clock).decode(mesh)
    check_result(r, received=1, inputs=mesh, source=SRC)
    no_decoder_errors(decoder_errors(r))
    stream = stream_frame(payload) * 2 + b"junk"
    check_tak_stream(stream, cut(stream, cuts), MAX_MESSAGE_BYTES)
    RUN["hypothesis:takproto"] += 3


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
GEO_KEYS = (
    "time", "timestamp", "track_id", "id", "sensor_id", "sensor", "class", "label", "sigma_m",
    "accuracy_m", "speed_mps", "heading_deg", "vel_east_mps", "vel_north_mps", "sensor_kind",
    "agency", "releasability",
)  # fmt: skip


@FUZZ
@given(
    st.dictionaries(st.sampled_from(GEO_KEYS), JSON, max_size=6),
    st.sampled_from(("Point", "LineString", None)) | JSON,
    st.lists(JSON | st.floats(-200, 200), max_size=3) | JSON,
    st.sampled_from(("collection", "feature", "seq", "rs")),
    JSON,
)
def test_hypothesis_geojson(
    props: dict[str, Any], gtype: Any, coords: Any, form: str, fid: Any
) -> None:
    feature = {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": gtype, "coordinates": coords},
        "properties": props,
    }
    f = [feature, {"type": "Feature", "geometry": None, "properties": {}}]
    if form == "collection":
        doc = json.dumps({"type": "FeatureCollection", "features": f}).encode()
    elif form == "feature":
        doc = json.dumps(feature).encode()
    else:
        prefix = b"\x1e" if form == "rs" else b""
        doc = b"\n".join(prefix + json.dumps(x).encode() for x in f)
    r = decode_geojson(doc, SRC, clock=clock)
    check_result(r, source=SRC)
    assert r.received == (1 if form == "feature" else 2)
    no_decoder_errors(decoder_errors(r))
    RUN["hypothesis:geojson"] += 1


AIRCRAFT_KEYS = ("hex", "flight", "alt_baro", "gs", "track", "lat", "lon", "seen_pos")


@FUZZ
@given(
    st.one_of(JSON, st.floats(allow_nan=True, allow_infinity=True)),
    st.lists(
        st.dictionaries(st.sampled_from(AIRCRAFT_KEYS), JSON | st.floats(-200, 200), max_size=8)
        | JSON,
        max_size=4,
    ),
)
def test_hypothesis_aircraft_json(now: Any, aircraft: list[Any]) -> None:
    doc = json.dumps({"now": now, "aircraft": aircraft}).encode()
    r = decode_aircraft_json(doc, SRC, clock=clock)
    check_result(r, source=SRC)
    no_decoder_errors(decoder_errors(r))
    RUN["hypothesis:aircraft-json"] += 1


CSV_FIELD = st.sampled_from([t.decode("utf-8", "surrogateescape") for t in CSV_TOKENS]) | st.text(
    max_size=8
)


@FUZZ
@given(
    st.lists(st.lists(CSV_FIELD, min_size=7, max_size=11), min_size=1, max_size=4),
    st.sampled_from(range(len(CSV_MAPPINGS))),
)
def test_hypothesis_csv(rows: list[list[str]], which: int) -> None:
    mapping = CSV_MAPPINGS[which]
    sep = mapping.delimiter
    header = CSV_HEADER.replace(b",", sep.encode())
    body = "\n".join(sep.join(r) for r in rows).encode("utf-8", "surrogateescape")
    decode_csv_checked(header, body, mapping)
    RUN["hypothesis:csv"] += len(rows)


# -- the total --------------------------------------------------------------------------------


def test_zz_fuzz_case_count() -> None:
    """The mutational fuzzers ran ``NORTHLINE_FUZZ_CASES`` cases in all (at least 100,000
    by default); the counts per decoder are printed (``pytest -s``)."""
    print("\nfuzz cases run:", dict(sorted(RUN.items())), "total", sum(RUN.values()))
    if not set(SHARES) <= set(RUN):
        pytest.skip("run the whole of test_fuzz.py to check the total number of cases")
    mutational = sum(RUN[name] for name in SHARES)
    assert mutational >= CASES
    if CASES >= 100_000:
        assert mutational >= 100_000


# -- regressions the fuzzers found (inputs in _fuzzing.py) ------------------------------------


def check_unknown_velocity(r: DecodeResult) -> None:
    """One observation, kept where it is, its velocity unknown (NaN) rather than infinite."""
    check_result(r, received=1, source=SRC)
    assert (r.decoded, r.quarantined) == (1, [])
    b = r.batch
    assert (b.lat.tolist(), b.lon.tolist()) == ([49.0], [-97.2])
    assert math.isnan(b.vel_east_mps[0]), b.vel_east_mps
    assert math.isnan(b.vel_north_mps[0]), b.vel_north_mps


def test_fixed_cot_infinite_course_is_an_unknown_velocity() -> None:
    check_unknown_velocity(CotDecoder(SRC, clock=clock).decode([COT_INF_COURSE]))


def test_fixed_takproto_infinite_course_is_an_unknown_velocity() -> None:
    check_unknown_velocity(TakProtoDecoder(SRC, clock=clock).decode([tak_inf_course()]))


def test_fixed_cot_infinite_speed_is_an_unknown_velocity() -> None:
    check_unknown_velocity(CotDecoder(SRC, clock=clock).decode([COT_INF_SPEED]))


def test_fixed_ais_quarantined_multipart_keeps_all_its_lines() -> None:
    dec = AisDecoder(SRC, clock=clock)
    r = dec.decode(list(AIS_UNSUPPORTED_TWO_PART))
    check_result(r, received=1, source=SRC)
    assert [(q.reason_code, q.raw) for q in r.quarantined] == [
        ("unsupported_message", b"\n".join(AIS_UNSUPPORTED_TWO_PART))
    ]
    assert dec.pending_lines == 0
    s = dec.stats
    assert s["quarantined_lines"] == s["lines"] == 2
    ais_accounted(dec)


def test_fixed_ais_type24_bad_part_number_is_unsupported() -> None:
    r = decode_ais(AIS_TYPE24_PART2, SRC, clock=clock)
    check_result(r, received=1, inputs=[AIS_TYPE24_PART2], source=SRC)
    assert [q.reason_code for q in r.quarantined] == ["unsupported_message"]


def test_fixed_aircraft_json_huge_integer_is_not_a_number() -> None:
    r = decode_aircraft_json(AIRCRAFT_HUGE_INT, SRC, clock=clock)
    check_result(r, received=1, source=SRC)
    assert [q.reason_code for q in r.quarantined] == ["not_a_number"]
