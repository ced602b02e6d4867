"""Ingest benchmark: messages per second per decoder, against the bare library on the same bytes.

Run ``.venv/bin/python benchmarks/ingest.py [--quick] [--json PATH]``. It prints; it asserts
nothing about speed. Every row times Northline's decoder and its reference on the *same*
generated stream in the same process, interleaved repeat by repeat, and keeps the best of
``--repeats`` runs of each (the machine is shared and noisy: the minimum is the run least
disturbed). ``ratio`` is ours msg/s over the reference's; ``target`` is what the decoder is
meant to reach (``—``: no target, the row is for information).

Streams (seeded, deterministic; built with the project's own writers where there is one)
-------------------------------------------------------------------------------------------
* **AIS**: ``pyais.encode_dict`` over a few hundred MMSIs on the Great Lakes / St Lawrence:
  class A vessels send types 1/2/3 and now and then a type 5 (two sentences), class B send
  type 18 and now and then a type 24 (part A or B); about 20 % of messages carry an NMEA 4.x
  tag block ``\\s:<station>,c:<epoch>*hh\\`` (on the first sentence of a type 5).
* **CoT XML**: ``northline.sim``'s CoT writer (``cot_lines``, the layout of ``detections.cot``)
  over towers, UGS and drones, a few hundred uids, one event per line.
* **TAK protobuf**: the same CoT events converted by ``takproto.xml2message`` (the ``link``
  and ``__northline`` elements go to ``detail.xmlDetail``), framed for mesh and for stream.
* **SBS-1**: ``northline.ingest.sbs_line`` over a few hundred ICAO addresses, mostly MSG,3
  (positions) and MSG,4 (velocities), some MSG,1 (callsigns), numbers rounded as dump1090
  writes them.
* **CSV** and **GeoJSONSeq**: drone / gateway detections (epoch-second times for CSV, ISO 8601
  for GeoJSON) written here, there being no project writer for them.

What each side does
-------------------
=============  =====================================  =========================================
row            ours (input framing included, but in   reference
               the first CoT row)
=============  =====================================  =========================================
AIS            ``decode_ais(buffer)``: split lines,   per line ``NMEASentenceFactory.produce``
               parse, checksum, tag block time,       (pyais's own entry point, what
               join fragments, decode, build the      ``IterMessages`` calls; ``AISSentence.
               batch                                  from_bytes`` cannot take a tag block),
                                                      ``is_valid`` (checksum), tag block
                                                      ``init`` + time, fragments joined by
                                                      ``assemble_from_iterable``, ``decode()``,
                                                      position fields read
CoT XML        ``CotDecoder.decode(events)``: the     ``xml.etree.ElementTree.fromstring``
(framed)       events the references get (a new       per event (parse only); and
               decoder each run: nothing cached);     ``defusedxml.ElementTree.fromstring``
               parse safely, map, batch               per event
CoT XML        ``decode_cot(buffer)``: frame the      ``xml.etree.ElementTree.fromstring``
(framing +     byte stream, then as above (for        per event (events pre-split)
decoding)      information: no target)
TAK mesh       ``TakProtoDecoder.decode(datagrams)``  ``takproto.parse_proto`` per datagram
TAK stream     ``TakStreamFramer`` over the TCP byte  ``takproto.parse_proto`` per frame
               stream, then ``decode(framing=        (frames pre-split)
               "stream")``
SBS-1          ``SbsDecoder.decode(lines)``           ``line.split(b",")`` and ``float`` of
                                                      the fields each MSG type carries (no
                                                      time parsing)
CSV            ``decode_csv(buffer, CsvMapping)``     ``csv.reader`` over the decoded text,
                                                      ``float`` of the six numeric columns
GeoJSON        ``decode_geojson(buffer)``             ``json.loads`` per line
=============  =====================================  =========================================

Every row checks that ours decoded exactly the positions the generator wrote and quarantined
nothing (else the row says so), so the figures are for real work.
"""

from __future__ import annotations

import os

# One core, as the figures claim: no threaded BLAS under NumPy.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import csv
import gc
import io
import json
import math
import platform
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DET
import numpy as np
import pyais
from pyais.messages import AISSentence, NMEASentenceFactory
from pyais.util import checksum as nmea_checksum
from takproto import TAKProtoVer, parse_proto
from takproto.functions import msg2proto, xml2message

from northline.ingest import (
    CotDecoder,
    CsvMapping,
    DecodeResult,
    SbsDecoder,
    TakProtoDecoder,
    TakStreamFramer,
    decode_ais,
    decode_cot,
    decode_csv,
    decode_geojson,
    sbs_line,
)
from northline.model import DEFAULT_MARKING, SensorKind, format_iso
from northline.sim import SensorInfo
from northline.sim._cot import cot_lines  # the simulator's CoT writer (detections.cot)

SEED = 2024
T0_S = 1_764_590_400.0  # 2025-12-01T12:00:00Z
RECEIVED_T_S = T0_S + 3600.0  # fixed receive time: no clock calls inside the timed code
SOURCE = "bench"
DEFAULT_REPEATS = 5

# Messages per stream: the full run, and --quick.
SIZES = {
    "ais": (40_000, 1_500),
    "cot": (25_000, 1_500),
    "takproto": (30_000, 1_500),
    "sbs": (150_000, 5_000),
    "csv": (100_000, 1_500),
    "geojson": (40_000, 1_500),
}
AIS_POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
SBS_TARGET_LINES_S = 200_000.0


# -- streams ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """A generated stream: the buffer ours decodes, the units the reference takes."""

    name: str
    data: bytes  # the whole stream as it would arrive (file, TCP)
    units: list[bytes]  # what the reference is handed: lines, events, frames
    messages: int  # messages in the stream (an AIS type 5 of two sentences is one)
    positions: int  # observations it carries: what ours must decode
    lines: int = 0  # physical lines, where the format has them
    extra: dict[str, int] = field(default_factory=dict)


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, sum(stream.encode())])


def _tag_block(station: str, epoch_s: int) -> str:
    body = f"s:{station},c:{epoch_s}"
    return f"\\{body}*{nmea_checksum(body.encode()):02X}\\"


def ais_stream(n_messages: int, seed: int = SEED, n_mmsi: int = 300) -> Stream:
    """AIS NMEA lines from ``pyais.encode_dict``; see the module doc."""
    rng = _rng(seed, "ais")
    mmsi = rng.choice(np.arange(316_000_000, 316_999_999), n_mmsi, replace=False)
    mmsi[: n_mmsi // 3] += 338_000_000 - 316_000_000  # a third are US vessels
    class_b = rng.random(n_mmsi) < 0.3
    lon = rng.uniform(-83.0, -71.0, n_mmsi)
    lat = rng.uniform(42.0, 46.5, n_mmsi)
    sog = np.round(rng.uniform(0.0, 18.0, n_mmsi), 1)
    cog = np.round(rng.uniform(0.0, 359.9, n_mmsi), 1)
    stations = [f"rx{i:02d}" for i in range(6)]
    lines: list[str] = []
    positions = statics = tagged = 0
    seq = 0
    for k in range(n_messages):
        i = int(rng.integers(n_mmsi))
        lon[i] += rng.normal(0.0, 2e-4)
        lat[i] += rng.normal(0.0, 2e-4)
        u = rng.random()
        data: dict[str, Any]
        common = {"mmsi": int(mmsi[i])}
        if class_b[i] and u < 0.07:
            part = int(rng.integers(2))
            data = {"type": 24, "partno": part, **common}
            data.update(
                {"shipname": f"PLEASURE {i}"}
                if part == 0
                else {"ship_type": 37, "callsign": f"VC{i:04d}"}
            )
        elif not class_b[i] and u < 0.05:
            data = {
                "type": 5,
                **common,
                "shipname": f"LAKER {i}",
                "callsign": f"CF{i:04d}",
                "ship_type": 70,
                "destination": "THUNDER BAY",
                "to_bow": 150,
                "to_stern": 30,
                "to_port": 12,
                "to_starboard": 11,
                "draught": 7.9,
            }
        else:
            kind = 18 if class_b[i] else int(rng.choice([1, 2, 3], p=[0.75, 0.05, 0.2]))
            data = {
                "type": kind,
                **common,
                "lon": round(float(lon[i]), 6),
                "lat": round(float(lat[i]), 6),
                "speed": float(sog[i]),
                "course": float(cog[i]),
                "heading": int(cog[i]) % 360,
                "accuracy": int(rng.random() < 0.5),
                "second": k % 60,
            }
        sentences = encode_ais(data, seq)
        if len(sentences) > 1:
            seq = (seq + 1) % 10
        if rng.random() < 0.2:
            epoch = int(T0_S) + k // 20
            sentences[0] = _tag_block(stations[k % len(stations)], epoch) + sentences[0]
            tagged += 1
        lines.extend(sentences)
        if data["type"] in AIS_POSITION_TYPES:
            positions += 1
        else:
            statics += 1
    units = [s.encode() for s in lines]
    return Stream(
        "ais",
        b"\n".join(units) + b"\n",
        units,
        messages=n_messages,
        positions=positions,
        lines=len(units),
        extra={"static": statics, "tagged": tagged},
    )


def encode_ais(data: dict[str, Any], seq: int) -> list[str]:
    channel = "AB"[data["mmsi"] % 2]
    out = pyais.encode_dict(data, talker_id="AI", sentence_type="VDM", radio_channel=channel)
    if len(out) > 1:
        out = pyais.encode_dict(
            data, talker_id="AI", sentence_type="VDM", radio_channel=channel, seq_id=seq
        )
    return list(out)


def _sensor(sensor_id: str, kind: SensorKind, lon: float, lat: float, **more: Any) -> SensorInfo:
    return SensorInfo(sensor_id=sensor_id, kind=kind, lon=lon, lat=lat, **more)


def _sensors() -> list[SensorInfo]:
    """8 towers, 16 UGS and 4 drones along the 49th parallel."""
    towers = [
        _sensor(f"tower-{i:02d}", SensorKind.TOWER, -97.3 + 0.15 * i, 49.0, range_m=8000.0,
                sigma_m=25.0, pd=0.9, scan_period_s=2.0)
        for i in range(8)
    ]  # fmt: skip
    ugs = [
        _sensor(f"ugs-{i:02d}", SensorKind.UGS, -97.35 + 0.08 * i, 49.001, range_m=30.0,
                sigma_m=15.0, pd=0.95)
        for i in range(16)
    ]  # fmt: skip
    drones = [
        _sensor(f"drone-{i:02d}", SensorKind.DRONE, -97.2 + 0.3 * i, 49.02, range_m=3000.0,
                sigma_m=8.0, pd=0.8)
        for i in range(4)
    ]  # fmt: skip
    return towers + ugs + drones


def cot_events(n_events: int, seed: int = SEED, n_uids: int = 300) -> list[str]:
    """One CoT event per detection, from the simulator's writer; a few hundred uids."""
    rng = _rng(seed, "cot")
    sensors = _sensors()
    kinds = np.array([s.kind for s in sensors], dtype=object)
    weight = np.where(kinds == SensorKind.TOWER, 6.0, np.where(kinds == SensorKind.UGS, 1.0, 3.0))
    sensor = rng.choice(len(sensors), n_events, p=weight / weight.sum())
    seq = rng.integers(0, n_uids, n_events)  # uid is "<sensor_id>.<seq>"
    lon0 = np.array([s.lon for s in sensors])[sensor]
    lat0 = np.array([s.lat for s in sensors])[sensor]
    lon = lon0 + rng.normal(0.0, 0.02, n_events)
    lat = lat0 + rng.normal(0.0, 0.01, n_events)
    t_s = np.asarray(T0_S + np.round(np.cumsum(rng.exponential(0.05, n_events)), 3), np.float64)
    return cot_lines(t_s, sensor, seq, lon, lat, sensors, DEFAULT_MARKING)


def cot_stream(n_events: int, seed: int = SEED) -> Stream:
    units = [e.encode() for e in cot_events(n_events, seed)]
    return Stream("cot", b"\n".join(units) + b"\n", units, n_events, n_events, lines=len(units))


def takproto_streams(n_events: int, seed: int = SEED) -> tuple[Stream, Stream]:
    """(mesh, stream) framings of the same TakMessages, converted from the CoT events."""
    msgs = [xml2message(e) for e in cot_events(n_events, seed)]
    mesh = [bytes(msg2proto(m, TAKProtoVer.MESH)) for m in msgs]
    framed = [bytes(msg2proto(m, TAKProtoVer.STREAM)) for m in msgs]
    return (
        Stream("takproto-mesh", b"".join(mesh), mesh, n_events, n_events),
        Stream("takproto-stream", b"".join(framed), framed, n_events, n_events),
    )


def sbs_stream(n_lines: int, seed: int = SEED, n_aircraft: int = 300) -> Stream:
    """SBS-1 lines from ``sbs_line``: ~55 % MSG,3, ~38 % MSG,4, ~7 % MSG,1."""
    rng = _rng(seed, "sbs")
    icao = [f"{v:06x}" for v in rng.choice(0xFFFFFF, n_aircraft, replace=False)]
    lon = rng.uniform(-100.0, -70.0, n_aircraft)
    lat = rng.uniform(42.0, 55.0, n_aircraft)
    alt = rng.integers(40, 1600, n_aircraft) * 25
    gs = rng.uniform(120.0, 520.0, n_aircraft)
    trk = rng.uniform(0.0, 360.0, n_aircraft)
    kinds = rng.choice([3, 4, 1], n_lines, p=[0.55, 0.38, 0.07])
    who = rng.integers(0, n_aircraft, n_lines)
    dt = rng.exponential(0.002, n_lines)
    lines = []
    t = T0_S
    for kind, i, step in zip(kinds.tolist(), who.tolist(), dt.tolist(), strict=True):
        t = round(t + step, 3)
        if kind == 3:
            lon[i] += rng.normal(0.0, 1e-3)
            lat[i] += rng.normal(0.0, 1e-3)
            line = sbs_line(
                3,
                icao[i],
                t_s=t,
                altitude_ft=float(alt[i]),
                lat=round(float(lat[i]), 5),
                lon=round(float(lon[i]), 5),
                alert=False,
                emergency=False,
                spi=False,
                on_ground=False,
            )
        elif kind == 4:
            line = sbs_line(
                4,
                icao[i],
                t_s=t,
                ground_speed_kt=round(float(gs[i]), 1),
                track_deg=round(float(trk[i]), 1),
                vertical_rate_fpm=float(rng.choice([0, 64, -64, 1216, -832])),
            )
        else:
            line = sbs_line(1, icao[i], t_s=t, callsign=f"ACA{i:03d}  ")
        lines.append(line)
    positions = int(np.count_nonzero(kinds == 3))
    return Stream("sbs", b"".join(lines), lines, n_lines, positions, lines=n_lines)


CSV_MAPPING = CsvMapping(
    time="time",
    lon="lon",
    lat="lat",
    sensor_id="sensor_id",
    identity="track_id",
    classification="class",
    sigma_m="sigma_m",
    vel_east_mps="vel_east_mps",
    vel_north_mps="vel_north_mps",
    sensor_kind=SensorKind.DRONE,
    time_format="epoch_s",
)
CSV_HEADER = "time,lon,lat,sensor_id,track_id,class,sigma_m,vel_east_mps,vel_north_mps"
CSV_NUMERIC = (0, 1, 2, 6, 7, 8)


def _detections(n: int, rng: np.random.Generator) -> dict[str, Any]:
    return {
        "t": T0_S + np.round(np.cumsum(rng.exponential(0.04, n)), 3),
        "lon": np.round(-97.2 + rng.normal(0.0, 0.05, n), 7),
        "lat": np.round(49.0 + rng.normal(0.0, 0.02, n), 7),
        "sensor": rng.integers(0, 6, n),
        "track": rng.integers(0, 400, n),
        "cls": rng.choice(["person", "vehicle", "animal"], n, p=[0.6, 0.3, 0.1]),
        "sigma": np.round(rng.uniform(3.0, 20.0, n), 1),
        "ve": np.round(rng.normal(0.0, 2.0, n), 2),
        "vn": np.round(rng.normal(0.0, 2.0, n), 2),
    }


def csv_stream(n_rows: int, seed: int = SEED) -> Stream:
    d = _detections(n_rows, _rng(seed, "csv"))
    rows = [
        f"{t:.3f},{lo!r},{la!r},drone-{s:02d},trk-{k},{c},{sg!r},{ve!r},{vn!r}\r\n"
        for t, lo, la, s, k, c, sg, ve, vn in zip(*(d[key].tolist() for key in d), strict=True)
    ]
    data = (CSV_HEADER + "\r\n" + "".join(rows)).encode()
    return Stream("csv", data, [data], n_rows, n_rows, lines=n_rows + 1)


def geojson_stream(n_features: int, seed: int = SEED) -> Stream:
    d = _detections(n_features, _rng(seed, "geojson"))
    units = []
    for t, lo, la, s, k, c, sg, ve, vn in zip(*(d[key].tolist() for key in d), strict=True):
        speed = math.hypot(ve, vn)
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lo, la]},
            "properties": {
                "time": format_iso(t),
                "sensor_id": f"drone-{s:02d}",
                "track_id": f"trk-{k}",
                "class": c,
                "sigma_m": sg,
                "speed_mps": round(speed, 2),
                "heading_deg": round(math.degrees(math.atan2(ve, vn)) % 360.0, 1),
            },
        }
        units.append(json.dumps(feature, separators=(",", ":")).encode())
    return Stream(
        "geojson", b"\n".join(units) + b"\n", units, n_features, n_features, lines=n_features
    )


def make_streams(quick: bool = False, seed: int = SEED) -> dict[str, Stream]:
    """Every stream of the benchmark, by name; ``quick`` makes the small ones."""
    size = {name: pair[1 if quick else 0] for name, pair in SIZES.items()}
    mesh, framed = takproto_streams(size["takproto"], seed)
    return {
        "ais": ais_stream(size["ais"], seed),
        "cot": cot_stream(size["cot"], seed),
        "takproto-mesh": mesh,
        "takproto-stream": framed,
        "sbs": sbs_stream(size["sbs"], seed),
        "csv": csv_stream(size["csv"], seed),
        "geojson": geojson_stream(size["geojson"], seed),
    }


# -- ours and the references -------------------------------------------------------------------
# Each returns the number of positions it produced, so the work can be checked.


def ours_ais(s: Stream) -> DecodeResult:
    return decode_ais(s.data, SOURCE, received_t_s=RECEIVED_T_S)


def ours_cot(s: Stream) -> DecodeResult:
    return decode_cot(s.data, SOURCE, received_t_s=RECEIVED_T_S)


def ours_cot_framed(s: Stream) -> DecodeResult:
    """The decoder alone (a new one: nothing cached), on the events the references get."""
    return CotDecoder(SOURCE).decode(s.units, received_t_s=RECEIVED_T_S)


def ours_tak_mesh(s: Stream) -> DecodeResult:
    return TakProtoDecoder(SOURCE).decode(s.units, framing="mesh", received_t_s=RECEIVED_T_S)


def ours_tak_stream(s: Stream) -> DecodeResult:
    framer = TakStreamFramer()
    frames = framer.feed(s.data)
    frames.extend(framer.close())
    return TakProtoDecoder(SOURCE).decode(frames, framing="stream", received_t_s=RECEIVED_T_S)


def ours_sbs(s: Stream) -> DecodeResult:
    return SbsDecoder(SOURCE).decode(s.units, received_t_s=RECEIVED_T_S)


def ours_csv(s: Stream) -> DecodeResult:
    return decode_csv(s.data, SOURCE, CSV_MAPPING, received_t_s=RECEIVED_T_S)


def ours_geojson(s: Stream) -> DecodeResult:
    return decode_geojson(s.data, SOURCE, received_t_s=RECEIVED_T_S)


def ref_pyais(s: Stream) -> int:
    pending: dict[tuple[Any, str], list[AISSentence]] = {}
    n = 0
    for line in s.units:
        sentence = NMEASentenceFactory.produce(line)
        if not isinstance(sentence, AISSentence) or not sentence.is_valid:
            continue
        tb = sentence.tag_block
        if tb is not None:
            tb.init()
            _ = tb.is_valid, tb.receiver_timestamp
        if sentence.frag_cnt != 1:
            key = (sentence.seq_id, sentence.channel)
            parts = pending.setdefault(key, [])
            parts.append(sentence)
            if len(parts) < sentence.frag_cnt:
                continue
            del pending[key]
            sentence = AISSentence.assemble_from_iterable(parts)
        msg: Any = sentence.decode()
        if msg.msg_type in AIS_POSITION_TYPES:
            _ = msg.mmsi, msg.lon, msg.lat, msg.speed, msg.course, msg.accuracy
            n += 1
    return n


def _parse_each(parse: Callable[[bytes], Any], s: Stream) -> int:
    for unit in s.units:
        parse(unit)
    return len(s.units)


def ref_etree(s: Stream) -> int:
    return _parse_each(ET.fromstring, s)


def ref_defusedxml(s: Stream) -> int:
    return _parse_each(DET.fromstring, s)


def ref_takproto(s: Stream) -> int:
    n = 0
    for frame in s.units:
        if parse_proto(frame) is not None:
            n += 1
    return n


def ref_split_float(s: Stream) -> int:
    n = 0
    for line in s.units:
        f = line.rstrip(b"\r\n").split(b",")
        kind = f[1]
        if kind == b"3":
            _ = float(f[11]), float(f[14]), float(f[15])
            n += 1
        elif kind == b"4":
            _ = float(f[12]), float(f[13])
            if f[16]:
                float(f[16])
        elif kind == b"1":
            f[10].strip()
    return n


def ref_csv_reader(s: Stream) -> int:
    reader = csv.reader(io.StringIO(s.data.decode("utf-8"), newline=""))
    next(reader)
    n = 0
    for row in reader:
        for i in CSV_NUMERIC:
            float(row[i])
        n += 1
    return n


def ref_json_loads(s: Stream) -> int:
    return _parse_each(json.loads, s)


@dataclass(frozen=True)
class Reference:
    name: str
    run: Callable[[Stream], int]
    target_ratio: float | None = None  # ours / reference, at least


@dataclass(frozen=True)
class Case:
    decoder: str
    stream: str
    ours: Callable[[Stream], DecodeResult]
    refs: tuple[Reference, ...]
    target_rate: float | None = None  # ours msg/s, at least


_ETREE = Reference("ElementTree.fromstring", ref_etree)
_TAKPROTO = (Reference("takproto.parse_proto", ref_takproto),)

CASES = (
    Case("AIS (decode_ais)", "ais", ours_ais, (Reference("pyais", ref_pyais, 0.9),)),
    Case(
        "CoT XML (CotDecoder, framed events)",
        "cot",
        ours_cot_framed,
        (
            Reference(_ETREE.name, ref_etree, 2.0),
            Reference("defusedxml fromstring", ref_defusedxml),
        ),
    ),
    Case("CoT XML (decode_cot: framing + decoding)", "cot", ours_cot, (_ETREE,)),
    Case("TAK proto mesh", "takproto-mesh", ours_tak_mesh, _TAKPROTO),
    Case("TAK proto stream", "takproto-stream", ours_tak_stream, _TAKPROTO),
    Case(
        "SBS-1 (SbsDecoder)",
        "sbs",
        ours_sbs,
        (Reference("split + float", ref_split_float),),
        target_rate=SBS_TARGET_LINES_S,
    ),
    Case("CSV (decode_csv)", "csv", ours_csv, (Reference("csv.reader + float", ref_csv_reader),)),
    Case(
        "GeoJSONSeq (decode_geojson)",
        "geojson",
        ours_geojson,
        (Reference("json.loads", ref_json_loads),),
    ),
)


# -- timing ----------------------------------------------------------------------------------


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


@dataclass
class Row:
    decoder: str
    reference: str
    stream: str
    messages: int
    positions: int
    decoded: int
    quarantined: int
    reference_positions: int
    repeats: int
    ours_best_s: float
    ref_best_s: float
    target: str
    status: str
    note: str = ""
    ours_all_s: list[float] = field(default_factory=list)  # every repeat, in order
    ref_all_s: list[float] = field(default_factory=list)

    @property
    def ours_rate(self) -> float:
        return self.messages / self.ours_best_s

    @property
    def ref_rate(self) -> float:
        return self.messages / self.ref_best_s

    @property
    def ratio(self) -> float:
        return self.ours_rate / self.ref_rate

    def as_dict(self) -> dict[str, Any]:
        d = dict(vars(self))
        d.update(ours_msg_per_s=self.ours_rate, ref_msg_per_s=self.ref_rate, ratio=self.ratio)
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in d.items()}


def _row(case: Case, ref: Reference, stream: Stream, repeats: int, **figures: Any) -> Row:
    """A row of ``case`` against ``ref``: what the case and stream say, and ``figures``."""
    return Row(
        decoder=case.decoder,
        reference=ref.name,
        stream=stream.name,
        messages=stream.messages,
        positions=stream.positions,
        repeats=repeats,
        **figures,
    )


def error_rows(case: Case, stream: Stream, repeats: int, exc: Exception) -> list[Row]:
    """The rows of a case whose decoder (or reference) raised: no figures, the error."""
    return [
        _row(
            case,
            ref,
            stream,
            repeats,
            decoded=0,
            quarantined=0,
            reference_positions=0,
            ours_best_s=math.nan,
            ref_best_s=math.nan,
            target="—",
            status="ERROR",
            note=f"{type(exc).__name__}: {exc}",
        )
        for ref in case.refs
    ]


def run_case(case: Case, stream: Stream, repeats: int) -> list[Row]:
    """Ours and each reference, interleaved, ``repeats`` times; the best time of each."""
    ours_t: list[float] = []
    ref_t: list[list[float]] = [[] for _ in case.refs]
    result: DecodeResult | None = None
    ref_n = [0] * len(case.refs)
    for rep in range(repeats):
        # Alternate who goes first, so a slow patch of the machine does not favour one side.
        order = [-1, *range(len(case.refs))]
        if rep % 2:
            order.reverse()
        for who in order:
            if who < 0:
                elapsed, result = _timed(partial(case.ours, stream))
                ours_t.append(elapsed)
            else:
                ref = case.refs[who]
                elapsed, ref_n[who] = _timed(partial(ref.run, stream))
                ref_t[who].append(elapsed)
    assert result is not None
    decoded, quarantined = result.decoded, len(result.quarantined)
    notes = []
    if decoded != stream.positions or quarantined:
        notes.append(
            f"ours decoded {decoded} of {stream.positions} positions, quarantined {quarantined}"
        )
        if result.quarantined:
            notes.append(f"reasons {result.reasons}")
    rows = []
    ours_best = min(ours_t)
    for ref, times, n in zip(case.refs, ref_t, ref_n, strict=True):
        ref_best = min(times)
        note = list(notes)
        if n != stream.positions:
            note.append(f"reference saw {n} of {stream.positions} positions")
        target, status = "—", "—"
        ratio = ref_best / ours_best
        if ref.target_ratio is not None:
            target = f"≥ {ref.target_ratio:g}×"
            status = "PASS" if ratio >= ref.target_ratio else "below"
        if case.target_rate is not None and ref is case.refs[0]:
            target = f"≥ {case.target_rate:,.0f} msg/s"
            status = "PASS" if stream.messages / ours_best >= case.target_rate else "below"
        if note:
            status = "INVALID"
        rows.append(
            _row(
                case,
                ref,
                stream,
                repeats,
                decoded=decoded,
                quarantined=quarantined,
                reference_positions=n,
                ours_best_s=ours_best,
                ref_best_s=ref_best,
                target=target,
                status=status,
                note="; ".join(note),
                ours_all_s=ours_t,
                ref_all_s=times,
            )
        )
    return rows


# -- printing --------------------------------------------------------------------------------


def _rate(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.0f}"


def _ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}×"


def markdown_table(rows: Sequence[Row], caption: str = "") -> str:
    out = [
        "| decoder | reference | messages | ours msg/s | reference msg/s | ratio | target | |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.decoder} | {r.reference} | {r.messages:,} | {_rate(r.ours_rate)} | "
            f"{_rate(r.ref_rate)} | {_ratio(r.ratio)} | {r.target} | {r.status} |"
        )
    if caption:
        out.extend(["", caption])
    return "\n".join(out)


def print_row(r: Row) -> None:
    print(
        f"  {r.decoder:<40} {r.reference:<24} {r.messages:>8,} {_rate(r.ours_rate):>11} "
        f"{_rate(r.ref_rate):>11} {_ratio(r.ratio):>7} {r.target:>18} {r.status:>7}"
        + (f"  {r.note}" if r.note else "")
    )
    sys.stdout.flush()


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "pyais": version("pyais"),
        "takproto": version("takproto"),
        "protobuf": version("protobuf"),
        "defusedxml": version("defusedxml"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: small streams, 1 repeat")
    ap.add_argument(
        "--repeats", type=int, default=0, help=f"best of N (default {DEFAULT_REPEATS}; quick 1)"
    )
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    ap.add_argument(
        "--only", nargs="+", default=None, help="streams to run (ais cot takproto-mesh ...)"
    )
    args = ap.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else DEFAULT_REPEATS)
    began = time.perf_counter()
    env = environment()
    print(
        f"Northline ingest benchmark · Python {env['python']} · pyais {env['pyais']} · "
        f"takproto {env['takproto']} · protobuf {env['protobuf']} · {env['cpus']} CPUs, "
        f"load {env['load_avg'][0]:.2f} · seed {args.seed} · best of {repeats}"
        + (" · quick" if args.quick else "")
    )
    t0 = time.perf_counter()
    streams = make_streams(args.quick, args.seed)
    print(f"streams generated in {time.perf_counter() - t0:.1f} s")
    print(
        "ratio: ours msg/s over the reference's on the same stream, same run; ours includes "
        "building the batch (and framing, but in the framed-events row), references parse "
        "only (see the module doc)\n"
    )
    print(
        f"  {'decoder':<40} {'reference':<24} {'messages':>8} {'ours msg/s':>11} "
        f"{'ref msg/s':>11} {'ratio':>7} {'target':>18} {'':>7}"
    )
    rows: list[Row] = []
    for case in CASES:
        if args.only and case.stream not in args.only:
            continue
        stream = streams[case.stream]
        try:
            case_rows = run_case(case, stream, repeats)
        except Exception as exc:  # a decoder that raises: report it, measure the rest
            case_rows = error_rows(case, stream, repeats, exc)
        for row in case_rows:
            print_row(row)
            rows.append(row)
    elapsed = time.perf_counter() - began
    print(f"\nbest of {repeats} repeats per side; total run {elapsed:.1f} s\n")
    caption = (
        f"Best of {repeats} interleaved runs per side, one process, one core; Python "
        f"{env['python']}, pyais {env['pyais']}, takproto {env['takproto']}, protobuf "
        f"{env['protobuf']}; `benchmarks/ingest.py`" + (" `--quick`" if args.quick else "") + "."
    )
    print(markdown_table(rows, caption))
    if args.json is not None:
        doc = {
            "benchmark": "ingest",
            "quick": args.quick,
            "seed": args.seed,
            "repeats": repeats,
            "elapsed_s": elapsed,
            "environment": env,
            "streams": {
                name: {
                    "messages": s.messages,
                    "positions": s.positions,
                    "lines": s.lines,
                    "bytes": len(s.data),
                    **s.extra,
                }
                for name, s in streams.items()
            },
            "rows": [r.as_dict() for r in rows],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    broken = sorted({r.decoder for r in rows if r.status in ("ERROR", "INVALID")})
    if broken:
        print(f"\nno valid figures for: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
