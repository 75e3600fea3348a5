"""Pages of merger proposals (并案侦查, MPS-2020 art 21(2)): the proposal page, its steps, proposing one.

Thin adapters over jurisdiction.merger.services, like the API. A proposal about cases the user sees neither
of is 404 on every page and form; a step the user may not take is 403; a step posted from a page
that has gone stale is 409 with the page as it is now; a refused input comes back on the form's
fields with everything typed kept (400). Each case is named only as far as the user may know it
(jurisdiction.merger.presenters). Forms post to their own URLs and work without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from cases.selectors import case_get_visible, case_visible_to
from core.exceptions import Conflict
from core.guards import RolesFirstMixin
from core.pages import StepView, next_steps
from jurisdiction.merger import presenters as present
from jurisdiction.merger import selectors, services
from jurisdiction.merger.forms import INTO_THIS, ProposeForm
from jurisdiction.merger.steps import MERGER_MACHINE
from jurisdiction.models import MergerProposal
from jurisdiction.permissions import MANAGERS
from organisation.pages import CaseDataPageMixin


def detail_url(proposal: MergerProposal) -> str:
    return reverse("mergers:detail", args=[proposal.pk])


def step_url(proposal: MergerProposal, name: str) -> str:
    return reverse("mergers:transition", args=[proposal.pk, name])


# --- the proposal page ---------------------------------------------------------------------------


def page_context(request, proposal: MergerProposal, *, bound=None, bound_step: str = "") -> dict:
    """Gather what the proposal page shows this user, with the steps of the machine they may take."""
    user = request.user
    visible = selectors.visible_case_ids(user, [proposal])
    selectors.proposals_read_record(user, visible, path=request.path)
    texts = present.texts_visible(proposal, user, visible)
    into, merged = present.sides(proposal, visible)
    return {
        "proposal": proposal,
        "into": into,
        "merged": merged,
        "sides": [
            {"role": _("Surviving case (its unit leads)"), "case": into},
            {"role": _("Case to merge into it"), "case": merged},
        ],
        # The breadcrumb's case: the one the user came from is one they see.
        "home_case": into if into.visible else merged if merged.visible else None,
        "consenting_unit": present.consenting_unit(proposal),
        "waiting_for": present.waiting_for(proposal),
        "offers": next_steps(
            MERGER_MACHINE,
            proposal,
            user,
            url_for=lambda name: step_url(proposal, name),
            bound=bound,
            bound_step=bound_step,
        ),
        "timeline": present.timeline(proposal, texts=texts),
        # The reasons, response and review note (jurisdiction.merger.presenters.texts_visible).
        "texts": texts,
    }


def _render_page(request, proposal, *, status: int = 200, bound=None, bound_step: str = ""):
    context = page_context(request, proposal, bound=bound, bound_step=bound_step)
    return render(request, "jurisdiction/merger_detail.html", context, status=status)


class MergerDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_page(request, selectors.proposal_get_visible(request.user, pk))


class MergerStepView(CaseDataPageMixin, StepView):
    """Consent, decline, approve, reject or withdraw from the proposal page."""

    machine = MERGER_MACHINE

    def get_object(self, request, pk: int):
        return selectors.proposal_get_visible(request.user, pk)

    def render_object(self, request, instance, *, status: int, bound=None, bound_step: str = ""):
        return _render_page(request, instance, status=status, bound=bound, bound_step=bound_step)

    def success_url(self, request, instance) -> str:
        return detail_url(instance)

    def refused_message(self) -> str:
        return _("You may not take this step on this proposal.")

    def conflict_message(self, instance) -> str:
        return _(
            "The proposal was changed by someone else and is now “%(state)s”. Check it and choose again."
        ) % {"state": instance.get_state_display()}


def _apply_errors(form, error: ValidationError, fields: dict[str, str | None]) -> None:
    """Put a service's ValidationError on the form, renaming the service's fields to the form's."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        target = fields.get(field, field)
        form.add_error(target if target in form.fields else None, messages_)


# --- proposing -----------------------------------------------------------------------------------


class MergerProposeView(CaseDataPageMixin, RolesFirstMixin, View):
    """Propose a merger of the case with another: the case panel's form, or this page without JavaScript."""

    # 403 before the form is read to one who may create none (issue 16).
    write_roles = MANAGERS

    def _render(self, request, case, form, status=200):
        template = (
            "jurisdiction/merger_propose_form.html" if request.htmx else "jurisdiction/merger_propose.html"
        )
        # htmx swaps only 2xx answers: an invalid form comes back in place as 200.
        return render(
            request,
            template,
            {
                "case": case,
                "form": form,
                "propose_url": reverse("mergers:propose", args=[case.pk]),
            },
            status=200 if request.htmx else status,
        )

    def _case(self, request, case_id: int):
        case = case_get_visible(request.user, case_id)
        if not present.may_propose(case, request.user):
            raise PermissionDenied
        return case

    def get(self, request, case_id: int):
        case = self._case(request, case_id)
        return self._render(request, case, ProposeForm(candidates=present.candidates(case, request.user)))

    def post(self, request, case_id: int):
        case = self._case(request, case_id)
        user = request.user
        candidates = present.candidates(case, user)
        form = ProposeForm(request.POST, candidates=candidates)
        if not form.is_valid():
            return self._render(request, case, form, status=400)
        values = form.cleaned_data
        other_field = form.other_field
        found = self._other(user, values, candidates)
        if found is None:
            message = (
                _("Choose one of the related cases listed.")
                if other_field == "other"
                else _("No case you can see or were told of by a related-case notice has this number.")
            )
            form.add_error(other_field, message)
            return self._render(request, case, form, status=400)
        other, match = found
        into_case, merged_case = (case, other) if values["direction"] == INTO_THIS else (other, case)
        other_key = "merged_case" if values["direction"] == INTO_THIS else "into_case"
        this_key = "into_case" if other_key == "merged_case" else "merged_case"
        try:
            proposal = services.merger_propose(
                into_case=into_case,
                merged_case=merged_case,
                by=user,
                ground=values["ground"],
                reasons=values["reasons"],
                match=match or selectors.notice_between(user, into_case, merged_case),
            )
        except ValidationError as error:
            _apply_errors(form, error, {other_key: other_field, "match": other_field, this_key: None})
            return self._render(request, case, form, status=400)
        except Conflict as error:
            form.add_error(None, str(error.message))
            return self._render(request, case, form, status=409)
        except PermissionDenied:
            form.add_error(
                None, _("Only the heads and legal officers of the unit handling the case may propose this.")
            )
            return self._render(request, case, form, status=403)
        messages.success(
            request,
            _("The merger is proposed; %(unit)s is asked to consent.")
            % {"unit": present.consenting_unit(proposal).name},
        )
        if request.htmx:
            return HttpResponseClientRedirect(detail_url(proposal))
        return redirect(detail_url(proposal))

    @staticmethod
    def _other(user, values: dict, candidates) -> tuple | None:
        """Return (other case, notice or None) the form names, or None when it names none the user knows."""
        if values.get("other"):
            chosen = next((c for c in candidates if str(c.match.pk) == values["other"]), None)
            return (chosen.other_case, chosen.match) if chosen is not None else None
        number = values["other_number"]
        seen = case_visible_to(user).filter(number=number).first()
        if seen is not None:
            return seen, None
        return selectors.notice_case(user, number=number)
