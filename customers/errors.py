from omni.errors import DomainError


class CustomerError(DomainError):
    """Something about this customer request cannot be done."""

    code = "customer_error"


class InvalidContact(CustomerError):
    """The email address or phone number is not valid."""

    code = "invalid_contact"
    http_status = 422


class IdentityConflict(CustomerError):
    """This email, phone or loyalty number already belongs to another customer."""

    code = "identity_conflict"


class ConsentRequired(CustomerError):
    """The customer's consent does not allow this contact."""

    code = "consent_required"
    http_status = 403
