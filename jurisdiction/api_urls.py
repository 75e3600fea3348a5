from django.urls import path

from jurisdiction import apis

urlpatterns = [
    path("jurisdiction-proceedings/", apis.ProceedingListApi.as_view(), name="jurisdiction-proceeding-list"),
    path(
        "jurisdiction-proceedings/<int:pk>/",
        apis.ProceedingDetailApi.as_view(),
        name="jurisdiction-proceeding-detail",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/transitions/<str:name>/",
        apis.ProceedingTransitionApi.as_view(),
        name="jurisdiction-proceeding-transition",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/positions/",
        apis.ProceedingPositionApi.as_view(),
        name="jurisdiction-proceeding-positions",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/decision/",
        apis.ProceedingDecisionApi.as_view(),
        name="jurisdiction-proceeding-decision",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/handover-items/",
        apis.HandoverItemListApi.as_view(),
        name="jurisdiction-proceeding-handover-items",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/handover-items/<int:item_id>/",
        apis.HandoverItemDetailApi.as_view(),
        name="jurisdiction-proceeding-handover-item",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/handover-confirmations/",
        apis.HandoverConfirmationApi.as_view(),
        name="jurisdiction-proceeding-handover-confirmations",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/complainants-notified/",
        apis.ComplainantsNotifiedApi.as_view(),
        name="jurisdiction-proceeding-complainants-notified",
    ),
    path(
        "jurisdiction-proceedings/<int:pk>/family-notified/",
        apis.FamilyNotifiedApi.as_view(),
        name="jurisdiction-proceeding-family-notified",
    ),
    path(
        "cases/<int:case_id>/jurisdiction-analysis/",
        apis.CaseJurisdictionAnalysisApi.as_view(),
        name="case-jurisdiction-analysis",
    ),
]
