from django.urls import path

from core import views as core_views
from core.pages import moved
from organisation import lookups, views

app_name = "organisation"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("units/", views.UnitTreeView.as_view(), name="unit-tree"),
    # The look-ups of the pickers (organisation.pickers): JSON for a form's combobox.
    path("lookup/units/", lookups.UnitLookupView.as_view(), name="lookup-units"),
    path("lookup/officers/", lookups.OfficerLookupView.as_view(), name="lookup-officers"),
    path("units/<str:code>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("units/<str:code>/children/", views.UnitChildrenView.as_view(), name="unit-children"),
    path("membership-proposals/", views.MembershipProposalListView.as_view(), name="membership-proposals"),
    path(
        "membership-proposals/<int:pk>/transitions/<str:name>/",
        views.MembershipProposalStepView.as_view(),
        name="membership-proposal-transition",
    ),
    path(
        "membership-proposals/<int:pk>/approve/",
        moved("organisation:membership-proposal-transition"),
        {"name": "approve"},
        name="membership-proposal-approve",
    ),
    path(
        "membership-proposals/<int:pk>/reject/",
        moved("organisation:membership-proposal-transition"),
        {"name": "reject"},
        name="membership-proposal-reject",
    ),
    path("password/change/", views.PasswordChangeRequiredView.as_view(), name="password-change-required"),
    path("password-resets/", views.PasswordResetListView.as_view(), name="password-resets"),
    path(
        "password-resets/<int:pk>/transitions/<str:name>/",
        views.PasswordResetStepView.as_view(),
        name="password-reset-transition",
    ),
    path(
        "password-resets/<int:pk>/approve/",
        moved("organisation:password-reset-transition"),
        {"name": "approve"},
        name="password-reset-approve",
    ),
    path(
        "password-resets/<int:pk>/reject/",
        moved("organisation:password-reset-transition"),
        {"name": "reject"},
        name="password-reset-reject",
    ),
    path("notifications/", core_views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read-all/", core_views.NotificationReadAllView.as_view(), name="notifications-read-all"
    ),
    path("notifications/<int:pk>/read/", core_views.NotificationReadView.as_view(), name="notification-read"),
]
