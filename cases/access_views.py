"""Pages of access requests: ask for access from a search hit, decide, follow one's own requests.

Thin adapters over cases.access, like the API. The request form (`/cases/<pk>/request-access/`)
opens only from the user's own search hit, whose link carries a signed, short-lived token
(`?hit=`, cases.access.search_hit_check), and shows what the hit showed; the owning unit's list
(`/access-requests/`) carries the grant and refuse forms inline; `/access-requests/mine/` lists the
user's own requests. A request the user may not see is 404, as is the form without a valid hit or
for a case they may no longer discover. A request shows its case and the requester's purpose case
only as far as the viewer may see each now (`access.access_requests_shown`, issue 16).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases import access
from cases.forms import apply_errors
from cases.models import AccessRequestState, AccessScope, CaseAccessRequest, HandlingCode
from cases.selectors import case_discoverable_by, case_discovery_summary, case_visible_to
from cases.views import CaseDataPageMixin
from core.api import Conflict
from core.ids import id_or_none
from core.workflow import available_transitions, timeline_for

PAGE_SIZE = 50

TRANSITION_LABELS = {
    "grant": gettext_lazy("Grant access"),
    "refuse": gettext_lazy("Refuse access"),
    "withdraw": gettext_lazy("Withdraw the request"),
}
TIMELINE_LABELS = {**TRANSITION_LABELS, "created": gettext_lazy("Access requested")}
STATE_LABELS = dict(AccessRequestState.choices)


class AccessRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why you need the case: the owning unit decides on it."),
    )
    purpose_case = forms.TypedChoiceField(
        label=gettext_lazy("For your case"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, purpose_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose_case"].choices = [("", "—")] + [
            (case.pk, f"{case.number} {case.name}") for case in purpose_cases
        ]


class DecisionForm(forms.Form):
    """One step on a request: grant (scope, days, note), refuse (reason), withdraw."""

    expected_state = forms.ChoiceField(choices=AccessRequestState.choices, widget=forms.HiddenInput)
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=AccessScope.choices, initial=AccessScope.READ
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days"),
        min_value=access.MIN_DAYS,
        max_value=access.MAX_DAYS,
        initial=access.DEFAULT_DAYS,
        help_text=gettext_lazy("From now; the access ends by itself after that."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, name: str, request_id: int, **kwargs):
        # Several requests' forms share one page: their ids must not collide.
        kwargs.setdefault("auto_id", f"id_{name}_{request_id}_%s")
        super().__init__(*args, **kwargs)
        self.name = name
        if name != "grant":
            del self.fields["scope"]
            del self.fields["days"]
        if name == "refuse":
            self.fields["reason"].required = True
        if name == "withdraw":
            del self.fields["reason"]


def _forms_for(access_request: CaseAccessRequest, user, bound: DecisionForm | None = None) -> list[dict]:
    result = []
    for name in available_transitions(access_request, user):
        if bound is not None and bound.name == name:
            form = bound
        else:
            form = DecisionForm(
                name=name, request_id=access_request.pk, initial={"expected_state": access_request.state}
            )
        result.append({"name": name, "label": TRANSITION_LABELS.get(name, name), "form": form})
    return result


def _decorate(access_request: CaseAccessRequest, user, bound=None) -> CaseAccessRequest:
    access_request.grant = access.grant_of(access_request)
    access_request.decisions = _forms_for(access_request, user, bound)
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
        self.search_event_id = access.search_hit_check(request.user, request.GET.get("hit"), case_id=pk)
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
            return redirect("case-detail", pk=case.pk)
        return self._render(request, case, AccessRequestForm(purpose_cases=self._purpose_cases(request)))

    def post(self, request, pk: int):
        case = self._case(request, pk)
        form = AccessRequestForm(request.POST, purpose_cases=self._purpose_cases(request))
        if form.is_valid():
            try:
                created = access.access_request_create(
                    case_id=case.pk,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    purpose_case=form.cleaned_data["purpose_case"],
                    search_event_id=self.search_event_id,
                )
            except ValidationError as error:
                apply_errors(form, error)
            except Conflict as error:
                form.add_error(None, str(error.detail))
                return self._render(request, case, form, status=409)
            else:
                messages.success(request, _("Access requested. The owning unit decides on it."))
                return redirect("access-request-detail", pk=created.pk)
        return self._render(request, case, form, status=400)


class AccessRequestListView(CaseDataPageMixin, View):
    """The requests addressed to the user's units (open first), with the grant and refuse forms."""

    mine = False

    def get(self, request):
        queryset = access.access_request_list_visible_to(request.user)
        if self.mine:
            queryset = queryset.filter(requester=request.user)
        else:
            queryset = queryset.filter(owning_unit_id__in=access.deciding_unit_ids(request.user))
        state = request.GET.get("state", "")
        if state in AccessRequestState.values:
            queryset = queryset.filter(state=state)
        rows, older_than, paged = _page(queryset, request)
        rows = access.access_requests_shown(request.user, rows, path=request.path)
        for row in rows:
            _decorate(row, request.user)
        return render(
            request,
            "cases/access/request_list.html",
            {
                "requests": rows,
                "mine": self.mine,
                "may_decide": bool(access.deciding_unit_ids(request.user)),
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


def _render_detail(request, access_request, *, status=200, bound=None):
    access.access_requests_shown(request.user, [access_request], path=request.path)
    _decorate(access_request, request.user, bound)
    return render(
        request,
        "cases/access/request_detail.html",
        {"item": access_request, "timeline": _timeline(access_request)},
        status=status,
    )


class AccessRequestDetailView(CaseDataPageMixin, View):
    def get(self, request, pk: int):
        return _render_detail(request, access.access_request_get_visible(request.user, pk))


class AccessRequestTransitionView(CaseDataPageMixin, View):
    """Take one step; a stale form answers 409 with the current state, a bad input 400 with the form."""

    http_method_names = ["post", "options"]

    def post(self, request, pk: int, name: str):
        access_request = access.access_request_get_visible(request.user, pk)
        if name not in access.TRANSITIONS:
            raise Http404
        if name not in available_transitions(access_request, request.user):
            # Said before any complaint about the form, as the API does: moved on (409) or not yours (403).
            if not getattr(access_request, name)._django_fsm.has_transition(access_request.state):
                return self._conflict(request, access_request)
            messages.error(request, _("You may not take this step on this request."))
            return _render_detail(request, access_request, status=403)
        form = DecisionForm(request.POST, name=name, request_id=access_request.pk)
        if not form.is_valid():
            if "expected_state" in form.errors:
                return self._conflict(request, access_request)
            return _render_detail(request, access_request, status=400, bound=form)
        values = form.cleaned_data
        try:
            access.access_request_transition(
                request_id=access_request.pk,
                name=name,
                by=request.user,
                reason=values.get("reason", ""),
                scope=values.get("scope", AccessScope.READ),
                days=values.get("days", access.DEFAULT_DAYS),
                expected_state=values["expected_state"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return _render_detail(request, access_request, status=400, bound=form)
        except Conflict:
            return self._conflict(request, access_request)
        except PermissionDenied:
            messages.error(request, _("You may not take this step on this request."))
            return _render_detail(request, access_request, status=403)
        messages.success(request, _("Done: %(action)s.") % {"action": TRANSITION_LABELS[name]})
        target = request.POST.get("next", "")
        if target in ("access-request-list", "access-request-mine"):
            return redirect(target)
        return redirect("access-request-detail", pk=access_request.pk)

    @staticmethod
    def _conflict(request, access_request):
        access_request = access.access_request_get_visible(request.user, access_request.pk)
        messages.error(
            request,
            _("The request was changed by someone else and is now “%(state)s”. Check it and choose again.")
            % {"state": access_request.get_state_display()},
        )
        return _render_detail(request, access_request, status=409)
