"""``northline serve``, ``users`` and ``audit verify``, over a real store."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from northline.cli._serve import audit, register, users
from northline.store import SQLiteStore


def _group() -> click.Group:
    @click.group()
    def main() -> None:
        """Test main group."""

    register(main)
    return main


def test_register_adds_the_commands_with_help() -> None:
    main = _group()
    assert {"serve", "users", "audit"} <= set(main.commands)
    for argv in (["serve"], ["users"], ["users", "add"], ["users", "list"],
                 ["users", "disable"], ["audit"], ["audit", "verify"]):  # fmt: skip
        res = CliRunner().invoke(main, [*argv, "--help"])
        assert res.exit_code == 0, res.output
        assert "Usage:" in res.output


def _add(db: Path, user_id: str, role: str, password: str | None = None) -> click.testing.Result:
    argv = ["add", user_id, "--store", str(db), "--name", user_id.title(), "--role", role,
            "--agency", "RCMP", "--country", "CAN"]  # fmt: skip
    if password is not None:
        argv.append("--password-stdin")
    return CliRunner().invoke(users, argv, input=None if password is None else password + "\n")


def test_users_add_list_disable(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    res = _add(db, "ana", "administrator", "correct horse")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["role"] == "administrator"
    assert _add(db, "feed", "operator").exit_code == 0
    assert _add(db, "ana", "operator").exit_code == 2, "the id is taken"
    assert _add(db, "Bad Id", "operator").exit_code == 2
    assert _add(db, "bo", "operator", "short").exit_code == 2
    res = CliRunner().invoke(users, ["list", "--store", str(db)])
    listed = [json.loads(line) for line in res.output.splitlines()]
    assert [u["user_id"] for u in listed] == ["ana", "feed"]
    assert "correct horse" not in res.output
    res = CliRunner().invoke(users, ["disable", "feed", "--store", str(db)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["disabled"] is True
    assert CliRunner().invoke(users, ["disable", "nobody", "--store", str(db)]).exit_code == 2
    with SQLiteStore(db) as store:
        hashed = store.password_hash("ana")
        assert hashed is not None
        assert hashed.startswith("$argon2id$")
        assert [e.action for e in store.audit_entries()] == ["create", "create", "update"]


def test_audit_verify_finds_the_first_bad_line(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    for name in ("a", "b", "c"):
        assert _add(db, name, "analyst").exit_code == 0
    res = CliRunner().invoke(audit, ["verify", "--store", str(db)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["ok"] is True
    with sqlite3.connect(db) as conn:  # someone with the file edits a line
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2")
    res = CliRunner().invoke(audit, ["verify", "--store", str(db)])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["first_bad_seq"] == 2
    assert "seq 2" in res.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_over_http(tmp_path: Path) -> None:
    db, port = tmp_path / "s.db", _free_port()
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<title>Northline</title>")
    assert _add(db, "ana", "operator", "correct horse").exit_code == 0
    code = (
        "import sys; from northline.cli._serve import serve; "
        "serve(sys.argv[1:], standalone_mode=True)"
    )
    argv = [sys.executable, "-c", code, "--store", str(db), "--port", str(port),
            "--static", str(web)]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        login = httpx.post(
            f"{base}/api/v1/auth/login", json={"user_id": "ana", "password": "correct horse"}
        )
        token = login.json()["token"]
        me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["user_id"] == "ana"
        assert "Northline" in httpx.get(f"{base}/").text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()
