"""Cursor-on-Target output: one ``<event>`` per line, in exactly the layout ingest decodes.

::

    <event version="2.0" uid="{sensor_id}.{seq}" type="a-u-G" how="m-s" time="{iso}"
     start="{iso}" stale="{iso + 10 s}"><point lat="{lat:.7f}" lon="{lon:.7f}" hae="0.0"
     ce="{sigma_m:.1f}" le="9999999.0"/><detail><link uid="{sensor_id}" type="a-f-G-E-S"
     relation="p-p"/><__northline sensor_kind="tower|ugs" agency="…" releasability="…"/>
     </detail></event>

(all on one line, no spaces between elements). ``a-u-G`` is an unknown ground object, ``m-s``
a machine sensor reading; the link names the sensor (``a-f-G-E-S``: friendly ground sensor
equipment) as the producer (``p-p``). Attribute values are escaped with ``quoteattr``.

Strings are built per sensor and per distinct time once; each event is then one f-string
over precomputed pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

import numpy as np
import numpy.typing as npt

from ..model import Marking, format_iso
from ._sensors import SensorInfo

__all__ = ["COT_STALE_S", "COT_TYPE", "cot_lines"]

COT_TYPE = "a-u-G"
COT_STALE_S = 10.0


def _sensor_pieces(sensor: SensorInfo, marking: Marking) -> tuple[str, str, str]:
    """(head up to the seq, from the seq to the time, from the ce to the end) of one sensor."""
    uid = quoteattr(f"{sensor.sensor_id}.")  # digits after the dot never change the quoting
    head = f'<event version="2.0" uid={uid[:-1]}'
    mid = f'{uid[-1]} type="{COT_TYPE}" how="m-s" time="'
    tail = (
        f'ce="{sensor.sigma_m:.1f}" le="9999999.0"/><detail>'
        f'<link uid={quoteattr(sensor.sensor_id)} type="a-f-G-E-S" relation="p-p"/>'
        f"<__northline sensor_kind={quoteattr(sensor.kind.value)} "
        f"agency={quoteattr(marking.agency)} releasability={quoteattr(marking.releasability)}"
        "/></detail></event>"
    )
    return head, mid, tail


def cot_lines(
    t_s: npt.NDArray[np.float64],
    sensor: npt.NDArray[np.int64],
    seq: npt.NDArray[np.int64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    sensors: Sequence[SensorInfo],
    marking: Marking,
) -> list[str]:
    """CoT event lines for detections given as columns; ``sensor`` indexes ``sensors``.

    Lines come out in the order of the columns; times should be whole milliseconds (ISO
    times are written to the millisecond).
    """
    pieces = [_sensor_pieces(s, marking) for s in sensors]
    heads = np.array([p[0] for p in pieces], dtype=object)[sensor]
    mids = np.array([p[1] for p in pieces], dtype=object)[sensor]
    tails = np.array([p[2] for p in pieces], dtype=object)[sensor]
    times, inverse = np.unique(t_s, return_inverse=True)
    iso = np.array([format_iso(float(t)) for t in times], dtype=object)[inverse]
    stale = np.array([format_iso(float(t) + COT_STALE_S) for t in times], dtype=object)[inverse]
    return [
        f'{h}{q}{m}{t}" start="{t}" stale="{st}"><point lat="{la:.7f}" lon="{lo:.7f}" '
        f'hae="0.0" {tl}'
        for h, q, m, t, st, la, lo, tl in zip(
            heads.tolist(),
            seq.tolist(),
            mids.tolist(),
            iso.tolist(),
            stale.tolist(),
            lat.tolist(),
            lon.tolist(),
            tails.tolist(),
            strict=True,
        )
    ]
