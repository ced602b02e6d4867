"""``WS /api/v1/live``: the hub's messages for one signed-in user.

Each text frame is a JSON array of messages ``{"type", "data"}``, oldest first: everything
that was waiting when the sender woke up. The token is checked again before a batch of
messages (at most once every :data:`RECHECK_MIN_S`) and at least every :data:`RECHECK_S`:
when it has expired or been revoked, or the user has been disabled, the socket is closed
(policy violation, reason ``unauthenticated``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from fastapi import Depends, FastAPI, WebSocket, WebSocketDisconnect
from starlette.status import WS_1008_POLICY_VIOLATION

from ..model import User
from ._auth import signed_in
from ._context import context
from ._permissions import PREFIX

__all__ = ["register"]

_USER = Depends(signed_in)
RECHECK_S = 30.0
"""The longest a live socket goes without its token being checked again."""


RECHECK_MIN_S = 1.0
FRAME_MESSAGES = 500
"""At most this many messages go in one frame (a JSON array)."""


async def _send(
    ws: WebSocket,
    wake: asyncio.Event,
    drain: Callable[[], list[str]],
    still_valid: Callable[[], bool],
) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=RECHECK_S)
        wake.clear()
        if not still_valid():
            await ws.close(WS_1008_POLICY_VIOLATION, reason="unauthenticated")
            return
        waiting = drain()
        # Whatever waited goes out together: one frame, not one per message, so a busy
        # picture costs the server one send per client per wake-up.
        for i in range(0, len(waiting), FRAME_MESSAGES):
            await ws.send_text("[" + ",".join(waiting[i : i + FRAME_MESSAGES]) + "]")


async def _receive(ws: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return


def register(app: FastAPI) -> None:
    @app.websocket(f"{PREFIX}/live")
    async def live(ws: WebSocket, user: User = _USER) -> None:
        """Live tracks, crossings, alerts and alert events the user may see."""
        ctx = context(ws)
        hub, token_hash = ctx.hub, ws.state.token_hash
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def poke() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: the client is too
                loop.call_soon_threadsafe(wake.set)

        checked = [float("-inf"), hub.access_generation]

        def still_valid() -> bool:
            # A busy picture wakes the sender many times a second: look the token up at most
            # once a second, and at once after any token was revoked or user disabled.
            now = time.monotonic()
            if now - checked[0] < RECHECK_MIN_S and checked[1] == hub.access_generation:
                return True
            checked[0], checked[1] = now, hub.access_generation
            return ctx.store.token_user(token_hash, ctx.clock()) is not None

        sub = hub.subscribe(user, wake=poke)
        try:
            await ws.accept()
            sender = asyncio.create_task(_send(ws, wake, sub.drain, still_valid))
            receiver = asyncio.create_task(_receive(ws))
            done, pending = await asyncio.wait(
                {sender, receiver}, return_when=asyncio.FIRST_COMPLETED
            )
            for t in pending:
                t.cancel()
            for t in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
            for t in done:
                exc = None if t.cancelled() else t.exception()
                if exc is not None and not isinstance(exc, (WebSocketDisconnect, RuntimeError)):
                    raise exc
        finally:
            hub.unsubscribe(sub)
