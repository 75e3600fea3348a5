from django.urls import path

from cases.access import views

app_name = "access"

urlpatterns = [
    path("cases/<int:pk>/request-access/", views.AccessRequestCreateView.as_view(), name="new"),
    path("access-requests/", views.AccessRequestListView.as_view(), name="list"),
    path("access-requests/mine/", views.AccessRequestListView.as_view(mine=True), name="mine"),
    path("access-requests/<int:pk>/", views.AccessRequestDetailView.as_view(), name="detail"),
    path(
        "access-requests/<int:pk>/transitions/<str:name>/",
        views.AccessRequestStepView.as_view(),
        name="transition",
    ),
]
