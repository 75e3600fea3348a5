from django.urls import path

from cases import access_apis

urlpatterns = [
    path("access-requests/", access_apis.AccessRequestListApi.as_view(), name="access-request-list"),
    path(
        "access-requests/<int:pk>/",
        access_apis.AccessRequestDetailApi.as_view(),
        name="access-request-detail",
    ),
    path(
        "access-requests/<int:pk>/transitions/<str:name>/",
        access_apis.AccessRequestTransitionApi.as_view(),
        name="access-request-transition",
    ),
]
