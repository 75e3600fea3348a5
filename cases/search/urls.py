from django.urls import path

from cases.search import views

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="search"),
]
