from django.urls import include, path

urlpatterns = [
    path("v1/", include("organisation.api_urls")),
    path("", include("core.api_urls")),
]
