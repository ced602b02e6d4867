"""Command-line entry point. Each command parses options and calls one library function."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import __version__, settings
from ..model import InvalidInput, NorthlineError, to_dict
from ._serve import register as _register_service_commands

__all__ = ["cli", "main"]

_err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def _fail(exc: NorthlineError) -> None:
    _err.print(f"[bold red]error:[/] {exc.message}")
    if exc.context:
        _err.print(f"  {json.dumps(exc.context)}")
    raise SystemExit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="northline")
def cli() -> None:
    """Northline: border surveillance, tracking, crossing detection and evidence."""


_register_service_commands(cli)  # serve, users add|list|disable, audit verify


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _scenario_options(out_name: str, out_help: str) -> Callable[[F], F]:
    """--scenario, --out (under the out_dir setting) and --seed, shared by scenario commands."""

    def decorate(f: F) -> F:
        f = click.option("--seed", type=int, help="Run the scenario with another seed.")(f)
        f = click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=lambda: Path(settings.get("out_dir")) / out_name,
            show_default=f"out/{out_name}",
            help=out_help,
        )(f)
        return click.option(
            "--scenario",
            "scenario_path",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Scenario TOML (default: the packaged emerson.toml).",
        )(f)

    return decorate


@cli.command()
@_scenario_options("demo", "Where to write the SQLite store, GeoJSON and JSON results.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--serve",
    is_flag=True,
    help="Play the scenario live on the wall clock and serve the web page (Ctrl-C stops).",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="With --serve: simulated seconds per wall-clock second.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="With --serve: address.")
@click.option("--port", default=8000, show_default=True, type=int, help="With --serve: port.")
@click.option(
    "--tak",
    "tak",
    multiple=True,
    metavar="URL",
    help="With --serve: also send the picture to TAK clients as CoT (udp:// is the SA "
    "multicast group, udp://HOST:PORT, tcp://HOST:PORT), and a tasking to each responder "
    "dispatched (its TAK callsign is its asset id); repeatable.",
)
def demo(
    scenario_path: Path | None,
    out_dir: Path,
    seed: int | None,
    as_json: bool,
    serve: bool,
    speed: float,
    host: str,
    port: int,
    tak: tuple[str, ...],
) -> None:
    """Simulate a border sector, track it, and show which crossings were caught.

    With --serve the scenario plays live instead: open the printed address, sign in as one
    of the demo users, and watch tracks move and alerts arrive in the queue.
    """
    from ..demo import run_demo

    if serve:
        _serve_demo(scenario_path, out_dir, seed, speed, host, port, tak)
        return

    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=_err, transient=False) as bar:
            tasks = {
                name: bar.add_task(name, total=None) for name in ("simulate", "ingest", "track")
            }

            def progress(stage: str, k: int, n: int) -> None:
                bar.update(tasks[stage], completed=k, total=n)

            result = run_demo(scenario_path, out_dir, seed=seed, progress=progress)
    except NorthlineError as exc:
        _fail(exc)
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    table = Table(title=f"Northline demo — {summary['scenario']} (seed {summary['seed']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("detections", summary["detections"]),
        ("confirmed tracks", summary["confirmed_tracks"]),
        ("true crossings (between ports)", summary["true_crossings"]),
        ("crossings detected (≤ 30 s)", summary["crossings_detected"]),
        ("median delay, true crossing → alert (s)", summary["median_delay_s"]),
        ("false crossing alerts", summary["false_crossing_alerts"]),
        ("late crossing alerts (> 30 s)", summary["late_crossing_alerts"]),
        ("approach warnings", summary["approach_warnings"]),
        ("port-of-entry transits", summary["port_transits"]),
        ("quarantined messages", summary["quarantined"]),
        *_response_rows(summary.get("response")),
        ("run time (s)", summary["timings_s"]["total"]),
    ]
    for name, value in rows:
        table.add_row(name, _fmt(value))
    Console().print(table)
    click.echo(f"boundary: {summary['boundary']}")
    click.echo(
        f"results in {out_dir}/: northline.sqlite, tracks.geojson, crossings.geojson, "
        "alerts.json, summary.json (open the GeoJSON in QGIS or geojson.io)"
    )
    report = summary.get("report")
    if report:
        extra = ", ".join(n for n in (report["json"], report["csv"]) if n)
        click.echo(
            f"evidence report: {out_dir / report['html']} ({report['figures']} sourced "
            f"figures, in {extra}); as PDF: northline report --store "
            f"{out_dir / 'northline.sqlite'} --out report.pdf"
        )
    click.echo("to watch it live in the browser: .venv/bin/northline demo --serve")


def _response_rows(response: dict[str, Any] | None) -> list[tuple[str, Any]]:
    if not response:
        return []
    return [
        (
            "incidents intercepted (simulated response)",
            f"{response['intercepted']} of {response['true_targets']}",
        ),
        ("mean time, alert → interception (s)", response["mean_time_to_intercept_s"]),
        ("mean time, decision → on scene (s)", response["mean_decision_to_on_scene_s"]),
    ]


def _serve_demo(
    scenario_path: Path | None,
    out_dir: Path,
    seed: int | None,
    speed: float,
    host: str,
    port: int,
    tak: tuple[str, ...],
) -> None:
    import asyncio
    import signal

    from ..demo import LiveDemo, serve_demo

    def ready(live: LiveDemo) -> None:
        _err.print(f"[bold]Northline live demo[/] at {live.url} (speed {speed:g}×; Ctrl-C stops)")
        for user_id, secret in live.passwords.items():
            _err.print(f"  sign in as [bold]{user_id}[/] with password [bold]{secret}[/]")

    async def run() -> LiveDemo:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await serve_demo(
            scenario_path, out_dir, seed=seed, host=host, port=port, speed=speed,
            on_ready=ready, stop=stop, tak=tak,
        )  # fmt: skip

    try:
        live = asyncio.run(run())
    except NorthlineError as exc:
        _fail(exc)
    if live.counts is not None:
        c = live.counts
        _err.print(
            f"played {c.scans:,} scans: {c.track_updates:,} track updates, "
            f"{c.crossings:,} crossings, {c.alerts:,} alerts; results in {out_dir}/"
        )


@cli.command()
@_scenario_options("sim", "Where to write detections.cot, truth.json and sensors.json.")
@click.option(
    "--csv",
    "csv_sensors",
    multiple=True,
    metavar="SENSOR|all",
    help="Also write detections.csv (local frame) for `northline track`: "
    "'all' towers, or one sensor id (repeatable).",
)
def simulate(
    scenario_path: Path | None, out_dir: Path, seed: int | None, csv_sensors: tuple[str, ...]
) -> None:
    """Write what a scenario's sensors report (CoT XML) and its ground truth."""
    from ..demo import default_scenario_path
    from ..geo import load_boundary
    from ..sim import load_scenario, write_detections_csv, write_outputs
    from ..sim import simulate as run

    try:
        scenario = load_scenario(scenario_path or default_scenario_path())
        if seed is not None:
            scenario = scenario.with_seed(seed)
        result = run(scenario, load_boundary())
        write_outputs(result, out_dir)
        if csv_sensors:
            only = tuple(c for c in csv_sensors if c != "all")
            rows = write_detections_csv(result, out_dir / "detections.csv", sensors=only)
            click.echo(f"{rows:,} tower detections → {out_dir}/detections.csv")
    except NorthlineError as exc:
        _fail(exc)
    click.echo(
        f"{len(result.events):,} CoT events, {result.truth.n_true_crossings} true "
        f"crossings → {out_dir}/detections.cot, truth.json, sensors.json"
    )


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["cot", "takproto", "ais", "sbs", "geojson", "csv"]),
    default="cot",
    show_default=True,
    help="Wire format of the input (cot also takes TAK protobuf mesh datagrams).",
)
@click.option(
    "--from",
    "source",
    required=True,
    metavar="URL|PATH|-",
    help="A file (plain or gzip), - for stdin, or udp:// tcp:// mqtt:// nats:// (README).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write observations and quarantine to this SQLite store instead of stdout.",
)
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The CSV column mapping (TOML: time, lon, lat, sensor_id, …); needed for csv.",
)
@click.option("--agency", help="Owning agency of what this feed carries (default RCMP).")
@click.option("--releasability", help="Releasability marking, e.g. CAN or CAN-USA.")
@click.option(
    "--idle-timeout",
    "idle_timeout_s",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after this many seconds without input (network sources run until Ctrl-C).",
)
@click.option(
    "--stats-every",
    "stats_every_s",
    type=click.FloatRange(min=0, min_open=True),
    help="Print the source's counters as a JSON line on stderr this often (seconds).",
)
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(min=1),
    default=1024,
    show_default=True,
    help="Pieces of input held between the source and the decoder (back-pressure).",
)
def ingest(
    fmt: str,
    source: str,
    store_path: Path | None,
    mapping_path: Path | None,
    agency: str | None,
    releasability: str | None,
    idle_timeout_s: float | None,
    stats_every_s: float | None,
    queue_size: int,
) -> None:
    """Decode a feed into observations (JSON Lines on stdout, or into a store).

    Counters (received, decoded, quarantined, duplicates) are printed on stderr at the end;
    Ctrl-C or SIGTERM stops a network source cleanly, after storing what was received.
    """
    import asyncio
    import signal
    import time
    import tomllib

    from ..ingest import (
        CsvMapping,
        FeedDecoder,
        JsonLinesSink,
        Sink,
        StoreSink,
        open_source,
        run_ingest,
    )
    from ..model import DEFAULT_MARKING, Marking

    async def run(sink: Sink) -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        last = [time.monotonic()]

        def stats(counters: Any, _: Any) -> None:
            if stats_every_s is not None and time.monotonic() - last[0] >= stats_every_s:
                last[0] = time.monotonic()
                print(json.dumps({"source": src.label, **counters.as_dict()}), file=sys.stderr)

        return await run_ingest(
            src,
            decoder,
            sink,
            stop=stop,
            idle_timeout_s=idle_timeout_s,
            queue_size=queue_size,
            on_batch=stats,
        )

    try:
        marking = Marking(
            agency or DEFAULT_MARKING.agency, releasability or DEFAULT_MARKING.releasability
        )
        mapping = None
        if fmt == "csv":
            if mapping_path is None:
                raise InvalidInput("--format csv needs --mapping FILE.toml", field="mapping")
            try:
                mapping = CsvMapping.from_dict(tomllib.loads(mapping_path.read_text()))
            except tomllib.TOMLDecodeError as exc:
                raise InvalidInput(f"{mapping_path}: {exc}", field="mapping") from None
        src = open_source(source, fmt)
        decoder = FeedDecoder(fmt, src.label, marking, csv_mapping=mapping)
        if store_path is not None:
            from ..store import SQLiteStore

            with SQLiteStore(store_path) as store:
                counters = asyncio.run(run(StoreSink(store)))
        else:
            counters = asyncio.run(run(JsonLinesSink(sys.stdout)))
    except NorthlineError as exc:
        _fail(exc)
    _err.print(
        f"{counters.decoded - counters.duplicates:,} observations, "
        f"{counters.quarantined:,} quarantined, {counters.duplicates:,} duplicates "
        f"({counters.received:,} messages from {src.label})"
    )


@cli.command()
@click.option(
    "--in",
    "src",
    required=True,
    type=click.File("r"),
    help="Detections CSV: scan,time_s,x_m,y_m[,sigma_m] in a local metric frame.",
)
@click.option(
    "--out",
    "dst",
    required=True,
    type=click.File("w"),
    help="Tracks CSV: scan,time_s,track_id,x_m,y_m,vx_mps,vy_mps.",
)
@click.option("--sigma-m", type=float, help="Measurement 1-sigma for every detection.")
def track(src: Any, dst: Any, sigma_m: float | None) -> None:
    """Track plain-CSV detections (compare Northline with any tracker on the same data)."""
    from ..tracking import track_csv

    try:
        rows = track_csv(src, dst, sigma_m=sigma_m)
    except NorthlineError as exc:
        _fail(exc)
    _err.print(f"{rows:,} confirmed track rows")


@cli.group()
def quarantine() -> None:
    """Inspect and replay what the decoders refused (kept whole in the store)."""


_store_option = click.option(
    "--store",
    "store_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The SQLite store.",
)


@quarantine.command("list")
@_store_option
@click.option("--reason", help="Only this reason code.")
def quarantine_list(store_path: Path, reason: str | None) -> None:
    """One line per quarantined message: id, time, decoder, reason, source."""
    from ..model import format_iso
    from ..store import SQLiteStore

    with SQLiteStore(store_path) as store:
        rows = [q for q in store.quarantined() if reason is None or q.reason_code == reason]
    table = Table(title=f"{len(rows):,} quarantined messages")
    for col in ("id", "received", "decoder", "reason", "source"):
        table.add_column(col)
    for q in rows:
        table.add_row(
            q.quarantine_id,
            format_iso(q.received_t_s),
            q.decoder,
            f"{q.reason_code}: {q.reason}",
            q.source,
        )
    Console(width=200).print(table)


@quarantine.command("show")
@_store_option
@click.argument("quarantine_id")
def quarantine_show(store_path: Path, quarantine_id: str) -> None:
    """One quarantined message as JSON, its raw bytes as text and base64."""
    from ..store import SQLiteStore

    with SQLiteStore(store_path) as store:
        found = [q for q in store.quarantined() if q.quarantine_id == quarantine_id]
    if not found:
        _err.print(f"[bold red]error:[/] no quarantined message {quarantine_id}")
        raise SystemExit(2)
    doc = to_dict(found[0])
    doc["raw_text"] = found[0].raw.decode("utf-8", errors="replace")
    click.echo(json.dumps(doc, indent=1))


@quarantine.command("replay")
@_store_option
@click.option("--reason", help="Only messages with this reason code.")
@click.option("--id", "only_id", help="Only this message.")
def quarantine_replay(store_path: Path, reason: str | None, only_id: str | None) -> None:
    """Decode quarantined messages again and store what now decodes (idempotent)."""
    from ..ingest import REPLAYABLE, redecode
    from ..store import SQLiteStore

    recovered = still = skipped = 0
    with SQLiteStore(store_path) as store:
        for q in store.quarantined():
            if (reason and q.reason_code != reason) or (only_id and q.quarantine_id != only_id):
                continue
            if q.decoder not in REPLAYABLE:
                skipped += 1
                continue
            result = redecode(q)
            recovered += store.add_observations(result.batch)
            still += len(result.quarantined)
            store.add_quarantined(result.quarantined)
    _err.print(
        f"{recovered:,} observations recovered, {still:,} still quarantined, "
        f"{skipped:,} not replayable"
    )


@cli.command()
@_store_option
@click.option(
    "--from",
    "t_from",
    help="Start: a UTC date (YYYY-MM-DD) or a time with its zone; "
    "default: the first alert or track update in the store.",
)
@click.option(
    "--to",
    "t_to",
    help="End (excluded; a date runs to the end of that day); default: the "
    "last alert or track update in the store.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="report.html, or report.pdf (printed by Debian's chromium; the HTML is kept beside).",
)
@click.option(
    "--plan",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The plan's commitments and deployments, TOML (see examples/plan.toml).",
)
def report(
    store_path: Path, t_from: str | None, t_to: str | None, out: Path, plan: Path | None
) -> None:
    """Write the evidence report: operational figures, plan execution and the CBP seizure
    statistics, every number sourced, with report.json and the CBP CSV beside it."""
    from ..reports import build_report, report_period, store_period
    from ..store import SQLiteStore

    try:
        with SQLiteStore(store_path) as store:
            if t_from is None or t_to is None:
                first, last = store_period(store)
                t0 = first if t_from is None else report_period(t_from, t_to or t_from)[0]
                t1 = last if t_to is None else report_period(t_from or t_to, t_to)[1]
            else:
                t0, t1 = report_period(t_from, t_to)
            r = build_report(store, t_from_s=t0, t_to_s=t1, out=out, plan=plan)
    except NorthlineError as exc:  # PdfUnavailable too: the HTML is written by then
        _fail(exc)
    written = (
        [r.out, r.json]
        + ([r.html] if r.pdf is not None else [])
        + ([r.csv] if r.csv is not None else [])
    )
    click.echo(f"wrote {', '.join(str(p) for p in written)} ({len(r.figures)} figures)")
    for note in r.notes:
        click.echo(f"note: {note}", err=True)


def _read_bytes(path: Path) -> bytes:
    """A file's bytes, gunzipped when it ends in .gz."""
    import gzip

    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def main() -> None:
    cli()
