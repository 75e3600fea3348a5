"""The token authentication DRF loads from REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"].

It reads the `Authorization: Token <token>` header; organisation.authentication checks the token.
A module of its own because DRF imports it while building APIView (see config/drf/__init__.py).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organisation.authentication import KEYWORD, TokenRefused, api_token_check


class ExpiringTokenAuthentication(BaseAuthentication):
    """Authenticate `Authorization: Token <token>`; refuse expired or revoked tokens and inactive users.

    The token row is left on `request.auth` so that logout can revoke it.
    """

    keyword = KEYWORD

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: send “Token” and the token, nothing else.")
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: the token has characters it cannot have.")
            ) from error
        return self.authenticate_credentials(token)

    def authenticate_credentials(self, token: str):
        try:
            api_token = api_token_check(token)
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message) from None
        return api_token.user, api_token

    def authenticate_header(self, request):
        # Naming a scheme makes DRF answer 401 (with WWW-Authenticate) instead of 403 when not signed in.
        return self.keyword


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "config.drf.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _(
                "Send `Authorization: Token <token>` with a token from POST /api/v1/auth/token/. "
                "Tokens expire; POST /api/v1/auth/logout/ revokes one."
            ),
        }
