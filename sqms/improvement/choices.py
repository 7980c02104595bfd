"""Enumerations of improvement actions (PDCA), with zh-Hans/English labels and colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionSource(models.TextChoices):
    ALERT = "alert", _("Early-warning alert")
    COMPLAINT = "complaint", _("Complaint")
    COMPLAINT_PATTERN = "complaint_pattern", _("Complaint pattern")
    INSPECTION = "inspection", _("Inspection finding")
    TICKET_REVIEW = "ticket_review", _("Ticket review")
    SURVEY = "survey", _("Survey follow-up")
    RISK = "risk", _("Risk")
    INCIDENT_REVIEW = "incident_review", _("Incident review")
    DRILL = "drill", _("Drill")
    AUDIT = "audit", _("Audit")
    OTHER = "other", _("Other")


class Stage(models.TextChoices):
    """The PDCA cycle, plus the two ends of an action."""

    PLAN = "plan", _("Plan")
    DO = "do", _("Do")
    CHECK = "check", _("Check")
    ACT = "act", _("Act")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STAGES = frozenset({Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT})
BOARD_STAGES = (Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT)

STAGE_COLOURS = {
    Stage.PLAN: "secondary",
    Stage.DO: "primary",
    Stage.CHECK: "warning",
    Stage.ACT: "info",
    Stage.CLOSED: "success",
    Stage.CANCELLED: "dark",
}


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Verdict(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


VERDICT_COLOURS = {Verdict.EFFECTIVE: "success", Verdict.NOT_EFFECTIVE: "danger"}


class EventType(models.TextChoices):
    OPENED = "opened", _("Opened")
    UPDATED = "updated", _("Updated")
    TRANSITION = "transition", _("Stage change")
    PROGRESS = "progress", _("Progress update")
    CHECK = "check", _("Effectiveness check")
    OVERDUE = "overdue", _("Overdue reminder")


# The fishbone (Ishikawa) categories: the "6M" of a service process.
FISHBONE_CATEGORIES = (
    ("cause_people", _("People")),
    ("cause_equipment", _("Equipment and systems")),
    ("cause_materials", _("Materials and information")),
    ("cause_method", _("Method and process")),
    ("cause_environment", _("Environment")),
    ("cause_measurement", _("Measurement")),
)
WHY_FIELDS = ("why_1", "why_2", "why_3", "why_4", "why_5")
