"""Decode GeoJSON Point features from drone video analytics and ground-sensor gateways.

The input is one of:

* a ``FeatureCollection`` (its ``features`` list);
* a single ``Feature``;
* newline-delimited features (GeoJSONSeq, RFC 8142): one JSON text per record, each
  optionally preceded by the record separator ``0x1E``; blank records are skipped.

Mapping of a Point feature to a row (first property present wins)::

    obs_id          content_id("obs", source, sensor_id, identity, t_s, lat, lon)
    t_s             ``time`` / ``timestamp`` / ``datetime``: an ISO 8601 string with a zone,
                    or a JSON number of epoch seconds; absent (or null): the receive time
    lon, lat        ``geometry.coordinates[0:2]`` (WGS84 degrees; a third value is ignored)
    sigma_m         ``sigma_m`` / ``accuracy_m`` (metres, > 0); absent: UNKNOWN_CE_SIGMA_M,
                    counted in ``unknown_ce``
    vel_east_mps,   ``vel_east_mps`` and ``vel_north_mps`` if both are given, else
    vel_north_mps   ``speed_mps`` (≥ 0) along ``heading_deg`` (from true north) if both are
                    given; NaN otherwise
    sensor_id       ``sensor_id`` / ``sensor``, else the decoder's source
    sensor_kind     ``sensor_kind`` (a SensorKind value), else the ``sensor_kind`` argument
    identity        ``track_id`` / ``id`` property, else the Feature's own ``id``, else ""
    classification  ``class`` / ``classification`` / ``label``, else ""
    source          the decoder's
    marking         ``agency`` / ``releasability`` properties, each defaulting to ``marking``

Numbers must be JSON numbers (strings are refused); string fields must be JSON strings
(an integer ``id`` is accepted and written in decimal).

Reasons. Each bad feature is quarantined on its own, with its raw bytes (a GeoJSONSeq
record as received; a feature of a collection re-serialised with ``json.dumps(...,
sort_keys=True)``):

* not a Feature, not a Point geometry, or properties not an object → UNSUPPORTED_MESSAGE;
* geometry absent or null → MISSING_POINT;
* coordinates not two finite numbers → NOT_A_NUMBER; outside ±180/±90 → OUT_OF_RANGE;
* a bad time → BAD_TIME; a bad number → NOT_A_NUMBER; sigma ≤ 0 or speed < 0 → OUT_OF_RANGE;
* a bad ``sensor_kind`` → BAD_SENSOR_KIND; a bad agency/releasability → BAD_MARKING;
* a string field (id, sensor, class) of another JSON type → MISSING_ATTRIBUTE.

A document that is not JSON (and not a GeoJSONSeq) is one quarantined message with code
UNSUPPORTED_MESSAGE (the code shared with ``decode_aircraft_json`` for "not JSON": there is
no JSON-syntax code, and XML_SYNTAX would mislead); bytes that are not UTF-8 are
BAD_ENCODING; a JSON value that is not a Feature or FeatureCollection is UNSUPPORTED_MESSAGE.
A GeoJSONSeq record that is not JSON is quarantined on its own, as UNSUPPORTED_MESSAGE.
Empty (or whitespace-only) input is an empty sequence: nothing is received.

Accounting: ``received == decoded + len(quarantined)``; the decoder never raises on input.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

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
from ._common import quarantined as _quarantined
from ._common import show as _show
from ._cot import UNKNOWN_CE_SIGMA_M
from ._result import DecodeResult, ReasonCode

__all__ = ["GEOJSON_DECODER", "decode_geojson"]

GEOJSON_DECODER = "geojson"
"""The ``decoder`` name on quarantined GeoJSON messages."""

_RS = b"\x1e"
_NAN = math.nan
_TIME_KEYS = ("time", "timestamp", "datetime")
_ID_KEYS = ("track_id", "id")
_SENSOR_KEYS = ("sensor_id", "sensor")
_CLASS_KEYS = ("class", "classification", "label")
_SIGMA_KEYS = ("sigma_m", "accuracy_m")


_Row = tuple[str, float, float, float, float, float, float, str, str, str, str, str, bool]


def _first(props: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any]:
    for key in keys:
        value = props.get(key)
        if value is not None:
            return key, value
    return "", None


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Reject(ReasonCode.NOT_A_NUMBER, f"{name} {_show(value)} is not a number")
    try:
        out = float(value)
    except OverflowError:
        raise _Reject(ReasonCode.NOT_A_NUMBER, f"{name} is too large") from None
    if not math.isfinite(out):
        raise _Reject(ReasonCode.NOT_A_NUMBER, f"{name} {out!r} is not finite")
    return out


def _optional_number(props: dict[str, Any], name: str) -> float:
    value = props.get(name)
    return _NAN if value is None else _number(value, name)


def _text(value: Any, name: str, *, allow_int: bool = False) -> str:
    if isinstance(value, str):
        return value
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _Reject(ReasonCode.MISSING_ATTRIBUTE, f"{name} {_show(value)} is not a string")


def _time(value: Any, name: str, received_t_s: float) -> float:
    if value is None:
        return received_t_s
    if isinstance(value, str):
        try:
            t = parse_iso(value)
        except (ValueError, OverflowError, OSError) as exc:
            raise _Reject(ReasonCode.BAD_TIME, f"{name} {_show(value)}: {exc}") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            t = float(value)
        except OverflowError:
            raise _Reject(ReasonCode.BAD_TIME, f"{name} is too large") from None
    else:
        raise _Reject(ReasonCode.BAD_TIME, f"{name} {_show(value)} is not a time")
    if not math.isfinite(t):
        raise _Reject(ReasonCode.BAD_TIME, f"{name} {t!r} is not finite")
    return t


def _feature(
    feature: Any,
    source: str,
    marking: Marking,
    sensor_kind: str,
    received_t_s: float,
) -> _Row:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, "not a GeoJSON Feature")
    geometry = feature.get("geometry")
    if geometry is None:
        raise _Reject(ReasonCode.MISSING_POINT, "feature has no geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, f"geometry {_show(kind)} is not a Point")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise _Reject(ReasonCode.NOT_A_NUMBER, "coordinates are not [lon, lat]")
    lon = _number(coords[0], "lon")
    lat = _number(coords[1], "lat")
    if not -180.0 <= lon <= 180.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"lon {lon!r} is outside ±180")
    if not -90.0 <= lat <= 90.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"lat {lat!r} is outside ±90")
    props = feature.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, "properties is not an object")
    name, value = _first(props, _TIME_KEYS)
    t = _time(value, name, received_t_s)
    name, value = _first(props, _ID_KEYS)
    if value is None:
        name, value = "id", feature.get("id")
    identity = "" if value is None else _text(value, name, allow_int=True)
    name, value = _first(props, _SENSOR_KEYS)
    sensor_id = source if value is None else _text(value, name, allow_int=True)
    name, value = _first(props, _CLASS_KEYS)
    classification = "" if value is None else _text(value, name)
    kind_value = props.get("sensor_kind")
    if kind_value is None:
        kind = sensor_kind
    else:
        try:
            kind = SensorKind(kind_value).value
        except ValueError:
            raise _Reject(
                ReasonCode.BAD_SENSOR_KIND, f"sensor_kind {_show(kind_value)} is not known"
            ) from None
    name, value = _first(props, _SIGMA_KEYS)
    unknown_ce = value is None
    sigma = UNKNOWN_CE_SIGMA_M if value is None else _number(value, name)
    if sigma <= 0.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"{name} {sigma!r} is not positive")
    ve = _optional_number(props, "vel_east_mps")
    vn = _optional_number(props, "vel_north_mps")
    speed = _optional_number(props, "speed_mps")
    heading = _optional_number(props, "heading_deg")
    if speed < 0.0:
        raise _Reject(ReasonCode.OUT_OF_RANGE, f"speed_mps {speed!r} is negative")
    if ve != ve or vn != vn:
        if speed == speed and heading == heading:
            course = math.radians(heading)
            ve, vn = speed * math.sin(course), speed * math.cos(course)
        else:
            ve = vn = _NAN
    agency = props.get("agency", marking.agency)
    releasability = props.get("releasability", marking.releasability)
    if not isinstance(agency, str) or not isinstance(releasability, str):
        raise _Reject(ReasonCode.BAD_MARKING, "agency and releasability must be strings")
    try:
        row_marking = Marking(agency, releasability)
    except InvalidInput as exc:
        raise _Reject(ReasonCode.BAD_MARKING, exc.message) from None
    return (
        content_id("obs", source, sensor_id, identity, t, lat, lon),
        t,
        lon,
        lat,
        sigma,
        ve,
        vn,
        sensor_id,
        kind,
        identity,
        classification,
        f"{row_marking.agency}\x1f{row_marking.releasability}",
        unknown_ce,
    )


def _raw(feature: Any) -> bytes:
    try:
        return json.dumps(feature, sort_keys=True).encode()
    except Exception:
        return repr(feature).encode("utf-8", "replace")


def _records(data: bytes) -> list[tuple[Any, bytes | None]] | None:
    """GeoJSONSeq records as (value or _Reject, raw bytes), or None if ``data`` is not one."""
    framed = _RS in data
    pieces = [p for p in data.split(_RS if framed else b"\n") if p.strip()]
    if len(pieces) < 2 and not framed:
        return None
    out: list[tuple[Any, bytes | None]] = []
    for i, piece in enumerate(pieces):
        try:
            out.append((json.loads(piece), piece))
        except UnicodeDecodeError as exc:
            out.append((_Reject(ReasonCode.BAD_ENCODING, f"not UTF-8: {exc}"), piece))
        except (ValueError, RecursionError) as exc:
            if i == 0 and not framed:
                return None  # not a sequence: e.g. a pretty-printed, malformed document
            reason = f"not JSON: {_show(str(exc))}"
            out.append((_Reject(ReasonCode.UNSUPPORTED_MESSAGE, reason), piece))
    return out


def _whole(data: bytes) -> list[tuple[Any, bytes | None]]:
    """The records of a whole document; raises _Reject for a bad document."""
    if not data.strip():
        return []  # an empty GeoJSONSeq: nothing received
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        raise _Reject(ReasonCode.BAD_ENCODING, f"not UTF-8: {exc}") from None
    except (ValueError, RecursionError) as exc:
        seq = _records(data)
        if seq is None:
            raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, f"not JSON: {_show(str(exc))}") from None
        return seq
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, "FeatureCollection has no features list")
        return [(f, None) for f in features]
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        return [(doc, data.strip(b"\x1e \t\r\n"))]
    raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, "not a GeoJSON Feature or FeatureCollection")


def decode_geojson(
    data: bytes,
    source: str,
    marking: Marking = DEFAULT_MARKING,
    *,
    received_t_s: float | None = None,
    clock: Callable[[], float] = time.time,
    sensor_kind: SensorKind = SensorKind.DRONE,
) -> DecodeResult:
    """Decode a FeatureCollection, a Feature or a GeoJSONSeq (see the module doc)."""
    if received_t_s is None:
        received_t_s = float(clock())
    kind = SensorKind(sensor_kind).value
    quarantined: list[QuarantinedMessage] = []

    def quarantine(raw: Any, code: ReasonCode, reason: str) -> None:
        quarantined.append(
            _quarantined(source, marking, GEOJSON_DECODER, raw, code, reason, received_t_s)
        )

    try:
        records = _whole(bytes(data))
    except _Reject as rej:
        quarantine(data, rej.code, rej.reason)
        return DecodeResult(batch=ObservationBatch.empty(), quarantined=quarantined, received=1)
    except Exception as exc:
        quarantine(data, ReasonCode.DECODER_ERROR, f"unexpected {type(exc).__name__}: {exc}")
        return DecodeResult(batch=ObservationBatch.empty(), quarantined=quarantined, received=1)
    rows: list[_Row] = []
    for value, raw in records:
        try:
            if isinstance(value, _Reject):
                raise value
            if isinstance(value, dict) and value.get("type") == "FeatureCollection":
                features = value.get("features")
                if not isinstance(features, list):
                    raise _Reject(ReasonCode.UNSUPPORTED_MESSAGE, "FeatureCollection has no list")
                for feature in features:
                    try:
                        rows.append(_feature(feature, source, marking, kind, received_t_s))
                    except _Reject as rej:
                        quarantine(_raw(feature), rej.code, rej.reason)
                continue
            rows.append(_feature(value, source, marking, kind, received_t_s))
        except _Reject as rej:
            quarantine(_raw(value) if raw is None else raw, rej.code, rej.reason)
        except Exception as exc:  # a decoder never raises on input
            reason = f"unexpected {type(exc).__name__}: {_show(str(exc))}"
            quarantine(_raw(value) if raw is None else raw, ReasonCode.DECODER_ERROR, reason)
    batch = _batch(source, rows)
    return DecodeResult(
        batch=batch,
        quarantined=quarantined,
        received=len(batch) + len(quarantined),
        unknown_ce=sum(1 for r in rows if r[12]),
    )


def _batch(source: str, rows: list[_Row]) -> ObservationBatch:
    n = len(rows)
    if not n:
        return ObservationBatch.empty()
    cols = list(zip(*rows, strict=True))
    markings = [m.split("\x1f") for m in cols[11]]
    return ObservationBatch.from_columns(
        {
            "obs_id": list(cols[0]),
            "t_s": list(cols[1]),
            "lon": list(cols[2]),
            "lat": list(cols[3]),
            "sigma_m": list(cols[4]),
            "vel_east_mps": list(cols[5]),
            "vel_north_mps": list(cols[6]),
            "sensor_id": list(cols[7]),
            "sensor_kind": list(cols[8]),
            "identity": list(cols[9]),
            "classification": list(cols[10]),
            "source": [source] * n,
            "agency": [m[0] for m in markings],
            "releasability": [m[1] for m in markings],
        },
        n=n,
    )
