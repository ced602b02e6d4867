"""The PDF of a report: the same HTML printed by headless Chromium (Debian's ``chromium``).

Chromium runs in a subprocess with a temporary profile, no network use of its own and a
timeout; ``--no-pdf-header-footer`` leaves the page footer to the report's CSS ``@page``
margin boxes (page numbers and the generated-at stamp; Chromium 131 or later).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..model import NorthlineError

__all__ = ["CHROMIUM_ENV", "PdfUnavailable", "find_chromium", "write_pdf"]

CHROMIUM_ENV = "NORTHLINE_CHROMIUM"
_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")


class PdfUnavailable(NorthlineError):
    """No browser to print the PDF with, or it failed; the HTML report is still written."""

    code = "pdf_unavailable"


def find_chromium() -> Path:
    """``NORTHLINE_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else ``chromium`` on PATH."""
    configured = os.environ.get(CHROMIUM_ENV, "").strip()
    for name in (configured,) if configured else _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise PdfUnavailable(
        "no Chromium to print the PDF with: install Debian's chromium (apt-get install "
        f"chromium) or set {CHROMIUM_ENV} to a Chromium executable; the HTML report is "
        "written regardless",
        looked_for=[configured] if configured else list(_CANDIDATES),
    )


def write_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 120.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; :class:`PdfUnavailable`
    when there is none, it fails, or it takes longer than ``timeout_s``."""
    exe = find_chromium()
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="northline-chromium-") as profile:
        cmd = [
            str(exe),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(
                f"Chromium did not print {html_path.name} within {timeout_s:g} s",
                command=cmd,
            ) from exc
        except OSError as exc:
            raise PdfUnavailable(f"cannot run {exe}: {exc}", command=cmd) from exc
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-5:]
        raise PdfUnavailable(
            f"Chromium failed to print {html_path.name} (exit {done.returncode}): "
            + " | ".join(tail),
            command=cmd,
        )
    return pdf_path
