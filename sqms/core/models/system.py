"""Bookkeeping of the system itself: number sequences, worker heartbeats, periodic jobs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    """The last number issued per prefix and day; see sqms.core.numbering."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="core_numberseq_prefix_day")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}:{self.last_value}"


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=100, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self) -> str:
        return self.worker_id


class PeriodicJobState(models.Model):
    """When each periodic job was last enqueued; a conditional update claims each run once,
    so several schedulers never enqueue the same run twice."""

    name = models.CharField(max_length=200, primary_key=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job")

    def __str__(self) -> str:
        return self.name
