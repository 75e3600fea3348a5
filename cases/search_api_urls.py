from django.urls import path

from cases import search_apis

urlpatterns = [
    path("search/", search_apis.SearchApi.as_view(), name="search"),
]
