from django.urls import path

from cases.assistance import views
from core.pages import moved

urlpatterns = [
    path("assistance-requests/", views.RequestListView.as_view(), name="assistance-request-list"),
    path("assistance-requests/new/", views.RequestCreateView.as_view(), name="assistance-request-create"),
    path(
        "assistance-requests/new/documents/",
        views.KindDocumentsView.as_view(),
        name="assistance-request-kind-documents",
    ),
    path(
        "assistance-requests/<int:pk>/", views.RequestDetailView.as_view(), name="assistance-request-detail"
    ),
    path(
        "assistance-requests/<int:pk>/edit/", views.RequestEditView.as_view(), name="assistance-request-edit"
    ),
    path(
        "assistance-requests/<int:pk>/transitions/<str:name>/",
        views.RequestStepView.as_view(),
        name="assistance-request-transition",
    ),
    path(
        "assistance-requests/<int:pk>/documents/",
        views.RequestDocumentUploadView.as_view(),
        name="assistance-request-document-upload",
    ),
    path(
        "assistance-requests/<int:pk>/documents/<int:document_id>/",
        views.RequestDocumentDownloadView.as_view(),
        name="assistance-request-document",
    ),
    path(
        "assistance-requests/<int:pk>/custody-events/",
        views.RequestCustodyView.as_view(),
        name="assistance-request-custody",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/",
        views.RequestPropertyView.as_view(),
        name="assistance-request-property",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/renew/",
        views.PropertyRenewView.as_view(),
        name="assistance-request-property-renew",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/transitions/<str:name>/",
        views.MeasureStepView.as_view(),
        name="assistance-request-property-transition",
    ),
    # The old shape of a measure's step (…/<measure_id>/unrelated/): on to the one shape, POST kept.
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/<str:name>/",
        moved("assistance-request-property-transition"),
        name="assistance-request-property-action",
    ),
    path(
        "assistance-requests/<int:pk>/leads/", views.LeadForwardView.as_view(), name="assistance-request-lead"
    ),
]
