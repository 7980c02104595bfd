"""The additive daily rollups the indicators are computed from, and the upkeep state.

DailyFact has the full grain (day, unit, staff, channel, kind, problem type); UnitDayFact
sums it per (day, unit) so that unit-and-period questions — the dashboards' most common —
read a table whose size grows with days × units, not with records; UnitMonthFact sums that
per (month, unit) for periods made of whole months (month, quarter, year and their trends).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.quality.measures import all_measures


class FactMeasures(models.Model):
    day = models.DateField(_("day"))
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    class Meta:
        abstract = True


for _name in all_measures():
    FactMeasures.add_to_class(_name, models.BigIntegerField(default=0, db_default=0))


class DailyFact(FactMeasures):
    # Who handled it: the resolver, else the assignee, else the first-contact owner; for a
    # counter visit the clerk who served it.
    staff = models.ForeignKey(
        "core.User",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    channel = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    category = models.ForeignKey(
        "servicedesk.Category",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("daily fact")
        verbose_name_plural = _("daily facts")
        indexes = [
            models.Index(fields=["day", "org_unit"], name="quality_fact_day_unit"),
            models.Index(fields=["org_unit", "day"], name="quality_fact_unit_day"),
            models.Index(fields=["staff", "day"], name="quality_fact_staff_day"),
            # The complaint heat map reads only the rows with complaints (a few per cent): an
            # index-only scan of these instead of a pass over a quarter's rows.
            models.Index(
                fields=["day", "org_unit", "category", "complaints"],
                condition=models.Q(complaints__gt=0),
                name="quality_fact_complaints",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.org_unit_id} {self.staff_id} {self.channel} {self.kind}"


class UnitDayFact(FactMeasures):
    class Meta:
        verbose_name = _("unit day fact")
        verbose_name_plural = _("unit day facts")
        constraints = [
            models.UniqueConstraint(fields=["day", "org_unit"], name="quality_unitday_key")
        ]
        indexes = [models.Index(fields=["org_unit", "day"], name="quality_unitday_unit_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.org_unit_id}"


class UnitMonthFact(FactMeasures):
    """UnitDayFact summed per calendar month; `day` is the month's first day."""

    class Meta:
        verbose_name = _("unit month fact")
        verbose_name_plural = _("unit month facts")
        constraints = [
            models.UniqueConstraint(fields=["day", "org_unit"], name="quality_unitmonth_key")
        ]
        indexes = [models.Index(fields=["org_unit", "day"], name="quality_unitmonth_unit_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m} {self.org_unit_id}"


class RollupState(models.Model):
    """Where upkeep stands: one row per job ("tickets", "visits", "rebuild", "warning").

    The row is also the lock: a run updates it first inside its transaction, so two
    concurrent runs take turns (row lock on PostgreSQL, the write lock on SQLite).
    """

    name = models.CharField(max_length=40, primary_key=True)
    watermark = models.DateTimeField(null=True, blank=True)
    cursor = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    running = models.BooleanField(default=False)
    processed = models.BigIntegerField(default=0)
    touched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return self.name
