"""Messages for transport tests: distinct CoT detections from the simulator's writer, and the
observation ids they must decode to (computed by decoding them directly, never typed in)."""

from __future__ import annotations

import numpy as np

from northline.ingest import FeedDecoder, Items
from northline.model import DEFAULT_MARKING, SensorKind
from northline.sim import SensorInfo
from northline.sim._cot import cot_lines

__all__ = ["cot_messages", "expected_ids"]

T0_S = 1_796_119_200.0  # 2026-12-01T10:00:00Z


def cot_messages(n: int) -> list[bytes]:
    """``n`` distinct CoT detections from the simulator's writer, one message each."""
    sensors = [
        SensorInfo(
            sensor_id="tower-1",
            kind=SensorKind.TOWER,
            lon=-97.2,
            lat=49.0,
            range_m=8000.0,
            sigma_m=15.0,
            pd=0.9,
        ),
        SensorInfo(
            sensor_id="ugs-2",
            kind=SensorKind.UGS,
            lon=-97.1,
            lat=49.001,
            range_m=50.0,
            sigma_m=10.0,
            pd=0.8,
        ),
    ]
    i = np.arange(n, dtype=np.int64)
    lines = cot_lines(
        T0_S + 0.1 * i,
        i % 2,
        i,
        -97.2 + 1e-5 * i,
        49.0 - 1e-6 * i,
        sensors,
        DEFAULT_MARKING,
    )
    return [line.encode() for line in lines]


def expected_ids(messages: list[bytes], label: str) -> set[str]:
    """The observation ids these messages decode to under ``label``, decoded directly."""
    decoder = FeedDecoder("cot", label)
    items = Items()
    for m in messages:
        decoder.message(m, items)
    result = decoder.decode(items)
    assert result.decoded == len(messages)
    return set(result.batch.obs_id.tolist())
