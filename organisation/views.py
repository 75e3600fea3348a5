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
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRedirect

from core.views import InboxView, kind_summary
from organisation import services
from organisation.forms import LoginForm, UnitSearchForm
from organisation.inbox import role_decision_items
from organisation.models import MINISTRY_CODE, Role, Unit, UnitLevel, User
from organisation.selectors import (
    membership_proposals_to_decide,
    memberships_current,
    password_resets_to_decide,
    unit_ancestors,
    unit_get,
    unit_subtree,
    user_may_read_case_data,
)

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
        return redirect("password-change-required")


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
            return redirect("login")
        return render(request, self.template_name, {"form": PasswordChangeForm(user)})

    def post(self, request):
        user = self._pending_user(request)
        if user is None:
            return redirect("login")
        form = PasswordChangeForm(user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        if form.cleaned_data["new_password1"] == form.cleaned_data["old_password"]:
            form.add_error("new_password1", _("Choose a password other than the temporary one."))
            return render(request, self.template_name, {"form": form})
        user = services.password_change_own(user=user, password=form.cleaned_data["new_password1"])
        request.session.pop(_PENDING_USER, None)
        request.session.pop(_PENDING_HASH, None)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Your password has been changed."))
        return redirect("home")


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


def _with_child_counts(queryset):
    return queryset.annotate(child_count=Count("children", filter=Q(children__is_active=True)))


def _children_of(unit: Unit):
    return _with_child_counts(unit.children.active()).order_by("code")


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
            context.update(self._search(query))
        else:
            ministry = get_object_or_404(_with_child_counts(Unit.objects.all()), code=MINISTRY_CODE)
            context.update(ministry=ministry, provinces=_children_of(ministry))
        return context

    @staticmethod
    def _search(query: str) -> dict:
        matches = Unit.objects.active().filter(Q(name__icontains=query) | Q(code__startswith=query))
        total = matches.count()
        results = list(matches.order_by("level", "code")[:SEARCH_LIMIT])
        # One query for every ancestor of every result, so each row can show where it sits.
        ancestor_codes = {code for unit in results for code in unit.ancestor_codes if code != MINISTRY_CODE}
        names = dict(Unit.objects.filter(code__in=ancestor_codes).values_list("code", "name"))
        for unit in results:
            unit.ancestor_names = [names[code] for code in unit.ancestor_codes if code in names]
        return {"results": results, "total": total, "truncated": total > len(results)}


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
            children=list(_children_of(unit)),
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
            response = redirect("unit-detail", code=unit.code)
        else:
            response = render(request, "organisation/_unit_children.html", {"children": _children_of(unit)})
        patch_vary_headers(response, ["HX-Request"])
        return response


# --- role proposals (separation of duties) -------------------------------------------------------


def _approver_or_404(user) -> None:
    # A page the user has no business on is a 404, like any object they may not see.
    if user.is_staff or user.is_superuser:
        raise Http404
    if not memberships_current(user).filter(role__in=(Role.UNIT_HEAD, Role.SECURITY_OFFICER)).exists():
        raise Http404


class MembershipProposalListView(LoginRequiredMixin, TemplateView):
    """The role proposals a unit head or security officer may approve or reject."""

    template_name = "organisation/membership_proposals.html"

    def get_context_data(self, **kwargs):
        _approver_or_404(self.request.user)
        context = super().get_context_data(**kwargs)
        context["proposals"] = list(membership_proposals_to_decide(self.request.user)[:200])
        return context


class MembershipProposalDecideView(LoginRequiredMixin, View):
    """Approve or reject one proposal (POST); a proposal the user may not decide is 404."""

    http_method_names = ["post", "options"]
    approve = True

    def post(self, request, pk: int):
        _approver_or_404(request.user)
        proposal = get_object_or_404(membership_proposals_to_decide(request.user), pk=pk)
        note = request.POST.get("note", "")[:2000]
        decide = services.membership_proposal_approve if self.approve else services.membership_proposal_reject
        try:
            proposal = decide(actor=request.user, proposal=proposal, note=note)
        except PermissionError:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The role was put in force.") if self.approve else _("The proposal was rejected.")
            )
            password = getattr(proposal, "temporary_password", None) if self.approve else None
            if password:
                # A first role comes with a one-time password, for the approver's eyes only.
                return render(
                    request,
                    "organisation/password_reset_approved.html",
                    {"account": proposal.user, "password": password, "back": "membership-proposals"},
                )
        return redirect("membership-proposals")


class PasswordResetListView(LoginRequiredMixin, TemplateView):
    """The password reset requests a security officer or unit head may approve or reject."""

    template_name = "organisation/password_resets.html"

    def get_context_data(self, **kwargs):
        _approver_or_404(self.request.user)
        context = super().get_context_data(**kwargs)
        context["resets"] = list(password_resets_to_decide(self.request.user)[:200])
        return context


class PasswordResetDecideView(LoginRequiredMixin, View):
    """Approve (showing the temporary password to the approver alone) or reject one request (POST)."""

    http_method_names = ["post", "options"]
    approve = True

    def post(self, request, pk: int):
        _approver_or_404(request.user)
        reset = get_object_or_404(password_resets_to_decide(request.user), pk=pk)
        note = request.POST.get("note", "")[:2000]
        try:
            if self.approve:
                reset, password = services.password_reset_approve(actor=request.user, reset=reset, note=note)
            else:
                services.password_reset_reject(actor=request.user, reset=reset, note=note)
        except PermissionError:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("password-resets")
        if not self.approve:
            messages.success(request, _("The reset request was rejected."))
            return redirect("password-resets")
        # Rendered in this answer only: not in a message (stored in the session), not in a URL.
        return render(
            request,
            "organisation/password_reset_approved.html",
            {"account": reset.user, "password": password, "back": "password-resets"},
        )
