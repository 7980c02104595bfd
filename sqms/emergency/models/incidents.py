"""Incidents: from report to review, with their timeline, roles, tasks, notices and impact."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel
from sqms.emergency.choices import (
    LEVEL_COLOURS,
    STATUS_COLOURS,
    EventType,
    IncidentLevel,
    IncidentSource,
    IncidentStatus,
    NoticeAudience,
    Phase,
    ReviewActionKind,
    TimelineKind,
)

USER = settings.AUTH_USER_MODEL


class Incident(ScopedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=IncidentSource.choices)
    source_reference = models.CharField(_("source reference"), max_length=100, blank=True)
    is_drill = models.BooleanField(_("exercise"), default=False)
    event_type = models.CharField(
        _("event type"), max_length=30, choices=EventType.choices, blank=True
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=IncidentLevel.choices, null=True, blank=True
    )
    plan_version = models.ForeignKey(
        "emergency.PlanVersion",
        verbose_name=_("plan version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=IncidentStatus.choices,
        default=IncidentStatus.REPORTED,
    )
    customer_facing = models.BooleanField(_("customer-facing outage"), default=False)
    # Empty when the system reported it (a surge of tickets).
    reported_by = models.ForeignKey(
        USER,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    commander = models.ForeignKey(
        USER,
        verbose_name=_("commander"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    dismissed_reason = models.TextField(_("reason for dismissal"), blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["org_unit", "status"]),
            models.Index(fields=["status", "is_drill"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def level_colour(self) -> str:
        return LEVEL_COLOURS.get(self.level or 0, "secondary")

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def level_roman(self) -> str:
        return {1: "I", 2: "II", 3: "III", 4: "IV"}.get(self.level or 0, "")

    def minutes_between(self, start: str, end: str) -> int | None:
        first, last = getattr(self, start), getattr(self, end)
        if first is None or last is None:
            return None
        return max(0, int((last - first).total_seconds() // 60))


class IncidentEvent(models.Model):
    """One line of the timeline; `occurred_at` is when it happened (never in the future),
    `recorded_at` when it was written down."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        USER,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"


class IncidentRole(models.Model):
    """A plan role filled by a person for this incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="roles")
    code = models.CharField(_("role code"), max_length=40)
    name = models.CharField(_("role"), max_length=100)
    user = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("incident role")
        verbose_name_plural = _("incident roles")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "code"], name="emergency_role_once")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.user}"


class IncidentTask(models.Model):
    """A step of the plan to do in this incident, due at activation + the step's target."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    # Position of the step in the frozen plan version, so a level change adds each step once.
    step_index = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(_("task"), max_length=300)
    role_code = models.CharField(_("role code"), max_length=40, blank=True)
    role_name = models.CharField(_("role"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        USER,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_minutes = models.PositiveIntegerField(_("target (min)"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def minutes_taken(self) -> int | None:
        if self.done_at is None or self.incident.activated_at is None:
            return None
        return max(0, int((self.done_at - self.incident.activated_at).total_seconds() // 60))

    @property
    def on_time(self) -> bool | None:
        return None if self.done_at is None else self.done_at <= self.due_at


class IncidentNotice(models.Model):
    """A status notice: to staff (in-app) or public (the service-status page)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    audience = models.CharField(_("audience"), max_length=10, choices=NoticeAudience.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), db_index=True)
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class IncidentTicketLink(models.Model):
    """A ticket affected by the incident (the service desk's tickets are not changed)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    linked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # The policy's wish to stop the ticket's SLA clock, with its reason; applied by the
    # service desk once it offers a pause that does not wait for the customer.
    sla_pause_requested = models.BooleanField(_("SLA pause requested"), default=False)
    sla_pause_reason = models.CharField(_("SLA pause reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("linked ticket")
        verbose_name_plural = _("linked tickets")
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="emergency_ticket_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ↔ {self.ticket_id}"


class IncidentReview(models.Model):
    """The post-incident review (or a drill's evaluation report); required to close."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    what_happened = models.TextField(_("what happened"), blank=True)
    impact_customers = models.PositiveIntegerField(_("customers affected"), default=0)
    impact_tickets = models.PositiveIntegerField(_("tickets affected"), default=0)
    impact_minutes = models.PositiveIntegerField(_("outage (minutes)"), default=0)
    timeline_summary = models.TextField(_("timeline"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    to_change = models.TextField(_("what to change"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self) -> str:
        return f"{self.incident}"


class ReviewAction(models.Model):
    """An action a review decided: an improvement action, or a revision of the plan."""

    review = models.ForeignKey(IncidentReview, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewActionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    owner = models.ForeignKey(
        USER,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # What the action became once the review was completed.
    improvement_ref = models.CharField(_("improvement action"), max_length=40, blank=True)
    plan_version = models.ForeignKey(
        "emergency.PlanVersion",
        verbose_name=_("plan draft"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review action")
        verbose_name_plural = _("review actions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
