"""API views that belong to no app: the OpenAPI schema, Swagger UI, JSON errors for /api/, notifications."""

import django_filters
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_body, error_responses
from core.models import Notification
from core.notifications import notification_mark_all_read, notification_mark_read, notifications_for

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


# --- notifications -------------------------------------------------------------------------------
# Every signed-in user has notifications, whatever their role; each sees only their own, and
# another user's is answered 404 like any object that is not theirs.


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(help_text=gettext_lazy("The page the notification is about; may be empty."))
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.BooleanField()


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        label=gettext_lazy("only unread (true) or only read (false)"),
    )

    class Meta:
        model = Notification
        fields = []


@extend_schema(tags=["notifications"])
class NotificationListApi(generics.ListAPIView):
    """List the signed-in user's notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return notifications_for(self.request.user)

    @extend_schema(
        operation_id="notifications_list",
        responses={200: NotificationSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadApi(APIView):
    """Mark one of the signed-in user's notifications read."""

    @extend_schema(
        operation_id="notifications_read",
        tags=["notifications"],
        request=None,
        responses={200: NotificationSerializer, **error_responses(401, 404)},
    )
    def post(self, request, pk: int):
        try:
            notification = notification_mark_read(user=request.user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404 from None
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    """Mark all the signed-in user's unread notifications read."""

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField(help_text=gettext_lazy("How many notifications were unread."))

    @extend_schema(
        operation_id="notifications_read_all",
        tags=["notifications"],
        request=None,
        responses={200: OutputSerializer, **error_responses(401)},
    )
    def post(self, request):
        marked = notification_mark_all_read(user=request.user)
        return Response(self.OutputSerializer({"marked": marked}).data)
