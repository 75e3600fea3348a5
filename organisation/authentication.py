"""Expiring API tokens: issue, revoke, and check one presented as `Authorization: Token <token>`.

Only the SHA-256 digest of a token is stored, so a copy of the database yields no usable token. The
DRF authentication class that reads the header is config.drf.authentication.ExpiringTokenAuthentication.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
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


class TokenRefused(DomainError):
    """A token that signs no one in: unknown, revoked, expired, or its account disabled (HTTP 401)."""

    code = "authentication_failed"


def api_token_check(token: str) -> ApiToken:
    """Return the token row (its user joined) that `token` names; TokenRefused saying why otherwise.

    Marks when the token was last used, at most once a minute.
    """
    api_token = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
    if api_token is None:
        raise TokenRefused(_("Invalid token."))
    now = timezone.now()
    if api_token.revoked_at is not None:
        raise TokenRefused(_("The token has been revoked; sign in again for a new one."))
    if api_token.expires_at <= now:
        raise TokenRefused(_("The token has expired; sign in again for a new one."))
    if not api_token.user.is_active:
        raise TokenRefused(_("The user account is disabled."))
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    return api_token
