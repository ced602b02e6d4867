"""Every command has help and runs over the library, in process (click's runner)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from northline.cli import cli

COMMANDS = sorted(cli.commands)


def test_the_commands_of_issue_two_exist() -> None:
    assert {"demo", "simulate", "ingest", "track"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert cli.commands[command].help


def test_simulate_then_track_plain_csv(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["simulate", "--out", str(tmp_path), "--csv", "T2"])
    assert res.exit_code == 0, res.output
    for name in ("detections.cot", "truth.json", "sensors.json", "detections.csv"):
        assert (tmp_path / name).stat().st_size > 0
    with (tmp_path / "detections.csv").open() as fh:
        det = list(csv.DictReader(fh))
    assert {r["sensor_id"] for r in det} == {"T2"}
    out = tmp_path / "tracks.csv"
    res = runner.invoke(cli, ["track", "--in", str(tmp_path / "detections.csv"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with out.open() as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == (
            "scan",
            "time_s",
            "track_id",
            "x_m",
            "y_m",
            "vx_mps",
            "vy_mps",
        )
        rows = list(reader)
    assert rows
    scans_in = {int(r["scan"]) for r in det}
    assert {int(r["scan"]) for r in rows} <= scans_in
    # One row per confirmed track per scan: no track twice in a scan.
    pairs = [(r["scan"], r["track_id"]) for r in rows]
    assert len(pairs) == len(set(pairs))


def test_track_reports_bad_input_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("scan,time_s,x_m\n0,0,0\n")
    res = CliRunner().invoke(cli, ["track", "--in", str(bad), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2
    assert "y_m" in res.output
    assert "Traceback" not in res.output


def test_ingest_prints_json_lines_and_counts(shared_fixtures: Path, tmp_path: Path) -> None:
    src = shared_fixtures / "cot" / "taky_1.xml"
    res = CliRunner().invoke(cli, ["ingest", "--format", "cot", "--from", str(src)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 1
    assert lines[0]["identity"] == "ANDROID-deadbeef"
    db = tmp_path / "s.sqlite"
    res = CliRunner().invoke(cli, ["ingest", "--from", str(src), "--store", str(db)])
    assert res.exit_code == 0, res.output
    from northline.store import SQLiteStore

    with SQLiteStore(db) as store:
        assert store.counts()["observations"] == 1


def test_ingest_a_recorded_tak_protobuf_stream() -> None:
    import takproto

    xml = (
        b'<event version="2.0" uid="ANDROID-1" type="a-f-G-U-C" how="m-g" '
        b'time="2026-01-15T02:00:00.000Z" start="2026-01-15T02:00:00.000Z" '
        b'stale="2026-01-15T02:05:00.000Z"><point lat="49.0" lon="-97.2" hae="0" ce="5" '
        b'le="9999999"/></event>'
    )
    frame = bytes(takproto.xml2proto(xml, takproto.TAKProtoVer.STREAM))
    other = bytes(takproto.xml2proto(xml.replace(b"-1", b"-2"), takproto.TAKProtoVer.STREAM))
    res = CliRunner().invoke(
        cli,
        ["ingest", "--format", "takproto", "--from", "-"],
        input=frame + b"\x00junk" + other + frame,
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    # The framer finds the next frame after junk; a frame sent twice is one observation.
    assert [r["identity"] for r in rows] == ["ANDROID-1", "ANDROID-2"]
    assert "2 observations, 1 quarantined, 1 duplicates" in res.stderr


def test_ingest_geojson_from_stdin() -> None:
    doc = (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
        b'{"type":"Point","coordinates":[-97.2,49.0]},"properties":{"time":'
        b'"2026-01-15T02:00:00Z","id":"drone-7-obj-1","class":"person"}}]}'
    )
    res = CliRunner().invoke(cli, ["ingest", "--format", "geojson", "--from", "-"], input=doc)
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [(r["identity"], r["classification"]) for r in rows] == [("drone-7-obj-1", "person")]


def test_ingest_from_stdin_quarantines_bad_events() -> None:
    good = (
        b'<event version="2.0" uid="A" type="a-u-G" how="m-s" time="2026-01-15T02:00:00Z" '
        b'start="2026-01-15T02:00:00Z" stale="2026-01-15T02:00:10Z">'
        b'<point lat="49.0" lon="-97.2" hae="0" ce="10" le="9999999"/></event>'
    )
    other = good.replace(b'uid="A"', b'uid="B"')
    res = CliRunner().invoke(
        cli, ["ingest", "--from", "-"], input=good + b"<event oops" + other + good
    )
    assert res.exit_code == 0, res.output
    assert sum(1 for x in res.stdout.splitlines() if x.startswith("{")) == 2
    assert "2 observations, 1 quarantined, 1 duplicates" in res.stderr


@pytest.mark.parametrize(
    ("fmt", "path", "kind"),
    [("ais", "ais/nmea_data_sample.txt", "ais"), ("sbs", "sbs/node-sbs1_msgs.txt", "adsb")],
)
def test_ingest_ais_and_sbs_feeds(shared_fixtures: Path, fmt: str, path: str, kind: str) -> None:
    src = shared_fixtures / path
    res = CliRunner().invoke(cli, ["ingest", "--format", fmt, "--from", str(src)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert rows
    assert {r["sensor_kind"] for r in rows} == {kind}
    assert f"{len(rows):,} observations" in res.stderr


def test_quarantine_list_show_and_replay(tmp_path: Path) -> None:
    good = (
        b'<event version="2.0" uid="A" type="a-u-G" how="m-s" time="2026-01-15T02:00:00Z" '
        b'start="2026-01-15T02:00:00Z" stale="2026-01-15T02:00:10Z">'
        b'<point lat="49.0" lon="-97.2" hae="0" ce="10" le="9999999"/></event>'
    )
    chat = good.replace(b'type="a-u-G"', b'type="b-t-f"').replace(b'uid="A"', b'uid="C"')
    db = tmp_path / "q.sqlite"
    runner = CliRunner()
    res = runner.invoke(cli, ["ingest", "--from", "-", "--store", str(db)], input=good + chat)
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["quarantine", "list", "--store", str(db)])
    assert res.exit_code == 0, res.output
    assert "unsupported_type" in res.stdout
    from northline.store import SQLiteStore

    with SQLiteStore(db) as store:
        (q,) = store.quarantined()
    res = runner.invoke(cli, ["quarantine", "show", "--store", str(db), q.quarantine_id])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert shown["raw_text"].encode() == chat
    assert shown["reason_code"] == "unsupported_type"
    # Replay: the chat still is not an observation; nothing is duplicated.
    res = runner.invoke(cli, ["quarantine", "replay", "--store", str(db)])
    assert res.exit_code == 0, res.output
    assert "0 observations recovered, 1 still quarantined" in res.stderr
    with SQLiteStore(db) as store:
        assert store.counts()["quarantined"] == 1
        assert store.counts()["observations"] == 1
    res = runner.invoke(cli, ["quarantine", "show", "--store", str(db), "q-nothing"])
    assert res.exit_code == 2


def test_redecode_recovers_a_message_once_its_input_is_understood() -> None:
    from northline.ingest import decode_cot, redecode
    from northline.model import QuarantinedMessage

    good = (
        b'<event version="2.0" uid="B" type="a-u-G" how="m-s" time="2026-01-15T02:00:00Z" '
        b'start="2026-01-15T02:00:00Z" stale="2026-01-15T02:00:10Z">'
        b'<point lat="49.0" lon="-97.2" hae="0" ce="10" le="9999999"/></event>'
    )
    # Quarantined by an older, stricter decoder, say: the bytes are fine today.
    q = QuarantinedMessage(
        quarantine_id="q-1",
        received_t_s=0.0,
        source="feed",
        decoder="cot",
        reason_code="decoder_error",
        reason="old bug",
        raw=good,
    )
    again = redecode(q)
    first = decode_cot(good, "feed")
    assert again.batch.obs_id.tolist() == first.batch.obs_id.tolist()
    assert again.quarantined == []


def test_ingest_csv_through_a_declared_mapping(tmp_path: Path) -> None:
    mapping = tmp_path / "gateway.toml"
    mapping.write_text(
        'time = "when"\nlon = "x"\nlat = "y"\nidentity = "object"\nsensor_kind = "camera"\n'
        'fixed_sensor_id = "cam-7"\n'
    )
    feed = tmp_path / "gateway.csv"
    feed.write_text(
        "when,x,y,object\n"
        "2026-12-01T10:00:00Z,-97.2,49.0,obj-1\n"
        "2026-12-01T10:00:01Z,-97.2001,49.0001,obj-1\n"
        "not a time,-97.2,49.0,obj-2\n"
    )
    args = ["ingest", "--format", "csv", "--mapping", str(mapping), "--from", str(feed)]
    res = CliRunner().invoke(cli, [*args, "--agency", "CBSA", "--releasability", "CAN-USA"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [(r["identity"], r["sensor_id"], r["sensor_kind"]) for r in rows] == [
        ("obj-1", "cam-7", "camera"),
        ("obj-1", "cam-7", "camera"),
    ]
    assert {(r["marking"]["agency"], r["marking"]["releasability"]) for r in rows} == {
        ("CBSA", "CAN-USA")
    }
    assert "2 observations, 1 quarantined" in res.stderr
    missing = CliRunner().invoke(cli, ["ingest", "--format", "csv", "--from", str(feed)])
    assert missing.exit_code == 2
    assert "--mapping" in missing.stderr
