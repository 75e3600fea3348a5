from django.urls import path

from jurisdiction.merger import apis as merger_apis

urlpatterns = [
    path("merger-proposals/", merger_apis.MergerProposalListApi.as_view(), name="merger-proposal-list"),
    path(
        "merger-proposals/<int:pk>/",
        merger_apis.MergerProposalDetailApi.as_view(),
        name="merger-proposal-detail",
    ),
    path(
        "merger-proposals/<int:pk>/transitions/<str:name>/",
        merger_apis.MergerProposalTransitionApi.as_view(),
        name="merger-proposal-transition",
    ),
]
