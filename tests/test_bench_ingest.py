"""The ingest benchmark runs, covers every decoder and measures real work (never its speed)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pyais import IterMessages

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "ingest.py"

EXPECTED_ROWS = {
    ("AIS (decode_ais)", "pyais"),
    ("CoT XML (CotDecoder, framed events)", "ElementTree.fromstring"),
    ("CoT XML (CotDecoder, framed events)", "defusedxml fromstring"),
    ("CoT XML (decode_cot: framing + decoding)", "ElementTree.fromstring"),
    ("TAK proto mesh", "takproto.parse_proto"),
    ("TAK proto stream", "takproto.parse_proto"),
    ("SBS-1 (SbsDecoder)", "split + float"),
    ("CSV (decode_csv)", "csv.reader + float"),
    ("GeoJSONSeq (decode_geojson)", "json.loads"),
}


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """benchmarks/ingest.py as a module (it sets thread variables at import: put them back)."""
    saved = dict(os.environ)
    spec = importlib.util.spec_from_file_location("bench_ingest", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "ingest.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| decoder | reference |" in proc.stdout  # the Markdown table
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def _recount(name: str, stream: Any) -> int:
    """Positions in a stream, counted from its bytes, not from the generator's tally."""
    if name == "ais":
        return sum(
            1
            for msg in IterMessages(stream.data.splitlines())
            if msg.decode().msg_type in {1, 2, 3, 18, 19, 27}
        )
    if name == "cot":
        return int(stream.data.count(b"<event "))
    if name.startswith("takproto"):
        return len(stream.units)
    if name == "sbs":
        return sum(1 for line in stream.data.splitlines() if line.startswith(b"MSG,3,"))
    if name == "csv":
        return len(stream.data.splitlines()) - 1  # the header
    if name == "geojson":
        return sum(1 for line in stream.data.splitlines() if line.strip())
    raise AssertionError(f"no recount for stream {name}")


def test_every_decoder_row_is_present_with_positive_rates(results: dict[str, Any]) -> None:
    rows = results["rows"]
    assert {(r["decoder"], r["reference"]) for r in rows} == EXPECTED_ROWS
    assert results["quick"] is True
    assert results["repeats"] == 1
    for r in rows:
        assert r["ours_msg_per_s"] > 0
        assert r["ref_msg_per_s"] > 0
        assert r["ratio"] > 0
        assert r["repeats"] == 1
        assert r["status"] in {"PASS", "below", "—"}, r["note"]  # not INVALID; speed not judged


def test_ours_decoded_every_position_the_stream_holds(
    results: dict[str, Any], bench: ModuleType
) -> None:
    streams = bench.make_streams(quick=True, seed=results["seed"])
    assert set(results["streams"]) == set(streams)
    for r in results["rows"]:
        stream = streams[r["stream"]]
        expected = _recount(r["stream"], stream)
        assert expected > 0
        assert stream.positions == expected, r["stream"]
        assert results["streams"][r["stream"]]["positions"] == expected
        assert r["messages"] == stream.messages
        assert r["positions"] == expected
        assert r["decoded"] == expected, r["decoder"]
        assert r["quarantined"] == 0, r["decoder"]
        assert r["reference_positions"] == expected, r["reference"]


def test_streams_are_deterministic_and_mixed(bench: ModuleType) -> None:
    a = bench.make_streams(quick=True)
    b = bench.make_streams(quick=True)
    assert {k: s.data for k, s in a.items()} == {k: s.data for k, s in b.items()}
    ais = a["ais"]
    assert ais.extra["static"] > 0  # types 5 and 24 are in the mix
    assert ais.lines > ais.messages  # some type 5 span two sentences
    assert 0.1 < ais.extra["tagged"] / ais.messages < 0.3
    sbs = a["sbs"]
    kinds = {line.split(b",")[1] for line in sbs.units}
    assert kinds == {b"1", b"3", b"4"}
    assert 0.4 < sbs.positions / sbs.messages < 0.7


def test_a_row_that_skips_work_is_flagged_invalid(bench: ModuleType) -> None:
    """The harness itself: decoding less than the stream holds voids the row's figures."""
    from northline.ingest import SbsDecoder

    stream = bench.sbs_stream(200)

    def half(s: Any) -> Any:
        return SbsDecoder("x").decode(s.units[: len(s.units) // 2], received_t_s=0.0)

    case = bench.Case("half", "sbs", half, (bench.Reference("split", bench.ref_split_float),))
    (row,) = bench.run_case(case, stream, 1)
    assert row.status == "INVALID"
    assert row.decoded < stream.positions
    full = bench.Case("full", "sbs", bench.ours_sbs, case.refs)
    (row,) = bench.run_case(full, stream, 2)
    assert row.status in {"PASS", "below", "—"}
    assert row.decoded == stream.positions
