from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from northline.model import (
    DEFAULT_MARKING,
    InvalidInput,
    LonLat,
    Marking,
    NorthlineError,
    Observation,
    ObservationBatch,
    RangeBearing,
    SensorKind,
    content_id,
    format_iso,
    parse_iso,
    to_dict,
)


def _obs(i: int, polar: bool = False) -> Observation:
    pos: LonLat | RangeBearing
    if polar:
        pos = RangeBearing(1200.0 + i, 45.0, -97.2, 48.99, 5.0, 0.5)
    else:
        pos = LonLat(-97.2 + i * 1e-3, 49.0)
    return Observation(
        obs_id=content_id("obs", i),
        t_s=1.7e9 + i,
        sensor_id=f"S{i}",
        sensor_kind=SensorKind.TOWER,
        position=pos,
        sigma_m=10.0,
        vel_east_mps=1.0 if i % 2 else None,
        classification="a-u-G",
        marking=Marking("CBSA", "CAN-USA") if i % 3 == 0 else DEFAULT_MARKING,
    )


def test_batch_round_trip_keeps_every_field() -> None:
    records = [_obs(i, polar=i % 4 == 1) for i in range(9)]
    batch = ObservationBatch.from_records(records)
    assert len(batch) == 9
    assert batch.to_records() == records
    assert batch.is_polar.tolist() == [i % 4 == 1 for i in range(9)]


def test_batch_take_concat_and_fill_values() -> None:
    batch = ObservationBatch.from_columns({"t_s": [3.0, 1.0, 2.0], "lon": [1, 2, 3]})
    assert batch.sensor_kind.tolist() == ["other"] * 3
    assert math.isnan(batch.lat[0])
    both = ObservationBatch.concat([batch, batch.take([0])])
    assert len(both) == 4
    assert both.sorted_by("t_s").t_s.tolist() == [1.0, 2.0, 3.0, 3.0]
    assert len(ObservationBatch.empty()) == 0


def test_batch_rejects_ragged_columns() -> None:
    with pytest.raises(ValueError, match="rows"):
        dataclasses.replace(ObservationBatch.from_columns({"t_s": [1.0, 2.0]}), lon=np.zeros(3))
    with pytest.raises(ValueError, match="different lengths"):
        ObservationBatch.from_columns({"t_s": [1.0, 2.0], "lon": [1.0]})


def test_marking_validation_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        Marking("RCMP", "canada")
    assert err.value.context == {"field": "releasability"}
    assert Marking("RCMP", "CAN-USA").releasable_to == {"CAN", "USA"}
    assert isinstance(err.value, NorthlineError)
    assert err.value.to_dict()["error"]["code"] == "invalid_input"


def test_content_id_is_stable_and_order_sensitive() -> None:
    assert content_id("obs", "a", 1.5) == content_id("obs", "a", 1.5)
    assert content_id("obs", "a", 1.5) != content_id("obs", 1.5, "a")
    assert content_id("obs", "a").startswith("obs-")


def test_time_round_trip_and_zone_required() -> None:
    t = parse_iso("2026-01-15T02:00:00.250Z")
    assert format_iso(t) == "2026-01-15T02:00:00.250Z"
    assert parse_iso("2026-01-15T03:00:00+01:00") == parse_iso("2026-01-15T02:00:00Z")
    with pytest.raises(ValueError, match="zone"):
        parse_iso("2026-01-15T02:00:00")


def test_to_dict_plain_values() -> None:
    d = to_dict(_obs(1))
    assert d["sensor_kind"] == "tower"
    assert d["marking"] == {"agency": "RCMP", "releasability": "CAN"}
    assert d["position"] == {"lon": -97.199, "lat": 49.0}
    np.testing.assert_allclose(d["t_s"], 1.7e9 + 1)
