"""Verification QR codes, drawn as vector SVG so the PDF needs no raster image and no network."""

from __future__ import annotations

import segno


def verification_qr_data_uri(payload: str) -> str:
    """Return an SVG data URI of a QR code for ``payload`` (the verification URL, else the code).

    Error level M survives a stamp or a fold across the code; the quiet zone is kept because the
    code sits next to text in the page margin and a scanner needs it.
    """
    if not payload:
        raise ValueError("A verification QR code needs a payload")
    qr = segno.make(payload, error="m", micro=False)
    return qr.svg_data_uri(scale=1, border=2, dark="#000", xmldecl=False, nl=False)
