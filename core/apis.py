"""API views that belong to no app: the OpenAPI schema, Swagger UI, and JSON errors for /api/."""

from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer

from core.api import error_body

API_PREFIX = "/api/"


@csrf_exempt  # a token client has no CSRF cookie, and a 404 changes nothing
def api_not_found(request, *args, **kwargs):
    """Answer a path under /api/ that no view serves with the JSON error body, for every method."""
    message = _("There is no API endpoint at this address.")
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            message = _("API addresses end with a slash: %(path)s") % {"path": request.path + "/"}
    return JsonResponse(error_body("not_found", message), status=404)


def server_error(request, *args, **kwargs):
    """Answer an unhandled error under /api/ with the JSON error body; elsewhere with the HTML page."""
    if request.path.startswith(API_PREFIX):
        message = _("The server failed to handle the request; the error has been logged.")
        return JsonResponse(error_body("server_error", message), status=500)
    return defaults.server_error(request, *args, **kwargs)


class SchemaApi(SpectacularAPIView):
    """The OpenAPI 3 schema, YAML by default, JSON with `?format=json`; for signed-in users only."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        # The negotiated renderer is the YAML or JSON schema renderer; errors keep the one JSON body.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class SwaggerApi(SpectacularSwaggerSplitView):
    """Swagger UI from the server's own static files, with its start-up script as a separate file.

    No inline script, so it runs under the strict Content-Security-Policy. A visitor who is not
    signed in is sent to the sign-in page.
    """

    permission_classes = [AllowAny]
    url_name = "api:schema"
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)
