"""decode_geojson on features built to order, a round trip and a fuzz of arbitrary bytes."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.ingest import DecodeResult, ReasonCode
from northline.ingest._cot import UNKNOWN_CE_SIGMA_M
from northline.ingest._geojson import GEOJSON_DECODER, decode_geojson
from northline.model import DEFAULT_MARKING, Marking, SensorKind, format_iso

T0 = 1768442400.0  # 2026-01-15T02:00:00Z
RECEIVED = 1768442500.0


def _feature(lon: float = -75.0, lat: float = 45.0, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def _collection(*features: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _decode(data: bytes, **kwargs: Any) -> DecodeResult:
    r = decode_geojson(data, "gw-1", clock=lambda: RECEIVED, **kwargs)
    assert r.received == r.decoded + len(r.quarantined)
    return r


def _reason(data: bytes) -> str:
    r = _decode(data)
    assert r.decoded == 0
    assert len(r.quarantined) == 1
    return r.quarantined[0].reason_code


# --- mappings ------------------------------------------------------------------------------


def test_defaults_of_a_bare_point() -> None:
    r = _decode(_collection(_feature()))
    b = r.batch
    assert r.decoded == 1
    assert b.t_s[0] == RECEIVED
    assert (b.lon[0], b.lat[0]) == (-75.0, 45.0)
    assert b.sigma_m[0] == UNKNOWN_CE_SIGMA_M
    assert r.unknown_ce == 1
    assert math.isnan(b.vel_east_mps[0])
    assert math.isnan(b.vel_north_mps[0])
    assert b.sensor_id[0] == "gw-1"
    assert b.source[0] == "gw-1"
    assert b.sensor_kind[0] == SensorKind.DRONE.value
    assert b.identity[0] == ""
    assert b.classification[0] == ""
    assert (b.agency[0], b.releasability[0]) == (
        DEFAULT_MARKING.agency,
        DEFAULT_MARKING.releasability,
    )
    assert b.obs_id[0].startswith("obs-")


@pytest.mark.parametrize("key", ["time", "timestamp", "datetime"])
def test_time_keys_iso_and_epoch(key: str) -> None:
    iso = _decode(_collection(_feature(**{key: "2026-01-15T02:00:00Z"})))
    assert iso.batch.t_s[0] == T0
    offset = _decode(_collection(_feature(**{key: "2026-01-15T03:00:00+01:00"})))
    assert offset.batch.t_s[0] == T0
    epoch = _decode(_collection(_feature(**{key: T0 + 0.5})))
    assert epoch.batch.t_s[0] == T0 + 0.5


@pytest.mark.parametrize("key", ["id", "track_id"])
def test_identity_keys(key: str) -> None:
    assert _decode(_collection(_feature(**{key: "T-7"}))).batch.identity[0] == "T-7"
    assert _decode(_collection(_feature(**{key: 42}))).batch.identity[0] == "42"


def test_identity_from_the_feature_id() -> None:
    f = _feature()
    f["id"] = "feat-1"
    assert _decode(_collection(f)).batch.identity[0] == "feat-1"


@pytest.mark.parametrize("key", ["sensor_id", "sensor"])
def test_sensor_keys(key: str) -> None:
    assert _decode(_collection(_feature(**{key: "cam-3"}))).batch.sensor_id[0] == "cam-3"


@pytest.mark.parametrize("key", ["class", "classification", "label"])
def test_classification_keys(key: str) -> None:
    got = _decode(_collection(_feature(**{key: "person"}))).batch.classification[0]
    assert got == "person"


@pytest.mark.parametrize("key", ["sigma_m", "accuracy_m"])
def test_sigma_keys(key: str) -> None:
    r = _decode(_collection(_feature(**{key: 7.5})))
    assert r.batch.sigma_m[0] == 7.5
    assert r.unknown_ce == 0


def test_velocity_components_and_speed_heading() -> None:
    r = _decode(_collection(_feature(vel_east_mps=1.5, vel_north_mps=-2.0)))
    assert (r.batch.vel_east_mps[0], r.batch.vel_north_mps[0]) == (1.5, -2.0)
    r = _decode(_collection(_feature(speed_mps=10.0, heading_deg=90.0)))
    np.testing.assert_allclose(
        [r.batch.vel_east_mps[0], r.batch.vel_north_mps[0]], [10.0, 0.0], atol=1e-9
    )
    r = _decode(_collection(_feature(speed_mps=10.0)))  # no heading: unknown
    assert math.isnan(r.batch.vel_east_mps[0])


def test_marking_and_sensor_kind_properties() -> None:
    r = _decode(_collection(_feature(agency="CBSA", releasability="CAN-USA", sensor_kind="ugs")))
    assert (r.batch.agency[0], r.batch.releasability[0]) == ("CBSA", "CAN-USA")
    assert r.batch.sensor_kind[0] == "ugs"
    r = _decode(_collection(_feature()), marking=Marking("CBSA", "CAN"), sensor_kind=SensorKind.UGS)
    assert (r.batch.agency[0], r.batch.sensor_kind[0]) == ("CBSA", "ugs")


def test_single_feature_and_sequences() -> None:
    one = json.dumps(_feature(id="a")).encode()
    assert list(_decode(one).batch.identity) == ["a"]
    lines = b"\n".join(json.dumps(_feature(id=i)).encode() for i in "abc") + b"\n\n"
    assert list(_decode(lines).batch.identity) == ["a", "b", "c"]
    rs = b"".join(b"\x1e" + json.dumps(_feature(id=i)).encode() + b"\n" for i in "ab")
    assert list(_decode(rs).batch.identity) == ["a", "b"]
    single_rs = b"\x1e" + json.dumps(_feature(id="z"), indent=2).encode() + b"\n"
    assert list(_decode(single_rs).batch.identity) == ["z"]


def test_obs_ids_by_content() -> None:
    a = _decode(_collection(_feature(id="x", time=T0)))
    b = _decode(_collection(_feature(id="x", time=T0)))
    c = _decode(_collection(_feature(id="y", time=T0)))
    assert a.batch.obs_id[0] == b.batch.obs_id[0] != c.batch.obs_id[0]


# --- reasons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feature", "code"),
    [
        (
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
            },
            ReasonCode.UNSUPPORTED_MESSAGE,
        ),
        ({"type": "Feature", "geometry": None, "properties": {}}, ReasonCode.MISSING_POINT),
        ({"type": "Thing"}, ReasonCode.UNSUPPORTED_MESSAGE),
        ("not an object", ReasonCode.UNSUPPORTED_MESSAGE),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1]}},
            ReasonCode.NOT_A_NUMBER,
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["1", 2]}},
            ReasonCode.NOT_A_NUMBER,
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [True, 2]}},
            ReasonCode.NOT_A_NUMBER,
        ),
        (_feature(lon=181.0), ReasonCode.OUT_OF_RANGE),
        (_feature(lat=-90.5), ReasonCode.OUT_OF_RANGE),
        (_feature(time="yesterday"), ReasonCode.BAD_TIME),
        (_feature(time="2026-01-15T02:00:00"), ReasonCode.BAD_TIME),  # no zone
        (_feature(time=[1]), ReasonCode.BAD_TIME),
        (_feature(sigma_m=0.0), ReasonCode.OUT_OF_RANGE),
        (_feature(sigma_m="5"), ReasonCode.NOT_A_NUMBER),
        (_feature(speed_mps=-1.0, heading_deg=0.0), ReasonCode.OUT_OF_RANGE),
        (_feature(vel_east_mps="fast"), ReasonCode.NOT_A_NUMBER),
        (_feature(sensor_kind="submarine"), ReasonCode.BAD_SENSOR_KIND),
        (_feature(agency="lower"), ReasonCode.BAD_MARKING),
        (_feature(releasability=3), ReasonCode.BAD_MARKING),
        (_feature(label=["x"]), ReasonCode.MISSING_ATTRIBUTE),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [0, 0]},
                "properties": [1],
            },
            ReasonCode.UNSUPPORTED_MESSAGE,
        ),
    ],
)
def test_each_bad_feature_is_quarantined_alone(feature: Any, code: ReasonCode) -> None:
    r = _decode(_collection(_feature(id="good"), feature, _feature(id="good2")))
    assert list(r.batch.identity) == ["good", "good2"]
    assert r.reasons == {code.value: 1}
    q = r.quarantined[0]
    assert q.decoder == GEOJSON_DECODER
    assert json.loads(q.raw) == feature
    assert q.received_t_s == RECEIVED
    assert q.quarantine_id.startswith("q-")


def test_non_finite_json_numbers() -> None:
    data = b'{"type":"Feature","geometry":{"type":"Point","coordinates":[NaN,1]}}'
    assert _reason(data) == ReasonCode.NOT_A_NUMBER
    data = b'{"type":"Feature","geometry":{"type":"Point","coordinates":[1e400,1]}}'
    assert _reason(data) == ReasonCode.NOT_A_NUMBER
    big = (
        b'{"type":"Feature","properties":{"time":1e999},'
        b'"geometry":{"type":"Point","coordinates":[1,1]}}'
    )
    assert _reason(big) == ReasonCode.BAD_TIME


def test_bad_documents_are_one_message() -> None:
    assert _reason(b"{not json") == ReasonCode.UNSUPPORTED_MESSAGE
    assert _reason(b'{\n  "type": "FeatureCollection",\n  "features": [\n') == "unsupported_message"
    assert _reason(b"[1, 2]") == ReasonCode.UNSUPPORTED_MESSAGE
    assert _reason(b'{"type": "FeatureCollection"}') == ReasonCode.UNSUPPORTED_MESSAGE
    assert _reason(b'{"type": "Feature"\xff}') == ReasonCode.BAD_ENCODING
    assert _decode(b" \n").received == 0  # an empty sequence
    assert _reason(b"[" * 100_000) == ReasonCode.UNSUPPORTED_MESSAGE
    r = _decode(b"{oops")
    assert r.quarantined[0].raw == b"{oops"


def test_a_bad_record_of_a_sequence_is_alone() -> None:
    good = json.dumps(_feature(id="a")).encode()
    r = _decode(good + b"\n{broken\n" + good)
    assert r.decoded == 2
    assert r.reasons == {"unsupported_message": 1}
    assert r.quarantined[0].raw == b"{broken"
    r = _decode(b"\x1e" + good + b"\n\x1e{trunc\n")
    assert r.decoded == 1
    assert r.quarantined[0].raw == b"{trunc\n"


def test_clock_and_received_time() -> None:
    r = decode_geojson(_collection(_feature()), "s", received_t_s=5.0)
    assert r.batch.t_s[0] == 5.0
    r = decode_geojson(_collection(_feature()), "s", clock=lambda: 9.0)
    assert r.batch.t_s[0] == 9.0


# --- properties ----------------------------------------------------------------------------

_finite = st.floats(allow_nan=False, allow_infinity=False)
_text = st.text(max_size=12)


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "lon": draw(st.floats(-180, 180)),
        "lat": draw(st.floats(-90, 90)),
        "t": round(draw(st.floats(0, 4e9)), 3),
        "id": draw(_text),
        "sensor": draw(_text),
        "cls": draw(_text),
        "sigma": draw(st.floats(min_value=1e-3, max_value=1e6)),
        "ve": draw(_finite),
        "vn": draw(_finite),
        "iso": draw(st.booleans()),
    }


def _write(row: dict[str, Any]) -> dict[str, Any]:
    """The tiny writer: one Point feature for a row."""
    props = {
        "track_id": row["id"],
        "sensor_id": row["sensor"],
        "class": row["cls"],
        "sigma_m": row["sigma"],
        "vel_east_mps": row["ve"],
        "vel_north_mps": row["vn"],
        "time": format_iso(row["t"]) if row["iso"] else row["t"],
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": props,
    }


@settings(max_examples=150, deadline=None)
@given(st.lists(_rows(), max_size=8), st.sampled_from(["collection", "seq", "rs"]))
def test_round_trip(rows: list[dict[str, Any]], form: str) -> None:
    features = [_write(row) for row in rows]
    if form == "collection":
        data = _collection(*features)
    elif form == "seq":
        data = b"".join(json.dumps(f).encode() + b"\n" for f in features)
    else:
        data = b"".join(b"\x1e" + json.dumps(f).encode() + b"\n" for f in features)
    r = _decode(data)
    assert r.quarantined == []
    b = r.batch
    assert r.decoded == len(rows)
    for i, row in enumerate(rows):
        assert (b.lon[i], b.lat[i]) == (row["lon"], row["lat"])
        assert b.t_s[i] == pytest.approx(row["t"], abs=1e-3 if row["iso"] else 0.0)
        assert (b.identity[i], b.sensor_id[i], b.classification[i]) == (
            row["id"] or "",
            row["sensor"],
            row["cls"],
        )
        assert b.sigma_m[i] == row["sigma"]
        assert (b.vel_east_mps[i], b.vel_north_mps[i]) == (row["ve"], row["vn"])


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    b"{",
                    b"}",
                    b"[",
                    b"]",
                    b",",
                    b":",
                    b'"type"',
                    b'"Feature"',
                    b'"FeatureCollection"',
                    b'"features"',
                    b'"geometry"',
                    b'"Point"',
                    b'"coordinates"',
                    b'"properties"',
                    b"1e400",
                    b"-200",
                    b"45",
                    b"null",
                    b"\n",
                    b"\x1e",
                    b'"time"',
                    b'"x"',
                    b"NaN",
                    b"true",
                    b"\xff",
                ]
            ),
            max_size=60,
        ).map(b"".join),
    )
)
def test_fuzz_never_raises_and_accounts(data: bytes) -> None:
    r = decode_geojson(data, "fz", received_t_s=RECEIVED)
    assert r.received == r.decoded + len(r.quarantined)
    assert r.unknown_ce <= r.decoded
    assert len(r.batch.obs_id) == r.decoded
