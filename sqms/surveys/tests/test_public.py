"""The public answer page (token, partial answers, single use, expiry, language), phone
entry, and the counter tablet (kiosk) which cannot reach other pages."""

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from sqms.core.tests.factories import TEST_PASSWORD
from sqms.core.tests.web import web_login
from sqms.surveys import links, services
from sqms.surveys.choices import InvitationStatus, ResponseMode
from sqms.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(close_ticket: Any, rule: Any, customer: Any) -> Any:
    found = services.invite_for_ticket(close_ticket(customer=customer))
    assert found is not None
    return found


def test_answer_page_saves_partial_answers_then_completes_once(invitation: Any) -> None:
    client = Client()
    url = links.answer_path(invitation)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "您对本次服务的总体满意度如何？" in body and "<a " not in body
    saved = client.post(url, {"action": "save", "q_attitude": "4", "q_comment": "<i>还行</i>"})
    assert saved.status_code == 200 and 'data-testid="saved"' in saved.content.decode()
    response = SurveyResponse.objects.get(invitation=invitation)
    assert response.completed_at is None
    assert response.answers.get(question__code="comment").text == "还行"
    # The page shows the saved answers again.
    assert 'value="4" checked' in client.get(url).content.decode()
    missing = client.post(url, {"action": "submit"})
    assert "error-overall" in missing.content.decode()
    done = client.post(url, {"action": "submit", "q_overall": "5", "q_nps": "9"})
    assert 'data-testid="thanks"' in done.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    response.refresh_from_db()
    assert response.overall == 5 and response.answers.count() == 4
    # Single use: the link now only thanks, and a second submission changes nothing.
    again = client.post(url, {"action": "submit", "q_overall": "1"})
    assert "此调查已经填写过了" in again.content.decode()  # the customer's language
    response.refresh_from_db()
    assert response.overall == 5


def test_autosave_by_htmx(invitation: Any) -> None:
    client = Client()
    reply = client.post(f"{links.answer_path(invitation)}save/", {"q_efficiency": "3"})
    assert reply.status_code == 200
    answer = SurveyResponse.objects.get(invitation=invitation).answers.get()
    assert answer.number == 3


def test_expired_tampered_and_english(invitation: Any, customer: Any) -> None:
    client = Client()
    url = links.answer_path(invitation)
    english = client.get(url, {"lang": "en"})
    assert "How satisfied are you with this service overall?" in english.content.decode()
    tampered = url.replace(invitation.nonce[:4], "AAAA")
    assert client.get(tampered).status_code == 404
    assert client.get("/surveys/a/garbage/").status_code == 404
    with time_machine.travel(invitation.expires_at + datetime.timedelta(seconds=1)):
        expired = client.get(url)
        assert expired.status_code == 410
        assert 'data-testid="expired"' in expired.content.decode()
        assert client.post(url, {"action": "submit", "q_overall": "5"}).status_code == 410
    assert not SurveyResponse.objects.filter(
        invitation=invitation, completed_at__isnull=False
    ).exists()


def test_customer_language_is_the_default(close_ticket: Any, rule: Any, org: Any) -> None:
    from sqms.surveys.tests.conftest import make_customer

    english = make_customer(org.hall1, language="en")
    invitation = services.invite_for_ticket(close_ticket(customer=english))
    page = Client().get(links.answer_path(invitation))
    assert "How satisfied" in page.content.decode()


def test_phone_entry_is_marked(close_ticket: Any, rule: Any, agent: Any) -> None:
    ticket = close_ticket()
    invitation = services.invite_for_ticket(ticket)
    assert invitation is not None
    client = Client()
    web_login(client, agent)
    url = f"/surveys/tickets/{ticket.pk}/phone/"
    assert client.get(url).status_code == 200
    reply = client.post(url, {"q_overall": "4", "q_comment": "电话回访时客户表示满意"})
    assert reply.status_code == 302
    response = SurveyResponse.objects.get(ticket=ticket)
    assert response.mode == ResponseMode.PHONE and response.entered_by == agent
    assert response.invitation == invitation
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    # The ticket page shows the score in the survey card.
    page = client.get(f"/tickets/{ticket.pk}/")
    assert 'data-testid="survey-score"' in page.content.decode()


def test_phone_entry_needs_permission_and_scope(
    close_ticket: Any, org: Any, make_user: Any
) -> None:
    ticket = close_ticket()
    client = Client()
    web_login(client, make_user("trainer", unit=org.hall1))
    assert client.get(f"/surveys/tickets/{ticket.pk}/phone/").status_code == 403
    web_login(client, make_user("agent", unit=org.hall2))
    assert client.get(f"/surveys/tickets/{ticket.pk}/phone/").status_code == 404


def test_kiosk_hands_over_resets_and_cannot_navigate_away(
    org: Any, agent: Any, close_ticket: Any
) -> None:
    ticket = close_ticket()
    client = Client()
    web_login(client, agent)
    kiosk = f"/surveys/kiosk/{org.hall1.pk}/"
    assert client.get("/surveys/kiosk/")["Location"] == kiosk
    assert 'data-testid="kiosk-start"' in client.get(kiosk).content.decode()
    started = client.post(kiosk, {"ticket_number": ticket.number})
    assert started.status_code == 302 and started["Location"] == kiosk
    # The tablet has no staff session: every other page goes to the log-in page.
    for other in (
        "/",
        "/tickets/",
        "/surveys/comments/",
        f"/tickets/{ticket.pk}/",
        "/api/surveys/rules/",
    ):
        reply = client.get(other)
        assert reply.status_code in (302, 401, 403), other
        if reply.status_code == 302:
            assert "login" in reply["Location"], other
    page = client.get(kiosk)
    body = page.content.decode()
    assert page.status_code == 200 and "<a " not in body and 'data-kiosk="1"' in body
    thanks = client.post(kiosk, {"q_overall": "2", "q_comment": "排队太久"})
    assert 'data-testid="thanks"' in thanks.content.decode()
    assert "refresh" in thanks.content.decode()
    first = SurveyResponse.objects.get(mode=ResponseMode.KIOSK)
    assert first.ticket == ticket and first.entered_by == agent and first.follow_up
    # Reset: the next customer is a walk-in on a fresh form.
    client.post(kiosk, {"q_overall": "5"})
    second = SurveyResponse.objects.exclude(pk=first.pk).get(mode=ResponseMode.KIOSK)
    assert second.ticket is None and second.staff == agent and second.org_unit == org.hall1
    # Leaving needs the agent's password.
    wrong = client.post(kiosk, {"action": "exit", "password": "wrong"})
    assert wrong.status_code == 200 and client.get("/tickets/").status_code == 302
    left = client.post(kiosk, {"action": "exit", "password": TEST_PASSWORD})
    assert left.status_code == 302
    assert client.get("/tickets/").status_code == 200


def test_kiosk_needs_permission_and_a_unit_in_scope(org: Any, make_user: Any, agent: Any) -> None:
    client = Client()
    assert "login" in client.get(f"/surveys/kiosk/{org.hall1.pk}/")["Location"]
    web_login(client, agent)
    assert client.get(f"/surveys/kiosk/{org.hall2.pk}/").status_code == 404
    web_login(client, make_user("trainer", unit=org.hall1))
    assert client.get(f"/surveys/kiosk/{org.hall1.pk}/").status_code == 403
    # A forged kiosk cookie is ignored.
    client.cookies["sqms_kiosk"] = "forged"
    assert client.get(f"/surveys/kiosk/{org.hall1.pk}/").status_code == 403
