"""Monte Carlo: the lognormal fit, closed-form checks for a single risk, reproducibility, and
the stored runs with their rules and task."""

import math
from decimal import Decimal
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied

from sqms.core.errors import DomainError
from sqms.risk import simulation
from sqms.risk.choices import FrequencyModel, RunStatus
from sqms.risk.models import MonteCarloRun

N = 100_000
LOW, HIGH = 20_000.0, 500_000.0


def one_risk(p: float, low: float = LOW, high: float = HIGH) -> list[dict[str, Any]]:
    mu, sigma = simulation.fit_lognormal(low, high)
    return [{"risk": 1, "number": "RK1", "annual_probability": str(p), "mu": mu, "sigma": sigma}]


def test_the_fit_puts_the_interval_at_the_5th_and_95th_percentiles() -> None:
    mu, sigma = simulation.fit_lognormal(LOW, HIGH)
    z = NormalDist().inv_cdf(0.95)
    assert math.exp(mu - z * sigma) == pytest.approx(LOW, rel=1e-12)
    assert math.exp(mu + z * sigma) == pytest.approx(HIGH, rel=1e-12)
    for low, high in ((0, 10), (10, 10), (10, 5)):
        with pytest.raises(ValueError):
            simulation.fit_lognormal(low, high)


@pytest.mark.parametrize("model", [FrequencyModel.BERNOULLI, FrequencyModel.POISSON])
def test_single_risk_with_p_1_matches_the_lognormal_mean(model: str) -> None:
    inputs = one_risk(1.0)
    mu, sigma = inputs[0]["mu"], inputs[0]["sigma"]
    total, per_risk = simulation.simulate_losses(
        inputs, iterations=N, seed=7, frequency_model=model
    )
    results = simulation.summarise(total, per_risk, inputs)
    closed = math.exp(mu + sigma**2 / 2)
    # The standard error of the mean is about 1% here; allow four of them.
    assert results["mean"] == pytest.approx(closed, rel=0.04)
    assert results["per_risk"][0]["closed_form_mean"] == pytest.approx(closed)
    if model == FrequencyModel.BERNOULLI:
        # Exactly one event a year: the yearly loss is the lognormal itself.
        z95, z99 = NormalDist().inv_cdf(0.95), NormalDist().inv_cdf(0.99)
        assert results["var95"] == pytest.approx(HIGH, rel=0.03)
        assert results["var99"] == pytest.approx(math.exp(mu + z99 * sigma), rel=0.05)
        es95 = closed * NormalDist().cdf(sigma - z95) / 0.05
        assert results["es95"] == pytest.approx(es95, rel=0.05)
        assert results["probability_of_loss"] == 1.0
    else:
        assert results["probability_of_loss"] == pytest.approx(1 - math.exp(-1), abs=0.01)


def test_several_risks_add_their_closed_form_means() -> None:
    inputs = one_risk(0.3) + one_risk(0.05, 1_000_000, 20_000_000)
    inputs[1]["risk"] = 2
    total, per_risk = simulation.simulate_losses(
        inputs, iterations=N, seed=11, frequency_model=FrequencyModel.POISSON
    )
    expected = sum(
        simulation.expected_annual_loss(float(e["annual_probability"]), e["mu"], e["sigma"])
        for e in inputs
    )
    assert total.mean() == pytest.approx(expected, rel=0.08)
    assert np.allclose(total, per_risk[0] + per_risk[1])


def test_the_same_seed_gives_the_same_figures() -> None:
    inputs = one_risk(0.4)
    first = simulation.summarise(
        *simulation.simulate_losses(inputs, iterations=20_000, seed=3, frequency_model="poisson"),
        inputs,
    )
    again = simulation.summarise(
        *simulation.simulate_losses(inputs, iterations=20_000, seed=3, frequency_model="poisson"),
        inputs,
    )
    other = simulation.summarise(
        *simulation.simulate_losses(inputs, iterations=20_000, seed=4, frequency_model="poisson"),
        inputs,
    )
    assert first == again
    assert first["mean"] != other["mean"]


def test_loss_exceedance_curve_falls_and_matches_the_samples() -> None:
    inputs = one_risk(0.5)
    total, per_risk = simulation.simulate_losses(
        inputs, iterations=20_000, seed=5, frequency_model="bernoulli"
    )
    results = simulation.summarise(total, per_risk, inputs)
    lec = results["lec"]
    assert len(lec) == simulation.LEC_POINTS
    probabilities = [p for _, p in lec]
    assert probabilities == sorted(probabilities, reverse=True)
    x, p = lec[10]
    assert p == pytest.approx(float((total > x).mean()), abs=1e-4)
    assert sum(results["histogram"]["counts"]) == 20_000


# --- stored runs --------------------------------------------------------------------------


def quantified(make_risk: Any, **values: Any) -> Any:
    defaults = {"annual_probability": Decimal("1"), "loss_low": 20_000, "loss_high": 500_000}
    defaults.update(values)
    return make_risk(**defaults)


@pytest.mark.django_db
def test_a_run_is_stored_with_its_inputs_queued_and_executed(
    make_risk: Any, manager: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    risk = quantified(make_risk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = simulation.request_run(
            actor=manager,
            title="年度评估",
            risks=[risk],
            org_unit=org.branch1,
            iterations=50_000,
            seed=42,
            frequency_model="bernoulli",
        )
    assert len(callbacks) == 1  # the task was enqueued after the commit
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__args=[run.pk]).exists()
    assert run.status == RunStatus.QUEUED
    assert run.inputs[0]["loss_high"] == 500_000 and run.inputs[0]["number"] == risk.number
    # Changing the risk later does not change what the run used.
    from sqms.risk import services

    services.update_risk(risk, actor=manager, loss_high=900_000)
    simulation.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.results is not None
    mu, sigma = simulation.fit_lognormal(20_000, 500_000)
    assert run.results["mean"] == pytest.approx(math.exp(mu + sigma**2 / 2), rel=0.05)
    # Running it again is a no-op, and the same request reproduces the figures.
    simulation.execute_run(run.pk)
    twin = simulation.request_run(
        actor=manager,
        title="复算",
        risks=[risk],
        org_unit=org.branch1,
        iterations=50_000,
        seed=42,
        frequency_model="bernoulli",
    )
    twin.inputs = run.inputs
    twin.save()
    simulation.execute_run(twin.pk)
    twin.refresh_from_db()
    assert twin.results == run.results


@pytest.mark.django_db
def test_run_rules(make_risk: Any, manager: Any, org: Any, make_user: Any) -> None:
    risk = quantified(make_risk)
    bare = make_risk()
    other_unit = quantified(make_risk, loss_unit="complaints")

    def request(**values: Any) -> Any:
        arguments = {"actor": manager, "title": "t", "risks": [risk], "org_unit": org.branch1}
        arguments.update(values)
        return simulation.request_run(**arguments)

    for values, field in (
        ({"risks": []}, "risks"),
        ({"risks": [bare]}, "risks"),
        ({"risks": [risk, other_unit]}, "risks"),
        ({"iterations": 10}, "iterations"),
        ({"iterations": 10_000_000}, "iterations"),
        ({"title": " "}, "title"),
        ({"org_unit": org.hall2}, "org_unit"),
        ({"frequency_model": "gamma"}, "frequency_model"),
    ):
        with pytest.raises(DomainError) as error:
            request(**values)
        assert error.value.field == field, values
    stranger = make_user("quality_manager", unit=org.branch2)
    with pytest.raises(DomainError) as error:
        simulation.request_run(actor=stranger, title="t", risks=[risk], org_unit=org.branch2)
    assert error.value.field == "risks"
    with pytest.raises(PermissionDenied):
        request(actor=make_user("agent", unit=org.hall1))
    assert not MonteCarloRun.objects.exists()


@pytest.mark.django_db
def test_a_broken_run_is_marked_failed(make_risk: Any, manager: Any, org: Any) -> None:
    run = simulation.request_run(
        actor=manager,
        title="t",
        risks=[quantified(make_risk)],
        org_unit=org.branch1,
        iterations=1_000,
        seed=1,
    )
    MonteCarloRun.objects.filter(pk=run.pk).update(
        inputs=[{"risk": 1, "number": "x", "annual_probability": "0.5", "mu": 1, "sigma": -1}]
    )
    simulation.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error
