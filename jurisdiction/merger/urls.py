from django.urls import path

from core.pages import moved
from jurisdiction.merger import views as merger_views

app_name = "mergers"

urlpatterns = [
    path(
        "jurisdiction/cases/<int:case_id>/mergers/new/",
        merger_views.MergerProposeView.as_view(),
        name="propose",
    ),
    path(
        "jurisdiction/mergers/<int:pk>/",
        merger_views.MergerDetailView.as_view(),
        name="detail",
    ),
    path(
        "jurisdiction/mergers/<int:pk>/transitions/<str:name>/",
        merger_views.MergerStepView.as_view(),
        name="transition",
    ),
    path(
        "jurisdiction/mergers/<int:pk>/actions/<str:name>/",
        moved("mergers:transition"),
        name="action",
    ),
]
