from django.urls import path

from cases.search import apis

urlpatterns = [
    path("search/", apis.SearchApi.as_view(), name="search"),
]
