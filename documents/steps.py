"""The steps of a document's approval chain, issue, correction and revocation, declared once (core.steps)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.registry import Registry
from core.steps import DANGER, PRIMARY, Machine, Step
from documents import services
from documents.forms import ReasonForm
from documents.models import Document


def _chain_step(document, name, *, by, expected_state=None, reason=""):
    return services.document_transition(
        document=document, name=name, by=by, reason=reason, expected_state=expected_state
    )


def _issue(document, name, *, by, expected_state=None, reason=""):
    # "issue" takes the transition the document's chain has: issue, or issue_external for a document
    # its linking object approved (documents.presenters.document_steps offers it under this name).
    return services.document_issue(document=document, by=by, expected_state=expected_state)


def _revoke(document, name, *, by, expected_state=None, reason=""):
    return services.document_revoke(document=document, by=by, reason=reason, expected_state=expected_state)


def _correct(document, name, *, by, expected_state=None, reason=""):
    return services.document_correct(document=document, by=by, reason=reason, expected_state=expected_state)


_SERVICES = {"issue": _issue, "revoke": _revoke, "correct": _correct}


def _take_document_step(document, name, *, by, expected_state=None, **values):
    """Take a step through its service; answer the document it leaves (the draft a correction or a
    revocation makes)."""
    return _SERVICES.get(name, _chain_step)(document, name, by=by, expected_state=expected_state, **values)


@dataclass(frozen=True)
class InboxListing:
    """How a process's inbox lists its documents waiting for a step: the kind, the object it names."""

    kind: str
    object_type: str
    leaves_out: tuple[str, ...] = ()  # document kinds with no chain of their own (a handover list)


# The processes whose inbox lists their documents waiting for a step, by link type; the apps above
# fill it from ready() (a jurisdiction proceeding's documents today).
inbox_listings: Registry[str, InboxListing] = Registry("document inbox listings")


def _waits_in_an_inbox(document) -> bool:
    """Its process's inbox lists it (a jurisdiction proceeding's documents, today)."""
    listing = inbox_listings.get(document.link_target_type)
    return listing is not None and document.kind not in listing.leaves_out


def _inbox_object(document) -> tuple[str, str]:
    listing = inbox_listings.get(document.link_target_type)
    if listing is None:
        return ("documents.document", str(document.pk))
    return (listing.object_type, str(document.link_target_id))


def _listed_kinds() -> tuple[str, ...]:
    return tuple(sorted({listing.kind for listing in inbox_listings.values()}))


DOCUMENT_MACHINE = Machine(
    Document,
    [
        Step(
            "submit_for_review",
            _("Submit for legal review"),
            emphasis=PRIMARY,
            waiting=_waits_in_an_inbox,
            help=_("The legal officer of the unit reviews it next."),
            form=ReasonForm,
        ),
        Step(
            "submit_for_approval",
            _("Submit for approval"),
            emphasis=PRIMARY,
            waiting=_waits_in_an_inbox,
            help=_("The head of the unit approves it next."),
            form=ReasonForm,
        ),
        Step(
            "approve_review",
            _("Pass the legal review"),
            emphasis=PRIMARY,
            waiting=_waits_in_an_inbox,
            form=ReasonForm,
        ),
        Step("approve", _("Approve"), emphasis=PRIMARY, waiting=_waits_in_an_inbox, form=ReasonForm),
        Step(
            "send_back",
            _("Send back to the drafter"),
            emphasis=DANGER,
            form=ReasonForm,
            confirm=_("Send the document back to its drafter with the reason."),
        ),
        # Issuing follows the process the document belongs to (a proceeding's designation, say):
        # no inbox lists an approved document (waiting=False).
        Step(
            "issue",
            _("Sign and issue"),
            emphasis=PRIMARY,
            waiting=False,
            help=_("It gets its number and its PDF; it cannot be changed afterwards."),
        ),
        # Ending an issued document: each drafts the later document, which goes through its own
        # approval; the document stands until that one is issued (issue 19 item 7).
        Step(
            "correct",
            _("Draft a correction (更正)"),
            form=ReasonForm,
            help=_(
                "Drafts a corrected document for the approval chain; once it is issued this one is "
                "superseded and verification names the correction."
            ),
        ),
        Step(
            "revoke",
            _("Draft a revocation decision (撤销)"),
            emphasis=DANGER,
            form=ReasonForm,
            help=_(
                "Drafts a 撤销决定书 for legal review and the head's approval; once it is issued this "
                "document is revoked and each recipient is served the decision."
            ),
            confirm=_("Draft a 撤销决定书 revoking this document."),
        ),
    ],
    run=_take_document_step,
    inbox_kinds=_listed_kinds,
    inbox_object=_inbox_object,
)
