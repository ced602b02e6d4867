"""What every endpoint works with: the store, the clock, the live hub, the audit log and who
to tell of a tasking.

The store is called from the event loop's thread only (every endpoint is ``async``): one
SQLite connection, never shared between threads, and quick reads of an embedded database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import HTTPConnection

from ..model import Alert
from ..response import Asset, DispatchDecision
from ..store import Store
from ._hub import Hub

__all__ = ["Context", "OnTasking", "context"]

OnTasking = Callable[[Alert, Asset, DispatchDecision], None]
"""Told of every tasking a person made (accept or change): the alert, the responder sent (as
it is after the tasking) and the decision."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    store: Store
    clock: Callable[[], float]
    token_ttl_s: float
    data_dir: Path | None
    hub: Hub
    on_tasking: tuple[OnTasking, ...] = ()
    on_stand_down: tuple[OnTasking, ...] = ()

    def audit(
        self, actor: str, action: str, record_kind: str, record_id: str, detail: str = ""
    ) -> None:
        """One line in the hash-chained audit log, now."""
        self.store.append_audit(
            t_s=self.clock(),
            actor=actor,
            action=action,
            record_kind=record_kind,
            record_id=record_id,
            detail=detail,
        )


def context(conn: HTTPConnection) -> Context:
    ctx: Context = conn.app.state.ctx
    return ctx
