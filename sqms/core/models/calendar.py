"""Business calendars as data: weekly hours per org unit and own closures or extra workdays.

The arithmetic is in sqms.core.calendars; `to_working_calendar` turns rows into its value.
"""

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.calendars import CalendarError, Interval, WorkingCalendar


def parse_hours(value: Any) -> tuple[Interval, ...]:
    """[["09:00", "12:00"], ["13:30", "18:00"]] → intervals; "24:00" means end of day."""
    intervals = []
    for pair in value or []:
        start, end = (time(0) if text == "24:00" else time.fromisoformat(text) for text in pair)
        intervals.append((start, end))
    return tuple(intervals)


def validate_weekly_hours(value: Any) -> None:
    if not isinstance(value, list) or len(value) != 7:
        raise ValidationError(_("Give the hours of seven days, Monday first."))
    try:
        WorkingCalendar(weekly_hours=tuple(parse_hours(day) for day in value))
    except (CalendarError, TypeError, ValueError) as error:
        raise ValidationError(_("Invalid working hours: %(error)s") % {"error": error}) from error


class BusinessCalendar(models.Model):
    """Working time of an org unit and, unless overridden below, of its subtree."""

    org_unit = models.OneToOneField(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        related_name="business_calendar",
    )
    name = models.CharField(_("name"), max_length=100)
    # Seven lists of [start, end] "HH:MM" pairs, Monday first; "24:00" ends at midnight.
    weekly_hours = models.JSONField(_("weekly hours"), validators=[validate_weekly_hours])
    observe_statutory_holidays = models.BooleanField(
        _("observe statutory holidays"),
        default=True,
        help_text=_("Closed on China's public holidays and open on 调休 make-up workdays."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def to_working_calendar(self) -> WorkingCalendar:
        exceptions = {day.date: parse_hours(day.hours) for day in self.exceptions.all()}
        return WorkingCalendar(
            time_zone=self.org_unit.time_zone,
            weekly_hours=tuple(parse_hours(day) for day in self.weekly_hours),
            observe_statutory_holidays=self.observe_statutory_holidays,
            exceptions=exceptions,
        )


class CalendarException(models.Model):
    """A date whose hours differ from the week's: a closure (no hours) or an extra workday."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    hours = models.JSONField(pgettext_lazy("opening", "hours"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="core_calexc_day")]

    def __str__(self) -> str:
        return f"{self.calendar} {self.date}"
