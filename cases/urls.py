from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="list"),
    path("cases/new/", views.CaseCreateView.as_view(), name="new"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("cases/<int:pk>/transitions/<str:name>/", views.CaseStepView.as_view(), name="transition"),
    path("cases/<int:pk>/locations/new/", views.LocationCreateView.as_view(), name="location-new"),
    path(
        "cases/<int:pk>/locations/<int:location_id>/remove/",
        views.FactRemoveView.as_view(kind="location"),
        name="location-remove",
    ),
    path("cases/<int:pk>/persons/new/", views.PersonCreateView.as_view(), name="person-new"),
    path(
        "cases/<int:pk>/persons/<int:person_id>/remove/",
        views.FactRemoveView.as_view(kind="person"),
        name="person-remove",
    ),
    path("cases/<int:pk>/dossiers/", views.DossierCreateView.as_view(), name="dossier-new"),
    path(
        "cases/<int:pk>/dossiers/<int:dossier_id>/progress/",
        views.DossierProgressView.as_view(),
        name="dossier-progress",
    ),
    path(
        "cases/<int:pk>/dossiers/<int:dossier_id>/file/",
        views.DossierFileView.as_view(),
        name="dossier-file",
    ),
]
