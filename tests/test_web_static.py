"""The built page on its own, served by Python's http.server from 127.0.0.1: it loads, shows
the sign-in form and asks nothing of any other host (no CDN, fonts, glyphs or tiles)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from _browser import RecordedPage, browser, built_static, new_page

__all__ = ["browser", "built_static", "new_page"]  # fixtures, re-exported for pytest


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def static_url(built_static: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(built_static))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_built_assets_are_local(built_static: Path) -> None:
    index = (built_static / "index.html").read_text()
    assert "http://" not in index
    assert "https://" not in index
    assert list((built_static / "assets").glob("*.js")), "no script in the build"


def test_page_loads_without_outside_requests(
    static_url: str, new_page: Callable[[str], RecordedPage]
) -> None:
    rec = new_page("static")
    rec.page.goto(static_url)
    rec.page.wait_for_selector("#login-form", state="visible")
    rec.page.wait_for_function("() => window.northline && window.northline.map")
    rec.page.wait_for_timeout(500)
    rec.screenshot("login")
    assert rec.outside() == []
    assert rec.errors == []
    assert rec.page.locator("#app").is_hidden()
    assert rec.page.locator("#map").get_attribute("data-ready") == "false"


def test_the_page_offers_exactly_the_outcomes_the_service_takes() -> None:
    import re

    from northline.alerts import Outcome

    source = (Path(__file__).resolve().parents[1] / "web" / "src" / "alerts.ts").read_text()
    block = re.search(r"const OUTCOMES = \[(.*?)\];", source, re.S)
    assert block is not None, "web/src/alerts.ts has no OUTCOMES list"
    assert re.findall(r'"(\w+)"', block.group(1)) == [o.value for o in Outcome]
