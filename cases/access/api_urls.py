from django.urls import path

from cases.access import apis

urlpatterns = [
    path("access-requests/", apis.AccessRequestListApi.as_view(), name="access-request-list"),
    path("access-requests/<int:pk>/", apis.AccessRequestDetailApi.as_view(), name="access-request-detail"),
    path(
        "access-requests/<int:pk>/transitions/<str:name>/",
        apis.AccessRequestTransitionApi.as_view(),
        name="access-request-transition",
    ),
]
