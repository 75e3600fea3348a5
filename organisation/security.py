"""Login lockout after repeated failures, counted per username in the database."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from organisation.models import LoginThrottle


def is_locked_out(username: str) -> bool:
    if not username:
        return False
    throttle = LoginThrottle.objects.filter(username=username.lower()).only("locked_until").first()
    return bool(throttle and throttle.locked_until and throttle.locked_until > timezone.now())


@transaction.atomic
def record_failure(username: str) -> LoginThrottle:
    """Count a failed login; lock the username for LOGIN_LOCKOUT_MINUTES after LOGIN_MAX_FAILURES."""
    now = timezone.now()
    throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(username=username.lower())
    if throttle.locked_until and throttle.locked_until <= now:
        throttle.failures = 0
        throttle.locked_until = None
    throttle.failures = F("failures") + 1
    throttle.last_failure_at = now
    throttle.save(update_fields=["failures", "last_failure_at", "locked_until"])
    throttle.refresh_from_db()
    if throttle.failures >= settings.LOGIN_MAX_FAILURES and not throttle.locked_until:
        throttle.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        throttle.save(update_fields=["locked_until"])
    return throttle


def record_success(username: str) -> None:
    LoginThrottle.objects.filter(username=username.lower()).delete()


class LockoutModelBackend(ModelBackend):
    """Refuse every password, right or wrong, while the username is locked out."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username and is_locked_out(username):
            if request is not None:
                request.login_locked_out = True
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            record_success(username)
        return user

    @staticmethod
    def _username_field():
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


def count_failed_login(sender, credentials, request=None, **kwargs):
    """Count every failed login, from the login page and the token endpoint alike."""
    username = credentials.get("username")
    if username:
        record_failure(username)
