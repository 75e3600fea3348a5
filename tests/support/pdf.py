"""Read PDFs back with poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.core.files import File

POPPLER_TIMEOUT = 60


def poppler(*args: str | Path) -> str:
    """Run a poppler-utils command and return its standard output."""
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, check=True, timeout=POPPLER_TIMEOUT
    ).stdout


def pdf_bytes(pdf) -> bytes:
    """Return the bytes of a PDF given as bytes, a path, a stored file or a row with a `file`."""
    if isinstance(pdf, bytes):
        return pdf
    if isinstance(pdf, str | Path):
        return Path(pdf).read_bytes()
    stored = pdf if isinstance(pdf, File) else pdf.file
    with stored.open("rb") as handle:
        return handle.read()


def pdf_text(pdf, *options: str, squeeze: bool = False) -> str:
    """Return the text pdftotext reads from a PDF (`-layout` unless options are given).

    `squeeze` drops every white space, so that a phrase wrapped across lines still reads whole.
    """
    result = subprocess.run(
        ["pdftotext", *(options or ("-layout",)), "-", "-"],
        input=pdf_bytes(pdf),
        capture_output=True,
        check=True,
        timeout=POPPLER_TIMEOUT,
    )
    text = result.stdout.decode()
    return re.sub(r"\s+", "", text) if squeeze else text
