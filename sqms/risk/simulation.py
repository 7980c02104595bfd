"""Monte Carlo simulation of yearly losses over a set of risks, and the runs that store it.

Each risk has a yearly event frequency — Bernoulli by default (the event happens in a year with
the risk's annual probability p, at most once), or Poisson with mean p (several events in one
year possible) — and a lognormal loss per event fitted to its 90%
interval: the interval's ends are the 5th and 95th percentiles, so
mu = (ln low + ln high) / 2 and sigma = (ln high − ln low) / (2 · 1.6448536…).
Both frequency models give the same expected yearly loss, p · exp(mu + sigma² / 2), per risk.

The draw is vectorised with numpy and seeded: the same inputs, iterations and seed give the
same figures on any machine.
"""

import logging
import math
from statistics import NormalDist
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.scope import unit_in_scope
from sqms.risk.choices import FrequencyModel, RunStatus
from sqms.risk.models import DEFAULT_ITERATIONS, MonteCarloRun, Risk

logger = logging.getLogger(__name__)

ADD_RUN = "risk.add_montecarlorun"
Z90 = NormalDist().inv_cdf(0.95)  # 1.6448536…: the 5th–95th percentile half-width in σ
MIN_ITERATIONS, MAX_ITERATIONS = 1_000, 1_000_000
MAX_RISKS = 200
LEC_POINTS = 60
HISTOGRAM_BINS = 40


def fit_lognormal(low: float, high: float) -> tuple[float, float]:
    """(mu, sigma) of the lognormal whose 5th and 95th percentiles are `low` and `high`."""
    if not 0 < low < high:
        raise ValueError("a 90% interval needs 0 < low < high")
    log_low, log_high = math.log(low), math.log(high)
    return (log_low + log_high) / 2, (log_high - log_low) / (2 * Z90)


def expected_annual_loss(probability: float, mu: float, sigma: float) -> float:
    """The closed-form mean yearly loss of one risk (either frequency model)."""
    return probability * math.exp(mu + sigma**2 / 2)


def simulate_losses(
    inputs: list[dict[str, Any]], *, iterations: int, seed: int, frequency_model: str
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Simulated yearly losses: the total per iteration and each risk's own per iteration."""
    rng = np.random.default_rng(seed)
    total = np.zeros(iterations)
    per_risk = []
    for entry in inputs:
        p, mu, sigma = float(entry["annual_probability"]), float(entry["mu"]), float(entry["sigma"])
        if frequency_model == FrequencyModel.BERNOULLI:
            counts = (rng.random(iterations) < p).astype(np.int64)
        else:
            counts = rng.poisson(p, iterations)
        events = int(counts.sum())
        severities = rng.lognormal(mu, sigma, events)
        # Sum each year's events: event k belongs to the iteration repeated at position k.
        years = np.repeat(np.arange(iterations), counts)
        losses = np.bincount(years, weights=severities, minlength=iterations)
        per_risk.append(losses)
        total += losses
    return total, per_risk


def summarise(total: np.ndarray, per_risk: list[np.ndarray], inputs: list[dict]) -> dict:
    """Mean, VaR and expected shortfall at 95% and 99%, the loss-exceedance curve, a histogram
    and each risk's mean against its closed form."""
    var95, var99 = (float(v) for v in np.quantile(total, [0.95, 0.99]))
    es95 = float(total[total >= var95].mean()) if total.size else 0.0
    es99 = float(total[total >= var99].mean()) if total.size else 0.0
    positive = total[total > 0]
    lec = []
    if positive.size:
        lo, hi = float(positive.min()), float(positive.max())
        thresholds = np.geomspace(lo, hi, LEC_POINTS) if hi > lo else np.array([lo])
        ordered = np.sort(total)
        above = total.size - np.searchsorted(ordered, thresholds, side="right")
        lec = [
            [round(float(x), 2), float(n) / total.size]
            for x, n in zip(thresholds, above, strict=True)
        ]
    cap = float(np.quantile(total, 0.995)) if total.size else 0.0
    counts, edges = np.histogram(np.minimum(total, cap), bins=HISTOGRAM_BINS, range=(0, cap or 1))
    return {
        "mean": float(total.mean()),
        "std": float(total.std()),
        "median": float(np.median(total)),
        "var95": var95,
        "var99": var99,
        "es95": es95,
        "es99": es99,
        "max": float(total.max()) if total.size else 0.0,
        "probability_of_loss": float((total > 0).mean()),
        "lec": lec,
        "histogram": {
            "edges": [round(float(e), 2) for e in edges],
            "counts": [int(c) for c in counts],
        },
        "per_risk": [
            {
                "risk": entry["risk"],
                "number": entry["number"],
                "mean": float(losses.mean()),
                "closed_form_mean": expected_annual_loss(
                    float(entry["annual_probability"]), entry["mu"], entry["sigma"]
                ),
            }
            for entry, losses in zip(inputs, per_risk, strict=True)
        ],
    }


def run_inputs(risks: list[Risk]) -> list[dict[str, Any]]:
    """The figures of each risk as the run will use them, kept with the run."""
    inputs = []
    for risk in sorted(risks, key=lambda r: r.pk):
        mu, sigma = fit_lognormal(float(risk.loss_low or 0), float(risk.loss_high or 0))
        inputs.append(
            {
                "risk": risk.pk,
                "number": risk.number,
                "title": risk.title,
                "annual_probability": str(risk.annual_probability),
                "loss_low": risk.loss_low,
                "loss_high": risk.loss_high,
                "loss_unit": risk.loss_unit,
                "mu": mu,
                "sigma": sigma,
            }
        )
    return inputs


@transaction.atomic
def request_run(
    *,
    actor: Any,
    title: str,
    risks: list[Risk],
    org_unit: Any,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int | None = None,
    frequency_model: str = FrequencyModel.BERNOULLI,
) -> MonteCarloRun:
    """Store a run with its inputs and queue it for the worker."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(ADD_RUN):
        raise PermissionDenied(_("You may not run simulations."))
    title = str(title or "").strip()
    if not title:
        raise DomainError(_("This field is required."), field="title", code="required")
    if org_unit is None or not unit_in_scope(actor, org_unit):
        raise DomainError(_("Choose one of your org units."), field="org_unit")
    if frequency_model not in FrequencyModel.values:
        raise DomainError(_("Choose a valid option."), field="frequency_model")
    if not MIN_ITERATIONS <= int(iterations) <= MAX_ITERATIONS:
        raise DomainError(
            _("Between %(min)d and %(max)d iterations.")
            % {"min": MIN_ITERATIONS, "max": MAX_ITERATIONS},
            field="iterations",
        )
    if not risks:
        raise DomainError(_("Choose at least one risk."), field="risks", code="required")
    if len(risks) > MAX_RISKS:
        raise DomainError(_("At most %(max)d risks.") % {"max": MAX_RISKS}, field="risks")
    visible = set(
        Risk.objects.visible_to(actor)
        .filter(pk__in=[r.pk for r in risks])
        .values_list("pk", flat=True)
    )
    if any(risk.pk not in visible for risk in risks):
        raise DomainError(_("Choose risks within your org units."), field="risks")
    lacking = [risk.number for risk in risks if not risk.has_quantitative_inputs]
    if lacking:
        raise DomainError(
            _("These risks have no annual probability and loss interval: %(numbers)s")
            % {"numbers": ", ".join(lacking)},
            field="risks",
        )
    units = {risk.loss_unit for risk in risks}
    if len(units) > 1:
        raise DomainError(
            _("Simulate risks measured in one unit at a time (yuan, downtime or complaints)."),
            field="risks",
        )
    if seed is None:
        seed = int.from_bytes(np.random.default_rng().bytes(4), "big")
    if not 0 <= int(seed) < 2**63:
        raise DomainError(_("Give a seed from 0 to 2⁶³ − 1."), field="seed")
    run = MonteCarloRun.objects.create(
        title=title[:200],
        org_unit=org_unit,
        iterations=int(iterations),
        seed=int(seed),
        frequency_model=frequency_model,
        loss_unit=units.pop(),
        inputs=run_inputs(risks),
        created_by=actor,
    )
    run.risks.set(risks)
    audit.record(
        AuditAction.CREATE,
        run,
        actor=actor,
        after=audit.snapshot(run, ["title", "iterations", "seed", "frequency_model", "inputs"]),
    )

    def enqueue() -> None:
        from sqms.risk.tasks import run_monte_carlo

        run_monte_carlo.enqueue(run.pk)

    transaction.on_commit(enqueue)
    return run


def execute_run(run_id: int) -> MonteCarloRun | None:
    """Simulate a stored run (called by the task); idempotent: a finished run is left alone."""
    with transaction.atomic():
        run = MonteCarloRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in (RunStatus.DONE, RunStatus.RUNNING):
            return run
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at", "updated_at"])
    try:
        total, per_risk = simulate_losses(
            run.inputs,
            iterations=run.iterations,
            seed=run.seed,
            frequency_model=run.frequency_model,
        )
        run.results = summarise(total, per_risk, run.inputs)
        run.status = RunStatus.DONE
    except Exception as error:  # a bad run must be marked failed, whatever went wrong
        logger.exception("Monte Carlo run %s failed", run_id)
        run.status = RunStatus.FAILED
        run.error = str(error)[:500]
    run.finished_at = timezone.now()
    run.save(update_fields=["results", "status", "error", "finished_at", "updated_at"])
    return run
