from django.urls import path

from cases.access import views

urlpatterns = [
    path(
        "cases/<int:pk>/request-access/", views.AccessRequestCreateView.as_view(), name="access-request-new"
    ),
    path("access-requests/", views.AccessRequestListView.as_view(), name="access-request-list"),
    path("access-requests/mine/", views.AccessRequestListView.as_view(mine=True), name="access-request-mine"),
    path("access-requests/<int:pk>/", views.AccessRequestDetailView.as_view(), name="access-request-detail"),
    path(
        "access-requests/<int:pk>/transitions/<str:name>/",
        views.AccessRequestStepView.as_view(),
        name="access-request-transition",
    ),
]
