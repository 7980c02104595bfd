"""Monte Carlo runs over a set of risks, stored with their inputs and results."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import ScopedModel
from sqms.risk.choices import FrequencyModel, LossUnit, RunStatus

DEFAULT_ITERATIONS = 100_000


class MonteCarloRun(ScopedModel):
    title = models.CharField(_("title"), max_length=200)
    risks = models.ManyToManyField("risk.Risk", verbose_name=_("risks"), related_name="simulations")
    iterations = models.PositiveIntegerField(_("iterations"), default=DEFAULT_ITERATIONS)
    seed = models.PositiveBigIntegerField(_("seed"))
    frequency_model = models.CharField(
        _("frequency model"),
        max_length=12,
        choices=FrequencyModel.choices,
        default=FrequencyModel.BERNOULLI,
    )
    loss_unit = models.CharField(_("loss unit"), max_length=20, choices=LossUnit.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    # The risks' figures as they were when the run was requested, so a result can always be
    # traced to what produced it even after the risks change.
    inputs = models.JSONField(_("inputs"), default=list)
    results = models.JSONField(_("results"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Monte Carlo run")
        verbose_name_plural = _("Monte Carlo runs")

    def __str__(self) -> str:
        return self.title
