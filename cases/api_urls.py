from django.urls import path

from cases import apis

urlpatterns = [
    path("offences/", apis.OffenceListApi.as_view(), name="offence-list"),
    path("charges/", apis.ChargeListApi.as_view(), name="charge-list"),
    path("cases/", apis.CaseListApi.as_view(), name="case-list"),
    # Before cases/<int:pk>/: a fixed path is matched first.
    path("cases/export.csv", apis.CaseExportApi.as_view(), name="case-export"),
    path("cases/<int:pk>/", apis.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:pk>/transitions/<str:name>/", apis.CaseTransitionApi.as_view(), name="case-transition"),
    path("cases/<int:pk>/locations/", apis.CaseLocationCreateApi.as_view(), name="case-location-create"),
    path(
        "cases/<int:pk>/locations/<int:location_id>/",
        apis.CaseLocationDetailApi.as_view(),
        name="case-location-detail",
    ),
    path("cases/<int:pk>/persons/", apis.CasePersonCreateApi.as_view(), name="case-person-create"),
    path(
        "cases/<int:pk>/persons/<int:person_id>/",
        apis.CasePersonDetailApi.as_view(),
        name="case-person-detail",
    ),
    path("cases/<int:pk>/dossiers/", apis.CaseDossierCreateApi.as_view(), name="case-dossier-create"),
    path(
        "cases/<int:pk>/dossiers/<int:dossier_id>/",
        apis.CaseDossierDetailApi.as_view(),
        name="case-dossier-detail",
    ),
    path(
        "cases/<int:pk>/dossiers/<int:dossier_id>/file/",
        apis.CaseDossierFileApi.as_view(),
        name="case-dossier-file",
    ),
]
