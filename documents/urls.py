from django.urls import path

from documents import preview, progress, views

app_name = "documents"

urlpatterns = [
    path("documents/verify/", views.VerifyView.as_view(), name="verify"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="detail"),
    path("documents/<int:pk>/fields/", views.DocumentFieldsView.as_view(), name="fields"),
    path("documents/<int:pk>/transitions/<str:name>/", views.DocumentStepView.as_view(), name="step"),
    path(
        "documents/<int:pk>/recipients/<int:recipient_id>/receipt/",
        views.ReceiptView.as_view(),
        name="receipt",
    ),
    path("documents/<int:pk>/download/", views.DownloadView.as_view(), name="download"),
    path("documents/<int:pk>/preview/", preview.PreviewView.as_view(), name="preview"),
    path("documents/<int:pk>/render-state/", progress.RenderStateView.as_view(), name="render-state"),
    path("documents/seals/", views.SealListView.as_view(), name="seals"),
]
