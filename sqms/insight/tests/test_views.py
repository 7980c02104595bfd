"""Pages: the registration form's panel (suggestions never required), the similar-case card on
the ticket page, models with metrics and retraining, the accuracy of suggestions."""

from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from sqms.core.tests.web import web_login
from sqms.insight import tasks
from sqms.insight.models import SuggestionOutcome, TextModel
from sqms.insight.tests.conftest import BROADBAND_TEXT
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import Category, Ticket

pytestmark = pytest.mark.django_db


def registration_payload(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "fault",
        "channel": "phone",
        "title": "宽带断网",
        "description": BROADBAND_TEXT,
        "impact": 2,
        "urgency": 2,
        **extra,
    }


def test_registration_form_has_the_panel_and_works_without_it(
    client: Any, org: Any, make_user: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    web_login(client, agent)
    page = client.get(reverse("ticket_create"))
    assert page.status_code == 200
    assert b'data-testid="insight-section"' in page.content
    assert reverse("insight_panel").encode() in page.content
    # No model, category left empty: registration is unaffected.
    response = client.post(reverse("ticket_create"), registration_payload())
    assert response.status_code == 302
    assert Ticket.objects.get(title="宽带断网").category is None


def test_registration_with_models_ignores_the_suggestion(
    client: Any, org: Any, make_user: Any, install_models: Any
) -> None:
    install_models()
    agent = make_user("agent", unit=org.hall1)
    web_login(client, agent)
    weak = Category.objects.get(code="weak_signal")
    response = client.post(reverse("ticket_create"), registration_payload(category=weak.pk))
    assert response.status_code == 302
    assert Ticket.objects.get(title="宽带断网").category == weak


def test_panel(client: Any, org: Any, make_user: Any, install_models: Any) -> None:
    web_login(client, make_user("agent", unit=org.hall1))
    url = reverse("insight_panel")
    empty = client.get(url)
    assert empty.status_code == 200 and b"insight-category" not in empty.content
    assert b"insight-no-model" in client.get(url, {"title": "宽带"}).content
    install_models()
    page = client.get(url, {"title": "宽带断网", "description": BROADBAND_TEXT})
    assert page.status_code == 200
    text = page.content.decode()
    broadband = Category.objects.get(code="broadband_outage")
    assert str(broadband) in text and 'data-testid="apply-category"' in text
    assert f'data-insight-category="{broadband.pk}"' in text
    assert 'data-testid="apply-priority"' in text


def test_panel_needs_permission(client: Any, org: Any, make_user: Any) -> None:
    web_login(client, make_user("trainer", unit=org.hall1))
    assert client.get(reverse("insight_panel")).status_code == 403
    page = client.get(reverse("ticket_create"))
    assert b'data-testid="insight-section"' not in page.content


def test_ticket_page_shows_similar_cases_in_scope(
    client: Any, org: Any, make_user: Any, install_models: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    other = make_user("agent", unit=org.hall2)
    older = desk.register_ticket(
        actor=agent, kind="fault", channel="phone", title="光猫红灯", description=BROADBAND_TEXT
    )
    hidden = desk.register_ticket(
        actor=other, kind="fault", channel="phone", title="二厅宽带", description=BROADBAND_TEXT
    )
    new = desk.register_ticket(
        actor=agent, kind="fault", channel="phone", title="宽带断网", description=BROADBAND_TEXT
    )
    install_models(index={older.pk: BROADBAND_TEXT, hidden.pk: BROADBAND_TEXT})
    web_login(client, agent)
    page = client.get(reverse("ticket_detail", args=[new.pk])).content.decode()
    assert 'data-testid="insight-similar-card"' in page
    assert older.number in page and hidden.number not in page


def test_models_page(
    client: Any, org: Any, make_user: Any, install_models: Any, django_assert_max_num_queries: Any
) -> None:
    qm = make_user("quality_manager", unit=org.branch1)
    web_login(client, qm)
    page = client.get(reverse("insight_models"))
    assert b'data-testid="not-enough-data"' in page.content
    models = install_models()
    with django_assert_max_num_queries(14):
        page = client.get(reverse("insight_models"))
    assert page.status_code == 200
    assert page.content.count(b'data-testid="model-row"') == 2
    detail = client.get(reverse("insight_model_detail", args=[models["category"].pk]))
    text = detail.content.decode()
    assert detail.status_code == 200
    assert str(Category.objects.get(code="broadband_outage")) in text
    assert 'data-testid="confusion"' in text
    assert client.get(reverse("insight_model_detail", args=[999999])).status_code == 404


def test_models_page_permissions(client: Any, org: Any, make_user: Any) -> None:
    web_login(client, make_user("agent", unit=org.hall1))
    assert client.get(reverse("insight_models")).status_code == 403
    assert client.post(reverse("insight_train")).status_code == 403
    assert client.get(reverse("insight_accuracy")).status_code == 403


def test_train_button_queues_and_activate_switches(
    client: Any, org: Any, make_user: Any, install_models: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    qm = make_user("quality_manager", unit=org.branch1)
    web_login(client, qm)
    response = client.post(reverse("insight_train"), {"force": "1"})
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path__endswith="retrain_models").count() == 1
    first = install_models()["category"]
    second = install_models()["category"]
    first.refresh_from_db()
    assert second.is_active and not first.is_active
    client.post(reverse("insight_activate", args=[first.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_active and not second.is_active


def test_accuracy_page(
    client: Any,
    org: Any,
    make_user: Any,
    install_models: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    install_models()
    agent = make_user("agent", unit=org.hall1)
    broadband = Category.objects.get(code="broadband_outage")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            desk.register_ticket(
                actor=agent,
                kind="fault",
                channel="phone",
                title="宽带断网",
                description=BROADBAND_TEXT,
                category=broadband,
            )
        desk.register_ticket(
            actor=make_user("agent", unit=org.hall2),
            kind="fault",
            channel="phone",
            title="宽带断网",
            description=BROADBAND_TEXT,
            category=broadband,
        )
    assert SuggestionOutcome.objects.count() == 3
    web_login(client, make_user("quality_manager", unit=org.branch1))
    page = client.get(reverse("insight_accuracy"))
    assert page.status_code == 200
    assert page.content.count(b'data-testid="accuracy-row"') == 1
    # Branch 1's manager counts branch 1's two tickets only.
    assert "<strong>2</strong>" in page.content.decode()


def test_command_and_task_without_enough_data(capsys: Any) -> None:
    call_command("insight_train")
    assert "Not enough" in capsys.readouterr().out
    result = tasks.retrain_models.call()
    assert result["models"] == {"category": None, "priority": None}
    assert not TextModel.objects.exists()
