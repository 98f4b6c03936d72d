"""Customers' domain errors: every one derives from ``CustomerError`` (and so from
``omni.errors.DomainError``) and carries a stable ``code``."""

from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError, NotFound
from omni.errors import InvalidTransition as BaseInvalidTransition


class CustomerError(DomainError):
    """Something about this customer request cannot be done."""

    code = "customer_error"
    default_message = _("This cannot be done for this customer.")


class InvalidContact(CustomerError):
    """The email address or phone number is not valid."""

    code = "invalid_contact"
    default_message = _("The email address or phone number is not valid.")
    http_status = 422


class IdentityConflict(CustomerError):
    """This email, phone or loyalty number already belongs to another customer."""

    code = "identity_conflict"
    default_message = _("This email, phone or loyalty number already belongs to another customer.")


class ConsentRequired(CustomerError):
    """The customer's consent does not allow this contact."""

    code = "consent_required"
    default_message = _("The customer has not agreed to be contacted this way.")
    http_status = 403


class InvalidTransition(CustomerError, BaseInvalidTransition):
    """The list or task is not in a state that allows this step."""

    code = "invalid_transition"
    default_message = _("This list or task cannot take this step now.")


class CustomerNotFound(CustomerError, NotFound):
    """No such customer, list or item (or not visible to the caller)."""

    code = "not_found"
    default_message = _("This customer, list or item was not found.")
    http_status = 404


class LocationNotAvailable(CustomerError):
    """That location cannot take this: it is not an active store."""

    code = "location_not_available"
    default_message = _("That location is not an open store.")
    http_status = 400


class InvalidList(CustomerError):
    """The list or the item is not valid as given."""

    code = "invalid_list"
    default_message = _("The list or the item is not valid.")
    http_status = 400


class SizeNotChosen(CustomerError):
    """Some items on the list have no size chosen, so they cannot be held in a store."""

    code = "size_not_chosen"
    default_message = _(
        "Some items on the list have no size chosen, so they cannot be held in a store."
    )


class InvalidProfile(CustomerError):
    """The profile change is not valid."""

    code = "invalid_profile"
    default_message = _("The profile change is not valid.")
    http_status = 400


class MergeNotAllowed(CustomerError):
    """These two customer records cannot be merged."""

    code = "merge_not_allowed"
    default_message = _("These two customer records cannot be merged.")
