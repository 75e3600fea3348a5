"""HTML pages of the organisation app: sign-in and sign-out, the home page, the unit directory.

The unit directory is shared: every signed-in user may read it, whatever their role.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRedirect

from core.pages import StepView, apply_errors, next_steps
from core.views import InboxView, kind_summary
from organisation import services
from organisation.forms import LoginForm, UnitSearchForm
from organisation.inbox import role_decision_items
from organisation.models import MINISTRY_CODE, Unit, UnitLevel, User
from organisation.permissions import is_approver
from organisation.selectors import (
    membership_proposals_to_decide,
    password_resets_to_decide,
    unit_ancestors,
    unit_children,
    unit_get,
    unit_search,
    unit_subtree,
    units_with_child_counts,
    user_may_read_case_data,
)
from organisation.steps import MEMBERSHIP_PROPOSAL_MACHINE, PASSWORD_RESET_MACHINE

SEARCH_LIMIT = 100


# The account whose password must change before it is signed in, and its session hash then.
_PENDING_USER = "password_change_user"
_PENDING_HASH = "password_change_hash"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "organisation/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not user.must_change_password:
            return super().form_valid(form)
        # A temporary password from an approved reset signs in to nothing but the change page:
        # the account is not logged in until it has chosen its own password.
        self.request.session.cycle_key()
        self.request.session[_PENDING_USER] = user.pk
        self.request.session[_PENDING_HASH] = user.get_session_auth_hash()
        return redirect("organisation:password-change-required")


class PasswordChangeRequiredView(View):
    """Choose one's own password after a reset; the only page a temporary password opens."""

    template_name = "registration/password_change_required.html"

    def _pending_user(self, request):
        pk = request.session.get(_PENDING_USER)
        user = User.objects.filter(pk=pk, is_active=True, must_change_password=True).first() if pk else None
        if user is None or request.session.get(_PENDING_HASH) != user.get_session_auth_hash():
            return None
        return user

    def get(self, request):
        user = self._pending_user(request)
        if user is None:
            return redirect("organisation:login")
        return render(request, self.template_name, {"form": PasswordChangeForm(user)})

    def post(self, request):
        user = self._pending_user(request)
        if user is None:
            return redirect("organisation:login")
        form = PasswordChangeForm(user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        try:
            user = services.password_change_own(by=user, password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            apply_errors(form, error)
            return render(request, self.template_name, {"form": form})
        request.session.pop(_PENDING_USER, None)
        request.session.pop(_PENDING_HASH, None)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Your password has been changed."))
        return redirect("organisation:home")


class LogoutView(auth_views.LogoutView):
    """Sign out by POST only (a link or a prefetch must not end a session)."""

    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


class HomeView(InboxView):
    """The inbox; a user without an operational role (system administrator, auditor) sees why it is empty."""

    def may_read_case_data(self, user) -> bool:
        return user_may_read_case_data(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["no_case_access"]:
            # A security officer reads no case data but has role and password decisions to make.
            items = role_decision_items(self.request.user)
            if items:
                context.update(no_case_access=False, items=items, kinds=kind_summary(items), overdue_count=0)
        return context


class UnitTreeView(LoginRequiredMixin, TemplateView):
    """The ministry and the six provincial organs, each expandable; or name search results."""

    template_name = "organisation/unit_tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = UnitSearchForm(self.request.GET or None)
        query = form.cleaned_data["q"] if form.is_valid() else ""
        context["form"] = form
        context["query"] = query
        if query:
            results, total = unit_search(query, limit=SEARCH_LIMIT)
            context.update(results=results, total=total, truncated=total > len(results))
        else:
            ministry = get_object_or_404(units_with_child_counts(Unit.objects.all()), code=MINISTRY_CODE)
            context.update(ministry=ministry, provinces=unit_children(ministry))
        return context


class UnitDetailView(LoginRequiredMixin, TemplateView):
    template_name = "organisation/unit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            unit = unit_get(kwargs["code"])
        except Unit.DoesNotExist:
            raise Http404(_("No unit has this division code.")) from None
        context.update(
            unit=unit,
            ancestors=list(unit_ancestors(unit)),
            departments=list(unit.departments.filter(is_active=True).order_by("kind")),
            children=list(unit_children(unit)),
            subtree_size=unit_subtree(unit, include_self=False).active().count(),
            is_county=unit.level == UnitLevel.COUNTY,
        )
        return context


class UnitChildrenView(LoginRequiredMixin, View):
    """The child list of a unit, as an htmx fragment; a plain request goes to the unit's page."""

    def handle_no_permission(self):
        # A fragment request whose session has expired must send the whole page to sign-in,
        # not swap the sign-in page into the tree.
        if self.request.htmx and not self.request.user.is_authenticated:
            back_to = self.request.htmx.current_url_abs_path or self.request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(back_to).url)
        return super().handle_no_permission()

    def get(self, request, code):
        unit = get_object_or_404(Unit, code=code)
        if not request.htmx:
            response = redirect("organisation:unit-detail", code=unit.code)
        else:
            response = render(request, "organisation/_unit_children.html", {"children": unit_children(unit)})
        patch_vary_headers(response, ["HX-Request"])
        return response


# --- the second person's decisions: role proposals and password resets (separation of duties) ------


class _Decisions(LoginRequiredMixin):
    """What the pages of one kind of decision share: the list of what waits, each row with its steps.

    A subclass names the machine, the selector of what the user may decide, the template and the URL
    names. A user who decides nothing at all gets 404, like any page they have no business on.
    """

    machine = None
    template_name = ""
    list_url_name = ""
    step_url_name = ""

    def to_decide(self, user):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_approver(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def render_list(self, request, *, status: int = 200, bound=None, bound_step: str = "", bound_pk=None):
        rows = []
        for request_row in self.to_decide(request.user)[:200]:
            rows.append(
                {
                    "object": request_row,
                    "offers": next_steps(
                        self.machine,
                        request_row,
                        request.user,
                        url_for=lambda name, pk=request_row.pk: reverse(self.step_url_name, args=[pk, name]),
                        bound=bound if request_row.pk == bound_pk else None,
                        bound_step=bound_step,
                    ),
                }
            )
        return render(request, self.template_name, {"rows": rows}, status=status)


class _DecisionList(_Decisions, View):
    def get(self, request):
        return self.render_list(request)


class _DecisionStep(_Decisions, StepView):
    """Approve or reject one request (POST); one the user may not decide is 404."""

    def get_object(self, request, pk: int):
        return get_object_or_404(self.to_decide(request.user), pk=pk)

    def render_object(self, request, instance, *, status, bound=None, bound_step=""):
        return self.render_list(
            request, status=status, bound=bound, bound_step=bound_step, bound_pk=instance.pk
        )

    def success_url(self, request, instance) -> str:
        return reverse(self.list_url_name)

    def still_visible(self, request, instance) -> bool:
        return False  # decided: it leaves the list

    def gone_url(self, request, instance) -> str:
        return reverse(self.list_url_name)

    def refused_message(self) -> str:
        return _("You may not decide this request.")

    def finished(self, request, instance, step):
        password = getattr(self.result, "temporary_password", None)
        if password:
            # Rendered in this answer only: not in a message (stored in the session), not in a URL.
            return render(
                request,
                "organisation/password_reset_approved.html",
                {"account": self.result.user, "password": password, "back": self.list_url_name},
            )
        return super().finished(request, instance, step)


class _ProposalPages:
    machine = MEMBERSHIP_PROPOSAL_MACHINE
    template_name = "organisation/membership_proposals.html"
    list_url_name = "organisation:membership-proposals"
    step_url_name = "organisation:membership-proposal-transition"

    def to_decide(self, user):
        return membership_proposals_to_decide(user)


class _ResetPages:
    machine = PASSWORD_RESET_MACHINE
    template_name = "organisation/password_resets.html"
    list_url_name = "organisation:password-resets"
    step_url_name = "organisation:password-reset-transition"

    def to_decide(self, user):
        return password_resets_to_decide(user)


class MembershipProposalListView(_ProposalPages, _DecisionList):
    """The role proposals a unit head or security officer may approve or reject."""


class MembershipProposalStepView(_ProposalPages, _DecisionStep):
    """Approve (an account's first role shows its one-time password) or reject one role proposal."""


class PasswordResetListView(_ResetPages, _DecisionList):
    """The password reset requests a security officer or unit head may approve or reject."""


class PasswordResetStepView(_ResetPages, _DecisionStep):
    """Approve (showing the temporary password to the approver alone) or reject one reset request."""
