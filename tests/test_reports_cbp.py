"""CBP seizure statistics: computed from the files, checked against the published figures.

The reference sums here are made with the csv module straight from the files, independently of
northline.reports, and compared both with the published figures (issue 7, the data README) and
with the library's figures.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from northline.model import DataUnavailable, InvalidInput
from northline.reports import (
    CSV_COLUMNS,
    LB_TO_KG,
    AmoSeizures,
    CbpSeizures,
    Component,
    Region,
    by_unit,
    cbp_rows,
    cbp_tables,
    load_amo,
    load_cbp,
    northern_share,
    read_cbp_csv,
    seizure_total,
    trend_by_fy,
    write_cbp_csv,
)

HEADER = (
    "FY,Month (abbv),Component,Region,Land Filter,Area of Responsibility,Drug Type,"
    "Count of Event,Sum Qty (lbs)"
)
GOOD = "2024,JAN,U.S. Border Patrol,Northern Border,Land Only,BLAINE SECTOR,Fentanyl,2,1.5"
LAND = {"Office of Field Operations", "U.S. Border Patrol"}


@pytest.fixture(scope="module")
def cbp_dir(shared_data: Path) -> Path:
    if not sorted((shared_data / "cbp").glob("nationwide-drugs-*.csv")):
        pytest.skip("../shared/data/cbp has no nationwide-drugs-*.csv: CBP data not installed")
    return shared_data


@pytest.fixture(scope="module")
def cbp(cbp_dir: Path) -> CbpSeizures:
    return load_cbp(cbp_dir)


@pytest.fixture(scope="module")
def amo(cbp_dir: Path) -> AmoSeizures:
    return load_amo(cbp_dir)


def reference_sum(
    root: Path, pattern: str, *, fy: str, drug: str, region: str | None, column: str
) -> float:
    """Sum a column over the raw CSV rows matching the filter (csv module only)."""
    total = 0.0
    for path in sorted((root / "cbp").glob(pattern)):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if (
                    row["FY"] == fy
                    and row["Drug Type"] == drug
                    and (region is None or row["Region"] == region)
                    and row["Component"] in LAND | {"Air and Marine Operations"}
                ):
                    total += float(row[column])
    return total


def land_sum(root: Path, *, fy: str = "2024", region: str | None, column: str = "Sum Qty (lbs)"):
    return reference_sum(
        root, "nationwide-drugs-*.csv", fy=fy, drug="Fentanyl", region=region, column=column
    )


# --- the published FY2024 fentanyl figures ---------------------------------------------------


@pytest.mark.shared
def test_fy2024_fentanyl_matches_the_published_figures(cbp_dir: Path, cbp: CbpSeizures) -> None:
    north_lb = land_sum(cbp_dir, region="Northern Border")
    north_events = land_sum(cbp_dir, region="Northern Border", column="Count of Event")
    south_lb = land_sum(cbp_dir, region="Southwest Border")
    national_lb = land_sum(cbp_dir, region=None)
    # the files give the published figures …
    assert round(north_lb, 2) == 43.04
    assert round(north_lb * LB_TO_KG, 1) == 19.5
    assert north_events == 82
    assert round(south_lb) == 21_148
    assert round(south_lb * LB_TO_KG, 1) == 9_592.6
    assert round(national_lb, 2) == 21_889.21
    # … and the library computes the same numbers.
    north = (Region.NORTHERN_BORDER,)
    south = (Region.SOUTHWEST_BORDER,)
    kw = {"drug": "Fentanyl", "fiscal_year": 2024}
    assert seizure_total(cbp, **kw, regions=north).value == pytest.approx(north_lb, rel=1e-12)
    kg = seizure_total(cbp, **kw, regions=north, measure="kg").value
    assert kg == pytest.approx(north_lb * 0.45359237, rel=1e-12)
    assert seizure_total(cbp, **kw, regions=north, measure="events").value == 82
    assert seizure_total(cbp, **kw, regions=south).value == pytest.approx(south_lb, rel=1e-12)
    sw_kg = seizure_total(cbp, **kw, regions=south, measure="kg").value
    assert sw_kg == pytest.approx(south_lb * LB_TO_KG, rel=1e-12)
    assert seizure_total(cbp, **kw).value == pytest.approx(national_lb, rel=1e-12)
    share = northern_share(cbp, **kw)
    assert share.unit == "%"
    assert share.value == pytest.approx(100 * north_lb / national_lb, rel=1e-12)
    assert round(share.value, 3) == 0.197
    # OFO + USBP is the default and the same as naming both
    both = seizure_total(cbp, **kw, regions=north, components=(Component.OFO, Component.USBP))
    assert both == seizure_total(cbp, **kw, regions=north)


@pytest.mark.shared
def test_a_figure_says_where_it_comes_from_and_its_command_reproduces_it(
    cbp_dir: Path, cbp: CbpSeizures
) -> None:
    fig = seizure_total(cbp, drug="fentanyl", fiscal_year=2024, regions=(Region.NORTHERN_BORDER,))
    assert fig.key == "cbp.fentanyl.fy2024.northern_border.lb"
    assert fig.unit == "lb"
    assert fig.provenance.source == "data:cbp/nationwide-drugs-fy23-fy26-dec.csv"
    assert fig.provenance.query == (
        "FY=2024; Drug Type=Fentanyl; Region=Northern Border; Component in {OFO, USBP}; "
        "sum of Sum Qty (lbs)"
    )
    assert "FY2024" in fig.label
    assert "Northern Border" in fig.label
    json.dumps(fig.to_dict())
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    out = subprocess.run(
        fig.provenance.command,
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=cbp_dir,
        timeout=60,
        check=True,
    )
    assert float(out.stdout) == fig.value


@pytest.mark.shared
def test_amo_is_a_separate_dataset_never_in_the_land_figures(
    cbp_dir: Path, cbp: CbpSeizures, amo: AmoSeizures
) -> None:
    amo_north = reference_sum(
        cbp_dir,
        "amo-drug-seizures-*.csv",
        fy="2024",
        drug="Fentanyl",
        region="Northern Border",
        column="Sum Qty (lbs)",
    )
    assert round(amo_north) == 1_405  # the README's figure: Bellingham, interior investigations
    fig = seizure_total(amo, drug="Fentanyl", fiscal_year=2024, regions=(Region.NORTHERN_BORDER,))
    assert fig.value == pytest.approx(amo_north, rel=1e-12)
    assert fig.key.startswith("amo.")
    assert fig.label.startswith("AMO: ")
    assert all(s.startswith("data:cbp/amo-") for s in fig.provenance.source.split(" + "))
    assert set(amo.component) == {"Air and Marine Operations"}
    assert set(cbp.component) == LAND
    assert not set(amo.source) & set(cbp.source)
    land = seizure_total(cbp, drug="Fentanyl", fiscal_year=2024, regions=(Region.NORTHERN_BORDER,))
    assert round(land.value, 2) == 43.04
    with pytest.raises(InvalidInput, match="component"):
        seizure_total(amo, drug="Fentanyl", fiscal_year=2024, components=(Component.OFO,))
    with pytest.raises(InvalidInput, match="land"):
        cbp_rows(amo)  # type: ignore[arg-type]
    tables = cbp_tables(cbp, amo)
    assert tables.amo is not None
    assert all(f.key.startswith("amo.") for f in tables.amo.figures())
    assert not any(f.key.startswith("amo.") for t in tables.tables for f in t.figures())
    assert "never added" in tables.amo.note


# --- by area of responsibility, trends, partial years ----------------------------------------


@pytest.mark.shared
def test_by_area_of_responsibility_adds_up_to_the_region(cbp: CbpSeizures) -> None:
    figs = by_unit(cbp, drug="Fentanyl", fiscal_year=2024, region=Region.NORTHERN_BORDER)
    assert len(figs) == 13  # the README: 13 northern-border areas of responsibility
    assert {f.key.split(".")[4] for f in figs} >= {"blaine_sector", "buffalo_field_office"}
    values = [f.value for f in figs]
    assert values == sorted(values, reverse=True)
    total = seizure_total(cbp, drug="Fentanyl", fiscal_year=2024, regions=("Northern Border",))
    assert sum(values) == pytest.approx(total.value, rel=1e-12)
    assert "Area of Responsibility in {" in figs[0].provenance.query


@pytest.mark.shared
def test_a_partial_year_is_flagged_and_compared_only_with_the_same_months(
    cbp_dir: Path, cbp: CbpSeizures
) -> None:
    assert cbp.is_fytd(2026)
    assert not cbp.is_fytd(2025)
    months = cbp.months_of(2026)
    assert months[0] == "OCT"
    assert len(months) < 12
    points = trend_by_fy(cbp, drug="Fentanyl", regions=(Region.NORTHERN_BORDER,))
    assert [p.fiscal_year for p in points] == list(range(2019, 2027))
    last = points[-1]
    assert last.fytd
    assert last.lb.key == "cbp.fentanyl.fy2026_fytd.northern_border.lb"
    assert "FYTD" in last.lb.label
    assert last.baseline is not None
    assert last.change_pct is not None
    assert last.change_pct.key.endswith("lb_change_pct_same_months")
    # the baseline is FY2025 restricted to the FYTD months, recomputed here from the raw file
    same_months = 0.0
    with (cbp_dir / "cbp" / "nationwide-drugs-fy23-fy26-dec.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if (
                row["FY"] == "2025"
                and row["Drug Type"] == "Fentanyl"
                and row["Region"] == "Northern Border"
                and row["Month (abbv)"] in months
            ):
                same_months += float(row["Sum Qty (lbs)"])
    assert last.baseline.value == pytest.approx(same_months, rel=1e-12)
    full_2025 = land_sum(cbp_dir, fy="2025", region="Northern Border")
    assert same_months < full_2025
    assert last.change_pct.value == pytest.approx(
        100 * (last.lb.value - same_months) / same_months, rel=1e-9
    )
    # a full year is compared with the previous full year
    fy24, fy25 = points[5], points[6]
    assert fy25.change_pct is not None
    assert fy25.change_pct.value == pytest.approx(
        100 * (fy25.lb.value - fy24.lb.value) / fy24.lb.value
    )
    assert points[0].change_pct is None


# --- tables and CSV --------------------------------------------------------------------------


@pytest.mark.shared
def test_tables_hold_figures_with_unique_keys(cbp: CbpSeizures, amo: AmoSeizures) -> None:
    tables = cbp_tables(cbp, amo)
    keys = {f.key for f in tables.headline}
    assert {
        "cbp.fentanyl.fy2024.northern_border.lb",
        "cbp.fentanyl.fy2024.northern_border.kg",
        "cbp.fentanyl.fy2024.northern_border.events",
        "cbp.fentanyl.fy2024.southwest_border.lb",
        "cbp.fentanyl.fy2024.southwest_border.kg",
        "cbp.fentanyl.fy2024.nationwide.lb",
        "cbp.fentanyl.fy2024.northern_share_pct",
    } <= keys
    figures = tables.figures()
    by_key = {f.key: f for f in figures}
    assert len(by_key) == len(figures)
    for table in (*tables.tables, tables.amo):
        assert table is not None
        for row in table.rows:
            assert len(row) == len(table.columns)
        for fig in table.figures():
            assert by_key[fig.key] == fig
    for fig in figures:
        assert fig.provenance.source.startswith("data:cbp/")
        assert fig.provenance.command
        json.dumps(fig.to_dict())
    by_fy = tables.tables[0]
    assert [row[0] for row in by_fy.rows][-1].startswith("FY2026 (FYTD")
    assert "FYTD" in tables.caveat


@pytest.mark.shared
def test_csv_export_round_trips_and_adds_up(
    cbp_dir: Path, cbp: CbpSeizures, tmp_path: Path
) -> None:
    rows = cbp_rows(cbp)
    path = write_cbp_csv(tmp_path / "cbp.csv", cbp)
    assert read_cbp_csv(path) == rows
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        exported = list(reader)
    north = sum(
        float(r["lb"])
        for r in exported
        if r["fiscal_year"] == "2024"
        and r["drug"] == "Fentanyl"
        and r["region"] == "Northern Border"
    )
    assert north == pytest.approx(land_sum(cbp_dir, region="Northern Border"), rel=1e-12)
    assert sum(int(r["events"]) for r in exported) == int(cbp.events.sum())
    assert {r["fytd"] for r in exported if r["fiscal_year"] == "2026"} == {"true"}
    assert len(
        {
            (r["fiscal_year"], r["region"], r["component"], r["area_of_responsibility"], r["drug"])
            for r in exported
        }
    ) == len(exported)


# --- bad input -------------------------------------------------------------------------------


def _data_dir(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    (tmp_path / "cbp").mkdir()
    body = "\n".join((header, *lines)) + "\n"
    (tmp_path / "cbp" / "nationwide-drugs-test.csv").write_text(body, encoding="utf-8")
    return tmp_path


def test_a_small_file_loads_into_columns(tmp_path: Path) -> None:
    other = GOOD.replace("2024,JAN", "2026 (FYTD),OCT").replace(",2,1.5", ",1,0.25")
    table = load_cbp(_data_dir(tmp_path, GOOD, "", other))
    assert len(table) == 2
    assert table.files == ("cbp/nationwide-drugs-test.csv",)
    assert table.fiscal_years == (2024, 2026)
    assert table.is_fytd(2026)
    assert table.months_of(2024) == ("JAN",)
    assert list(table.fiscal_month) == [4, 1]
    assert list(table.line) == [2, 4]
    assert list(table.area_of_responsibility) == ["BLAINE SECTOR", "BLAINE SECTOR"]
    fig = seizure_total(table, drug="Fentanyl", fiscal_year=2026, measure="events")
    assert fig.value == 1
    assert fig.key == "cbp.fentanyl.fy2026_fytd.nationwide.events"


@pytest.mark.parametrize(
    ("line", "column"),
    [
        (GOOD.replace("2024,", "FY24,", 1), "FY"),
        (GOOD.replace("JAN", "JANUARY"), "Month (abbv)"),
        (GOOD.replace("U.S. Border Patrol", "Air and Marine Operations"), "Component"),
        (GOOD.replace("Northern Border", "Northern"), "Region"),
        (GOOD.replace(",2,1.5", ",two,1.5"), "Count of Event"),
        (GOOD.replace(",2,1.5", ",2,lots"), "Sum Qty (lbs)"),
        (GOOD.replace(",2,1.5", ",2,-1"), "Sum Qty (lbs)"),
        (GOOD.replace(",2,1.5", ",2,nan"), "Sum Qty (lbs)"),
        (GOOD + ",extra", None),
    ],
)
def test_a_bad_row_names_the_file_and_line(tmp_path: Path, line: str, column: str | None) -> None:
    with pytest.raises(InvalidInput) as info:
        load_cbp(_data_dir(tmp_path, GOOD, line))
    assert "cbp/nationwide-drugs-test.csv line 3" in info.value.message
    assert info.value.context["line"] == 3
    assert info.value.context["file"] == "cbp/nationwide-drugs-test.csv"
    if column is not None:
        assert info.value.context["field"] == column


def test_a_wrong_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="line 1"):
        load_cbp(_data_dir(tmp_path, GOOD, header=HEADER.replace("Area of Responsibility", "AOR")))
    with pytest.raises(DataUnavailable, match="amo-drug-seizures"):
        load_amo(tmp_path)  # the land file is no AMO file


def test_missing_files_and_unknown_selections_are_clear(tmp_path: Path) -> None:
    with pytest.raises(DataUnavailable, match="nationwide-drugs"):
        load_cbp(tmp_path)
    table = load_cbp(_data_dir(tmp_path, GOOD))
    with pytest.raises(InvalidInput, match="unknown drug 'Kryptonite'"):
        seizure_total(table, drug="Kryptonite", fiscal_year=2024)
    with pytest.raises(InvalidInput, match="fiscal year 2019"):
        seizure_total(table, drug="Fentanyl", fiscal_year=2019)
    with pytest.raises(InvalidInput, match="region"):
        seizure_total(table, drug="Fentanyl", fiscal_year=2024, regions=("Arctic",))
    with pytest.raises(InvalidInput, match="no Area of Responsibility"):
        seizure_total(table, drug="Fentanyl", fiscal_year=2024, units=("NOME SECTOR",))
    assert northern_share(table, drug="Fentanyl", fiscal_year=2024).value == 100.0
