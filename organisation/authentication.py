"""Expiring API tokens: issue, revoke, and authenticate `Authorization: Token <token>`.

Only the SHA-256 digest of a token is stored, so a copy of the database yields no usable token.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organisation.models import ApiToken, User

KEYWORD = "Token"
# Recording every request would turn each read into a write; a minute is precise enough to see
# which tokens are in use.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """Create a token for the user; return the row and the plain token, which is never stored."""
    token = secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(
        user=user,
        digest=token_digest(token),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return api_token, token


@transaction.atomic
def api_token_revoke(*, api_token: ApiToken) -> None:
    """Revoke the token from now on (idempotent: a second revocation keeps the first time)."""
    ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


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
        api_token = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
        if api_token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if api_token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("The token has been revoked; sign in again for a new one.")
            )
        if api_token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("The token has expired; sign in again for a new one."))
        if not api_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The user account is disabled."))
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
            api_token.last_used_at = now
        return api_token.user, api_token

    def authenticate_header(self, request):
        # Naming a scheme makes DRF answer 401 (with WWW-Authenticate) instead of 403 when not signed in.
        return self.keyword


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "organisation.authentication.ExpiringTokenAuthentication"
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
