"""Ticket review: the sampling plan's draw (exact share per agent, deterministic under a
seed), the review queue, and a flagged service error reaching the ticket and the error-rate
indicator."""

import datetime
import math
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from sqms.core.errors import ConflictError, DomainError
from sqms.inspections import reviews
from sqms.inspections.choices import ReviewReason, ReviewStatus
from sqms.inspections.models import SamplingPlan, TicketReview
from sqms.inspections.services import ScoreInput
from sqms.inspections.tests.conftest import closed_ticket
from sqms.quality.sources import local_zone
from sqms.servicedesk.models import TicketEvent

pytestmark = pytest.mark.django_db

MONTH = datetime.date(2026, 10, 1)
NOW = datetime.datetime(2026, 11, 5, 10, 0, tzinfo=local_zone())


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, hour, 0, tzinfo=local_zone())


@pytest.fixture
def agents(org: Any, make_user: Any) -> list[Any]:
    return [make_user("agent", unit=org.hall1, username=f"agent{i}") for i in range(3)]


@pytest.fixture
def history(org: Any, agents: list[Any]) -> dict[int, list[int]]:
    """23, 40 and 7 tickets closed in October by the three agents, plus noise outside."""
    counts = {0: 23, 1: 40, 2: 7}
    made: dict[int, list[int]] = {}
    for index, n in counts.items():
        made[agents[index].pk] = [
            closed_ticket(org.counter1, agents[index], at(1 + i % 28)).pk for i in range(n)
        ]
    closed_ticket(org.hall1, agents[0], datetime.datetime(2026, 9, 30, 12, tzinfo=local_zone()))
    closed_ticket(org.hall2, agents[0], at(10))  # another branch: outside the plan's unit
    return made


@pytest.fixture
def plan(org: Any, qm: Any) -> SamplingPlan:
    return reviews.create_plan(
        actor=qm, name="一分公司每月 5% 复核", org_unit=org.branch1, share_percent="5", seed=7
    )


def test_share_is_ceil_of_share_times_n() -> None:
    assert reviews.share_of(20, Decimal("5")) == 1
    assert reviews.share_of(21, Decimal("5")) == 2
    assert reviews.share_of(0, Decimal("5")) == 0
    assert reviews.share_of(3, Decimal("100")) == 3
    assert reviews.share_of(7, Decimal("0")) == 0


def test_the_sample_takes_the_exact_share_per_agent(
    plan: SamplingPlan, history: dict[int, list[int]]
) -> None:
    sample = reviews.sample_tickets(plan, MONTH, seed=7)
    assert sample.closed == 70
    for agent_id, ids in history.items():
        chosen = sample.by_agent[agent_id]
        assert len(chosen) == math.ceil(len(ids) * 5 / 100)
        assert set(chosen) <= set(ids)
    # 5% of 23 → 2, of 40 → 2, of 7 → 1.
    assert sorted(len(v) for v in sample.by_agent.values()) == [1, 2, 2]


def test_the_sample_is_deterministic_under_a_seed(
    plan: SamplingPlan, history: dict[int, list[int]]
) -> None:
    plan.share_percent = Decimal("25")
    first = reviews.sample_tickets(plan, MONTH, seed=7).by_agent
    again = reviews.sample_tickets(plan, MONTH, seed=7).by_agent
    other = reviews.sample_tickets(plan, MONTH, seed=8).by_agent
    assert first == again
    assert first != other
    assert {k: len(v) for k, v in first.items()} == {k: len(v) for k, v in other.items()}
    # The draw is the lowest keyed hashes: independent of row order.
    ids = history[next(iter(history))]
    assert reviews.select_sample(
        {1: list(reversed(ids))}, Decimal("25"), 7
    ) == reviews.select_sample({1: ids}, Decimal("25"), 7)


@time_machine.travel(NOW, tick=False)
def test_draw_queues_reviews_round_robin_and_only_once(
    org: Any, plan: SamplingPlan, history: dict[int, list[int]], qm: Any, make_user: Any
) -> None:
    inspectors = [
        make_user("quality_inspector", unit=org.branch2, username=f"insp{i}") for i in range(2)
    ]
    draw = reviews.draw_sample(plan, MONTH, actor=qm)
    assert draw.sampled == 5 and draw.closed_tickets == 70 and draw.seed == 7
    queued = list(TicketReview.objects.filter(draw=draw).order_by("pk"))
    assert len(queued) == 5
    assert all(r.status == ReviewStatus.QUEUED for r in queued)
    assert [r.reviewer for r in queued] == [inspectors[i % 2] for i in range(5)]
    assert all(r.agent_id in history for r in queued)
    assert {r.ticket_id for r in queued} == set(reviews.sample_tickets(plan, MONTH, 7).sampled_ids)
    with pytest.raises(ConflictError):
        reviews.draw_sample(plan, MONTH, actor=qm)
    with pytest.raises(DomainError):
        reviews.draw_sample(plan, datetime.date(2026, 12, 1), actor=qm)


@time_machine.travel(NOW, tick=False)
def test_low_satisfaction_complaints_are_all_added(
    org: Any, plan: SamplingPlan, agents: list[Any], qm: Any, monkeypatch: Any
) -> None:
    complaints = [
        closed_ticket(org.hall1, agents[0], at(3 + i), kind="complaint").pk for i in range(4)
    ]
    monkeypatch.setattr(reviews, "_low_satisfaction_ids", lambda first, last: set(complaints[:3]))
    plan.share_percent = Decimal("0")
    plan.save()
    draw = reviews.draw_sample(plan, MONTH, actor=qm)
    rows = TicketReview.objects.filter(draw=draw)
    assert {r.ticket_id for r in rows} == set(complaints[:3])
    assert {r.reason for r in rows} == {ReviewReason.LOW_SATISFACTION}
    assert draw.low_satisfaction == 3


def test_plans_need_the_permission_and_valid_values(org: Any, inspector: Any, qm: Any) -> None:
    with pytest.raises(PermissionDenied):
        reviews.create_plan(actor=inspector, name="x", org_unit=org.hall1)
    for bad in ({"share_percent": "150"}, {"kinds": ["gossip"]}, {"name": " "}):
        with pytest.raises(DomainError):
            reviews.create_plan(actor=qm, **{"name": "p", "org_unit": org.hall1, **bad})


@pytest.fixture
def queued_review(org: Any, qm: Any, inspector: Any, agents: list[Any]) -> TicketReview:
    ticket = closed_ticket(org.hall1, agents[0], at(12))
    return reviews.queue_review(actor=qm, ticket=ticket, reviewer=inspector)


def _full(review: TicketReview) -> dict[int, ScoreInput]:
    return {item.pk: ScoreInput(score=item.top_score) for item in review.version.items.all()}


def test_service_error_flag_reaches_the_ticket(queued_review: TicketReview, inspector: Any) -> None:
    with pytest.raises(DomainError):
        reviews.submit_review(
            queued_review, actor=inspector, scores=_full(queued_review), service_error=True
        )
    done = reviews.submit_review(
        queued_review,
        actor=inspector,
        scores=_full(queued_review),
        service_error=True,
        service_error_reason="套餐资费解释错误",
    )
    assert done.status == ReviewStatus.DONE and done.score == Decimal("100.00")
    ticket = done.ticket
    ticket.refresh_from_db()
    assert ticket.service_error and ticket.service_error_reason == "套餐资费解释错误"
    event = TicketEvent.objects.get(ticket=ticket, event_type="review")
    assert event.data["service_error"] is True and event.actor == inspector
    with pytest.raises(ConflictError):
        reviews.submit_review(done, actor=inspector, scores={})


def test_review_refusals(queued_review: TicketReview, org: Any, make_user: Any) -> None:
    other = make_user("quality_inspector", unit=org.hq)
    with pytest.raises(DomainError):  # assigned to someone else
        reviews.submit_review(queued_review, actor=other, scores=_full(queued_review))
    agent = queued_review.agent
    with pytest.raises(PermissionDenied):
        reviews.submit_review(queued_review, actor=agent, scores=_full(queued_review))
    # The agent sees the review of their own ticket, not a colleague's.
    assert TicketReview.objects.visible_to(agent).filter(pk=queued_review.pk).exists()
    colleague = make_user("agent", unit=org.hall1)
    assert not TicketReview.objects.visible_to(colleague).exists()


def test_flagged_error_moves_the_error_rate_indicator(
    org: Any, queued_review: TicketReview, inspector: Any, agents: list[Any]
) -> None:
    from sqms.quality import rollups
    from sqms.quality.indicators import SliceFilter, grouped_measures, values_for
    from sqms.quality.periods import Period
    from sqms.servicedesk.models import Ticket

    for i in range(3):
        closed_ticket(org.hall1, agents[1], at(12 + i))
    tickets = Ticket.objects.filter(org_unit__path__startswith=org.branch1.path)
    first = min(t.created_at for t in tickets).astimezone(local_zone()).date()
    last = max(t.created_at for t in tickets).astimezone(local_zone()).date()
    period = Period(first, last)

    def rate() -> float | None:
        rollups.recompute_days(first, last)
        value = values_for(grouped_measures(period, SliceFilter(unit=org.branch1))[None])
        return value["service_error_rate"].value

    assert rate() == 0
    reviews.submit_review(
        queued_review,
        actor=inspector,
        scores=_full(queued_review),
        service_error=True,
        service_error_reason="未核验身份即办理",
    )
    flagged = Ticket.objects.filter(org_unit__path__startswith=org.branch1.path, service_error=True)
    direct = 100.0 * flagged.count() / tickets.filter(resolved_at__isnull=False).count()
    assert rate() == pytest.approx(direct) == pytest.approx(25.0)
