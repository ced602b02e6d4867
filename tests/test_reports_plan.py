"""Plan execution: the TOML file, planned vs deployed figures, and errors with dotted paths."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from northline.model import InvalidInput, NotFound
from northline.reports import CommitmentKind, load_plan, plan_figures, plan_progress

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plan.toml"

SMALL = """
[plan]
title = "Test plan"

[[commitment]]
id = "drones"
kind = "drones"
label = "Drones"
planned = 40
unit = "count"
committed = 2024-12-17
source = "a release"

[[commitment]]
id = "towers"
kind = "towers"
label = "Towers"
unit = "count"
committed = "2024-12-17"
source = "a release"

[[deployment]]
commitment = "drones"
quantity = 10
date = 2025-01-15
source = "a statement"

[[deployment]]
commitment = "drones"
quantity = 20
date = 2025-06-01
illustrative = true

[[deployment]]
commitment = "towers"
quantity = 3
date = 2025-02-01
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_planned_vs_deployed_as_figures(tmp_path: Path) -> None:
    plan = load_plan(_write(tmp_path, SMALL))
    assert plan.title == "Test plan"
    assert [c.id for c in plan.commitments] == ["drones", "towers"]
    assert plan.commitments[0].kind is CommitmentKind.DRONES
    assert plan.commitments[1].committed == dt.date(2024, 12, 17)
    figs = {f.key: f for f in plan_figures(plan)}
    assert figs["plan.drones.planned"].value == 40
    assert figs["plan.drones.deployed"].value == 30
    assert figs["plan.drones.deployed_share"].value == pytest.approx(75.0)
    assert figs["plan.drones.deployed_share"].unit == "%"
    assert "(illustrative)" in figs["plan.drones.deployed"].label
    assert figs["plan.towers.planned"].value is None  # no number given
    assert figs["plan.towers.deployed"].value == 3
    assert figs["plan.towers.deployed_share"].value is None
    for fig in figs.values():
        assert fig.provenance.source == "plan:plan.toml"
        json.dumps(fig.to_dict())
    # as of a date, later deployments do not count
    early = {f.key: f for f in plan_figures(plan, as_of=dt.date(2025, 3, 1))}
    assert early["plan.drones.deployed"].value == 10
    assert early["plan.drones.deployed_share"].value == pytest.approx(25.0)
    assert "(illustrative)" not in early["plan.drones.deployed"].label
    assert "date ≤ 2025-03-01" in early["plan.drones.deployed"].provenance.query
    progress = plan_progress(plan, as_of=dt.date(2025, 3, 1))
    assert progress[0].last_deployed == dt.date(2025, 1, 15)
    assert not progress[0].illustrative


def test_the_command_reproduces_a_plan_figure(tmp_path: Path) -> None:
    plan = load_plan(_write(tmp_path, SMALL))
    fig = plan_figures(plan, as_of=dt.date(2025, 3, 1))[2]
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    out = subprocess.run(
        fig.provenance.command,
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert float(out.stdout) == pytest.approx(fig.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("planned = 40", 'planned = "forty"', "commitment[0].planned"),
        ("planned = 40", "planned = -4", "commitment[0].planned"),
        ('id = "towers"', 'id = "drones"', "commitment[1].id"),
        ('kind = "towers"', 'kind = "blimps"', "commitment[1].kind"),
        ('committed = "2024-12-17"', 'committed = "last winter"', "commitment[1].committed"),
        ('label = "Towers"', 'label = "Towers"\ncolour = "red"', "commitment[1].colour"),
        ('label = "Drones"\n', "", "commitment[0].label"),
        ('label = "Towers"', 'label = ""', "commitment[1].label"),
        ('commitment = "towers"', 'commitment = "tower"', "deployment[2].commitment"),
        ("quantity = 3", "quantity = true", "deployment[2].quantity"),
        ("illustrative = true", 'illustrative = "yes"', "deployment[1].illustrative"),
        ("date = 2025-02-01", 'date = "2025-02-31"', "deployment[2].date"),
        ('title = "Test plan"', "title = 3", "plan.title"),
    ],
)
def test_a_bad_field_is_named_by_its_dotted_path(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    assert old in SMALL
    text = SMALL.replace(old, new, 1)
    with pytest.raises(InvalidInput) as info:
        load_plan(_write(tmp_path, text))
    assert info.value.context["field"] == field
    assert f"plan.toml: {field}:" in info.value.message


def test_bad_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        load_plan(tmp_path / "absent.toml")
    with pytest.raises(InvalidInput, match=r"not valid TOML: .*line 1"):
        load_plan(_write(tmp_path, "[plan\ntitle = 1"))
    line = SMALL.splitlines().index("date = 2025-02-01") + 1
    with pytest.raises(InvalidInput, match=rf"not valid TOML: .*line {line}\b"):
        load_plan(_write(tmp_path, SMALL.replace("date = 2025-02-01", "date = 2025-02-31")))
    with pytest.raises(InvalidInput, match=r"plan: missing"):
        load_plan(_write(tmp_path, SMALL.replace('[plan]\ntitle = "Test plan"\n', "")))
    with pytest.raises(InvalidInput, match=r"plans: unknown section"):
        load_plan(_write(tmp_path, SMALL.replace("[plan]", "[plans]")))
    with pytest.raises(InvalidInput) as info:
        load_plan(_write(tmp_path, SMALL.replace("[plan]", "[plan]\nbudget = 3")))
    assert info.value.context["field"] == "plan.budget"


def test_the_example_plan_loads_and_every_commitment_has_a_source() -> None:
    plan = load_plan(EXAMPLE)
    kinds = {c.kind for c in plan.commitments}
    assert {
        CommitmentKind.FUNDING,
        CommitmentKind.PERSONNEL,
        CommitmentKind.DRONES,
        CommitmentKind.HELICOPTERS,
        CommitmentKind.DOG_TEAMS,
        CommitmentKind.TOWERS,
    } <= kinds
    assert all(c.source for c in plan.commitments)
    # a deployment is either a reported fact with its source or marked illustrative
    assert all(d.illustrative or d.source for d in plan.deployments)
    assert any(d.illustrative for d in plan.deployments)
    assert "illustrative" in plan.title.lower()
    figs = plan_figures(plan)
    assert len(figs) == 3 * len(plan.commitments)
    assert len({f.key for f in figs}) == len(figs)


@pytest.mark.shared
def test_the_example_commitments_match_their_sources(shared_data: Path) -> None:
    context = json.loads((shared_data / "sources" / "context_figures.json").read_text())
    planned = {c.id: c.planned for c in load_plan(EXAMPLE).commitments}
    assert "CAD 1.3 billion over six fiscal years" in context["canada_border_plan"]["amount"]
    assert planned["border_plan_funding"] == 1.3e9
    assert any("CAD 200 million" in i for i in context["canada_feb_2025_additions"]["items"])
    assert planned["intelligence_directive_funding"] == 200e6
    assert "CAD 77.7M for Health Canada" in context["drones_towers"]["fact"]
    assert planned["health_canada_lab_funding"] == 77.7e6
    assert "60 new drones" in context["drones_towers"]["fact"]
    assert planned["rcmp_drones"] == 60
    assert "two Black Hawk helicopters" in context["black_hawks"]["fact"]
    assert planned["rcmp_helicopters"] == 2
    assert any("nearly 10,000" in i for i in context["canada_feb_2025_additions"]["items"])
    assert planned["frontline_personnel"] == 10_000
    # the plan gives no number of towers or new dog teams, so neither does the example
    assert planned["rcmp_towers"] is None
    assert planned["cbsa_dog_teams"] is None
