"""Decode CSV exports (a header row, then one observation per row) through a column mapping.

:class:`CsvMapping` names the columns; only ``time``, ``lon`` and ``lat`` are required, the
others default to None (not mapped). A header that lacks a mapped column (or names one
twice) raises :class:`~northline.model.InvalidInput` at once: that is a configuration error,
not bad data. Empty input (no header) decodes to nothing.

Mapping of a row::

    obs_id          content_id("obs", source, sensor_id, identity, t_s, lat, lon)
    t_s             the time column: ISO 8601 with a zone (``time_format="iso"``) or epoch
                    seconds (``"epoch_s"``)
    lon, lat        WGS84 degrees
    sigma_m         the sigma column (> 0); unmapped or empty: UNKNOWN_CE_SIGMA_M, counted
                    in ``unknown_ce``
    vel_*_mps       the velocity columns; unmapped or empty: NaN
    sensor_id       the sensor_id column, else ``fixed_sensor_id``, else the source
    sensor_kind     ``mapping.sensor_kind`` (default "other")
    identity,       the columns, else ""
    classification
    source, marking the decoder's

Each bad row is quarantined with its raw bytes (the physical lines it spans): wrong field
count or a malformed record → BAD_FIELD_COUNT; not UTF-8 → BAD_ENCODING; a bad number →
NOT_A_NUMBER; lat/lon outside the globe or sigma ≤ 0 → OUT_OF_RANGE; a bad time → BAD_TIME.
Blank lines are skipped (not received). ``received == decoded + len(quarantined)``.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..model import (
    DEFAULT_MARKING,
    InvalidInput,
    Marking,
    ObservationBatch,
    QuarantinedMessage,
    SensorKind,
    content_id,
    parse_iso,
)
from ._common import Reject as _Reject
from ._common import finite_number
from ._common import quarantined as _quarantined
from ._common import show as _show
from ._cot import UNKNOWN_CE_SIGMA_M
from ._result import DecodeResult, ReasonCode

__all__ = ["CSV_DECODER", "CsvMapping", "decode_csv"]

CSV_DECODER = "csv"
"""The ``decoder`` name on quarantined CSV rows."""

_NAN = math.nan
_COLUMNS = (
    "time",
    "lon",
    "lat",
    "sensor_id",
    "identity",
    "classification",
    "sigma_m",
    "vel_east_mps",
    "vel_north_mps",
)


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Which CSV column holds which observation field (None: not mapped)."""

    time: str = "time"
    lon: str = "lon"
    lat: str = "lat"
    sensor_id: str | None = None
    identity: str | None = None
    classification: str | None = None
    sigma_m: str | None = None
    vel_east_mps: str | None = None
    vel_north_mps: str | None = None
    fixed_sensor_id: str | None = None
    sensor_kind: SensorKind = SensorKind.OTHER
    time_format: Literal["iso", "epoch_s"] = "iso"
    delimiter: str = ","

    def __post_init__(self) -> None:
        names = []
        for name in _COLUMNS:
            value = getattr(self, name)
            if value is None and name not in ("time", "lon", "lat"):
                continue
            if not isinstance(value, str) or not value.strip():
                raise InvalidInput(f"column {name} must be a non-empty string", field=name)
            names.append(value)
        if len(set(names)) != len(names):
            raise InvalidInput("two fields are mapped to the same column", field="columns")
        if self.fixed_sensor_id is not None:
            if not isinstance(self.fixed_sensor_id, str) or not self.fixed_sensor_id:
                raise InvalidInput("fixed_sensor_id must be a string", field="fixed_sensor_id")
            if self.sensor_id is not None:
                raise InvalidInput(
                    "give a sensor_id column or a fixed_sensor_id, not both",
                    field="fixed_sensor_id",
                )
        try:
            object.__setattr__(self, "sensor_kind", SensorKind(self.sensor_kind))
        except ValueError:
            raise InvalidInput(
                f"sensor_kind {self.sensor_kind!r} is not a SensorKind", field="sensor_kind"
            ) from None
        if self.time_format not in ("iso", "epoch_s"):
            raise InvalidInput(
                f"time_format {self.time_format!r} is not 'iso' or 'epoch_s'",
                field="time_format",
            )
        if (
            not isinstance(self.delimiter, str)
            or len(self.delimiter) != 1
            or self.delimiter in '"\r\n'
        ):
            raise InvalidInput(
                f"delimiter {self.delimiter!r} is not one character", field="delimiter"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvMapping:
        """A mapping from configuration; unknown keys raise InvalidInput."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise InvalidInput(f"unknown CSV mapping keys: {sorted(unknown)}", field="mapping")
        return cls(**dict(data))


class _Lines:
    """Text lines for csv.reader, remembering the raw bytes consumed since the last take."""

    def __init__(self, data: bytes) -> None:
        self._lines = iter(data.splitlines(keepends=True))
        self._taken: list[bytes] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._taken.append(line)
        return line.decode("utf-8", "surrogateescape")

    def take(self) -> bytes:
        raw = b"".join(self._taken)
        self._taken = []
        return raw


def decode_csv(
    data: bytes,
    source: str,
    mapping: CsvMapping,
    marking: Marking = DEFAULT_MARKING,
    *,
    received_t_s: float | None = None,
    clock: Callable[[], float] = time.time,
) -> DecodeResult:
    """Decode a CSV document through ``mapping`` (see the module doc)."""
    if received_t_s is None:
        received_t_s = float(clock())
    data = bytes(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = _Lines(data)
    reader = csv.reader(lines, delimiter=mapping.delimiter)
    header: list[str] | None = None
    while header is None:
        try:
            row = next(reader)
        except StopIteration:
            return DecodeResult(batch=ObservationBatch.empty())
        except csv.Error as exc:
            raise InvalidInput(f"CSV header is malformed: {exc}", field="header") from None
        lines.take()
        if row:
            header = [h.strip() for h in row]
    index: dict[str, int] = {}
    for name in _COLUMNS:
        column = getattr(mapping, name)
        if column is None:
            continue
        if header.count(column) != 1:
            missing = "lacks" if column not in header else "repeats"
            raise InvalidInput(f"CSV header {missing} column {column!r}", field=name)
        index[name] = header.index(column)
    n_fields = len(header)
    epoch = mapping.time_format == "epoch_s"
    kind = mapping.sensor_kind.value
    fixed_sensor = source if mapping.fixed_sensor_id is None else mapping.fixed_sensor_id
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "obs_id",
            "t_s",
            "lon",
            "lat",
            "sigma_m",
            "vel_east_mps",
            "vel_north_mps",
            "sensor_id",
            "identity",
            "classification",
        )
    }
    quarantined: list[QuarantinedMessage] = []
    unknown_ce = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raw = lines.take()
            quarantined.append(
                _quarantined(
                    source,
                    marking,
                    CSV_DECODER,
                    raw,
                    ReasonCode.BAD_FIELD_COUNT,
                    f"malformed CSV record: {_show(str(exc))}",
                    received_t_s,
                )
            )
            continue
        raw = lines.take()
        if not row:
            continue  # a blank line
        try:
            if len(row) != n_fields:
                raise _Reject(ReasonCode.BAD_FIELD_COUNT, f"{len(row)} fields, not {n_fields}")
            for field in row:
                try:
                    field.encode("utf-8")
                except UnicodeEncodeError:
                    raise _Reject(ReasonCode.BAD_ENCODING, "row is not UTF-8") from None
            t_text = row[index["time"]].strip()
            if epoch:
                try:
                    t = float(t_text)
                except ValueError:
                    raise _Reject(
                        ReasonCode.BAD_TIME, f"time {_show(t_text)} is not epoch seconds"
                    ) from None
                if not math.isfinite(t):
                    raise _Reject(ReasonCode.BAD_TIME, f"time {_show(t_text)} is not finite")
            else:
                try:
                    t = parse_iso(t_text)
                except (ValueError, OverflowError, OSError) as exc:
                    raise _Reject(ReasonCode.BAD_TIME, f"time {_show(t_text)}: {exc}") from None
            lon = finite_number(row[index["lon"]], "lon")
            lat = finite_number(row[index["lat"]], "lat")
            if not -180.0 <= lon <= 180.0:
                raise _Reject(ReasonCode.OUT_OF_RANGE, f"lon {lon!r} is outside ±180")
            if not -90.0 <= lat <= 90.0:
                raise _Reject(ReasonCode.OUT_OF_RANGE, f"lat {lat!r} is outside ±90")
            sigma_text = row[index["sigma_m"]].strip() if "sigma_m" in index else ""
            is_unknown = not sigma_text
            sigma = UNKNOWN_CE_SIGMA_M if is_unknown else finite_number(sigma_text, "sigma_m")
            if sigma <= 0.0:
                raise _Reject(ReasonCode.OUT_OF_RANGE, f"sigma_m {sigma!r} is not positive")
            vel = []
            for name in ("vel_east_mps", "vel_north_mps"):
                text = row[index[name]].strip() if name in index else ""
                vel.append(finite_number(text, name) if text else _NAN)
            sensor_id = row[index["sensor_id"]] if "sensor_id" in index else fixed_sensor
            identity = row[index["identity"]] if "identity" in index else ""
            cls = row[index["classification"]] if "classification" in index else ""
        except _Reject as rej:
            quarantined.append(
                _quarantined(source, marking, CSV_DECODER, raw, rej.code, rej.reason, received_t_s)
            )
            continue
        except Exception as exc:  # a decoder never raises on input
            reason = f"unexpected {type(exc).__name__}: {_show(str(exc))}"
            quarantined.append(
                _quarantined(
                    source,
                    marking,
                    CSV_DECODER,
                    raw,
                    ReasonCode.DECODER_ERROR,
                    reason,
                    received_t_s,
                )
            )
            continue
        unknown_ce += is_unknown
        cols["obs_id"].append(content_id("obs", source, sensor_id, identity, t, lat, lon))
        cols["t_s"].append(t)
        cols["lon"].append(lon)
        cols["lat"].append(lat)
        cols["sigma_m"].append(sigma)
        cols["vel_east_mps"].append(vel[0])
        cols["vel_north_mps"].append(vel[1])
        cols["sensor_id"].append(sensor_id)
        cols["identity"].append(identity)
        cols["classification"].append(cls)
    n = len(cols["obs_id"])
    if n:
        batch = ObservationBatch.from_columns(
            {
                **cols,
                "sensor_kind": [kind] * n,
                "source": [source] * n,
                "agency": [marking.agency] * n,
                "releasability": [marking.releasability] * n,
            },
            n=n,
        )
    else:
        batch = ObservationBatch.empty()
    return DecodeResult(
        batch=batch,
        quarantined=quarantined,
        received=n + len(quarantined),
        unknown_ce=unknown_ce,
    )
