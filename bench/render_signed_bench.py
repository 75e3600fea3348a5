"""Benchmark rendering with the PAdES signature every issued document now carries (issue 19 item 5).

Run: DEBUG=true .venv/bin/python bench/render_signed_bench.py [-n 15]
Like render_bench.py (same kinds, same sample snapshots, same budgets: < 0.5 s per page, < 300 KB),
but each render is finished by documents.signing with an ECDSA P-256 unit certificate of a throwaway
demo CA (made in memory, no database): the time is render plus signature, the size the signed file's.
Writes its section of bench/RESULTS.md (between the render-signed-bench markers).
"""

from __future__ import annotations

import argparse
import datetime
import logging
import statistics
import sys
import time

from common import django_setup, write_section
from render_bench import BUDGET_BYTES, BUDGET_SECONDS, weasyprint_machine


def throwaway_credential():
    """Return a LoadedCredential of a unit certified by a CA made here, in memory only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from django.utils import timezone

    from documents.models import SigningCredential
    from documents.pki import LoadedCredential

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = timezone.now()
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("bench CA"))
        .issuer_name(name("bench CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name("成都市公安局武侯区分局"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    return LoadedCredential(credential=SigningCredential(), key=key, certificate=certificate, chain=(ca,))


def bench(label: str, template: str, context: dict, runs: int, credential) -> dict:
    from documents.rendering import render_pdf
    from documents.signing import sign_pdf

    def sign(content: bytes) -> bytes:
        return sign_pdf(
            content,
            credential,
            reason="文书编号：成武公（刑）协字〔2026〕17号",
            name="成都市公安局武侯区分局",
        )

    def render(signed: bool):
        return render_pdf(
            template_name=template,
            context=context,
            verification_code="LB7K-3QX9-M2PD",
            verification_url="https://lianban.example/verify/LB7K3QX9M2PD",
            title=context.get("title", ""),
            author="成都市公安局武侯区分局",
            sign=sign if signed else None,
        )

    first = render(True)  # loads fonts, cmaps and pyHanko: not measured
    plain, signed = [], []
    for _ in range(runs):
        started = time.perf_counter()
        unsigned = render(False)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        rendered = render(True)
        signed.append(time.perf_counter() - started)
    return {
        "label": label,
        "pages": first.pages,
        "plain": statistics.median(plain),
        "signed": statistics.median(signed),
        "max": max(signed),
        "plain_bytes": len(unsigned.content),
        "bytes": len(rendered.content),
    }


def write_results(rows: list[dict], runs: int) -> str:
    lines = [
        "## Document rendering with the signature (`bench/render_signed_bench.py`)",
        "",
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {weasyprint_machine()}.",
        "",
        f"Median of {runs} renders each way in one warm process: unsigned, and signed (PAdES B-B, ECDSA "
        "P-256, SHA-256, unit certificate and CA embedded) as every issued document and download now "
        "is. Budget: < 0.5 s per page and < 300 KB, read on the signed file.",
        "",
        "| Form | Pages | Unsigned (s) | Signed (s) | Signed per page (s) | Max (s) | Unsigned (KB) "
        "| Signed (KB) | Budget |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        per_page = row["signed"] / row["pages"]
        within = "ok" if per_page < BUDGET_SECONDS and row["bytes"] < BUDGET_BYTES else "OVER"
        cells = [
            row["label"],
            str(row["pages"]),
            f"{row['plain']:.3f}",
            f"{row['signed']:.3f}",
            f"{per_page:.3f}",
            f"{row['max']:.3f}",
            f"{row['plain_bytes'] / 1024:.1f}",
            f"{row['bytes'] / 1024:.1f}",
            within,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return write_section("render-signed-bench", lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--runs", type=int, default=15)
    args = parser.parse_args()

    django_setup()
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    from documents import kinds
    from documents.samples import sample_snapshot

    credential = throwaway_credential()
    rows = [
        bench(spec.title, spec.template_for(), sample_snapshot(spec.code), args.runs, credential)
        for spec in kinds.all_kinds()
    ]
    print(write_results(rows, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
