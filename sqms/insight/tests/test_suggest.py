"""Suggestions for a text: the right problem type for a clear complaint, similar tickets only
from the user's scope, and the agent's choice recorded against the suggestion."""

from typing import Any

import pytest

from sqms.insight import outcomes, suggest
from sqms.insight.choices import Purpose
from sqms.insight.models import SuggestionOutcome
from sqms.insight.tests.conftest import BROADBAND_TEXT
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import Category

pytestmark = pytest.mark.django_db


def test_broadband_text_suggests_broadband_outage(install_models: Any, make_user: Any) -> None:
    install_models()
    result = suggest.suggest(BROADBAND_TEXT, make_user("agent"))
    assert result.categories[0].code == "broadband_outage"
    assert result.categories[0].probability >= 0.5
    assert result.categories[0].id == Category.objects.get(code="broadband_outage").pk
    assert len(result.categories) <= 3
    assert all(c.probability >= suggest.CATEGORY_FLOOR for c in result.categories)
    assert result.category_model == 1 and result.priority_model == 1
    assert result.priority is not None and result.priority.priority in (1, 2, 3, 4)
    assert (result.priority.impact, result.priority.urgency) == suggest.LEVELS_FOR_PRIORITY[
        result.priority.priority
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("营业员态度很差，问两句就不耐烦，还翻白眼", "service_attitude"),
        ("这个月话费莫名其妙多扣了80块，我没订过什么业务", "billing_dispute"),
        ("在地下车库手机一点信号都没有，电话打不出去", "weak_signal"),
        ("营业厅的叫号机取不了号，大家乱排队", "queue_machine"),
        ("想把套餐换成便宜一点的，怎么办理", "plan_change"),
    ],
)
def test_typed_complaints_get_their_type_first(
    install_models: Any, make_user: Any, text: str, code: str
) -> None:
    install_models()
    result = suggest.suggest(text, make_user("agent"))
    assert result.categories and result.categories[0].code == code


def test_empty_text_and_no_model_suggest_nothing(make_user: Any) -> None:
    agent = make_user("agent")
    assert suggest.suggest("", agent).empty
    assert suggest.suggest(BROADBAND_TEXT, agent).empty


def test_similar_tickets_only_from_the_users_scope(
    org: Any, install_models: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    agent1 = make_user("agent", unit=org.hall1)
    agent2 = make_user("agent", unit=org.hall2)
    mine = desk.register_ticket(
        actor=agent1, kind="fault", channel="phone", title="宽带断网", description=BROADBAND_TEXT
    )
    theirs = desk.register_ticket(
        actor=agent2, kind="fault", channel="phone", title="宽带断网", description=BROADBAND_TEXT
    )
    unrelated = desk.register_ticket(
        actor=agent1, kind="complaint", channel="phone", title="营业员态度差", description="翻白眼"
    )
    install_models(
        index={
            theirs.pk: f"宽带断网\n{BROADBAND_TEXT}",
            mine.pk: f"宽带断网\n{BROADBAND_TEXT}",
            unrelated.pk: "营业员态度差\n翻白眼",
        }
    )
    suggest.suggest(BROADBAND_TEXT, agent1)  # loads the models
    with django_assert_max_num_queries(4):
        result = suggest.suggest(BROADBAND_TEXT, agent1, with_articles=False)
    assert [t.id for t in result.similar_tickets] == [mine.pk]
    assert result.similar_tickets[0].number == mine.number
    assert result.similar_tickets[0].score > 0.5
    assert [t.id for t in suggest.suggest(BROADBAND_TEXT, agent2).similar_tickets] == [theirs.pk]
    # The ticket itself is not its own similar case.
    assert suggest.suggest_for_ticket(mine, agent1).similar_tickets == []


def test_registration_records_the_outcome_and_corrections_move_it(
    org: Any, install_models: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    models = install_models()
    agent = make_user("agent", unit=org.hall1)
    weak = Category.objects.get(code="weak_signal")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.register_ticket(
            actor=agent,
            kind="fault",
            channel="phone",
            title="宽带断网",
            description=BROADBAND_TEXT,
            category=weak,
        )
    outcome = SuggestionOutcome.objects.get(ticket=ticket)
    assert outcome.category_model == models[Purpose.CATEGORY]
    assert outcome.suggested_category == "broadband_outage"
    assert outcome.suggested_confidence and outcome.suggested_confidence > 0.5
    assert outcome.chosen_category == outcome.final_category == "weak_signal"
    assert outcome.chosen_priority == ticket.priority and outcome.suggested_priority
    assert "broadband_outage" in outcome.suggested_top3

    broadband = Category.objects.get(code="broadband_outage")
    manager = make_user("unit_manager", unit=org.hall1)
    with django_capture_on_commit_callbacks(execute=True):
        desk.triage_ticket(ticket, actor=manager, category=broadband)
    outcome.refresh_from_db()
    assert outcome.final_category == "broadband_outage"
    assert outcome.chosen_category == "weak_signal"

    rows = outcomes.agreement(SuggestionOutcome.objects.all())
    assert len(rows) == 1
    assert (rows[0]["n"], rows[0]["top1"], rows[0]["top3"], rows[0]["version"]) == (1, 1.0, 1.0, 1)


def test_no_outcome_without_a_model(
    org: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    with django_capture_on_commit_callbacks(execute=True):
        desk.register_ticket(actor=agent, kind="fault", channel="phone", title="宽带断网")
    assert not SuggestionOutcome.objects.exists()


def test_sync_final_categories_catches_silent_corrections(
    org: Any, install_models: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    install_models()
    agent = make_user("agent", unit=org.hall1)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.register_ticket(
            actor=agent, kind="fault", channel="phone", title="宽带断网", description=BROADBAND_TEXT
        )
    assert SuggestionOutcome.objects.get(ticket=ticket).final_category == ""
    from sqms.servicedesk.models import Ticket

    Ticket.objects.filter(pk=ticket.pk).update(
        category=Category.objects.get(code="broadband_outage")
    )
    assert outcomes.sync_final_categories() == 1
    assert SuggestionOutcome.objects.get(ticket=ticket).final_category == "broadband_outage"
