"""Enumerations of the quality app, with zh-Hans/English labels and colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class ValueUnit(models.TextChoices):
    PERCENT = "percent", _("%")
    MINUTES = "minutes", _("minutes")
    SCORE = "score", _("points")


class Source(models.TextChoices):
    TICKETS = "tickets", _("Service records (tickets)")
    VISITS = "visits", _("Counter visits")
    SURVEYS = "surveys", _("Survey answers")
    INSPECTIONS = "inspections", _("Inspections and mystery shopping")


class Slice(models.TextChoices):
    UNIT = "unit", _("Org unit")
    STAFF = "staff", _("Staff member")
    CHANNEL = "channel", _("Channel")
    KIND = "kind", _("Kind")
    CATEGORY = "category", _("Problem type")


class Band(models.TextChoices):
    GREEN = "green", _("On target")
    WARNING = "warning", _("Warning")
    ALARM = "alarm", _("Alarm")
    NO_TARGET = "none", _("No target")
    NO_DATA = "no_data", _("No data")


BAND_COLOURS: dict[str, str] = {
    Band.GREEN: "success",
    Band.WARNING: "warning",
    Band.ALARM: "danger",
    Band.NO_TARGET: "secondary",
    Band.NO_DATA: "light",
}


class Granularity(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")
    CUSTOM = "custom", _("Custom")


class RuleKind(models.TextChoices):
    BAND = "band", _("Outside the target band")
    CONTROL = "control", _("Control-chart signal (3σ / EWMA) on the daily series")
    RUN = "run", _("Consecutive deteriorating periods")
    SPIKE = "spike", _("Complaint spike in a problem type (Poisson)")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


SEVERITY_COLOURS: dict[str, str] = {
    Severity.LOW: "info",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "danger",
}


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
