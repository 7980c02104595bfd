"""Enumerations of emergency response, with zh-Hans/English labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventType(models.TextChoices):
    OUTAGE = "outage", _("System or network outage")
    SECURITY = "security", _("Data leak or security event")
    EQUIPMENT = "equipment", _("Equipment failure")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    PUBLIC_SAFETY = "public_safety", _("Fire or public safety at a hall")
    MASS_COMPLAINTS = "mass_complaints", _("Mass complaints")
    STAFF_SAFETY = "staff_safety", _("Staff safety")
    SUPPLIER = "supplier", _("Supplier failure")


class IncidentLevel(models.IntegerChoices):
    """Grading I–IV: I is the most severe."""

    I = 1, _("Level I (especially serious)")  # noqa: E741 - the grade's own name
    II = 2, _("Level II (serious)")
    III = 3, _("Level III (relatively serious)")
    IV = 4, _("Level IV (general)")


LEVEL_COLOURS = {1: "danger", 2: "warning", 3: "info", 4: "secondary"}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class Phase(models.TextChoices):
    """The response flow: 报告 → 评估 → 启动 → 处置 → 信息发布 → 恢复 → 总结."""

    REPORT = "report", pgettext_lazy("emergency phase", "Report")
    ASSESS = "assess", pgettext_lazy("emergency phase", "Assessment")
    ACTIVATE = "activate", pgettext_lazy("emergency phase", "Activation")
    RESPOND = "respond", pgettext_lazy("emergency phase", "Response")
    INFORM = "inform", pgettext_lazy("emergency phase", "Information release")
    RECOVER = "recover", pgettext_lazy("emergency phase", "Recovery")
    REVIEW = "review", pgettext_lazy("emergency phase", "Review")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("incident status", "Reported")
    ASSESSED = "assessed", pgettext_lazy("incident status", "Assessed")
    ACTIVATED = "activated", pgettext_lazy("incident status", "Plan activated")
    RESPONDING = "responding", pgettext_lazy("incident status", "Responding")
    INFORMING = "informing", pgettext_lazy("incident status", "Information released")
    RESTORED = "restored", pgettext_lazy("incident status", "Service restored")
    REVIEWING = "reviewing", pgettext_lazy("incident status", "Under review")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")
    DISMISSED = "dismissed", pgettext_lazy("incident status", "Dismissed")


OPEN_STATUSES = frozenset(
    {
        IncidentStatus.REPORTED,
        IncidentStatus.ASSESSED,
        IncidentStatus.ACTIVATED,
        IncidentStatus.RESPONDING,
        IncidentStatus.INFORMING,
        IncidentStatus.RESTORED,
        IncidentStatus.REVIEWING,
    }
)
# While these hold, a public notice of a customer-facing incident shows on the status page.
PUBLIC_STATUSES = frozenset(
    {
        IncidentStatus.ACTIVATED,
        IncidentStatus.RESPONDING,
        IncidentStatus.INFORMING,
        IncidentStatus.RESTORED,
    }
)

STATUS_COLOURS = {
    "reported": "danger",
    "assessed": "warning",
    "activated": "warning",
    "responding": "primary",
    "informing": "primary",
    "restored": "success",
    "reviewing": "info",
    "closed": "secondary",
    "dismissed": "light",
}


class IncidentSource(models.TextChoices):
    UI = "ui", _("Reported in sqms")
    API = "api", _("Reported through the API")
    ALERT = "alert", _("Early-warning alert")
    TICKET_SURGE = "ticket_surge", _("Surge of tickets")
    DRILL = "drill", _("Drill")


class TimelineKind(models.TextChoices):
    DETECTION = "detection", pgettext_lazy("timeline entry", "Detection")
    ACTION = "action", pgettext_lazy("timeline entry", "Action")
    DECISION = "decision", pgettext_lazy("timeline entry", "Decision")
    LEVEL_CHANGE = "level_change", pgettext_lazy("timeline entry", "Level change")
    STATUS_UPDATE = "status_update", pgettext_lazy("timeline entry", "Status update")
    TRANSITION = "transition", pgettext_lazy("timeline entry", "State change")
    NOTICE = "notice", pgettext_lazy("timeline entry", "Notice")
    TASK = "task", pgettext_lazy("timeline entry", "Task")
    IMPACT = "impact", pgettext_lazy("timeline entry", "Impact")


class NoticeAudience(models.TextChoices):
    STAFF = "staff", _("Staff")
    PUBLIC = "public", _("Public (customers)")


class ReviewActionKind(models.TextChoices):
    IMPROVEMENT = "improvement", _("Improvement action")
    PLAN_REVISION = "plan_revision", _("Plan revision")


class DrillType(models.TextChoices):
    TABLETOP = "tabletop", _("Tabletop exercise")
    WALK_THROUGH = "walk_through", _("Walk-through")
    CALL_TREE = "call_tree", _("Call tree")
    FUNCTIONAL = "functional", _("Functional drill")
    FULL_SCALE = "full_scale", _("Full-scale drill")


class DrillStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("drill status", "Planned")
    RUNNING = "running", pgettext_lazy("drill status", "Running")
    DONE = "done", pgettext_lazy("drill status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("drill status", "Cancelled")


class DependencyKind(models.TextChoices):
    SYSTEM = "system", _("System")
    SITE = "site", _("Site")
    SUPPLIER = "supplier", _("Supplier")
