from django.conf import settings
from django.conf.urls.i18n import i18n_patterns  # noqa: F401 - language comes from the session/cookie, not URLs
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = settings.ADMIN_SITE_HEADER

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("", include("organisation.urls")),
    path("", include("core.urls")),
]
