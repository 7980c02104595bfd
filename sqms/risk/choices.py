"""Enumerations of the risk register, with their labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskCategory(models.TextChoices):
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    SOCIAL_SAFETY = "social_safety", _("Social safety")
    TECHNICAL = "technical", _("Technical")
    PERSONNEL = "personnel", _("Personnel")
    DATA_SECURITY = "data_security", _("Data security")
    PROCESS = "process", _("Process")
    OTHER = "other", _("Other")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Treatment(models.TextChoices):
    UNDECIDED = "undecided", _("Not decided")
    MITIGATE = "mitigate", _("Mitigate")
    ACCEPT = "accept", _("Accept")
    AVOID = "avoid", _("Avoid")
    TRANSFER = "transfer", _("Transfer")


class ControlKind(models.TextChoices):
    EXISTING = "existing", _("Existing")
    PLANNED = "planned", _("Planned")


class ControlStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_CONTROL_STATUSES = (ControlStatus.PLANNED, ControlStatus.IN_PROGRESS)


class Effectiveness(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed")
    EFFECTIVE = "effective", _("Effective")
    PARTIAL = "partial", _("Partly effective")
    INEFFECTIVE = "ineffective", _("Ineffective")


class LossUnit(models.TextChoices):
    YUAN = "yuan", _("Yuan of loss")
    DOWNTIME_MINUTES = "downtime_minutes", _("Minutes of downtime")
    COMPLAINTS = "complaints", _("Complaints")


class HistoryKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    UPDATED = "updated", _("Updated")
    RATED = "rated", _("Re-rated")
    CONTROL_ADDED = "control_added", _("Control added")
    CONTROL_CHANGED = "control_changed", _("Control changed")
    ACCEPTED = "accepted", _("Acceptance recorded")
    REVIEWED = "reviewed", _("Reviewed")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    ACTION_OPENED = "action_opened", _("Improvement action opened")


class FrequencyModel(models.TextChoices):
    BERNOULLI = "bernoulli", _("Bernoulli (at most one event a year)")
    POISSON = "poisson", _("Poisson (on average p events a year, several possible)")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class QualityFlag(models.TextChoices):
    """The register's quality checks; each is an annotation of the same name (see flags.py)."""

    RESIDUAL_ABOVE_CURRENT = "residual_above_current", _("Residual above current")
    RESIDUAL_LOWERED_WITHOUT_CONTROL = (
        "residual_lowered_without_control",
        _("Residual lowered with no control"),
    )
    ACCEPTED_WITHOUT_RECORD = "accepted_without_record", _("Accepted without an acceptance record")
    OVERDUE_CONTROL = "overdue_control", _("Overdue control")
    EXPIRED_ACCEPTANCE = "expired_acceptance", _("Expired acceptance")
    REVIEW_OVERDUE = "review_overdue", _("Review overdue")
