"""What every decoder shares: rejection, quarantine records, and the atom batch builder."""

from __future__ import annotations

import math
from typing import Any, NoReturn

import numpy as np

from ..model import Marking, ObservationBatch, QuarantinedMessage, content_id
from ._result import ReasonCode

__all__ = [
    "Reject",
    "as_bytes",
    "atom_batch",
    "finite_number",
    "quarantined",
    "reject",
    "show",
    "velocity_en",
]

SHOW = 60  # characters of an offending value quoted in a reason


class Reject(Exception):
    """Control flow inside a decoder: this message is quarantined. Never leaves ingest."""

    def __init__(self, code: ReasonCode, reason: str) -> None:
        self.code = code
        self.reason = reason


def reject(code: ReasonCode, reason: str) -> NoReturn:
    raise Reject(code, reason)


def finite_number(text: str | bytes, name: str) -> float:
    """A text field as a finite float; NOT_A_NUMBER otherwise (naming the field)."""
    try:
        value = float(text)
    except ValueError:
        reject(ReasonCode.NOT_A_NUMBER, f"{name} {show(text)} is not a number")
    if not math.isfinite(value):
        reject(ReasonCode.NOT_A_NUMBER, f"{name} {show(text)} is not finite")
    return value


def show(text: object) -> str:
    """A value for a reason: its repr, shortened in the middle when long."""
    shown = repr(text)
    return shown if len(shown) <= SHOW else shown[: SHOW - 4] + "…" + shown[-3:]


def as_bytes(item: Any) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, bytearray | memoryview):
        return bytes(item)
    if isinstance(item, str):
        return item.encode("utf-8", "surrogateescape")
    raise TypeError(f"an input item is bytes, not {type(item).__name__}")


def quarantined(
    source: str,
    marking: Marking,
    decoder: str,
    item: Any,
    code: ReasonCode,
    reason: str,
    received_t_s: float,
) -> QuarantinedMessage:
    """The quarantine record of one input item; an item that is not bytes is a decoder error."""
    try:
        raw = as_bytes(item)
    except Exception as exc:
        raw = b""
        code = ReasonCode.DECODER_ERROR
        reason = f"item of type {type(item).__name__} is not bytes ({exc})"
    return QuarantinedMessage(
        quarantine_id=content_id("q", source, raw),
        received_t_s=received_t_s,
        source=source,
        decoder=decoder,
        reason_code=code.value,
        reason=reason,
        raw=raw,
        marking=marking,
    )


def velocity_en(speed_mps: Any, course_deg: Any) -> tuple[Any, Any]:
    """East and north velocity (m/s) of speeds and courses (degrees from north); a row whose
    speed or course is unknown or not finite has an unknown (NaN) velocity."""
    speed = np.asarray(speed_mps, dtype=np.float64)
    course = np.asarray(course_deg, dtype=np.float64)
    known = np.isfinite(speed) & np.isfinite(course)
    course_rad = np.radians(np.where(known, course, 0.0))
    speed = np.where(known, speed, 0.0)
    east = np.where(known, speed * np.sin(course_rad), np.nan)
    north = np.where(known, speed * np.cos(course_rad), np.nan)
    return east, north


def atom_batch(rows: list[tuple[Any, ...]], source: str) -> ObservationBatch:
    """The batch of CoT atoms, XML or protobuf alike: one row per event as
    ``(obs_id, t_s, sensor_id, kind, lon, lat, sigma, speed_mps, course_deg, type, uid,
    agency, releasability, ce_unknown)``; velocity is converted to east/north in one go."""
    n = len(rows)
    if not n:
        return ObservationBatch.empty()
    (obs_id, t_s, sensor_id, kind, lon, lat, sigma, speed, course, typ, uid, agency, rel, _) = zip(
        *rows, strict=True
    )
    vel_east, vel_north = velocity_en(speed, course)
    return ObservationBatch.from_columns(
        {
            "obs_id": obs_id,
            "t_s": t_s,
            "sensor_id": sensor_id,
            "sensor_kind": kind,
            "lon": lon,
            "lat": lat,
            "sigma_m": sigma,
            "vel_east_mps": vel_east,
            "vel_north_mps": vel_north,
            "classification": typ,
            "identity": uid,
            "source": [source] * n,
            "agency": agency,
            "releasability": rel,
        },
        n=n,
    )
