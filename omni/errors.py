"""The one application error type. Each domain derives its own errors from it.

A single place per surface (form, HTMX message, API exception handler) turns a
``DomainError`` into a message with its stable ``code``.
"""


class DomainError(Exception):
    """A business rule said no. ``code`` is stable and machine-readable."""

    code = "domain_error"
    http_status = 409

    def __init__(self, message: str = "", *, code: str | None = None, **details) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code:
            self.code = code
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"
    http_status = 404


class InvalidTransition(DomainError):
    """The object is not in a state that allows this step."""

    code = "invalid_transition"
