"""``northline serve``, ``northline users …`` and ``northline audit verify``.

Thin wrappers over :mod:`northline.api` and the store. Register them on the main group with
:func:`register` (``register(cli)``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import NoReturn

import click

from ..model import NorthlineError, Role, User, to_dict

__all__ = ["audit", "register", "serve", "users"]

_store_option = click.option(
    "--store",
    "store_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The SQLite store (created when absent).",
)
_existing_store_option = click.option(
    "--store",
    "store_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The SQLite store.",
)
MIN_PASSWORD = 8


def _fail(exc: NorthlineError) -> NoReturn:
    click.echo(f"error: {exc.message}", err=True)
    if exc.context:
        click.echo(f"  {json.dumps(exc.context)}", err=True)
    raise SystemExit(2)


@click.command()
@_store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--static",
    "static_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Built web assets to serve at / (default: the page built by `make web`).",
)
@click.option(
    "--tak",
    multiple=True,
    metavar="URL",
    help="Also send the picture to TAK clients as CoT (udp:// is the SA multicast group, "
    "udp://HOST:PORT, tcp://HOST:PORT), and a tasking to each unit dispatched; repeatable.",
)
@click.option(
    "--tak-listen",
    multiple=True,
    metavar="URL",
    help="Move responders to the friendly positions their TAK clients report (udp:// the SA "
    "group, udp://HOST:PORT, tcp://HOST:PORT a TAK server, tcp://HOST:PORT?listen); "
    "repeatable.",
)
@click.option(
    "--callsigns",
    "callsigns_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='TOML of ASSET_ID = "CALLSIGN": the TAK callsign of each responder (default: its '
    "asset id).",
)
@click.option(
    "--follow",
    "follow_s",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Publish track updates, crossings and alerts other processes write to the store, "
    "checking this often (seconds; 0: off).",
)
def serve(
    store_path: Path,
    host: str,
    port: int,
    static_dir: Path | None,
    tak: tuple[str, ...],
    tak_listen: tuple[str, ...],
    callsigns_path: Path | None,
    follow_s: float,
) -> None:
    """Run the service: REST and the live stream under /api/v1, the web page at /."""
    import asyncio
    import signal

    from ..store import SQLiteStore
    from ..tak import read_callsigns
    from ._service import run_service

    if static_dir is None:
        from ..web import static_dir as built

        static_dir = built()  # the page made by `make web`, when it has been

    def ready() -> None:
        click.echo(f"northline serving {store_path} on http://{host}:{port}/", err=True)

    async def run(store: SQLiteStore) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_service(
            store, host=host, port=port, static_dir=static_dir, tak=tak, tak_listen=tak_listen,
            callsigns=read_callsigns(callsigns_path) if callsigns_path else None,
            follow_s=follow_s, stop=stop, on_ready=ready,
        )  # fmt: skip

    try:
        # The event loop runs in this thread, the one that opens the store.
        with SQLiteStore(store_path) as store:
            asyncio.run(run(store))
    except NorthlineError as exc:
        _fail(exc)


@click.group()
def users() -> None:
    """Add, list and disable the people (and machines) who sign in."""


@users.command("add")
@_store_option
@click.argument("user_id")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="What they do."
)
@click.option("--agency", required=True, help="Agency code, e.g. RCMP, CBSA, CBP.")
@click.option("--country", required=True, help="ISO 3166 alpha-3 country, e.g. CAN, USA.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin (without it: a machine user, "
    "signing in by API token only).",
)
def users_add(
    store_path: Path,
    user_id: str,
    name: str,
    role: str,
    agency: str,
    country: str,
    password_stdin: bool,
) -> None:
    """Create a user; the password is hashed (argon2id), never stored or shown."""
    from ..api import hash_password
    from ..store import SQLiteStore

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password is not None and len(password) < MIN_PASSWORD:
        click.echo(f"error: a password has at least {MIN_PASSWORD} characters", err=True)
        raise SystemExit(2)
    try:
        user = User(
            user_id=user_id,
            name=name,
            role=Role(role),
            agency=agency,
            country=country,
            created_t_s=time.time(),
        )
        with SQLiteStore(store_path) as store:
            store.add_user(user, hash_password(password) if password is not None else None)
            store.append_audit(
                t_s=time.time(),
                actor="system",
                action="create",
                record_kind="user",
                record_id=user_id,
                detail=f"role={role} via cli",
            )
    except NorthlineError as exc:
        _fail(exc)
    click.echo(json.dumps(to_dict(user)))


@users.command("list")
@_existing_store_option
def users_list(store_path: Path) -> None:
    """Every user as one JSON line (never a password hash)."""
    from ..store import SQLiteStore

    with SQLiteStore(store_path) as store:
        for user in store.users():
            click.echo(json.dumps(to_dict(user)))


@users.command("disable")
@_existing_store_option
@click.argument("user_id")
def users_disable(store_path: Path, user_id: str) -> None:
    """Disable a user: their tokens stop working at once."""
    from ..store import SQLiteStore

    try:
        with SQLiteStore(store_path) as store:
            user = store.set_user_disabled(user_id, True)
            store.append_audit(
                t_s=time.time(),
                actor="system",
                action="update",
                record_kind="user",
                record_id=user_id,
                detail="disabled via cli",
            )
    except NorthlineError as exc:
        _fail(exc)
    click.echo(json.dumps(to_dict(user)))


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@_existing_store_option
def audit_verify(store_path: Path) -> None:
    """Recompute the audit chain; exit 1 naming the first bad line when it is broken."""
    from ..store import SQLiteStore

    with SQLiteStore(store_path) as store:
        report = store.verify_audit()
    click.echo(json.dumps(to_dict(report)))
    if not report.ok:
        click.echo(f"audit chain broken at seq {report.first_bad_seq}: {report.problem}", err=True)
        raise SystemExit(1)


def register(group: click.Group) -> None:
    """Add ``serve``, ``users`` and ``audit`` to the main command group."""
    for command in (serve, users, audit):
        group.add_command(command)
