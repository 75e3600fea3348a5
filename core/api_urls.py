from django.urls import path

from core.apis import SchemaApi, SwaggerApi

urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="schema"),
    path("docs/", SwaggerApi.as_view(), name="docs"),
]
