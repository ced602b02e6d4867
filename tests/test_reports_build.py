"""`build_report` over a store made by the real pipeline (the demo), checked from the outside.

The demo run is tracked, bordered and alerted by the pipeline and keeps its simulated response
(decisions, task and resolve steps, responders' events); on the alerts it left untouched a
stand-in operator's steps (acknowledge, dispatch, on scene, resolve, with other outcomes) are
then recorded through the store's own methods.
Figures in report.json are recomputed here with plain SQL over the SQLite file, the HTML is
checked to be offline and to show only numbers that report.json has, and the PDF's pages are
rasterised with pdftoppm.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image  # matplotlib's own dependency

from _browser import require
from northline.demo import default_scenario_path, run_demo
from northline.model import AlertAction, AlertEvent, AlertState, InvalidInput, parse_iso
from northline.reports import (
    CHROMIUM_ENV,
    PdfUnavailable,
    build_report,
    format_value,
    iso_week,
    operational_figures,
    report_command,
    report_period,
)
from northline.response import AssetStatus, DecisionAction, DispatchDecision, load_assets
from northline.response import asset_event as make_asset_event
from northline.sim import load_scenario
from northline.store import SQLiteStore

pytestmark = pytest.mark.slow  # the demo runs once for the module (about a minute)

T_FROM = parse_iso("2026-01-15T00:00:00Z")
T_TO = parse_iso("2026-01-16T00:00:00Z")
# None: left open. "apprehended" counts as an interception too (the API's response measures).
OUTCOMES = ("intercepted", "apprehended", "no_threat", "false_alarm", None)


def _record_response(db: Path) -> None:
    """A stand-in operator's steps on the demo's untouched alerts, through the store's methods."""
    scenario = load_scenario(default_scenario_path())
    assets = load_assets({"assets": list(scenario.assets)})
    with SQLiteStore(db) as store:
        assert store.assets(), "the demo keeps its responders"
        assert store.dispatch_decisions(), "and its simulated decisions"
        alerts = [a for a in store.alerts() if a.state is AlertState.NEW]
        assert alerts
        for i, alert in enumerate(alerts):
            outcome = OUTCOMES[i % len(OUTCOMES)]
            if outcome is None:
                continue
            asset = assets[i % len(assets)]
            t = alert.t_s
            store.add_alert_event(
                AlertEvent(
                    event_id=f"ack-{i}",
                    alert_id=alert.alert_id,
                    t_s=t + 4 + i,
                    action=AlertAction.ACKNOWLEDGE,
                    actor="op",
                    state=AlertState.ACKNOWLEDGED,
                )
            )
            store.add_dispatch_decision(
                DispatchDecision(
                    decision_id=f"dec-{i}",
                    alert_id=alert.alert_id,
                    asset_id=asset.asset_id,
                    action=DecisionAction.ACCEPT,
                    author="op",
                    t_s=t + 10 + 2 * i,
                    recommended_asset_id=asset.asset_id,
                )
            )
            live = store.asset(asset.asset_id)
            store.add_asset_event(
                make_asset_event(
                    live, t_s=t + 12 + 2 * i, author="op", status=AssetStatus.EN_ROUTE,
                    alert_id=alert.alert_id,
                )
            )  # fmt: skip
            if outcome != "false_alarm":
                live = store.asset(asset.asset_id)
                store.add_asset_event(
                    make_asset_event(
                        live, t_s=t + 100 + 7 * i, author="op", status=AssetStatus.ON_SCENE,
                        alert_id=alert.alert_id,
                    )
                )  # fmt: skip
            store.add_alert_event(
                AlertEvent(
                    event_id=f"res-{i}",
                    alert_id=alert.alert_id,
                    t_s=t + 400 + i,
                    action=AlertAction.RESOLVE,
                    actor="op",
                    state=AlertState.RESOLVED,
                    outcome=outcome,
                )
            )


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out_dir=out)
    db = out / "northline.sqlite"
    _record_response(db)
    return db


@pytest.fixture(scope="module")
def report(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The HTML report with the reference data if it is beside the repository."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    examples = Path(__file__).resolve().parents[1] / "examples" / "plan.toml"
    out = tmp_path_factory.mktemp("report") / "report.html"
    with SQLiteStore(demo_store) as store:
        result = build_report(
            store,
            t_from_s=T_FROM,
            t_to_s=T_TO,
            out=out,
            data_dir=shared if shared.is_dir() else tmp_path_factory.mktemp("nodata"),
            plan=examples if examples.is_file() else None,
            clock=lambda: parse_iso("2026-02-01T12:00:00Z"),
        )
    return {
        "result": result,
        "json": json.loads(result.json.read_text(encoding="utf-8")),
        "html": out.read_text(encoding="utf-8"),
        "shared": shared.is_dir(),
    }


def _by_key(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in doc["figures"]}


# -- recomputed from the store ----------------------------------------------------------------


def test_operational_figures_recomputed_with_sql(demo_store: Path, report: dict[str, Any]) -> None:
    figures = _by_key(report["json"])
    db = sqlite3.connect(demo_store)
    period = (T_FROM, T_TO)
    one = lambda sql: db.execute(sql, period).fetchone()[0]  # noqa: E731

    assert figures["ops.detections"]["value"] == one(
        "SELECT COUNT(*) FROM observations WHERE t_s >= ? AND t_s < ?"
    )
    assert figures["ops.tracks"]["value"] == one(
        "SELECT COUNT(DISTINCT track_id) FROM track_updates WHERE t_s >= ? AND t_s < ?"
    )
    assert figures["ops.crossings"]["value"] == one(
        "SELECT COUNT(*) FROM crossings WHERE t_s >= ? AND t_s < ?"
    )
    alerts = db.execute(
        "SELECT alert_id, kind, t_s, sector FROM alerts WHERE t_s >= ? AND t_s < ?", period
    ).fetchall()
    assert figures["ops.alerts"]["value"] == len(alerts) > 0
    for kind, n in Counter(k for _, k, _, _ in alerts).items():
        assert figures[f"ops.alerts.kind.{kind}"]["value"] == n

    # Outcome: the last resolve step's, for alerts whose last step resolved them.
    last: dict[str, tuple[str, str | None]] = {}
    for alert_id, state, outcome in db.execute(
        "SELECT alert_id, state, outcome FROM alert_events ORDER BY seq"
    ):
        last[alert_id] = (state, outcome)
    outcome_of = {
        a: (last[a][1] if a in last and last[a][0] == "resolved" else "open") for a, *_ in alerts
    }
    counts = Counter(outcome_of.values())
    assert counts["intercepted"] > 0
    assert counts["open"] > 0
    for outcome, n in counts.items():
        assert figures[f"ops.alerts.outcome.{outcome}"]["value"] == n
    caught = counts["intercepted"] + counts["apprehended"]
    assert counts["apprehended"] > 0
    assert figures["ops.interceptions"]["value"] == caught
    targets = len(alerts) - counts["open"] - counts["false_alarm"] - counts["no_threat"]
    assert figures["ops.interceptions.rate"]["value"] == pytest.approx(
        100 * caught / targets, abs=0.05
    )
    weeks = Counter(
        iso_week(t) for a, _, t, _ in alerts if outcome_of[a] in ("intercepted", "apprehended")
    )
    for week, n in weeks.items():
        assert figures[f"ops.week.{week.lower().replace('-', '_')}.interceptions"]["value"] == n

    # Alert → first accept/change decision; that decision → first on-scene event at or after.
    raised = {a: t for a, _, t, _ in alerts}
    first_dec: dict[str, float] = {}
    for alert_id, t in db.execute(
        "SELECT alert_id, t_s FROM dispatch_decisions WHERE action IN ('accept', 'change') "
        "ORDER BY seq"
    ):
        first_dec.setdefault(alert_id, t)
    to_dec = [first_dec[a] - raised[a] for a in raised if a in first_dec]
    scene: dict[str, float] = {}
    for alert_id, t in db.execute(
        "SELECT alert_id, t_s FROM asset_events WHERE status = 'on_scene'"
    ):
        if alert_id in first_dec and t >= first_dec[alert_id]:
            scene[alert_id] = min(t, scene.get(alert_id, float("inf")))
    to_scene = [scene[a] - first_dec[a] for a in raised if a in scene]
    r = "ops.response"
    assert figures[f"{r}.alert_to_decision.n"]["value"] == len(to_dec) > 0
    assert figures[f"{r}.alert_to_decision.median_s"]["value"] == pytest.approx(
        statistics.median(to_dec), abs=0.05
    )
    assert figures[f"{r}.alert_to_decision.p90_s"]["value"] == pytest.approx(
        float(np.percentile(to_dec, 90)), abs=0.05
    )
    assert figures[f"{r}.decision_to_on_scene.n"]["value"] == len(to_scene) > 0
    assert figures[f"{r}.decision_to_on_scene.mean_s"]["value"] == pytest.approx(
        statistics.mean(to_scene), abs=0.05
    )
    samples = report["json"]["series"][f"{r}.decision_to_on_scene.samples_s"]
    assert sorted(samples) == pytest.approx(sorted(to_scene), abs=1e-6)


def test_provenance_sql_reproduces_the_count_figures(
    demo_store: Path, report: dict[str, Any]
) -> None:
    """A figure whose query is one SQL statement gives its value when run on the store file."""
    db = sqlite3.connect(demo_store)
    checked = 0
    for f in report["json"]["figures"]:
        query, value = f["provenance"]["query"], f["value"]
        if f["key"].startswith("ops.") and query.startswith(("SELECT COUNT(*)", "SELECT AVG")):
            got = db.execute(query).fetchone()[0]
            assert got == pytest.approx(value, abs=0.05) if value is not None else got is None, f[
                "key"
            ]
            assert f["provenance"]["source"] == f"store:{demo_store.name}"
            checked += 1
    assert checked >= 10


def test_report_json_records_period_inputs_and_command(
    demo_store: Path, report: dict[str, Any]
) -> None:
    doc = report["json"]
    assert doc["period"] == {
        "from": "2026-01-15T00:00:00Z",
        "to": "2026-01-16T00:00:00Z",
        "from_s": T_FROM,
        "to_s": T_TO,
        "end": "excluded",
    }
    assert doc["generated_at"] == "2026-02-01T12:00:00.000Z"
    assert doc["command"].startswith(f"northline report --store {demo_store} --from ")
    store_input = [i for i in doc["inputs"] if i["role"] == "store"]
    assert store_input
    assert store_input[0]["name"] == "northline.sqlite"
    assert re.fullmatch(r"[0-9a-f]{64}", store_input[0]["sha256"])
    for f in doc["figures"]:
        assert f["provenance"]["source"], f["key"]
        assert f["provenance"]["query"], f["key"]
        assert f["provenance"]["command"], f["key"]


# -- the HTML ---------------------------------------------------------------------------------


class _Cells(HTMLParser):
    """Each figure cell's data-key and the number shown in its value span; every URL used."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self.urls: list[str] = []
        self.imgs: list[str] = []
        self._key: str | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("src", "href", "action", "poster", "data"):
            if a.get(name):
                self.urls.append(str(a[name]))
        if tag == "img":
            self.imgs.append(str(a.get("src", "")))
        if tag in ("script", "link", "iframe", "object", "embed"):
            self.urls.append(f"<{tag}>")
        if tag == "td" and "fig" in (a.get("class") or "").split():
            self._key = a.get("data-key")
        if tag == "span" and a.get("class") == "v" and self._key is not None:
            self._in_value = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_value = False
        if tag == "td":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._in_value and self._key is not None:
            self.cells.append((self._key, data))


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def test_every_number_in_the_html_is_in_report_json(report: dict[str, Any]) -> None:
    figures = _by_key(report["json"])
    parser = _Cells()
    parser.feed(report["html"])
    assert len(parser.cells) > 40
    # No number outside a figure cell in the tables: every <td> with a digit is a figure cell.
    for td in re.findall(r"<td(?![^>]*class=\"fig\")[^>]*>(.*?)</td>", report["html"], re.S):
        assert not re.fullmatch(r"\s*-?[\d,]+(\.\d+)?\s*%?\s*", td), td  # dates are labels
    for key, text in parser.cells:
        assert key in figures, key
        value = figures[key]["value"]
        if text == "—":
            assert value is None, key
            continue
        shown = float(text.replace(",", ""))
        assert value == pytest.approx(shown, abs=0.5 * 10 ** -_decimals(text) + 1e-9), key


def test_html_is_offline(report: dict[str, Any]) -> None:
    parser = _Cells()
    html = report["html"]
    parser.feed(html)
    assert parser.imgs
    assert all(src.startswith("data:image/svg+xml;base64,") for src in parser.imgs)
    for url in parser.urls:
        assert url.startswith(("#", "data:")), url
    for css_url in re.findall(r"url\(\s*['\"]?([^'\")]+)", html):
        assert css_url.startswith(("#", "data:")), css_url
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    assert "@import" not in html
    assert "<script" not in html.lower()
    assert "@bottom-right" in html
    assert 'counter(page) " of " counter(pages)' in html


@pytest.mark.shared
def test_cbp_figures_are_shown_with_their_source(report: dict[str, Any]) -> None:
    if not report["shared"]:
        pytest.skip("../shared/data is absent beside the repository: no CBP files")
    figures = _by_key(report["json"])
    north = figures["cbp.fentanyl.fy2024.northern_border.lb"]
    south = figures["cbp.fentanyl.fy2024.southwest_border.lb"]
    assert round(north["value"], 2) == 43.04
    assert round(south["value"]) == 21_148
    assert round(figures["cbp.fentanyl.fy2024.northern_border.kg"]["value"], 1) == 19.5
    assert round(figures["cbp.fentanyl.fy2024.southwest_border.kg"]["value"], 1) == 9_592.6
    for f in (north, south):
        assert f["provenance"]["source"].startswith("data:cbp/nationwide-drugs-")
        cell = f'data-key="{f["key"]}"'
        assert cell in report["html"]
    assert '<span class="v">43.04</span>' in report["html"]
    assert '<span class="v">21,148.15</span>' in report["html"]
    assert "Air and Marine Operations" in report["html"]
    csv_path = report["result"].csv
    assert csv_path is not None
    assert csv_path.name == "report-cbp.csv"
    assert csv_path.is_file()
    data_inputs = {i["name"] for i in report["json"]["inputs"] if i["role"] == "data"}
    assert any(n.startswith("cbp/nationwide-drugs-") for n in data_inputs)


def test_without_reference_data_the_report_says_so(demo_store: Path, tmp_path: Path) -> None:
    empty = tmp_path / "nodata"
    empty.mkdir()
    out = tmp_path / "r" / "ops.html"
    with SQLiteStore(demo_store) as store:
        result = build_report(store, t_from_s=T_FROM, t_to_s=T_TO, out=out, data_dir=empty)
    assert result.csv is None
    assert result.pdf is None
    assert any("CBP seizure statistics are not shown" in n for n in result.notes)
    html = out.read_text(encoding="utf-8")
    assert "CBP seizure statistics are not shown" in html
    assert "builtin:49th-parallel" in html  # the map's boundary is the built-in one
    assert (tmp_path / "r" / "report.json").is_file()


def test_bad_arguments(demo_store: Path, tmp_path: Path) -> None:
    with SQLiteStore(demo_store) as store:
        with pytest.raises(InvalidInput, match=r"\.html or \.pdf"):
            build_report(store, t_from_s=T_FROM, t_to_s=T_TO, out=tmp_path / "r.docx")
        with pytest.raises(InvalidInput, match="period"):
            operational_figures(store, T_TO, T_FROM, store_label="x")


def test_format_value() -> None:
    assert format_value(21148.15260679219, "lb") == "21,148.15"
    assert format_value(9592.640662036549, "kg") == "9,592.6"
    assert format_value(1234, "count") == "1,234"
    assert format_value(0.1966, "%") == "0.20"
    assert format_value(None, "s") == "—"
    assert format_value(float("nan"), "s") == "—"


# -- the PDF ----------------------------------------------------------------------------------


def _chromium() -> str | None:
    return (
        os.environ.get(CHROMIUM_ENV)
        or shutil.which("/usr/bin/chromium")
        or shutil.which("chromium")
    )


def test_pdf_pages_all_have_content(demo_store: Path, tmp_path: Path) -> None:
    require(_chromium() is not None, "no chromium to print the PDF with (apt-get install chromium)")
    require(shutil.which("pdftoppm") is not None, "no pdftoppm (apt-get install poppler-utils)")
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    out = tmp_path / "report.pdf"
    with SQLiteStore(demo_store) as store:
        result = build_report(
            store,
            t_from_s=T_FROM,
            t_to_s=T_TO,
            out=out,
            data_dir=shared if shared.is_dir() else tmp_path,
        )
    assert result.pdf == out
    assert out.read_bytes().startswith(b"%PDF")
    assert result.html == tmp_path / "report.html"
    assert result.html.is_file()
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        assert _non_white_fraction(page) > 0.002, page.name
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, timeout=120
    ).stdout.decode()
    sheets = text.split("\f")[: len(pages)]
    for k, sheet in enumerate(sheets, start=1):
        assert f"Page {k} of {len(pages)}" in sheet, f"page {k} has no page number"
        assert "generated" in sheet.lower(), f"page {k} has no generated-at stamp"


def _non_white_fraction(png: Path) -> float:
    """Share of the page's pixels that are not (nearly) white."""
    with Image.open(png) as img:
        grey = np.asarray(img.convert("L"))
    return float(np.mean(grey < 245))


def test_pdf_without_chromium_is_a_clear_error(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    out = tmp_path / "report.pdf"
    with SQLiteStore(demo_store) as store, pytest.raises(PdfUnavailable, match="Chromium"):
        build_report(store, t_from_s=T_FROM, t_to_s=T_TO, out=out, data_dir=tmp_path)
    assert (tmp_path / "report.html").is_file()
    assert (tmp_path / "report.json").is_file()
    assert not out.exists()


def test_the_demo_writes_its_report(demo_store: Path) -> None:
    out = demo_store.parent
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["report"]["html"] == "report.html"
    doc = json.loads((out / summary["report"]["json"]).read_text(encoding="utf-8"))
    assert len(doc["figures"]) == summary["report"]["figures"] > 0
    assert "Northline" in (out / "report.html").read_text(encoding="utf-8")


def test_the_report_command(demo_store: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from northline.cli import cli

    out = tmp_path / "r" / "report.html"
    args = ["report", "--store", str(demo_store), "--out", str(out)]
    run = CliRunner().invoke(cli, [*args, "--from", "2026-01-15", "--to", "2026-01-15"])
    assert run.exit_code == 0, run.output
    assert out.is_file()
    doc = json.loads((out.parent / "report.json").read_text(encoding="utf-8"))
    assert "2026-01-15T00:00:00Z" in json.dumps(doc["period"])
    # Without --from/--to: the store's own span, from its first to its last record.
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    doc = json.loads((out.parent / "report.json").read_text(encoding="utf-8"))
    con = sqlite3.connect(demo_store)
    first, last = con.execute("SELECT MIN(t_s), MAX(t_s) FROM track_updates").fetchone()
    con.close()
    assert doc["period"]["from_s"] <= first
    assert doc["period"]["to_s"] > last
    run = CliRunner().invoke(cli, [*args[:-1], str(tmp_path / "report.txt")])
    assert run.exit_code == 2
    assert ".html or .pdf" in run.output


def test_report_period() -> None:
    assert report_period("2026-01-15", "2026-01-15") == (T_FROM, T_TO)
    assert report_period("2026-01-15T00:00:00Z", "2026-01-16T00:00:00+00:00") == (T_FROM, T_TO)
    with pytest.raises(InvalidInput, match="zone"):
        report_period("2026-01-15T02:00", "2026-01-16")
    with pytest.raises(InvalidInput, match="empty"):
        report_period("2026-01-16", "2026-01-15")
    cmd = report_command(Path("out/demo/northline.sqlite"), T_FROM, T_TO, Path("r.pdf"))
    assert cmd == (
        "northline report --store out/demo/northline.sqlite --from 2026-01-15T00:00:00Z "
        "--to 2026-01-16T00:00:00Z --out r.pdf"
    )
