"""Back-office follow-up tasks: the associate's open tasks, done or cancelled."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers import selectors, services
from customers.models import FollowUpTask
from omni.errors import DomainError
from omni.http import domain_error_message, safe_next
from stores.surface import (
    backoffice_done,
    backoffice_render,
    backoffice_view,
)

# --- follow-up tasks ------------------------------------------------------------------------


def _task_or_404(request: HttpRequest, task_id: int) -> FollowUpTask:
    """A task at a store the associate works for; another store's is 404."""
    task = (
        FollowUpTask.objects.select_related("customer", "assigned_to", "location")
        .filter(pk=task_id, location__in=[loc.pk for loc in request.allowed_locations])
        .first()
    )
    if task is None:
        raise Http404("No such follow-up at your stores.")
    return task


@require_GET
@backoffice_view
def tasks(request: HttpRequest) -> HttpResponse:
    """My tasks today: open follow-ups at this store due today or overdue, assigned to me
    or to nobody yet."""
    today = selectors.store_today(location=request.location)
    due = [
        *selectors.tasks_due(
            location=request.location,
            associate=request.associate,
            on=today,
            include_unassigned=True,
        )
    ]
    return backoffice_render(request, "backoffice/tasks/list.html", {"tasks": due, "today": today})


def _task_action(request: HttpRequest, task_id: int, action, message: str) -> HttpResponse:
    """Complete or cancel: HTMX gets the task's row back in its new state (a stale tap on
    a task someone else closed shows what happened to it). ``message`` has ``%(reason)s``."""
    task = _task_or_404(request, task_id)
    try:
        action(task=task, associate=request.associate)
    except DomainError as error:
        domain_error_message(request, error)
    else:
        messages.success(request, message % {"reason": task.reason})
    task = _task_or_404(request, task_id)
    fallback = reverse("backoffice:tasks")
    return backoffice_done(
        request,
        redirect_to=safe_next(request, fallback),
        fragment="backoffice/tasks/_task_row.html",
        context={"task": task, "today": selectors.store_today(location=request.location)},
    )


@require_POST
@backoffice_view
def task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    return _task_action(request, task_id, services.task_complete, _("Done: %(reason)s"))


@require_POST
@backoffice_view
def task_cancel(request: HttpRequest, task_id: int) -> HttpResponse:
    return _task_action(request, task_id, services.task_cancel, _("Cancelled: %(reason)s"))
