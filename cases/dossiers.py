"""Case dossiers (卷宗): a cover page, a table of contents and every issued document of a case, one PDF.

Which documents belong to a case is answered by the registered dossier sources: cases itself
contributes the documents linked to the case ("cases.case"); apps above it (assistance requests)
register a source naming their own link type and the ids of their objects on the case, so cases
never imports them. Only documents the requester may see go in, and a dossier is shown and
downloaded by its requester alone (while they still see the case), so a dossier never shows anyone
a document their own access would hide.

`dossier_request` writes the dossier and an outbox message (topic "cases.dossier") in the caller's
transaction. The outbox runs its handlers inside the delivery transaction, where progress written
would stay invisible until the end, so the handler hands the build to a Celery task once that
transaction commits; the task writes its progress after each document in a transaction of its own.
The build is idempotent: a finished dossier is left alone, and the PDF goes to a path derived from
the dossier, replacing whatever a crashed earlier attempt left there, so there is only ever one file.

The hand-over to Celery happens after the outbox message is delivered, so a broker that is down at
that moment, or a worker killed mid-build, would leave the dossier queued or building for ever: the
periodic job "cases.dossier_requeue" hands every dossier whose clock (`updated_at`, written at each
step) has stood still for DOSSIER_STALE_SECONDS to Celery again, and a build refuses to start while
another one is still advancing.
"""

import datetime
import hashlib
import logging
import posixpath
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from cases import panels
from cases.models import Case, CaseDossier, DossierState
from cases.selectors import case_visible_to, grant_uses_record
from core import audit, outbox, periodic
from core.grading import grade_text
from core.registry import Registry
from documents.access import document_visible_to
from documents.models import Document, DocumentState, RenderState
from documents.services import document_copy_render, watermark_text

logger = logging.getLogger(__name__)

TOPIC = "cases.dossier"
CASE_LINK = "cases.case"
COVER_TEMPLATE = "cases/dossier_cover.html"
PDFUNITE = shutil.which("pdfunite") or "/usr/bin/pdfunite"
DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"
BUSY = "busy"
STALE_AFTER_SECONDS = int(getattr(settings, "DOSSIER_STALE_SECONDS", 300))
UNFINISHED = (DossierState.QUEUED, DossierState.BUILDING)

# --- which documents belong to a case ------------------------------------------------------------

DossierSource = Callable[[Case], tuple[str, Iterable]]
dossier_sources: Registry[str, DossierSource] = Registry("case dossier sources")


def register_source(name: str, func: DossierSource) -> DossierSource:
    """Register a source: `func(case)` returns (link_target_type, ids of the linked objects on the case)."""
    return dossier_sources.add(name, func)


def unregister_source(name: str) -> None:
    dossier_sources.remove(name)


register_source(CASE_LINK, lambda case: (CASE_LINK, [case.pk]))


def case_documents(case: Case, user) -> list[Document]:
    """Return the issued documents of the case that the user may see, in the order they were issued."""
    condition = Q(pk__in=[])
    for func in dossier_sources.values():
        link_type, ids = func(case)
        ids = [str(pk) for pk in ids]
        if ids:
            condition |= Q(link_target_type=link_type, link_target_id__in=ids)
    documents = (
        Document.objects.filter(condition, state=DocumentState.ISSUED)
        .select_related("issuing_unit")
        .order_by("issued_at", "id")
    )
    return [document for document in documents if document_visible_to(user, document)]


# --- reads ---------------------------------------------------------------------------------------


def dossiers_visible_to(user) -> QuerySet[CaseDossier]:
    """Return the user's own dossiers of cases they still see (the dossier's read rule, issue 16)."""
    if getattr(user, "pk", None) is None:
        return CaseDossier.objects.none()
    return CaseDossier.objects.filter(requested_by_id=user.pk, case__in=case_visible_to(user).values("pk"))


def dossier_get_visible(user, case_pk, dossier_pk, *, path: str = "") -> CaseDossier:
    """Return the user's own dossier of a case they see; raise Http404 otherwise.

    Showing it is a use of an access grant when only a grant opens the case (audited with `path`).
    """
    case = case_visible_to(user).filter(pk=case_pk).first()
    dossier = None
    if case is not None:
        dossier = dossiers_visible_to(user).filter(case=case, pk=dossier_pk).first()
    if dossier is None:
        raise Http404
    grant_uses_record(user, [case.pk], path=path)
    dossier.case = case
    return dossier


def dossier_latest(case: Case, user) -> CaseDossier | None:
    return CaseDossier.objects.filter(case=case, requested_by=user).order_by("-id").first()


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def dossier_request(*, case: Case, by, path: str = "") -> CaseDossier:
    """Queue a dossier of a case `by` sees (Http404 otherwise); an unfinished one is returned as is.

    A dossier gathers the case: asking for one through an access grant is a use of it (audited).
    """
    if not case_visible_to(by).filter(pk=case.pk).exists():
        raise Http404
    grant_uses_record(by, [case.pk], path=path)
    pending = (
        CaseDossier.objects.filter(case=case, requested_by=by)
        .exclude(state__in=[DossierState.DONE, DossierState.FAILED])
        .order_by("-id")
        .first()
    )
    if pending is not None:
        return pending
    dossier = CaseDossier.objects.create(case=case, requested_by=by)
    audit.record(action="cases.dossier.request", actor=by, target=case, payload={"dossier": dossier.pk})
    outbox.enqueue(topic=TOPIC, payload={"dossier_id": dossier.pk}, key=f"{TOPIC}:{dossier.pk}")
    return dossier


@transaction.atomic
def dossier_download(*, dossier: CaseDossier, by, channel: str = "web") -> CaseDossier:
    """Audit the download of a finished dossier (the caller found it through dossier_get_visible)."""
    if dossier.state != DossierState.DONE or not dossier.file:
        raise Http404
    audit.record(
        action="cases.dossier.download",
        actor=by,
        target=dossier.case,
        payload={"dossier": dossier.pk, "sha256": dossier.sha256, "channel": channel},
    )
    return dossier


# --- the build -----------------------------------------------------------------------------------


def dossier_file_name(dossier: CaseDossier) -> str:
    return posixpath.join("dossiers", str(dossier.case_id), f"{dossier.pk}.pdf")


def _save_progress(dossier_id: int, **fields) -> None:
    # Its own transaction (the build runs outside any), so a polling page sees each step at once.
    with transaction.atomic():
        CaseDossier.objects.filter(pk=dossier_id).update(updated_at=timezone.now(), **fields)


def _stale_before():
    return timezone.now() - datetime.timedelta(seconds=STALE_AFTER_SECONDS)


def _entries(documents: list[Document], first_page: int) -> list[dict]:
    entries, page = [], first_page
    for index, document in enumerate(documents, start=1):
        entries.append(
            {
                "index": index,
                "number": document.number,
                "title": document.title,
                "unit": document.issuing_unit.name,
                "issued": timezone.localtime(document.issued_at).date() if document.issued_at else None,
                "page": page,
                "pages": document.pages or 0,
            }
        )
        page += document.pages or 0
    return entries


def _render_front(dossier: CaseDossier, documents: list[Document], *, built_at=None):
    """Render the cover and the table of contents, whose page numbers depend on its own length."""
    from documents import rendering

    case = dossier.case
    requester = getattr(dossier.requested_by, "display_name", "") or dossier.requested_by.get_username()
    built_at = built_at or timezone.now()
    with translation.override("zh-hans"):  # printed in Chinese like the forms
        handling = " · ".join(
            part
            for part in (
                str(case.get_handling_code_display()),
                grade_text(case.source_reliability, case.information_accuracy),
            )
            if part
        )
    watermark = rendering.drawable_text(watermark_text(viewer=dossier.requested_by, at=built_at))
    front_pages, rendered = 1, None
    for _attempt in range(4):
        context = {
            "case_name": case.name,
            "case_number": case.number,
            "unit_name": (case.lead_unit or case.accepting_unit).name,
            "built_at": timezone.localtime(built_at).date(),
            "requested_by": requester,
            "handling": handling,
            "entries": _entries(documents, first_page=front_pages + 1),
        }
        rendered = rendering.render_pdf(
            template_name=COVER_TEMPLATE,
            context=context,
            verification_code=f"DOSSIER-{dossier.pk}",
            title=f"{case.name} 卷宗",
            author=context["unit_name"],
            watermark=watermark,
        )
        if rendered.pages == front_pages:
            break
        front_pages = rendered.pages
    return rendered


def _merge(parts: list[bytes]) -> bytes:
    """Concatenate PDFs with poppler's pdfunite (neither pypdf nor pikepdf nor qpdf is installed)."""
    if len(parts) == 1:
        return parts[0]
    with tempfile.TemporaryDirectory(prefix="dossier-") as directory:
        paths = []
        for index, content in enumerate(parts):
            path = Path(directory) / f"{index:04d}.pdf"
            path.write_bytes(content)
            paths.append(str(path))
        out = Path(directory) / "dossier.pdf"
        # Fixed arguments, no shell: the program and our own temporary paths only.
        subprocess.run(  # noqa: S603
            [PDFUNITE, *paths, str(out)], check=True, capture_output=True, timeout=300
        )
        return out.read_bytes()


def dossier_build(dossier_id: int) -> str:
    """Build a queued dossier; return done, failed, skipped or busy. Safe to run again."""
    with transaction.atomic():
        dossier = (
            CaseDossier.objects.select_for_update(of=("self",))
            .select_related("case__lead_unit", "case__accepting_unit", "requested_by")
            .filter(pk=dossier_id)
            .first()
        )
        if dossier is None:
            return SKIPPED
        if dossier.state == DossierState.DONE:
            return DONE
        if dossier.state == DossierState.BUILDING and dossier.updated_at > _stale_before():
            return BUSY  # another worker is still advancing it
        dossier.state, dossier.progress, dossier.done_count, dossier.error = DossierState.BUILDING, 0, 0, ""
        dossier.updated_at = timezone.now()
        dossier.save(update_fields=["state", "progress", "done_count", "error", "updated_at"])
    built_at = timezone.now()
    try:
        documents = case_documents(dossier.case, dossier.requested_by)
        total = len(documents)
        _save_progress(dossier_id, total=total)
        parts = []
        for count, document in enumerate(documents, start=1):
            if document.render_state != RenderState.DONE:
                from documents.tasks import render_document

                render_document(document.pk)
                document.refresh_from_db()
            if document.render_state != RenderState.DONE or not document.file:
                raise RuntimeError(f"Document {document.number or document.pk} has no rendered PDF")
            # Each part is a copy stamped with the requester and the build time (issue 7 item 4),
            # as a download of the document alone would be; the stored original stays as it is.
            # Unsigned: pdfunite keeps no signature, so signing each part would only cost time.
            parts.append(
                document_copy_render(
                    document=document, viewer=dossier.requested_by, at=built_at, signed=False
                )
            )
            # The last step (cover, contents, merge) counts as one more document.
            _save_progress(dossier_id, done_count=count, progress=count * 100 // (total + 1))
        front = _render_front(dossier, documents, built_at=built_at)
        content = _merge([front.content, *parts])
        pages = front.pages + sum(document.pages or 0 for document in documents)
    except Exception as exc:
        logger.exception("Dossier %s could not be built", dossier_id)
        _save_progress(dossier_id, state=DossierState.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        return FAILED
    with transaction.atomic():
        dossier = CaseDossier.objects.select_for_update().get(pk=dossier_id)
        if dossier.state == DossierState.DONE:
            return DONE  # a concurrent build finished first; its file stands
        name = dossier_file_name(dossier)
        if default_storage.exists(name):
            default_storage.delete(name)
        dossier.file.name = default_storage.save(name, ContentFile(content))
        dossier.sha256 = hashlib.sha256(content).hexdigest()
        dossier.pages = pages
        dossier.state, dossier.progress, dossier.done_count = DossierState.DONE, 100, len(documents)
        dossier.updated_at = timezone.now()
        dossier.save()
    return DONE


@shared_task(name="cases.dossiers.build_dossier", ignore_result=True)
def build_dossier_task(dossier_id: int) -> str:
    return dossier_build(dossier_id)


@outbox.handler(TOPIC)
def _build_message(payload: dict, *, key: str) -> None:
    dossier_id = payload["dossier_id"]
    transaction.on_commit(lambda: build_dossier_task.delay(dossier_id), robust=True)


@periodic.register("cases.dossier_requeue", every_seconds=max(30, STALE_AFTER_SECONDS // 5))
def dossier_requeue_stale() -> int:
    """Hand every stale unfinished dossier to Celery again; return how many were handed over."""
    stale = CaseDossier.objects.filter(state__in=UNFINISHED, updated_at__lt=_stale_before())
    stale = list(stale.order_by("pk").values_list("pk", flat=True))
    handed = 0
    for dossier_id in stale:
        try:
            build_dossier_task.delay(dossier_id)
        except Exception:  # the broker is still away: the next round tries again
            logger.warning("Dossier %s could not be queued; next round retries", dossier_id, exc_info=True)
            break
        handed += 1
    if stale:
        logger.info("Re-queued %s of %s stale dossiers", handed, len(stale))
    return handed


# --- the case page -------------------------------------------------------------------------------


@panels.register("dossier")
def dossier_panel(case, user) -> panels.CasePanel:
    """Offer to build the dossier, and show the user's latest one (its progress or its download)."""
    dossier = dossier_latest(case, user)
    if dossier is not None:
        dossier.case = case
    return panels.CasePanel(
        template="cases/dossier_panel.html",
        context={"case": case, "dossier": dossier, "build_url": reverse("cases:dossier-new", args=[case.pk])},
        order=80,
    )
