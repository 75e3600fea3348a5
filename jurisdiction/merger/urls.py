from django.urls import path

from jurisdiction.merger import views as merger_views

urlpatterns = [
    path(
        "jurisdiction/cases/<int:case_id>/mergers/new/",
        merger_views.MergerProposeView.as_view(),
        name="jurisdiction-merger-propose",
    ),
    path(
        "jurisdiction/mergers/<int:pk>/",
        merger_views.MergerDetailView.as_view(),
        name="jurisdiction-merger-detail",
    ),
    path(
        "jurisdiction/mergers/<int:pk>/actions/<str:name>/",
        merger_views.MergerActionView.as_view(),
        name="jurisdiction-merger-action",
    ),
]
