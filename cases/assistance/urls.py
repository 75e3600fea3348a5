from django.urls import path

from cases.assistance import views
from core.pages import moved

app_name = "assistance"

urlpatterns = [
    path("assistance-requests/", views.RequestListView.as_view(), name="list"),
    path("assistance-requests/new/", views.RequestCreateView.as_view(), name="create"),
    path(
        "assistance-requests/new/documents/",
        views.KindDocumentsView.as_view(),
        name="kind-documents",
    ),
    path("assistance-requests/<int:pk>/", views.RequestDetailView.as_view(), name="detail"),
    path("assistance-requests/<int:pk>/edit/", views.RequestEditView.as_view(), name="edit"),
    path(
        "assistance-requests/<int:pk>/transitions/<str:name>/",
        views.RequestStepView.as_view(),
        name="transition",
    ),
    path(
        "assistance-requests/<int:pk>/documents/",
        views.RequestDocumentUploadView.as_view(),
        name="document-upload",
    ),
    path(
        "assistance-requests/<int:pk>/documents/<int:document_id>/",
        views.RequestDocumentDownloadView.as_view(),
        name="document",
    ),
    path(
        "assistance-requests/<int:pk>/custody-events/",
        views.RequestCustodyView.as_view(),
        name="custody",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/",
        views.RequestPropertyView.as_view(),
        name="property",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/renew/",
        views.PropertyRenewView.as_view(),
        name="property-renew",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/transitions/<str:name>/",
        views.MeasureStepView.as_view(),
        name="property-transition",
    ),
    # The old shape of a measure's step (…/<measure_id>/unrelated/): on to the one shape, POST kept.
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/<str:name>/",
        moved("assistance:property-transition"),
        name="property-action",
    ),
    path("assistance-requests/<int:pk>/leads/", views.LeadForwardView.as_view(), name="lead"),
    path("assistance-requests/<int:pk>/overreach/", views.OverreachView.as_view(), name="overreach"),
]
