from django.urls import path

from documents import apis

urlpatterns = [
    path("documents/", apis.DocumentListApi.as_view(), name="document-list"),
    path("documents/verify/", apis.DocumentVerifyApi.as_view(), name="document-verify"),
    path("documents/<int:pk>/", apis.DocumentDetailApi.as_view(), name="document-detail"),
    path("documents/<int:pk>/file/", apis.DocumentFileApi.as_view(), name="document-file"),
    path("documents/<int:pk>/preview/", apis.DocumentPreviewApi.as_view(), name="document-preview"),
    path(
        "documents/<int:pk>/transitions/<str:name>/",
        apis.DocumentTransitionApi.as_view(),
        name="document-transition",
    ),
    path(
        "documents/<int:pk>/recipients/<int:recipient_id>/serve/",
        apis.DocumentServeApi.as_view(),
        name="document-serve",
    ),
    path(
        "documents/<int:pk>/recipients/<int:recipient_id>/receipt/",
        apis.DocumentReceiptApi.as_view(),
        name="document-receipt",
    ),
    path(
        "documents/<int:pk>/recipients/<int:recipient_id>/receipt/file/",
        apis.DocumentReceiptFileApi.as_view(),
        name="document-receipt-file",
    ),
]
