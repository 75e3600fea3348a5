from django.urls import path

from cases import access_views

urlpatterns = [
    path(
        "cases/<int:pk>/request-access/",
        access_views.AccessRequestCreateView.as_view(),
        name="access-request-new",
    ),
    path("access-requests/", access_views.AccessRequestListView.as_view(), name="access-request-list"),
    path(
        "access-requests/mine/",
        access_views.AccessRequestListView.as_view(mine=True),
        name="access-request-mine",
    ),
    path(
        "access-requests/<int:pk>/",
        access_views.AccessRequestDetailView.as_view(),
        name="access-request-detail",
    ),
    path(
        "access-requests/<int:pk>/transitions/<str:name>/",
        access_views.AccessRequestTransitionView.as_view(),
        name="access-request-transition",
    ),
]
