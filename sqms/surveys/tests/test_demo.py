"""The demo data: answered surveys over closed tickets, a rule, a campaign, follow-ups."""

from typing import Any

import pytest

from sqms.surveys import demo, results, services
from sqms.surveys.models import (
    Answer,
    Campaign,
    FollowUp,
    Invitation,
    InvitationRule,
    SurveyResponse,
)

pytestmark = pytest.mark.django_db


def test_demo_answers_the_sampled_closed_tickets(org: Any, close_ticket: Any, quality: Any) -> None:
    tickets = [close_ticket() for _ in range(8)]
    demo.populate({"HQ": org.hq, "H1": org.hall1}, {"quality_manager": quality})
    sampled = [t for t in tickets if services.sampled(t.number, 60)]
    assert SurveyResponse.objects.count() == len(sampled)
    assert Invitation.objects.count() == len(sampled)
    assert InvitationRule.objects.count() == 1 and Campaign.objects.count() == 1
    low = SurveyResponse.objects.filter(overall__lte=2).count()
    assert FollowUp.objects.count() == min(2, low)
    assert Answer.objects.filter(question__code="overall").count() == len(sampled)
    assert results.summary(results.completed(quality))["responses"] == len(sampled)
    demo.populate({"HQ": org.hq}, {})  # a second run adds nothing
    assert SurveyResponse.objects.count() == len(sampled)
