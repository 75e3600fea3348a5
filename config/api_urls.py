"""Everything under /api/, reversed as "api:<name>".

Each app's endpoints are included under v1/; the catch-all stays last so that any other path under
/api/ gets the JSON error body instead of Django's HTML 404 page.
"""

from django.urls import include, path, re_path

from core.apis import api_not_found

app_name = "api"

urlpatterns = [
    path("v1/", include("organisation.api_urls")),
    path("v1/", include("organisation.registers.api_urls")),
    path("v1/", include("cases.api_urls")),
    path("v1/", include("cases.access.api_urls")),
    path("v1/", include("cases.search.api_urls")),
    path("v1/", include("cases.assistance.api_urls")),
    path("v1/", include("documents.api_urls")),
    path("v1/", include("jurisdiction.api_urls")),
    path("v1/", include("jurisdiction.merger.api_urls")),
    path("v1/", include("bulletins.api_urls")),
    path("v1/", include("meetings.api_urls")),
    path("", include("core.api_urls")),
    re_path(r"^.*$", api_not_found, name="not-found"),
]
