"""The README stays true to the code: its first commands and its settings table."""

from __future__ import annotations

from pathlib import Path

from northline.settings import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line]
    assert commands == ["make demo", "make test"]


def test_settings_table_matches_the_code() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| ") and "`NORTHLINE_" in line]
    documented = {r.split("|")[1].strip(): [c.strip() for c in r.split("|")[1:-1]] for r in rows}
    assert set(documented) == {s.name for s in SETTINGS}
    for s in SETTINGS:
        _, env, default, help_text = documented[s.name]
        assert env == f"`{s.env}`"
        assert default == s.default
        assert help_text == s.help


def test_ci_calls_the_readme_test_command() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
