"""Enumerations of inspections, checklists and ticket reviews, with labels and colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChecklistKind(models.TextChoices):
    ON_SITE = "on_site", _("On-site inspection")
    MYSTERY_SHOPPER = "mystery_shopper", _("Mystery shopping")
    TICKET_REVIEW = "ticket_review", _("Ticket review")


# Kinds an inspection (a visit to a unit) can have; ticket review has its own records.
INSPECTION_KINDS = (ChecklistKind.ON_SITE, ChecklistKind.MYSTERY_SHOPPER)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Scoring(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    SCALE = "scale", _("Scale 0–N")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")


STATUS_COLOURS = {
    InspectionStatus.PLANNED: "secondary",
    InspectionStatus.IN_PROGRESS: "primary",
    InspectionStatus.SUBMITTED: "warning",
    InspectionStatus.REVIEWED: "success",
}
# Inspections whose score counts in results and indicators.
COMPLETED_STATUSES = (InspectionStatus.SUBMITTED, InspectionStatus.REVIEWED)


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


SEVERITY_COLOURS = {
    Severity.LOW: "secondary",
    Severity.MEDIUM: "info",
    Severity.HIGH: "warning",
    Severity.CRITICAL: "danger",
}


class ReviewStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DONE = "done", _("Done")


class ReviewReason(models.TextChoices):
    SAMPLED = "sampled", _("Random sample")
    LOW_SATISFACTION = "low_satisfaction", _("Complaint with low satisfaction")
    MANUAL = "manual", _("Chosen by hand")
