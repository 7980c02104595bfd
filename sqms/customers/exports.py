"""CSV and Excel exports of customers and their tickets: masked, unless the user may reveal
personal data and asks for it (then audited with the reason)."""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.masking import mask_name, mask_phone
from sqms.core.reveal import REVEAL_PERMISSION
from sqms.customers.models import Customer
from sqms.servicedesk.models import Ticket

EXPORT = "customers.export_customer"
MAX_ROWS = 100_000
# Formula injection: a cell starting with these is text, not a formula, in Excel.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def customer_rows(customers: Iterable[Customer], reveal: bool) -> Iterator[list[Any]]:
    yield [
        _("Customer number"),
        _("Name"),
        _("Mobile or phone"),
        _("Second phone"),
        _("Resident ID number"),
        _("E-mail"),
        _("Address"),
        _("Gender"),
        _("Age band"),
        _("Occupation"),
        _("Segment"),
        _("Preferred channel"),
        _("Data classification"),
        _("Org unit"),
        _("Created"),
    ]
    for customer in customers:
        personal = [
            (getattr(customer, name) or "") if reveal else customer.masked(name)
            for name in ("name", "phone", "phone_alt", "id_number", "email", "address")
        ]
        yield [
            customer.number,
            *personal,
            customer.get_gender_display(),
            customer.get_age_band_display(),
            customer.occupation,
            customer.get_segment_display(),
            customer.get_preferred_channel_display(),
            customer.get_classification_display(),
            customer.org_unit.code,
            timezone.localtime(customer.created_at).strftime("%Y-%m-%d %H:%M"),
        ]


def ticket_rows(tickets: Iterable[Ticket], reveal: bool) -> Iterator[list[Any]]:
    yield [
        _("Ticket number"),
        _("Customer number"),
        _("Customer name"),
        _("Customer phone"),
        _("Kind"),
        _("Channel"),
        _("Status"),
        _("Title"),
        _("Org unit"),
        _("Registered"),
    ]
    for ticket in tickets:
        name, phone = ticket.customer_name or "", ticket.customer_phone or ""
        yield [
            ticket.number,
            ticket.customer.number if ticket.customer else "",
            name if reveal else mask_name(name),
            phone if reveal else mask_phone(phone),
            ticket.get_kind_display(),
            ticket.get_channel_display(),
            ticket.get_status_display(),
            ticket.title,
            ticket.org_unit.code,
            timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M"),
        ]


def build_rows(
    user: Any, customers: QuerySet[Customer], *, contents: str, reveal: bool, reason: str = ""
) -> list[list[Any]]:
    """The rows of an export of `customers` (already scoped to `user`), audited."""
    if not user.has_perm(EXPORT):
        raise PermissionDenied(_("You are not allowed to export customers."))
    if reveal and not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("You are not allowed to reveal personal data."))
    if contents == "tickets":
        tickets = (
            Ticket.objects.visible_to(user)
            .filter(customer__in=customers.values("pk"))
            .select_related("customer", "org_unit")
            .order_by("-created_at")[:MAX_ROWS]
        )
        rows = list(ticket_rows(tickets, reveal))
    else:
        rows = list(customer_rows(customers.select_related("org_unit")[:MAX_ROWS], reveal))
    with transaction.atomic():
        audit.record(
            AuditAction.EXPORT if not reveal else AuditAction.REVEAL,
            actor=user,
            object_type="customers.customer",
            object_repr=_("Customer export"),
            after={
                "contents": contents,
                "rows": len(rows) - 1,
                "revealed": reveal,
                **({"reason": reason} if reveal else {}),
            },
        )
    return rows


def to_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_safe(value) for value in row])
    # A byte-order mark, so Excel opens the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(rows: list[list[Any]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
