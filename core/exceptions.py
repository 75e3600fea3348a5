"""Domain errors: what a service says when it refuses, independent of HTTP and of DRF.

Services raise these; the API maps them to the error body once (core.api.exception_handler) and the
pages once (core.pages: the step view and DomainErrorMiddleware). `Invalid` is a Django
ValidationError and `NotAllowed` a Django PermissionDenied, so that forms, `full_clean()` and
Django's own 403 handling understand them without a translation step.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy


class DomainError(Exception):
    """A refusal by the domain: the request was understood and the rules say no."""

    code = "error"
    default_message = gettext_lazy("The request failed.")

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)

    @property
    def detail(self):
        """Return the message (the name DRF's exceptions use, kept for callers written against them)."""
        return self.message


class Conflict(DomainError):
    """A transition or write lost a race, or the object is not in a state that allows it: it moved on."""

    code = "conflict"
    default_message = gettext_lazy("The object was changed by someone else; reload it and try again.")

    def __init__(self, message=None, *, current_state: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.current_state = current_state


class NotAllowed(DomainError, PermissionDenied):
    """The user may not take this step on this object (HTTP 403)."""

    code = "permission_denied"
    default_message = gettext_lazy("You do not have permission to perform this action.")


class Invalid(DomainError, ValidationError):
    """The input breaks a rule; `fields` maps each input field to its messages (HTTP 400)."""

    code = "invalid"
    default_message = gettext_lazy("The input is not valid; see the field errors.")

    def __init__(self, fields: dict | str | list, *, code: str | None = None):
        # ValidationError keeps the per-field messages (message_dict) that forms and the API read.
        ValidationError.__init__(self, fields)
        message = self.messages[0] if not isinstance(fields, dict) and self.messages else None
        DomainError.__init__(self, message, code=code)

    def __str__(self) -> str:
        return ValidationError.__str__(self)

    @property
    def fields(self) -> dict[str, list[str]]:
        if hasattr(self, "error_dict"):
            return self.message_dict
        return {"non_field_errors": self.messages}
