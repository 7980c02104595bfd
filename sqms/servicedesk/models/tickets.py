"""Tickets (服务工单), their timeline, attachments and counter visits."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.fields import BlindIndexField, EncryptedCharField
from sqms.core.masking import mask_name, mask_phone, normalise_phone
from sqms.core.models import ScopedModel, ScopedQuerySet
from sqms.core.scope import sees_all_units, unit_scope_filter
from sqms.servicedesk.choices import (
    Channel,
    EventType,
    Level,
    Priority,
    TicketKind,
    TicketStatus,
)

USER = settings.AUTH_USER_MODEL
# Quality inspectors sit in their own department, beside the halls, not above them, yet review
# and verify the halls' tickets: they see every unit's tickets (only tickets, not other
# records), as they inspect every unit.
VIEW_ALL_TICKETS = "servicedesk.view_all_tickets"


class TicketQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> "TicketQuerySet":
        """The org-unit rule, plus what was handed to the user: a ticket transferred to a
        department or person outside its unit's subtree stays visible to them, and the
        first-contact owner keeps sight of every ticket they registered."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_all_units(user) or user.has_perm(VIEW_ALL_TICKETS):
            return self.all()
        handed_over = models.Q(first_contact_owner=user.pk) | models.Q(assignee=user.pk)
        if user.org_unit is not None:
            handed_over |= models.Q(handling_department__path__startswith=user.org_unit.path)
        return self.filter(unit_scope_filter(user, self.scope_field) | handed_over)


TicketManager = models.Manager.from_queryset(TicketQuerySet)


class Ticket(ScopedModel):
    # Every index on this table is written by each registration and each sweep update, so
    # foreign keys that a composite index below already leads with, or that nothing looks
    # tickets up by (a delete of the referenced row is refused by PROTECT and is rare), have
    # none of their own.
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Not auto_now_add: the SLA plan starts at the registration instant the service chose (so
    # due − created is exactly the target), and imports keep a historical ticket's own time.
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, db_index=True, editable=False
    )
    # Unique through a constraint, not unique=True, which on PostgreSQL adds a second,
    # pattern-matching index that no query here uses.
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        "servicedesk.Category",
        verbose_name=_("problem type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Until the customers app gives tickets a customer record: name and phone, encrypted.
    customer_name = EncryptedCharField(
        _("customer name"), max_length=100, blank=True, mask=mask_name
    )
    customer_phone = EncryptedCharField(
        _("customer phone"), max_length=32, blank=True, mask=mask_phone
    )
    customer_phone_index = BlindIndexField(
        source="customer_phone", normaliser=normalise_phone, db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )

    first_contact_owner = models.ForeignKey(
        USER, verbose_name=_("first-contact owner"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        USER,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    handling_department = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW
    )

    service_error = models.BooleanField(_("service error"), default=False)
    service_error_reason = models.CharField(_("service error reason"), max_length=300, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    # --- SLA: commitments planned at registration, shifted by pauses and priority changes.
    sla_policy = models.ForeignKey(
        "servicedesk.SlaPolicy",
        verbose_name=_("SLA policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    response_due_at = models.DateTimeField(_("respond by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    response_warn_at = models.DateTimeField(null=True, blank=True)
    resolve_warn_at = models.DateTimeField(null=True, blank=True)
    # The earliest pending warning or due time: the sweep's one indexed range query.
    sla_next_check_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    response_warned = models.BooleanField(default=False)
    resolve_warned = models.BooleanField(default=False)
    response_breached = models.BooleanField(_("response breached"), default=False)
    resolve_breached = models.BooleanField(_("resolution breached"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    # --- facts for the indicators (durations in business or calendar minutes per policy).
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    response_minutes = models.PositiveIntegerField(_("response time (min)"), null=True, blank=True)
    resolve_minutes = models.PositiveIntegerField(_("resolution time (min)"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    verified_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    customer_confirmed = models.BooleanField(_("customer confirmed"), null=True, blank=True)
    reassignment_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    objects: ClassVar[TicketManager] = TicketManager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        permissions = [
            ("verify_ticket", _("Can verify resolutions")),
            ("import_ticket", _("Can import historical tickets")),
            ("hold_sla", _("Can hold SLA clocks")),
            ("view_all_tickets", _("Can see the tickets of every unit")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="servicedesk_ticket_number_unique")
        ]
        indexes = [
            models.Index(fields=["org_unit", "status", "-created_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "resolve_due_at"]),
            # Rollups pick up changed tickets by a watermark on updated_at.
            models.Index(fields=["updated_at"], name="servicedesk_ticket_updated"),
            models.Index(fields=["customer_phone_index"]),
            # The sweep pages through due tickets in (next check, id) order: with the id in
            # the index, each batch reads only its own rows, not every due ticket to sort them.
            models.Index(fields=["sla_next_check_at", "id"], name="servicedesk_ticket_sla_check"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class TicketEvent(models.Model):
    """One line of a ticket's timeline."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        USER,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    event_type = models.CharField(_("event"), max_length=20, choices=EventType.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True)
    # Comments only: whether the customer may see it (portal, notifications).
    customer_visible = models.BooleanField(_("visible to the customer"), default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]
        indexes = [
            # The closed pauses that re-planning skips (sla.paused_intervals_of): few events
            # end a pause, so the sweep reads them for a batch without scanning the timeline.
            models.Index(
                fields=["ticket"],
                condition=models.Q(data__has_key="paused_until"),
                name="servicedesk_event_pauses",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.event_type}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class CounterVisit(ScopedModel):
    """A customer's visit to a hall: arrival (取号), call (叫号), service start and end."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="visit"
    )
    queue_number = models.CharField(_("queue number"), max_length=20, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    counter = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("counter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    service_started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    service_ended_at = models.DateTimeField(_("service ended at"), null=True, blank=True)
    abandoned_at = models.DateTimeField(_("left without service at"), null=True, blank=True)
    served_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("counter visit")
        verbose_name_plural = _("counter visits")
        ordering = ["-arrived_at"]

    def __str__(self) -> str:
        return f"{self.queue_number or self.pk} {self.arrived_at:%Y-%m-%d %H:%M}"
