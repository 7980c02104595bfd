"""Early-warning rules: band, control chart, deteriorating run, complaint spike; dedup."""

import datetime
from typing import Any

import pytest

from sqms.core.models import Notification
from sqms.emergency.models import Incident
from sqms.quality import rollups
from sqms.quality.choices import AlertStatus, RuleKind
from sqms.quality.models import Alert, AlertRule, Indicator
from sqms.quality.tests.conftest import local, raw_ticket
from sqms.quality.warning import control_signal, deteriorating_run, evaluate_rules, poisson_tail

TODAY = datetime.date(2026, 4, 20)


def test_poisson_tail() -> None:
    assert poisson_tail(0, 2.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, abs=1e-9)
    assert poisson_tail(10, 0.5) < 1e-9
    assert poisson_tail(3, 0.0) == 0.0


def test_control_signal_and_runs() -> None:
    steady = [10.0, 11, 9, 10, 10, 11, 9, 10, 10]
    assert control_signal(steady, 3.0) is None
    assert control_signal([*steady, 30.0], 3.0) is not None
    assert control_signal([10.0, 30.0], 3.0) is None  # too short a baseline
    # A shift too small for 3σ on any one day, lasting a week: the EWMA sees it.
    noisy = [10.0, 12, 8, 10, 12, 8, 10, 12, 8, 10, 12, 8, 10, 12, 8]
    shifted = [*noisy, 12.5, 12.5, 12.5, 12.5, 12.5, 12.5, 12.5]
    assert control_signal(noisy, 3.0) is None
    assert all(abs(v - 10) < 3 * 1.63 for v in shifted[-7:])
    assert control_signal(shifted, 3.0) is not None
    assert deteriorating_run([90, 89, 88, 87], True, 3)
    assert not deteriorating_run([90, 89, 89, 87], True, 3)
    assert deteriorating_run([2, 3, 4, 5], False, 3)
    assert not deteriorating_run([2, None, 4, 5], False, 3)


def _rule(org: Any, owner: Any, kind: str, code: str | None, **extra: Any) -> AlertRule:
    return AlertRule.objects.create(
        name=kind,
        kind=kind,
        indicator=Indicator.objects.get(code=code) if code else None,
        org_unit=org.hall1,
        per_child_unit=False,
        owner=owner,
        **extra,
    )


@pytest.mark.django_db
def test_band_rule_raises_once_and_notifies_owner(
    org: Any, make_user: Any, quality_manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clerk = make_user("agent", unit=org.hall1)
    # Complaints this month, half handled: 50% against a 100% target (alarm below 95%).
    for day in (TODAY.replace(day=2), TODAY.replace(day=3)):
        raw_ticket(org.hall1, clerk, local(day), kind="complaint", resolve=100)
        raw_ticket(org.hall1, clerk, local(day), kind="complaint")
    rollups.rebuild(restart=True)
    rule = _rule(org, quality_manager, RuleKind.BAND, "complaint_handling_rate", severity="high")
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_rules(TODAY) == 1
    alert = Alert.objects.get(rule=rule)
    assert alert.org_unit == org.hall1 and alert.value == 50 and alert.severity == "high"
    assert Notification.objects.filter(recipient=quality_manager).count() == 1
    # A high-severity alert is reported to the duty officers as a possible incident.
    incident = Incident.objects.get(source="alert", source_reference=str(alert.pk))
    assert incident.org_unit == org.hall1 and incident.status == "reported"
    # Still outside the band: the open alert is refreshed, not duplicated.
    assert evaluate_rules(TODAY) == 0
    assert Alert.objects.filter(rule=rule).count() == 1
    # Once closed, a persisting signal raises a new alert.
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.CLOSED)
    assert evaluate_rules(TODAY) == 1
    assert Alert.objects.filter(rule=rule).count() == 2


@pytest.mark.django_db
def test_band_rule_is_quiet_on_target(org: Any, make_user: Any, quality_manager: Any) -> None:
    clerk = make_user("agent", unit=org.hall1)
    raw_ticket(org.hall1, clerk, local(TODAY.replace(day=2)), kind="complaint", resolve=100)
    rollups.rebuild(restart=True)
    _rule(org, quality_manager, RuleKind.BAND, "complaint_handling_rate")
    assert evaluate_rules(TODAY) == 0


@pytest.mark.django_db
def test_control_rule_on_the_daily_series(org: Any, make_user: Any, quality_manager: Any) -> None:
    clerk = make_user("agent", unit=org.hall1)
    last = TODAY - datetime.timedelta(days=1)
    for back in range(1, 15):
        day = last - datetime.timedelta(days=back)
        raw_ticket(org.hall1, clerk, local(day), response=2 + back % 2)
    raw_ticket(org.hall1, clerk, local(last), response=60)
    rollups.rebuild(restart=True)
    rule = _rule(org, quality_manager, RuleKind.CONTROL, "avg_response_minutes", baseline_days=14)
    assert evaluate_rules(TODAY) == 1
    alert = Alert.objects.get(rule=rule)
    assert alert.value == 60 and alert.expected == pytest.approx(2.5, abs=0.1)


@pytest.mark.django_db
def test_run_rule_needs_n_worse_weeks(org: Any, make_user: Any, quality_manager: Any) -> None:
    clerk = make_user("agent", unit=org.hall1)
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    # Four past weeks with mean response 2, 3, 4, 5 minutes: worse three times in a row.
    for weeks_back, minutes in ((4, 2), (3, 3), (2, 4), (1, 5)):
        raw_ticket(
            org.hall1, clerk, local(monday - datetime.timedelta(weeks=weeks_back)), response=minutes
        )
    rollups.rebuild(restart=True)
    rule = _rule(org, quality_manager, RuleKind.RUN, "avg_response_minutes", periods=3)
    assert evaluate_rules(TODAY) == 1
    rule.periods = 4
    rule.save()
    Alert.objects.all().delete()
    assert evaluate_rules(TODAY) == 0  # only three worsening steps exist


@pytest.mark.django_db
def test_spike_rule_per_problem_type(
    org: Any, make_user: Any, quality_manager: Any, categories: list[Any]
) -> None:
    clerk = make_user("agent", unit=org.hall1)
    last = TODAY - datetime.timedelta(days=1)
    for back in range(1, 29, 7):  # a complaint a week: baseline ≈ 0.14 a day
        raw_ticket(
            org.hall1,
            clerk,
            local(last - datetime.timedelta(days=back)),
            kind="complaint",
            category=categories[0],
        )
    for _ in range(6):
        raw_ticket(org.hall1, clerk, local(last), kind="complaint", category=categories[0])
    raw_ticket(org.hall1, clerk, local(last), kind="complaint", category=categories[1])
    rollups.rebuild(restart=True)
    rule = _rule(org, quality_manager, RuleKind.SPIKE, None)
    assert evaluate_rules(TODAY) == 1
    alert = Alert.objects.get(rule=rule)
    assert alert.category == categories[0] and alert.value == 6
    assert evaluate_rules(TODAY) == 0  # deduplicated per rule and problem type


@pytest.mark.django_db
def test_rules_are_evaluated_at_most_every_quarter_hour() -> None:
    from sqms.quality.models import RollupState
    from sqms.quality.tasks import WARNING_EVERY, warning_due

    assert warning_due()
    assert not warning_due()  # claimed: the next run skips
    state = RollupState.objects.get(name="warning")
    assert state.watermark is not None
    RollupState.objects.filter(name="warning").update(watermark=state.watermark - WARNING_EVERY)
    assert warning_due()


@pytest.mark.django_db
def test_band_rule_watches_each_unit_below(org: Any, make_user: Any, quality_manager: Any) -> None:
    clerk = make_user("agent", unit=org.hall1)
    raw_ticket(org.hall1, clerk, local(TODAY.replace(day=2)), kind="complaint")
    raw_ticket(org.call_centre, clerk, local(TODAY.replace(day=2)), kind="complaint", resolve=60)
    rollups.rebuild(restart=True)
    rule = AlertRule.objects.create(
        name="band",
        kind=RuleKind.BAND,
        indicator=Indicator.objects.get(code="complaint_handling_rate"),
        org_unit=org.branch1,
        per_child_unit=True,
        owner=quality_manager,
    )
    assert evaluate_rules(TODAY) == 2  # the branch (50%) and the hall (0%); not the call centre
    assert set(Alert.objects.filter(rule=rule).values_list("org_unit__code", flat=True)) == {
        "BR1",
        "H1",
    }
