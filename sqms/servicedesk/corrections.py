"""Correcting a registered ticket's title, description or problem type.

Kept beside services.py (which holds the state changes of the loop) and built the same way:
one transaction, the row re-read and locked within the actor's scope, the rules checked
before anything changes, an audit event.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.servicedesk.access import access_ticket
from sqms.servicedesk.choices import TicketStatus
from sqms.servicedesk.models import Category, Ticket
from sqms.servicedesk.services import AUDIT_FIELDS, CHANGE_TICKET, clean_text

UNSET: Any = object()


def ticket_version(updated_at: datetime) -> str:
    """A ticket's version for optimistic concurrency (its ETag): every save moves updated_at."""
    return format(int(updated_at.timestamp() * 1_000_000), "x")


def update_ticket(
    ticket: Ticket,
    *,
    actor: Any,
    title: Any = UNSET,
    description: Any = UNSET,
    category: Any = UNSET,
    expected_version: str | None = None,
) -> Ticket:
    """Set the given fields (those left out stay); refused on a closed (archived) ticket, and
    when `expected_version` is given and the ticket has changed since (no lost update)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(CHANGE_TICKET):
        raise PermissionDenied(_("You are not allowed to do this with tickets."))
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = str(title or "").strip()
        if not values["title"]:
            raise DomainError(_("Give the ticket a title."), field="title", code="required")
        if len(values["title"]) > Ticket._meta.get_field("title").max_length:  # type: ignore[operator]
            raise DomainError(_("The title is too long."), field="title")
    if description is not UNSET:
        values["description"] = clean_text(description, "description")
    if category is not UNSET:
        if category is not None and (not isinstance(category, Category) or not category.is_active):
            raise DomainError(_("Choose an active problem type."), field="category")
        values["category"] = category
    with transaction.atomic():
        locked = access_ticket(actor, ticket.pk, for_update=True)
        if expected_version is not None and expected_version != ticket_version(locked.updated_at):
            raise ConflictError(
                _(
                    "The ticket was changed by someone else since you read it; "
                    "reload it and make your change again."
                ),
                code="stale",
            )
        if locked.status == TicketStatus.CLOSED:
            raise ConflictError(
                _("A closed ticket is archived; reopen it to change it."), code="ticket_closed"
            )
        before = audit.snapshot(locked, [*AUDIT_FIELDS, "description"])
        for name, value in values.items():
            setattr(locked, name, value)
        after = audit.snapshot(locked, [*AUDIT_FIELDS, "description"])
        old, new = audit.changes(before, after)
        if new:
            locked.save(update_fields=[*values, "updated_at"])
            audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return locked
