from django.urls import path

from organisation import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    path("me/", apis.MeApi.as_view(), name="me"),
    path("units/", apis.UnitListApi.as_view(), name="unit-list"),
    path("units/<str:code>/", apis.UnitDetailApi.as_view(), name="unit-detail"),
    path("inbox/", apis.InboxApi.as_view(), name="inbox"),
    path("membership-proposals/", apis.MembershipProposalListApi.as_view(), name="membership-proposal-list"),
    path(
        "membership-proposals/<int:pk>/transitions/<str:name>/",
        apis.MembershipProposalDecideApi.as_view(),
        name="membership-proposal-transition",
    ),
    # The routes that name the step in the path, as before the kit.
    path(
        "membership-proposals/<int:pk>/approve/",
        apis.MembershipProposalApproveApi.as_view(),
        {"name": "approve"},
        name="membership-proposal-approve",
    ),
    path(
        "membership-proposals/<int:pk>/reject/",
        apis.MembershipProposalRejectApi.as_view(),
        {"name": "reject"},
        name="membership-proposal-reject",
    ),
    path("password-resets/", apis.PasswordResetListApi.as_view(), name="password-reset-list"),
    path(
        "password-resets/<int:pk>/transitions/<str:name>/",
        apis.PasswordResetDecideApi.as_view(),
        name="password-reset-transition",
    ),
    path(
        "password-resets/<int:pk>/approve/",
        apis.PasswordResetApproveApi.as_view(),
        {"name": "approve"},
        name="password-reset-approve",
    ),
    path(
        "password-resets/<int:pk>/reject/",
        apis.PasswordResetRejectApi.as_view(),
        {"name": "reject"},
        name="password-reset-reject",
    ),
]
