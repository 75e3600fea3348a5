from django.urls import path

from core.pages import moved
from jurisdiction import views

app_name = "jurisdiction"

urlpatterns = [
    path("jurisdiction/reviews/", views.ReviewQueueView.as_view(), name="review-queue"),
    path(
        "jurisdiction/designations/",
        views.DesignationQueueView.as_view(),
        name="designation-queue",
    ),
    path(
        "jurisdiction/open/<int:case_id>/",
        views.ProceedingOpenView.as_view(),
        name="proceeding-open",
    ),
    path("jurisdiction/<int:pk>/", views.ProceedingDetailView.as_view(), name="proceeding-detail"),
    path(
        "jurisdiction/<int:pk>/transitions/<str:name>/",
        views.ProceedingStepView.as_view(),
        name="proceeding-transition",
    ),
    path(
        "jurisdiction/<int:pk>/positions/",
        views.PositionView.as_view(),
        name="proceeding-position",
    ),
    path(
        "jurisdiction/<int:pk>/decision/",
        views.DecisionDraftView.as_view(),
        name="proceeding-decision",
    ),
    path("jurisdiction/<int:pk>/handover/", views.HandoverAddView.as_view(), name="handover-add"),
    path(
        "jurisdiction/<int:pk>/handover/confirm/",
        views.HandoverConfirmView.as_view(),
        name="handover-confirm",
    ),
    path(
        "jurisdiction/<int:pk>/handover/<int:item_id>/remove/",
        views.HandoverItemRemoveView.as_view(),
        name="handover-remove",
    ),
    path(
        "jurisdiction/<int:pk>/complainants-notified/",
        views.ComplainantsNotifiedView.as_view(),
        name="complainants-notified",
    ),
    path(
        "jurisdiction/<int:pk>/family-notified/",
        views.FamilyNotifiedView.as_view(),
        name="family-notified",
    ),
    path(
        "jurisdiction/<int:pk>/documents/<int:document_id>/transitions/<str:name>/",
        views.DocumentStepView.as_view(),
        name="document-transition",
    ),
    # The former addresses: a step, or one of the page's forms, by name; a document's step.
    path(
        "jurisdiction/<int:pk>/actions/<str:name>/",
        views.ActionMovedView.as_view(),
        name="proceeding-action",
    ),
    path(
        "jurisdiction/<int:pk>/documents/<int:document_id>/<str:name>/",
        moved("jurisdiction:document-transition"),
        name="document-step",
    ),
]
