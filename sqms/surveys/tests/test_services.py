"""Services: seeds, versioning, invitations (sampling, quiet rule, tokens), answering,
follow-ups, campaigns."""

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import Notification
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import TicketEvent
from sqms.surveys import links, results, services
from sqms.surveys.choices import FollowUpStatus, InvitationStatus, VersionStatus
from sqms.surveys.models import Answer, Invitation, InvitationRule, Question, SurveyTemplate
from sqms.surveys.seed import seed_templates
from sqms.surveys.tests.conftest import answer, current, make_customer, post_service, servqual

pytestmark = pytest.mark.django_db

GOOD = {"overall": 5, "nps": 10, "ces": 6, "attitude": 5, "comment": "服务很好"}


def test_seed_templates_exist_and_seeding_again_changes_nothing() -> None:
    version = current(post_service())
    codes = list(version.questions.values_list("code", flat=True))
    assert codes[:3] == ["overall", "nps", "ces"]
    assert {"attitude", "efficiency", "effectiveness", "after_sales", "comment"} <= set(codes)
    assert current(servqual()).questions.filter(pair="expectation").count() == 5
    before = Question.objects.count()
    seed_templates()
    assert Question.objects.count() == before
    assert SurveyTemplate.objects.filter(code="post_service").count() == 1


def test_versioning_freezes_published_questions_and_keeps_old_answers(
    quality: Any, org: Any
) -> None:
    v1 = current(post_service())
    old = answer({"overall": 4}, org_unit=org.hall1)
    with pytest.raises(ConflictError):
        services.save_question(
            Question(version=v1, code="new", qtype="rating", dimension="overall", text_zh="新"),
            actor=quality,
        )
    draft = services.new_draft(post_service(), actor=quality)
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT
    assert services.new_draft(post_service(), actor=quality) == draft  # one draft at a time
    question = draft.questions.get(code="overall")
    question.text_zh = "总体而言，您满意吗？"
    services.save_question(question, actor=quality)
    services.publish_version(draft, actor=quality)
    assert current(post_service()) == draft
    # The old response still reads the question it answered.
    old_answer = Answer.objects.select_related("question").get(
        response=old, question__code="overall"
    )
    assert old_answer.question.version == v1
    assert old_answer.question.text_zh == "您对本次服务的总体满意度如何？"
    with pytest.raises(ConflictError):
        services.publish_version(draft, actor=quality)


def test_choice_questions_need_options(quality: Any) -> None:
    draft = services.new_draft(post_service(), actor=quality)
    with pytest.raises(DomainError) as refused:
        services.save_question(
            Question(version=draft, code="why", qtype="single", dimension="overall", text_zh="?"),
            actor=quality,
        )
    assert refused.value.field == "options"


def test_closed_ticket_gets_an_invitation_with_a_working_single_use_token(
    close_ticket: Any, rule: InvitationRule, customer: Any
) -> None:
    ticket = close_ticket(customer=customer)
    invitation = services.invite_for_ticket(ticket)
    assert invitation is not None
    assert invitation.version == current(post_service())
    assert invitation.staff_id == ticket.resolved_by_id
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=6)
    token = links.token_of(invitation)
    assert invitation.nonce in token and invitation.token_hash != token
    assert links.find_invitation(token) == invitation
    assert links.ticket_survey_url(ticket) == links.invitation_url(invitation)
    # Tampered tokens find nothing.
    assert links.find_invitation(token[:-2] + "xx") is None
    assert links.find_invitation("nonsense") is None
    # Idempotent: a second close event does not invite twice.
    assert services.invite_for_ticket(ticket) is None
    response = answer(GOOD, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert response.ticket == ticket and response.overall == 5
    with pytest.raises(ConflictError):
        services.submit(response, GOOD)
    assert links.ticket_survey_url(ticket) is None


def test_the_close_signal_creates_the_invitation(
    close_ticket: Any, rule: InvitationRule, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = close_ticket()
    assert Invitation.objects.filter(ticket=ticket, rule=rule).count() == 1


def test_rules_match_kind_and_channel_and_the_nearest_unit_wins(
    close_ticket: Any, rule: InvitationRule, org: Any
) -> None:
    narrow = InvitationRule.objects.create(
        name="营业厅投诉",
        org_unit=org.hall1,
        template=post_service(),
        kinds=["complaint"],
        channels=["counter"],
    )
    complaint = close_ticket(kind="complaint")
    business = close_ticket(kind="business")
    assert services.rule_for(complaint) == narrow
    assert services.rule_for(business) == rule
    rule.active = False
    rule.save()
    assert services.rule_for(business) is None


def test_sampling_is_deterministic_by_ticket_number() -> None:
    numbers = [f"SQ20261121{n:06d}" for n in range(400)]
    first = [services.sampled(n, 30) for n in numbers]
    assert first == [services.sampled(n, 30) for n in numbers]
    assert 80 <= sum(first) <= 160  # about 30 %
    assert all(services.sampled(n, 100) for n in numbers)
    assert not any(services.sampled(n, 0) for n in numbers)


def test_sampled_out_tickets_get_no_invitation(close_ticket: Any, rule: InvitationRule) -> None:
    rule.sampling_rate = 50
    rule.save()
    tickets = [close_ticket() for _ in range(6)]
    for ticket in tickets:
        invited = services.invite_for_ticket(ticket) is not None
        assert invited == services.sampled(ticket.number, 50)


def test_quiet_rule_allows_one_invitation_per_customer_per_period(
    close_ticket: Any, rule: InvitationRule, customer: Any
) -> None:
    start = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        assert services.invite_for_ticket(close_ticket(customer=customer)) is not None
    with time_machine.travel(start + datetime.timedelta(days=10), tick=False):
        assert services.invite_for_ticket(close_ticket(customer=customer)) is None
        other = make_customer(customer.org_unit)
        assert services.invite_for_ticket(close_ticket(customer=other)) is not None
    with time_machine.travel(start + datetime.timedelta(days=31), tick=False):
        assert services.invite_for_ticket(close_ticket(customer=customer)) is not None


def test_invitations_expire(close_ticket: Any, rule: InvitationRule) -> None:
    start = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        invitation = services.invite_for_ticket(close_ticket())
    assert invitation is not None
    with time_machine.travel(start + datetime.timedelta(days=6), tick=False):
        assert services.expire_invitations() == 0
        assert invitation.is_open
    with time_machine.travel(start + datetime.timedelta(days=7, seconds=1), tick=False):
        assert not invitation.is_open and invitation.is_expired
        assert services.expire_invitations() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED


def test_partial_answers_are_kept_and_submit_checks_required_questions(org: Any) -> None:
    response = services.start_response(version=current(post_service()), org_unit=org.hall1)
    with translation.override("en"):
        errors = services.save_answers(response, {"attitude": "4", "nps": "11", "comment": ""})
    assert errors == {"nps": "Choose a value from 0 to 10."}
    assert response.answers.get(question__code="attitude").number == 4
    assert response.completed_at is None
    with pytest.raises(services.SurveyErrors) as refused:
        services.submit(response, {})
    assert set(refused.value.errors) == {"overall"}
    services.submit(response, {"overall": "3"})
    response.refresh_from_db()
    assert response.completed_at is not None and response.overall == 3


def test_free_text_is_sanitised_and_limited(org: Any) -> None:
    response = answer(
        {"overall": 4, "comment": "<script>alert(1)</script><b>很好</b> 5 > 3 " + "长" * 2000},
        org_unit=org.hall1,
    )
    text = response.answers.get(question__code="comment").text
    assert "<" not in text.replace("5 > 3", "") and "script" not in text
    assert text.startswith("很好 5 > 3")
    assert len(text) == services.TEXT_LIMIT


def test_choice_answers_are_checked(quality: Any, org: Any) -> None:
    draft = services.new_draft(post_service(), actor=quality)
    services.save_question(
        Question(
            version=draft,
            code="how",
            qtype="multiple",
            dimension="overall",
            text_zh="您通过哪些渠道联系我们？",
            options=[{"value": "hall", "zh": "营业厅"}, {"value": "app", "zh": "App"}],
        ),
        actor=quality,
    )
    services.publish_version(draft, actor=quality)
    response = services.start_response(version=draft, org_unit=org.hall1)
    with translation.override("en"):
        refused = services.save_answers(response, {"how": ["hall", "mars"]})
    assert refused == {"how": "Choose one of the options offered."}
    assert services.save_answers(response, {"how": ["app", "hall"]}) == {}
    assert response.answers.get(question__code="how").choices == ["app", "hall"]


def test_a_low_score_opens_a_follow_up_for_the_unit_manager(
    close_ticket: Any, rule: InvitationRule, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = close_ticket()
    invitation = services.invite_for_ticket(ticket)
    friday = datetime.datetime(2026, 3, 6, 10, tzinfo=datetime.UTC)
    with (
        time_machine.travel(friday, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = answer({"overall": 2, "comment": "等了很久"}, invitation=invitation)
    follow_up = response.follow_up
    assert follow_up.assignee == manager and follow_up.status == FollowUpStatus.OPEN
    assert follow_up.score == 2 and follow_up.ticket == ticket
    # Friday 18:00 Shanghai + 2 business days = Tuesday.
    assert timezone.localtime(follow_up.due_at).date() == datetime.date(2026, 3, 10)
    event = TicketEvent.objects.get(ticket=ticket, event_type=EventType.SURVEY)
    assert "2/5" in event.message and event.data["follow_up"] == follow_up.pk
    assert Notification.objects.filter(recipient=manager).exists()


def test_a_good_score_opens_no_follow_up_and_the_threshold_is_the_rules(
    close_ticket: Any, rule: InvitationRule
) -> None:
    good = answer(GOOD, invitation=services.invite_for_ticket(close_ticket()))
    assert not hasattr(good, "follow_up") or good.follow_up is None
    rule.low_score_threshold = 3
    rule.save()
    middling = answer({"overall": 3}, invitation=services.invite_for_ticket(close_ticket()))
    assert middling.follow_up.score == 3


def test_follow_up_done_and_improvement_action(
    close_ticket: Any, rule: InvitationRule, manager: Any, quality: Any
) -> None:
    response = answer({"overall": 1}, invitation=services.invite_for_ticket(close_ticket()))
    follow_up = response.follow_up
    with pytest.raises(DomainError):
        services.complete_follow_up(follow_up, actor=manager, outcome="  ")
    services.complete_follow_up(follow_up, actor=manager, outcome="已致电客户致歉并补办业务")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE and follow_up.done_by == manager
    with pytest.raises(ConflictError):
        services.complete_follow_up(follow_up, actor=manager, outcome="again")
    action = services.open_improvement(follow_up, actor=quality)
    assert action.source == "survey" and action.org_unit == follow_up.org_unit
    with pytest.raises(ConflictError):
        services.open_improvement(follow_up, actor=quality)


def test_campaign_invites_the_segment_except_recently_invited(
    org: Any, quality: Any, close_ticket: Any, rule: InvitationRule
) -> None:
    from sqms.surveys.models import Campaign

    gold = [make_customer(org.hall1, segment="gold") for _ in range(3)]
    make_customer(org.hall1, segment="mass")
    make_customer(org.hall2, segment="gold")  # outside the campaign's unit
    services.invite_for_ticket(close_ticket(customer=gold[0]))  # invited recently
    campaign = Campaign.objects.create(
        name="2026年一季度金卡客户满意度调查",
        org_unit=org.branch1,
        version=current(post_service()),
        segment="gold",
        period_start=datetime.date(2026, 1, 1),
        period_end=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert services.generate_campaign(campaign, actor=quality) == 2
    assert services.generate_campaign(campaign, actor=quality) == 0
    campaign.refresh_from_db()
    assert campaign.status == "running" and campaign.invitations_made == 2
    assert set(campaign.invitations.values_list("customer_id", flat=True)) == {
        gold[1].pk,
        gold[2].pk,
    }
    services.close_campaign(campaign, actor=quality)
    assert not campaign.invitations.filter(status="pending").exists()


def test_low_satisfaction_ticket_ids(close_ticket: Any, rule: InvitationRule) -> None:
    low = close_ticket()
    high = close_ticket()
    answer({"overall": 2}, invitation=services.invite_for_ticket(low))
    answer({"overall": 5}, invitation=services.invite_for_ticket(high))
    today = timezone.localdate()
    assert results.low_satisfaction_ticket_ids(today, today) == {low.pk}
    yesterday = today - datetime.timedelta(days=1)
    assert results.low_satisfaction_ticket_ids(yesterday, yesterday) == set()


def test_customer_history_and_retention(
    close_ticket: Any, rule: InvitationRule, customer: Any, manager: Any
) -> None:
    from sqms.customers import history
    from sqms.surveys import integration

    ticket = close_ticket(customer=customer)
    response = answer(
        {"overall": 2, "comment": "客户姓名张三，电话13800138000"},
        invitation=services.invite_for_ticket(ticket),
    )
    entries = [e for e in history.history(customer, manager) if e.kind == "survey"]
    assert len(entries) == 1 and entries[0].highlight
    assert history.counts(customer, manager).last_satisfaction == "2/5"
    now = timezone.now()
    assert integration.purge_free_text(None, now - datetime.timedelta(days=1), now) == []
    assert integration.purge_free_text(None, now + datetime.timedelta(seconds=1), now) == [
        f"SR{response.pk}"
    ]
    response.refresh_from_db()
    assert response.comment == "" and not response.answers.exclude(text="").exists()
    assert response.overall == 2
