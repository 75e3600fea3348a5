from django.urls import path

from cases import search_views

urlpatterns = [
    path("search/", search_views.SearchView.as_view(), name="search"),
]
