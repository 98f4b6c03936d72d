"""Who someone is: the one customer behind an email or a phone number.

Every surface recognises a person through ``customer_resolve``: a guest checkout, a store
sale, a POS order from the API all attach to the existing customer with the same email or
phone instead of creating a duplicate. ``customer_link_login`` joins a login to it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.errors import (
    IdentityConflict,
    InvalidContact,
)
from customers.models import (
    Channel,
    Customer,
    CustomerIdentity,
    Interaction,
)
from customers.services.base import interaction_record
from customers.services.merge import customer_merge
from omni import stored_text
from omni.phones import PhoneInvalid, phone_e164
from stores.models import Location

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {"account.linked": gettext_lazy("Online account linked by the verified email %(email)s")}
)


def normalise_email(email: str) -> str:
    """Lower-cased and stripped; raises InvalidContact if it is not an email address."""
    value = (email or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidContact(
            _("“%(email)s” is not a valid email address.") % {"email": email}, field="email"
        ) from None
    return value


def normalise_phone(phone: str, *, region: str | None = None) -> str:
    """E.164 (``+66812345678``): read in ``region`` (the market's country by default) unless
    it carries its own ``+CC``, native digits as ASCII (omni.phones). Raises InvalidContact
    naming the form expected ("Enter a valid Thai phone number, e.g. 081 234 5678")."""
    try:
        return phone_e164(phone, region=region)
    except PhoneInvalid as exc:
        raise InvalidContact(exc.message, field="phone") from None


def _identity_add(
    *, customer: Customer, kind: str, value: str, verified: bool, source: str
) -> CustomerIdentity:
    identity, _created = CustomerIdentity.objects.get_or_create(
        kind=kind,
        value=value,
        defaults={
            "customer": customer,
            "is_verified": verified,
            "verified_at": timezone.now() if verified else None,
            "source": source,
        },
    )
    if identity.customer_id != customer.pk:
        conflicts = {
            CustomerIdentity.Kind.EMAIL: _("That email address belongs to another customer."),
            CustomerIdentity.Kind.PHONE: _("That phone number belongs to another customer."),
            CustomerIdentity.Kind.LOYALTY: _("That loyalty number belongs to another customer."),
        }
        raise IdentityConflict(conflicts[identity.kind], field=kind)
    if verified and not identity.is_verified:
        identity.is_verified = True
        identity.verified_at = timezone.now()
        identity.save(update_fields=["is_verified", "verified_at"])
    return identity


def customer_resolve(
    *,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    source: str = Channel.WEB,
    verified: bool = False,
    user=None,
    home_store: Location | None = None,
    language: str = "",
) -> Customer:
    """The one customer for this email and/or phone, created if nobody matches (speaking
    ``language``, else the shop's default; a match keeps the language it has).

    Matches an existing identity by email first, then phone. Fills in blanks (a name, a
    phone number) on the matched customer but never overwrites what is there. Locks the
    matched customer row. Raises InvalidContact for a malformed email/phone, and
    IdentityConflict if email and phone point at two different customers (an associate
    should merge them). Two first-time checkouts racing with the same new email end with
    one customer: the loser's insert hits the unique identity and it retries as a match."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _customer_resolve(
                    email=email,
                    phone=phone,
                    first_name=first_name,
                    last_name=last_name,
                    source=source,
                    verified=verified,
                    user=user,
                    home_store=home_store,
                    language=language,
                )
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _customer_resolve(
    *,
    email: str,
    phone: str,
    first_name: str,
    last_name: str,
    source: str,
    verified: bool,
    user,
    home_store: Location | None,
    language: str = "",
) -> Customer:
    email_value = normalise_email(email) if email else ""
    phone_value = normalise_phone(phone) if phone else ""
    if not email_value and not phone_value and user is None:
        raise InvalidContact(_("An email address or a phone number is needed."), field="email")

    matches: dict[str, int] = (
        dict(
            CustomerIdentity.objects.filter(
                kind=CustomerIdentity.Kind.EMAIL, value=email_value
            ).values_list("kind", "customer_id")
        )
        if email_value
        else {}
    )
    if phone_value:
        matches.update(
            CustomerIdentity.objects.filter(
                kind=CustomerIdentity.Kind.PHONE, value=phone_value
            ).values_list("kind", "customer_id")
        )
    if user is not None and hasattr(user, "customer") and user.customer is not None:
        matches.setdefault("user", user.customer.pk)
    customer_ids = set(matches.values())
    if len(customer_ids) > 1:
        raise IdentityConflict(
            _("This email and this phone number belong to two different customers."),
            field="phone",
            customer_ids=sorted(customer_ids),
        )

    if customer_ids:
        customer = Customer.objects.select_for_update().get(pk=customer_ids.pop())
        changed = []
        for field, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("email", email_value),
            ("phone", phone_value),
        ):
            if value and not getattr(customer, field):
                setattr(customer, field, value)
                changed.append(field)
        if home_store is not None and customer.home_store_id is None:
            customer.home_store = home_store
            changed.append("home_store")
        if user is not None and customer.user_id is None:
            customer.user = user
            changed.append("user")
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
    else:
        customer = Customer.objects.create(
            first_name=first_name,
            last_name=last_name,
            email=email_value,
            phone=phone_value,
            source_channel=source,
            home_store=home_store,
            user=user,
            language=_language_or_default(language),
        )
    if email_value:
        _identity_add(
            customer=customer,
            kind=CustomerIdentity.Kind.EMAIL,
            value=email_value,
            verified=verified,
            source=source,
        )
    if phone_value:
        _identity_add(
            customer=customer,
            kind=CustomerIdentity.Kind.PHONE,
            value=phone_value,
            verified=verified,
            source=source,
        )
    return customer


def _language_or_default(language: str) -> str:
    """A language of LANGUAGES, else the shop's default."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@transaction.atomic
def customer_link_login(*, user, email: str, verified: bool, language: str = "") -> Customer:
    """The customer a login belongs to, made or found at sign-up and again when an email
    address of the login is verified.

    A verified address joins the login to the customer that already owns it (the guest
    who ordered before signing up now sees those orders): that customer gets the login,
    and a record made for the login meanwhile is merged into it. An unverified address
    never does — whoever typed it may not own it — so the login gets a record of its own
    without that address as an identity. An address owned by another login is left
    alone. Locks the customer rows it changes. Raises InvalidContact (malformed email)."""
    email_value = normalise_email(email)
    own = Customer.objects.select_for_update().filter(user=user).first()
    identity = (
        CustomerIdentity.objects.select_related("customer")
        .filter(kind=CustomerIdentity.Kind.EMAIL, value=email_value)
        .first()
    )
    if identity is None:
        if own is None:
            return customer_resolve(
                email=email_value, user=user, verified=verified, language=language
            )
        _identity_add(
            customer=own,
            kind=CustomerIdentity.Kind.EMAIL,
            value=email_value,
            verified=verified,
            source=Channel.WEB,
        )
        if not own.email:
            own.email = email_value
            own.save(update_fields=["email", "updated_at"])
        return own
    owner = identity.customer
    if own is not None and owner.pk == own.pk:
        if verified:
            _identity_add(
                customer=own,
                kind=CustomerIdentity.Kind.EMAIL,
                value=email_value,
                verified=True,
                source=Channel.WEB,
            )
        return own
    claimable = verified and owner.user_id is None and owner.is_active
    if not claimable:
        if own is not None:
            return own
        return Customer.objects.create(
            user=user,
            email=email_value,
            first_name=(user.first_name or "")[:80],
            last_name=(user.last_name or "")[:80],
            source_channel=Channel.WEB,
            language=_language_or_default(language),
        )
    if own is not None:
        owner = customer_merge(source=own, target=owner, associate=None)
    else:
        owner = Customer.objects.select_for_update().get(pk=owner.pk)
        owner.user = user
        owner.save(update_fields=["user", "updated_at"])
    _identity_add(
        customer=owner,
        kind=CustomerIdentity.Kind.EMAIL,
        value=email_value,
        verified=True,
        source=Channel.WEB,
    )
    interaction_record(
        customer=owner,
        kind=Interaction.Kind.ACCOUNT,
        channel=Channel.WEB,
        summary=stored_text.text("account.linked", email=email_value),
        detail={"user_id": user.pk},
    )
    return owner
