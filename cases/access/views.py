"""Pages of access requests: ask for access from a search hit, decide, follow one's own requests.

Thin adapters over cases.access, like the API. The request form (`/cases/<pk>/request-access/`)
opens only from the user's own search hit, whose link carries a signed, short-lived token
(`?hit=`, cases.access.services.search_hit_check), and shows what the hit showed; the owning unit's
list (`/access-requests/`) carries the steps' forms inline; `/access-requests/mine/` lists the
user's own requests. A request the user may not see is 404, as is the form without a valid hit or
for a case they may no longer discover. A request shows its case and the requester's purpose case
only as far as the viewer may see each now (`selectors.access_requests_shown`, issue 16). The steps
(grant, refuse, withdraw) and their forms come from the request's machine (cases.access.steps).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases.access import selectors, services
from cases.access.forms import AccessRequestForm
from cases.access.steps import ACCESS_REQUEST_MACHINE
from cases.models import AccessRequestState, CaseAccessRequest, HandlingCode
from cases.selectors import case_discoverable_by, case_discovery_summary, case_visible_to
from core.exceptions import Conflict
from core.ids import id_or_none
from core.pages import StepView, apply_errors, next_steps
from core.workflow import timeline_for
from organisation.pages import CaseDataPageMixin

PAGE_SIZE = 50

TIMELINE_LABELS = {
    **{step.name: step.label for step in ACCESS_REQUEST_MACHINE.steps},
    "created": gettext_lazy("Access requested"),
}
STATE_LABELS = dict(AccessRequestState.choices)
# Where a step taken from a list returns to (the `next` of its form).
LISTS = ("access:list", "access:mine")


def _decorate(access_request: CaseAccessRequest, user, *, bound=None, bound_step="") -> CaseAccessRequest:
    # Not `grant`: that is the transition method the steps call.
    access_request.grant_shown = selectors.grant_of(access_request)
    access_request.decisions = next_steps(
        ACCESS_REQUEST_MACHINE,
        access_request,
        user,
        url_for=lambda name: reverse("access:transition", args=[access_request.pk, name]),
        bound=bound,
        bound_step=bound_step,
    )
    for offer in access_request.decisions:
        # Several requests' forms share the list page: their ids must not collide.
        offer.form.auto_id = f"id_{offer.name}_{access_request.pk}_%s"
    return access_request


def _page(queryset, request):
    before = id_or_none(request.GET.get("before", ""))
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset.order_by("-id")[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], (rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None), before is not None


class AccessRequestCreateView(CaseDataPageMixin, View):
    """Ask the owning unit of a case found by search for access to it."""

    template_name = "cases/access/request_form.html"

    def _case(self, request, pk):
        # The hit first: without it the page does not exist, whatever the case (issue 16, leak 4).
        self.search_event_id = services.search_hit_check(request.user, request.GET.get("hit"), case_id=pk)
        case = (
            case_discoverable_by(request.user)
            .select_related("accepting_unit", "lead_unit")
            .filter(pk=pk)
            .first()
        )
        if case is None:
            raise Http404
        return case

    def _purpose_cases(self, request):
        return list(case_visible_to(request.user).exclude(number="").order_by("-id")[:100])

    def _render(self, request, case, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "case": case,
                "summary": case_discovery_summary(case),
                "is_normal": case.handling_code == HandlingCode.NORMAL,
                "form": form,
                "hit": request.GET.get("hit", ""),
            },
            status=status,
        )

    def get(self, request, pk: int):
        case = self._case(request, pk)
        if case_visible_to(request.user).filter(pk=case.pk).exists():
            return redirect("cases:detail", pk=case.pk)
        return self._render(request, case, AccessRequestForm(purpose_cases=self._purpose_cases(request)))

    def post(self, request, pk: int):
        case = self._case(request, pk)
        form = AccessRequestForm(request.POST, purpose_cases=self._purpose_cases(request))
        if form.is_valid():
            try:
                created = services.access_request_create(
                    case_id=case.pk,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    purpose_case=form.cleaned_data["purpose_case"],
                    search_event_id=self.search_event_id,
                )
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict as error:
                form.add_error(None, str(error.message))
                return self._render(request, case, form, status=409)
            else:
                messages.success(request, _("Access requested. The owning unit decides on it."))
                return redirect("access:detail", pk=created.pk)
        return self._render(request, case, form, status=400)


class AccessRequestListView(CaseDataPageMixin, View):
    """The requests addressed to the user's units (open first), with the steps' forms inline."""

    explain_no_access = True
    mine = False

    def get(self, request):
        queryset = selectors.access_request_list_visible_to(request.user)
        deciding = selectors.deciding_unit_ids(request.user)
        if self.mine:
            queryset = queryset.filter(requester=request.user)
        else:
            queryset = queryset.filter(owning_unit_id__in=deciding)
        state = request.GET.get("state", "")
        if state in AccessRequestState.values:
            queryset = queryset.filter(state=state)
        rows, older_than, paged = _page(queryset, request)
        rows = selectors.access_requests_shown(request.user, rows, path=request.path)
        for row in rows:
            _decorate(row, request.user)
        return render(
            request,
            "cases/access/request_list.html",
            {
                "requests": rows,
                "mine": self.mine,
                "may_decide": bool(deciding),
                "state": state,
                "states": AccessRequestState.choices,
                "older_than": older_than,
                "is_first_page": not paged,
            },
        )


def _timeline(access_request):
    entries = list(timeline_for(access_request))
    for entry in entries:
        entry.label = TIMELINE_LABELS.get(entry.action, entry.action)
        entry.to_label = STATE_LABELS.get(entry.to_state, entry.to_state)
    return entries


def _render_detail(request, access_request, *, status=200, bound=None, bound_step=""):
    selectors.access_requests_shown(request.user, [access_request], path=request.path)
    _decorate(access_request, request.user, bound=bound, bound_step=bound_step)
    return render(
        request,
        "cases/access/request_detail.html",
        {"item": access_request, "timeline": _timeline(access_request)},
        status=status,
    )


class AccessRequestDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_detail(request, selectors.access_request_get_visible(request.user, pk))


class AccessRequestStepView(CaseDataPageMixin, StepView):
    """Grant, refuse or withdraw a request from its page or from a list (which `next` names)."""

    machine = ACCESS_REQUEST_MACHINE

    def get_object(self, request, pk: int):
        return selectors.access_request_get_visible(request.user, pk)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        return _render_detail(request, instance, status=status, bound=bound, bound_step=bound_step)

    def success_url(self, request, instance) -> str:
        target = request.POST.get("next", "")
        if target in LISTS:
            return reverse(target)
        return reverse("access:detail", args=[instance.pk])

    def refused_message(self) -> str:
        return _("You may not take this step on this request.")

    def conflict_message(self, instance) -> str:
        return _(
            "The request was changed by someone else and is now “%(state)s”. Check it and choose again."
        ) % {"state": instance.get_state_display()}
