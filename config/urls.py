from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = settings.ADMIN_SITE_HEADER

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("", include("cases.assistance.urls")),
    path("", include("documents.urls")),
    path("", include("jurisdiction.urls")),
    path("", include("jurisdiction.merger.urls")),
    path("", include("bulletins.urls")),
    path("", include("meetings.urls")),
    path("", include("cases.access.urls")),
    path("", include("cases.search.urls")),
    path("", include("cases.urls")),
    path("", include("core.audit_urls")),
    path("", include("organisation.registers.urls")),
    path("", include("organisation.urls")),
]

if settings.BENCH_FLOORS:
    # The floors `make bench` compares each hot path with (bench/floors.py); never in production.
    urlpatterns.insert(0, path("bench-floors/", include("bench.floors")))

# Unhandled errors under /api/ answer in the JSON error body; pages get templates/500.html.
handler500 = "core.apis.server_error"
