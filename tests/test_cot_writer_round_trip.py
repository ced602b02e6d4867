"""Our own CoT writer (the simulator's ``cot_lines``) and the decoder agree on every value."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from northline.ingest import decode_cot
from northline.model import Marking, SensorKind
from northline.sim import SensorInfo
from northline.sim._cot import cot_lines

T0_MS = 1_796_119_200_000  # 2026-12-01T10:00:00Z

sensor_ids = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f"),
    min_size=1,
    max_size=12,
)
sensors = st.lists(
    st.builds(
        SensorInfo,
        sensor_id=sensor_ids,
        kind=st.sampled_from([SensorKind.TOWER, SensorKind.UGS]),
        lon=st.just(-97.2),
        lat=st.just(49.0),
        range_m=st.just(1000.0),
        sigma_m=st.floats(0.1, 5000.0).map(lambda s: round(s, 1)).filter(lambda s: s > 0),
        pd=st.just(0.9),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda s: s.sensor_id,
)
markings = st.builds(
    Marking,
    agency=st.sampled_from(["RCMP", "CBSA", "CBP", "USBP"]),
    releasability=st.sampled_from(["CAN", "CAN-USA", "CAN-USA-GBR"]),
)


@given(
    sensors=sensors,
    marking=markings,
    rows=st.lists(
        st.tuples(
            st.integers(0, 10**9),  # ms after T0
            st.integers(0, 10**6),  # sequence number
            st.floats(-180.0, 180.0),
            st.floats(-90.0, 90.0),
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_cot_writer_round_trips(
    sensors: list[SensorInfo],
    marking: Marking,
    rows: list[tuple[int, int, float, float, int]],
) -> None:
    ms, seq, lon, lat, which = (np.array(c) for c in zip(*rows, strict=True))
    which = which % len(sensors)
    t_s = (T0_MS + ms) / 1000.0
    lines = cot_lines(t_s, which, seq, lon, lat, sensors, marking)
    result = decode_cot("\n".join(lines).encode(), "writer")
    assert result.decoded == len(rows), result.reasons
    b = result.batch
    np.testing.assert_array_equal(b.t_s, t_s)  # written to the millisecond
    np.testing.assert_allclose(b.lon, lon, atol=5e-8)  # written with 7 decimals
    np.testing.assert_allclose(b.lat, lat, atol=5e-8)
    chosen = [sensors[i] for i in which]
    assert b.sensor_id.tolist() == [s.sensor_id for s in chosen]
    assert b.identity.tolist() == [f"{s.sensor_id}.{q}" for s, q in zip(chosen, seq, strict=True)]
    assert b.sensor_kind.tolist() == [s.kind.value for s in chosen]
    np.testing.assert_array_equal(b.sigma_m, [s.sigma_m for s in chosen])
    assert set(b.agency.tolist()) == {marking.agency}
    assert set(b.releasability.tolist()) == {marking.releasability}
    assert np.isnan(b.vel_east_mps).all()  # the simulator's detections carry no velocity
