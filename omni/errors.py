"""The one application error type. Each domain derives its own errors from it.

A single place per surface (form, HTMX message, API exception handler) turns a
``DomainError`` into a message with its stable ``code``.

The message is for a person, so it is translatable: a raise passes a ``gettext``
string, and each class names a lazy ``default_message`` for raises that pass none.
It is kept lazy until it is read, so it comes out in the language of whoever reads
it (the shopper's page, the associate's screen, the API's ``Accept-Language``), not
the language active where it was raised. The docstring is for developers only.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule said no. ``code`` is stable and machine-readable."""

    code = "domain_error"
    http_status = 409
    default_message = _("This cannot be done.")

    def __init__(self, message: str = "", *, code: str | None = None, **details) -> None:
        self._message = message or self.default_message
        super().__init__(self._message)
        if code:
            self.code = code
        self.details = details

    @property
    def message(self) -> str:
        """The message in the active language (a lazy default is translated on read)."""
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"
    http_status = 404
    default_message = _("Not found.")


class InvalidTransition(DomainError):
    """The object is not in a state that allows this step."""

    code = "invalid_transition"
    default_message = _("This step is not possible in the current state.")
