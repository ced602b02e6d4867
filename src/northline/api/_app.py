"""The application: routes, the permission check on every one of them, errors and assets."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..model import InvalidInput
from ..store import Store
from . import (
    _basemap,
    _live,
    _routes_access,
    _routes_alerts,
    _routes_picture,
    _routes_response,
)
from ._auth import authorize
from ._context import Context, OnTasking
from ._errors import ERROR_RESPONSES, install_error_handlers
from ._hub import QUEUE_SIZE, Hub
from ._permissions import PREFIX

__all__ = ["TOKEN_TTL_S", "create_app"]

TOKEN_TTL_S = 8 * 3600.0
"""How long a session token from signing in lasts: one shift."""

_DESCRIPTION = """\
Northline's service: the operational picture (sensors, tracks, crossings), the alert queue,
responders and a person's dispatch decisions on the recommendations, response measures,
quarantined input, users, API tokens and the audit log, and a live WebSocket stream
(`/api/v1/live?token=`). Sign in at `/api/v1/auth/login` and send
`Authorization: Bearer <token>`. Every error is `{"error": {"code", "message", "context"}}`.
Records are filtered by the caller's markings: what may not be released to the caller's
country is left out of lists and is 404 by id.
"""


def create_app(
    store: Store,
    *,
    data_dir: Path | None = None,
    clock: Callable[[], float] = time.time,
    token_ttl_s: float = TOKEN_TTL_S,
    static_dir: Path | None = None,
    queue_size: int = QUEUE_SIZE,
    on_tasking: Iterable[OnTasking] = (),
    on_stand_down: Iterable[OnTasking] = (),
) -> FastAPI:
    """The FastAPI app over ``store``.

    ``data_dir`` holds the basemap (default: the data directory in force), ``clock`` gives
    UTC epoch seconds (token expiry, audit times, alert steps), ``static_dir`` the built web
    page served at ``/``. The live hub is ``app.state.hub``: publish records to it.
    ``on_tasking`` are called as ``fn(alert, asset, decision)`` after every tasking a person
    makes (a dispatch accepted or changed), e.g. to send it to the unit over TAK; what one
    raises is logged and does not fail the request. ``on_stand_down`` are called the same way,
    with the unit a later decision (a decline, or another unit sent) stood down.
    """
    if token_ttl_s <= 0:
        raise InvalidInput("a token lives a positive number of seconds", field="token_ttl_s")
    app = FastAPI(
        title="Northline",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        dependencies=[Depends(authorize)],
        responses=ERROR_RESPONSES,
    )
    hub = Hub(queue_size=queue_size)
    app.state.hub = hub
    app.state.ctx = Context(
        store=store,
        clock=clock,
        token_ttl_s=token_ttl_s,
        data_dir=data_dir,
        hub=hub,
        on_tasking=tuple(on_tasking),
        on_stand_down=tuple(on_stand_down),
    )
    install_error_handlers(app)
    for module in (
        _routes_access,
        _routes_picture,
        _routes_alerts,
        _routes_response,
        _basemap,
        _live,
    ):
        module.register(app)
    if static_dir is not None:
        if not Path(static_dir).is_dir():
            raise InvalidInput(f"no directory {static_dir} for the web page", field="static_dir")
        app.mount("/", StaticFiles(directory=static_dir, html=True), name="web")
    return app
