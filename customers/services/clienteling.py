"""Clienteling: an associate's notes, follow-up tasks, one-to-one outreach and the
access log of who looked at whose record."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.errors import (
    ConsentRequired,
    InvalidContact,
    InvalidProfile,
    InvalidTransition,
)
from customers.models import (
    Channel,
    ContactChannel,
    Customer,
    CustomerAccessLog,
    CustomerNote,
    FollowUpTask,
    Interaction,
)
from customers.services.base import _ensure_assigned, _location_of, interaction_record
from omni import stored_text
from stores.models import Associate, Location

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "note.added": gettext_lazy("Note by %(associate)s: %(body)s"),
        "followup.done": gettext_lazy("Follow-up done by %(associate)s: %(reason)s"),
        "outreach.email": gettext_lazy("%(associate)s emailed %(customer)s"),
        "outreach.sms": gettext_lazy("%(associate)s texted %(customer)s"),
        "outreach.phone": gettext_lazy("%(associate)s called %(customer)s"),
        "outreach.email_note": gettext_lazy("%(associate)s emailed %(customer)s: %(note)s"),
        "outreach.sms_note": gettext_lazy("%(associate)s texted %(customer)s: %(note)s"),
        "outreach.phone_note": gettext_lazy("%(associate)s called %(customer)s: %(note)s"),
    }
)


@transaction.atomic
def note_add(
    *,
    customer: Customer,
    associate: Associate,
    body: str,
    location: Location | None = None,
    pinned: bool = False,
) -> CustomerNote:
    """An associate's note on the customer ("prefers slim fits"), also on the timeline.
    Raises InvalidProfile for an empty note."""
    body = (body or "").strip()
    if not body:
        raise InvalidProfile(_("The note is empty."), field="body")
    location = _location_of(associate, location)
    note = CustomerNote.objects.create(
        customer=customer, author=associate, location=location, body=body, is_pinned=pinned
    )
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.NOTE,
        channel=Channel.STORE,
        summary=stored_text.text("note.added", associate=associate.display_name, body=body),
        subject=note,
        location=location,
        associate=associate,
    )
    return note


def note_pin(*, note: CustomerNote, pinned: bool) -> CustomerNote:
    """Pin a note to the top of the customer's record (or unpin it)."""
    note.is_pinned = pinned
    note.save(update_fields=["is_pinned", "updated_at"])
    return note


def task_create(
    *,
    customer: Customer,
    location: Location,
    reason: str,
    due_on: dt.date,
    created_by: Associate | None,
    assigned_to: Associate | None = None,
) -> FollowUpTask:
    """A follow-up for the store ("call Ana when the blazer in 38 is back"). Raises
    InvalidProfile (no reason, no due date), LocationNotAvailable (the creator or the
    assignee does not work at that store). ``created_by=None``: made by the system (the
    abandoned-cart worker), for whoever works at that store."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidProfile(_("Say what the follow-up is for."), field="reason")
    if due_on is None:
        raise InvalidProfile(_("Give the follow-up a due date."), field="due_on")
    if created_by is not None:
        _ensure_assigned(associate=created_by, location=location)
    if assigned_to is not None and (created_by is None or assigned_to.pk != created_by.pk):
        _ensure_assigned(associate=assigned_to, location=location)
    return FollowUpTask.objects.create(
        customer=customer,
        location=location,
        reason=reason[:200],
        due_on=due_on,
        created_by=created_by,
        assigned_to=assigned_to,
    )


@transaction.atomic
def task_complete(*, task: FollowUpTask, associate: Associate) -> FollowUpTask:
    """Mark a follow-up done (it goes on the customer's timeline as outreach). Completing
    a done task changes nothing. Locks the task. Raises InvalidTransition (cancelled),
    LocationNotAvailable (the associate does not work at the task's store)."""
    locked = (
        FollowUpTask.objects.select_for_update(of=("self",))
        .select_related("customer", "location")
        .get(pk=task.pk)
    )
    _ensure_assigned(associate=associate, location=locked.location)
    if locked.status == FollowUpTask.Status.DONE:
        return locked
    if locked.status != FollowUpTask.Status.OPEN:
        raise InvalidTransition(_("The follow-up was cancelled."), status=locked.status)
    locked.status = FollowUpTask.Status.DONE
    locked.completed_at = timezone.now()
    if locked.assigned_to_id is None:
        locked.assigned_to = associate
    locked.save(update_fields=["status", "completed_at", "assigned_to", "updated_at"])
    interaction_record(
        customer=locked.customer,
        kind=Interaction.Kind.OUTREACH,
        channel=Channel.STORE,
        summary=stored_text.text(
            "followup.done", associate=associate.display_name, reason=locked.reason
        ),
        subject=locked,
        location=locked.location,
        associate=associate,
    )
    task.status, task.completed_at = locked.status, locked.completed_at
    return locked


@transaction.atomic
def task_cancel(*, task: FollowUpTask, associate: Associate) -> FollowUpTask:
    """Call off an open follow-up. Locks the task. Raises InvalidTransition (done),
    LocationNotAvailable (the associate does not work at the task's store)."""
    locked = (
        FollowUpTask.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=task.pk)
    )
    _ensure_assigned(associate=associate, location=locked.location)
    if locked.status == FollowUpTask.Status.CANCELLED:
        return locked
    if locked.status != FollowUpTask.Status.OPEN:
        raise InvalidTransition(_("The follow-up is already done."), status=locked.status)
    locked.status = FollowUpTask.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    return locked


_OUTREACH_VERBS = {
    ContactChannel.EMAIL: ("emailed", Channel.EMAIL),
    ContactChannel.SMS: ("texted", Channel.PHONE),
    ContactChannel.PHONE: ("called", Channel.PHONE),
}


@transaction.atomic
def outreach_record(
    *,
    customer: Customer,
    channel: str,
    associate: Associate,
    location: Location | None = None,
    note: str = "",
) -> Interaction:
    """An associate contacted the customer one-to-one (an email, a text, a call): it goes
    on the timeline as outreach. The customer's consent on that contact channel must allow
    one-to-one contact from an associate (marketing or one-to-one consent).

    Raises InvalidContact (unknown channel, or no address/number to use) and
    ConsentRequired (consent is none or was never given): nothing is recorded."""
    from customers.selectors import outreach_allowed

    if channel not in _OUTREACH_VERBS:
        raise InvalidContact(
            _("Unknown contact channel “%(channel)s”.") % {"channel": channel}, field="channel"
        )
    address = customer.email if channel == ContactChannel.EMAIL else customer.phone
    if not address:
        if channel == ContactChannel.EMAIL:
            message = _("We have no email address for this customer.")
        else:
            message = _("We have no phone number for this customer.")
        raise InvalidContact(message, field="channel")
    if not outreach_allowed(customer=customer, channel=channel, by_associate=True):
        refusals = {
            ContactChannel.EMAIL: _("%(customer)s has not agreed to be contacted by email."),
            ContactChannel.SMS: _("%(customer)s has not agreed to be contacted by text message."),
            ContactChannel.PHONE: _("%(customer)s has not agreed to be contacted by phone."),
        }
        raise ConsentRequired(refusals[channel] % {"customer": customer}, channel=channel)
    _verb, timeline_channel = _OUTREACH_VERBS[channel]
    note = (note or "").strip()
    summary = stored_text.text(
        f"outreach.{channel}{'_note' if note else ''}",
        associate=associate.display_name,
        customer=customer.first_name or str(customer),
        **({"note": note} if note else {}),
    )
    return interaction_record(
        customer=customer,
        kind=Interaction.Kind.OUTREACH,
        channel=timeline_channel,
        summary=summary,
        location=_location_of(associate, location),
        associate=associate,
        detail={"contact_channel": channel},
    )


def customer_access_record(
    *, customer: Customer, user, location: Location | None, action: str = "view"
) -> CustomerAccessLog:
    """Who looked at (or exported, edited...) whose record, from where: clienteling data
    is personal."""
    return CustomerAccessLog.objects.create(
        customer=customer, user=user, location=location, action=action[:30]
    )
