"""The demo history: seasonal, labelled, the same for the same seed, and resumable."""

import datetime
from typing import Any

import pytest

from sqms.core import demo
from sqms.core.choices import OrgUnitKind
from sqms.core.models import OrgUnit
from sqms.core.tests.factories import make_unit
from sqms.insight import corpus
from sqms.quality import history
from sqms.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

FIRST_DAY = datetime.date(2024, 11, 1)
DAYS = 760


def test_weights_follow_the_week_and_the_holidays() -> None:
    weights = dict(
        zip(
            (FIRST_DAY + datetime.timedelta(days=i) for i in range(DAYS)),
            history.day_weights(FIRST_DAY, DAYS),
            strict=True,
        )
    )

    def weight(day: str) -> float:
        return weights[datetime.date.fromisoformat(day)]

    assert weight("2026-01-12") > weight("2026-01-13") > weight("2026-01-11")  # Mon > Tue > Sun
    assert weight("2026-02-17") == history.SPRING_FESTIVAL_LOAD  # 春节
    assert weight("2026-10-02") == history.HOLIDAY_LOAD  # 国庆
    assert weight("2026-02-17") < weight("2026-10-02") < weight("2026-01-11")
    # The backlog lands on the first working days after the Spring Festival break.
    assert weight("2026-02-24") == pytest.approx(1.0 * history.AFTER_HOLIDAY_LOAD)
    assert weight("2026-03-03") == 1.0


@pytest.fixture
def demo_units(make_user: Any) -> OrgUnit:
    company = make_unit(demo.COMPANY_CODE, "华南通信", OrgUnitKind.COMPANY)
    hall = make_unit("DEMO-H1", "营业厅", OrgUnitKind.HALL, company)
    make_user("agent", unit=hall)
    make_user("agent", unit=hall)
    return hall


def rows() -> list[tuple]:
    return list(
        Ticket.objects.order_by("number").values_list(
            "number", "title", "category__code", "kind", "priority", "created_at", "status"
        )
    )


def test_same_seed_same_history_and_a_resumed_run_matches_one_run(
    demo_units: OrgUnit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "BLOCK", 4)
    assert history.extend(10, seed=3, first_day=FIRST_DAY) == 10
    whole = rows()
    Ticket.objects.all().delete()
    # Interrupted after 6 (mid-block), continued to 10: the same tickets.
    assert history.extend(6, seed=3, first_day=FIRST_DAY) == 6
    assert history.extend(10, seed=3, first_day=FIRST_DAY) == 4
    assert history.extend(10, seed=3, first_day=FIRST_DAY) == 0
    assert rows() == whole
    Ticket.objects.all().delete()
    history.extend(10, seed=4, first_day=FIRST_DAY)
    assert rows() != whole


def test_tickets_carry_texts_of_their_problem_type(demo_units: OrgUnit) -> None:
    history.extend(300, seed=1, first_day=FIRST_DAY)
    tickets = list(Ticket.objects.select_related("category"))
    assert len(tickets) == 300 and history.loaded() == 300
    assert all(t.org_unit_id == demo_units.pk and t.description for t in tickets)
    assert {t.category.code for t in tickets if t.category} <= set(corpus.CATEGORY_CODES)
    assert len({t.category_id for t in tickets}) >= 8
    assert {t.kind for t in tickets} >= {"complaint", "consultation"}
    assert all(t.priority in (1, 2, 3, 4) for t in tickets)
    now = datetime.datetime.now(datetime.UTC)
    assert all(t.created_at <= now for t in tickets)
    assert all(t.created_at.date() >= FIRST_DAY for t in tickets)


def test_breach_flags_agree_with_the_times(demo_units: OrgUnit) -> None:
    history.extend(300, seed=2, first_day=FIRST_DAY)
    now = datetime.datetime.now(datetime.UTC)

    def late(done: datetime.datetime | None, due: datetime.datetime | None) -> bool:
        assert due is not None
        return (done or now) > due

    tickets = list(Ticket.objects.all())
    for t in tickets:
        assert t.response_breached == late(t.responded_at, t.response_due_at), t.number
        assert t.resolve_breached == late(t.resolved_at, t.resolve_due_at), t.number
    # Some of each, as in a real year: the breached list is not empty in the demo.
    assert 0 < sum(t.resolve_breached for t in tickets) < len(tickets)
    assert 0 < sum(t.response_breached for t in tickets) < len(tickets)
