from django.urls import path

from cases.assistance import apis

urlpatterns = [
    path("assistance-kinds/", apis.AssistanceKindListApi.as_view(), name="assistance-kind-list"),
    path("assistance-requests/", apis.RequestListApi.as_view(), name="assistance-request-list"),
    path("assistance-requests/<int:pk>/", apis.RequestDetailApi.as_view(), name="assistance-request-detail"),
    path(
        "assistance-requests/<int:pk>/transitions/<str:name>/",
        apis.RequestTransitionApi.as_view(),
        name="assistance-request-transition",
    ),
    path(
        "assistance-requests/<int:pk>/documents/",
        apis.RequestDocumentUploadApi.as_view(),
        name="assistance-request-documents",
    ),
    path(
        "assistance-requests/<int:pk>/documents/<int:document_id>/file/",
        apis.RequestDocumentFileApi.as_view(),
        name="assistance-request-document-file",
    ),
    path(
        "assistance-requests/<int:pk>/custody-events/",
        apis.CustodyEventListApi.as_view(),
        name="assistance-request-custody-events",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/",
        apis.PropertyMeasureListApi.as_view(),
        name="assistance-request-property-measures",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/renew/",
        apis.PropertyMeasureRenewApi.as_view(),
        name="assistance-request-property-measure-renew",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/transitions/<str:name>/",
        apis.PropertyMeasureTransitionApi.as_view(),
        name="assistance-request-property-measure-transition",
    ),
    path(
        "assistance-requests/<int:pk>/property-measures/<int:measure_id>/<str:action>/",
        apis.PropertyMeasureActionApi.as_view(),
        name="assistance-request-property-measure-action",
    ),
    path(
        "assistance-requests/<int:pk>/leads/", apis.LeadForwardApi.as_view(), name="assistance-request-leads"
    ),
    path(
        "assistance-requests/<int:pk>/overreach/",
        apis.OverreachApi.as_view(),
        name="assistance-request-overreach",
    ),
]
