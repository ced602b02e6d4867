"""CsvMapping and decode_csv on rows built to order, a round trip and a fuzz of arbitrary bytes."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.ingest import DecodeResult, ReasonCode
from northline.ingest._cot import UNKNOWN_CE_SIGMA_M
from northline.ingest._csv import CSV_DECODER, CsvMapping, decode_csv
from northline.model import DEFAULT_MARKING, InvalidInput, Marking, SensorKind, format_iso

T0 = 1768442400.0  # 2026-01-15T02:00:00Z
RECEIVED = 1768442500.0

FULL = CsvMapping(
    time="ts",
    lon="x",
    lat="y",
    sensor_id="sensor",
    identity="track",
    classification="kind",
    sigma_m="err_m",
    vel_east_mps="ve",
    vel_north_mps="vn",
)
HEADER = b"ts,x,y,sensor,track,kind,err_m,ve,vn\n"


def _decode(data: bytes, mapping: CsvMapping = FULL, **kwargs: Any) -> DecodeResult:
    r = decode_csv(data, "csv-1", mapping, clock=lambda: RECEIVED, **kwargs)
    assert r.received == r.decoded + len(r.quarantined)
    return r


# --- the mapping ---------------------------------------------------------------------------


def test_mapping_defaults_and_from_dict() -> None:
    m = CsvMapping()
    assert (m.time, m.lon, m.lat, m.sensor_id, m.sigma_m) == ("time", "lon", "lat", None, None)
    assert m.sensor_kind is SensorKind.OTHER
    assert (m.time_format, m.delimiter) == ("iso", ",")
    got = CsvMapping.from_dict({"time": "when", "sensor_kind": "ugs", "time_format": "epoch_s"})
    assert got == CsvMapping(time="when", sensor_kind=SensorKind.UGS, time_format="epoch_s")
    assert got.sensor_kind is SensorKind.UGS


@pytest.mark.parametrize(
    "data",
    [
        {"colour": "red"},
        {"time_format": "unix"},
        {"delimiter": ";;"},
        {"delimiter": '"'},
        {"sensor_kind": "submarine"},
        {"lon": ""},
        {"lat": "lon"},  # two fields on one column
        {"sensor_id": "s", "fixed_sensor_id": "t"},
        {"identity": 3},
    ],
)
def test_bad_mappings_raise(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        CsvMapping.from_dict(data)


@pytest.mark.parametrize(
    "header", [b"ts,x,sensor,track,kind,err_m,ve,vn\n", b"ts,x,y,y,sensor,track,kind,err_m,ve,vn\n"]
)
def test_header_lacking_or_repeating_a_column_raises(header: bytes) -> None:
    with pytest.raises(InvalidInput):
        _decode(header + b"1,2,3\n")


def test_empty_input_is_nothing() -> None:
    assert _decode(b"").received == 0
    assert _decode(b"\n\n").received == 0
    assert _decode(HEADER).received == 0


# --- rows ----------------------------------------------------------------------------------


def test_full_row() -> None:
    r = _decode(HEADER + b"2026-01-15T02:00:00Z,-75.5,45.25,ugs-9,T1,person,12.5,1.5,-0.5\n")
    b = r.batch
    assert r.decoded == 1
    assert r.unknown_ce == 0
    assert (b.t_s[0], b.lon[0], b.lat[0]) == (T0, -75.5, 45.25)
    assert (b.sensor_id[0], b.identity[0], b.classification[0]) == ("ugs-9", "T1", "person")
    assert (b.sigma_m[0], b.vel_east_mps[0], b.vel_north_mps[0]) == (12.5, 1.5, -0.5)
    assert (b.source[0], b.sensor_kind[0]) == ("csv-1", "other")
    assert (b.agency[0], b.releasability[0]) == (
        DEFAULT_MARKING.agency,
        DEFAULT_MARKING.releasability,
    )
    assert b.obs_id[0].startswith("obs-")


def test_minimal_mapping_and_fixed_values() -> None:
    m = CsvMapping(time_format="epoch_s", fixed_sensor_id="gate-2", sensor_kind=SensorKind.UGS)
    r = _decode(b"\xef\xbb\xbf lat , lon ,time,extra\r\n45,-75,1768442400.5,z\r\n", m)
    b = r.batch
    assert (b.t_s[0], b.lon[0], b.lat[0]) == (T0 + 0.5, -75.0, 45.0)
    assert (b.sensor_id[0], b.sensor_kind[0]) == ("gate-2", "ugs")
    assert (b.identity[0], b.classification[0]) == ("", "")
    assert b.sigma_m[0] == UNKNOWN_CE_SIGMA_M
    assert r.unknown_ce == 1
    assert math.isnan(b.vel_east_mps[0])
    no_fixed = _decode(b"time,lon,lat\n2026-01-15T02:00:00Z,1,2\n", CsvMapping())
    assert no_fixed.batch.sensor_id[0] == "csv-1"


def test_delimiter_marking_quotes_and_empty_optionals() -> None:
    m = CsvMapping(identity="id", classification="c", sigma_m="s", delimiter=";")
    data = b'time;lon;lat;id;c;s\n2026-01-15T03:00:00+01:00;1;2;"a;b";"two\nlines";\n'
    r = _decode(data, m, marking=Marking("CBSA", "CAN-USA"))
    b = r.batch
    assert b.t_s[0] == T0
    assert (b.identity[0], b.classification[0]) == ("a;b", "two\nlines")
    assert b.sigma_m[0] == UNKNOWN_CE_SIGMA_M
    assert (b.agency[0], b.releasability[0]) == ("CBSA", "CAN-USA")


def test_obs_ids_by_content() -> None:
    row = b"2026-01-15T02:00:00Z,-75.5,45.25,ugs-9,T1,person,12.5,1.5,-0.5\n"
    other = row.replace(b"T1", b"T2")
    ids = _decode(HEADER + row + row + other).batch.obs_id
    assert ids[0] == ids[1] != ids[2]


GOOD = b"2026-01-15T02:00:00Z,-75,45,s,T,c,5,0,0\n"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (b"2026-01-15T02:00:00Z,-75,45,s,T,c,5,0\n", ReasonCode.BAD_FIELD_COUNT),
        (b"2026-01-15T02:00:00Z,-75,45,s,T,c,5,0,0,9\n", ReasonCode.BAD_FIELD_COUNT),
        (b"2026-01-15T02:00:00Z,east,45,s,T,c,5,0,0\n", ReasonCode.NOT_A_NUMBER),
        (b"2026-01-15T02:00:00Z,-75,,s,T,c,5,0,0\n", ReasonCode.NOT_A_NUMBER),
        (b"2026-01-15T02:00:00Z,-75,nan,s,T,c,5,0,0\n", ReasonCode.NOT_A_NUMBER),
        (b"2026-01-15T02:00:00Z,-75,45,s,T,c,five,0,0\n", ReasonCode.NOT_A_NUMBER),
        (b"2026-01-15T02:00:00Z,-75,45,s,T,c,5,inf,0\n", ReasonCode.NOT_A_NUMBER),
        (b"2026-01-15T02:00:00Z,-181,45,s,T,c,5,0,0\n", ReasonCode.OUT_OF_RANGE),
        (b"2026-01-15T02:00:00Z,-75,91,s,T,c,5,0,0\n", ReasonCode.OUT_OF_RANGE),
        (b"2026-01-15T02:00:00Z,-75,45,s,T,c,0,0,0\n", ReasonCode.OUT_OF_RANGE),
        (b"2026-01-15T02:00:00,-75,45,s,T,c,5,0,0\n", ReasonCode.BAD_TIME),
        (b"soon,-75,45,s,T,c,5,0,0\n", ReasonCode.BAD_TIME),
        (b",-75,45,s,T,c,5,0,0\n", ReasonCode.BAD_TIME),
        (b"2026-01-15T02:00:00Z,-75,45,s\xff,T,c,5,0,0\n", ReasonCode.BAD_ENCODING),
    ],
)
def test_each_bad_row_is_quarantined_alone(row: bytes, code: ReasonCode) -> None:
    r = _decode(HEADER + GOOD + row + b"\n" + GOOD)
    assert r.decoded == 2
    assert r.reasons == {code.value: 1}
    q = r.quarantined[0]
    assert q.raw == row
    assert q.decoder == CSV_DECODER
    assert q.received_t_s == RECEIVED


@pytest.mark.parametrize("text", [b"later", b"", b"1e999"])
def test_bad_epoch_times(text: bytes) -> None:
    m = CsvMapping(time_format="epoch_s")
    r = _decode(b"time,lon,lat\n" + text + b",1,2\n", m)
    assert r.reasons == {"bad_time": 1}


# --- properties ----------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=10)
_finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def _rows(draw: st.DrawFn) -> tuple[Any, ...]:
    return (
        round(draw(st.floats(0, 4e9)), 3),
        draw(st.floats(-180, 180)),
        draw(st.floats(-90, 90)),
        draw(_text),
        draw(_text),
        draw(_text),
        draw(st.floats(min_value=1e-3, max_value=1e6)),
        draw(_finite),
        draw(_finite),
    )


def _write(rows: list[tuple[Any, ...]], mapping: CsvMapping) -> bytes:
    """The tiny writer: the header, then one row per observation, numbers as repr."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=mapping.delimiter, lineterminator="\r\n")
    w.writerow(["extra", mapping.time, mapping.lon, mapping.lat, "s", "i", "c", "e", "ve", "vn"])
    for t, lon, lat, s, i, c, e, ve, vn in rows:
        when = format_iso(t) if mapping.time_format == "iso" else repr(t)
        w.writerow(["", when, repr(lon), repr(lat), s, i, c, repr(e), repr(ve), repr(vn)])
    return out.getvalue().encode()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_rows(), max_size=8),
    st.sampled_from(["iso", "epoch_s"]),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_round_trip(rows: list[tuple[Any, ...]], time_format: str, delimiter: str) -> None:
    m = CsvMapping.from_dict(
        {
            "sensor_id": "s",
            "identity": "i",
            "classification": "c",
            "sigma_m": "e",
            "vel_east_mps": "ve",
            "vel_north_mps": "vn",
            "time_format": time_format,
            "delimiter": delimiter,
        }
    )
    r = _decode(_write(rows, m), m)
    assert r.quarantined == []
    assert r.decoded == len(rows)
    b = r.batch
    for k, (t, lon, lat, s, i, c, e, ve, vn) in enumerate(rows):
        if time_format == "iso":
            assert b.t_s[k] == pytest.approx(t, abs=1e-3)
        else:
            assert b.t_s[k] == t
        assert (b.lon[k], b.lat[k], b.sigma_m[k]) == (lon, lat, e)
        assert (b.sensor_id[k], b.identity[k], b.classification[k]) == (s, i, c)
        assert (b.vel_east_mps[k], b.vel_north_mps[k]) == (ve, vn)


_pieces = st.sampled_from(
    [
        b",",
        b'"',
        b"\n",
        b"\r",
        b"2026-01-15T02:00:00Z",
        b"1",
        b"-200",
        b"nan",
        b"x",
        b"\xff",
        b"\x00",
        b";",
        b" ",
        b"45",
        b"1e400",
        b"",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.lists(_pieces, max_size=60).map(b"".join)))
def test_fuzz_rows_never_raise_and_account(body: bytes) -> None:
    r = decode_csv(HEADER + body, "fz", FULL, received_t_s=RECEIVED)
    assert r.received == r.decoded + len(r.quarantined)
    assert r.unknown_ce <= r.decoded
    assert all(q.raw in body for q in r.quarantined)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_whole_input_raises_only_invalid_input(data: bytes) -> None:
    try:
        r = decode_csv(data, "fz", CsvMapping(), received_t_s=RECEIVED)
    except InvalidInput:
        return
    assert r.received == r.decoded + len(r.quarantined)
