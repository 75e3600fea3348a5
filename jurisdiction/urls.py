from django.urls import path

from jurisdiction import views

urlpatterns = [
    path("jurisdiction/reviews/", views.ReviewQueueView.as_view(), name="jurisdiction-review-queue"),
    path(
        "jurisdiction/designations/",
        views.DesignationQueueView.as_view(),
        name="jurisdiction-designation-queue",
    ),
    path(
        "jurisdiction/open/<int:case_id>/",
        views.ProceedingOpenView.as_view(),
        name="jurisdiction-proceeding-open",
    ),
    path(
        "jurisdiction/<int:pk>/", views.ProceedingDetailView.as_view(), name="jurisdiction-proceeding-detail"
    ),
    path(
        "jurisdiction/<int:pk>/actions/<str:name>/",
        views.ProceedingActionView.as_view(),
        name="jurisdiction-proceeding-action",
    ),
    path(
        "jurisdiction/<int:pk>/handover/<int:item_id>/remove/",
        views.HandoverItemRemoveView.as_view(),
        name="jurisdiction-handover-remove",
    ),
    path(
        "jurisdiction/<int:pk>/documents/<int:document_id>/<str:step>/",
        views.DocumentStepView.as_view(),
        name="jurisdiction-document-step",
    ),
]
