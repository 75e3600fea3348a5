"""Write every document kind's sample PDF and its page images under var/samples/ (`make document-samples`).

Each kind is rendered with its current template version and the rich sample data of documents.samples,
with a specimen seal (documents.seals.specimen_svg, plainly marked 样章) on the kinds that carry one, so
that anyone can look at what an officer would be asked to sign. Pages are PNG images from pdftoppm.
"""

import base64
import shutil
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from documents import kinds, rendering, samples, seals


class Command(BaseCommand):
    help = "Render every document kind's sample to var/samples/<kind>.pdf and <kind>-<page>.png."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.VAR_DIR) / "samples"), help="Output folder.")
        parser.add_argument("--resolution", type=int, default=80, help="PNG resolution in dpi.")
        parser.add_argument("kinds", nargs="*", help="Kind codes (all by default).")

    def handle(self, *args, **options):
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            raise CommandError("pdftoppm (poppler-utils) is needed: bin/ensure-system-packages test")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        codes = options["kinds"] or [spec.code for spec in kinds.all_kinds()]
        for code in codes:
            spec = kinds.get(code)
            snapshot = samples.sample_snapshot(code)
            if spec.sealed:
                svg = seals.specimen_svg(snapshot["issuing_unit"]["name"])
                snapshot["seal"] = {
                    "image": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
                    "specimen": True,
                }
            started = time.perf_counter()
            rendered = rendering.render_pdf(
                template_name=spec.template_for(),
                context=snapshot,
                verification_code=snapshot["verification_code"],
                title=f"{spec.title} {snapshot['number']}",
                author=snapshot["issuing_unit"]["name"],
            )
            seconds = time.perf_counter() - started
            pdf = out / f"{code}.pdf"
            pdf.write_bytes(rendered.content)
            for old in out.glob(f"{code}-*.png"):
                old.unlink()
            subprocess.run(  # noqa: S603
                [pdftoppm, "-png", "-r", str(options["resolution"]), str(pdf), str(out / code)], check=True
            )
            size = len(rendered.content) // 1024
            pages = rendered.pages
            self.stdout.write(
                f"{code} v{spec.template_version}: {pages} pages, {size} KB, {seconds:.2f} s: {pdf}"
            )
