"""The rules of knowledge articles: writing, versions, review by someone else, publication of
revisions, archive, expiry review and reminders, uses and votes — and every refusal."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent, Notification
from sqms.knowledge import services
from sqms.knowledge.choices import ArticleStatus, ReviewDecision, VersionState
from sqms.knowledge.models import Article, ArticleUse
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import Category


def resolved_ticket(agent: Any, **extra: Any) -> Any:
    ticket = desk.register_ticket(
        actor=agent,
        kind="fault",
        channel="phone",
        title="宽带断网，光猫红灯闪",
        description="客户来电称家中宽带从昨晚开始断网，光猫 LOS 灯红色闪烁。",
        category=Category.objects.get(code="broadband_outage"),
        **extra,
    )
    desk.respond_to_ticket(ticket, actor=agent, message="已受理")
    desk.start_ticket(ticket, actor=agent)
    return desk.resolve_ticket(
        ticket,
        actor=agent,
        resolution="指导客户重新插拔光纤接头后恢复上网。",
        root_cause="入户光纤接头松动",
    )


# --- writing --------------------------------------------------------------------------------


def test_create_writes_a_draft_with_version_one(write: Any, agent: Any) -> None:
    article = write(products="宽带，光猫、 宽带")
    assert article.number.startswith("KB")
    assert article.status == ArticleStatus.DRAFT
    assert article.owner == agent
    assert article.products == "宽带, 光猫"
    version = article.current_version
    assert version is not None and version.number == 1 and version.state == VersionState.DRAFT
    assert version.solution == article.solution and version.author == agent
    assert "宽带" in article.search_text.split() and "断网" in article.search_text.split()
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(article.pk)).exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": " "}, "title"),
        ({"problem": ""}, "problem"),
        ({"solution": ""}, "solution"),
        ({"title": "长" * 201}, "title"),
        ({"review_by": "2000-01-01"}, "review_by"),
        ({"review_by": "not a date"}, "review_by"),
    ],
)
def test_create_refuses_bad_values(write: Any, values: dict, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        write(**values)
    assert refused.value.field == field
    assert not Article.objects.exists()


def test_create_refuses_units_outside_scope_and_users_without_add(
    write: Any, org: Any, make_user: Any
) -> None:
    with pytest.raises(DomainError) as refused:
        write(org_unit=org.hall2)
    assert refused.value.field == "org_unit"
    with pytest.raises(PermissionDenied):
        write(actor=make_user("trainer"))


def test_create_from_resolved_ticket_prefills(agent: Any) -> None:
    ticket = resolved_ticket(agent)
    article = services.create_from_ticket(ticket, actor=agent)
    assert article.title == ticket.title
    assert article.problem == ticket.description
    assert article.cause == "入户光纤接头松动"
    assert article.solution == ticket.resolution
    assert article.category is not None and article.category.code == "broadband_outage"
    assert article.source_ticket == ticket and article.org_unit == ticket.org_unit
    assert article.current_version is not None
    assert ticket.number in article.current_version.change_note


def test_create_from_ticket_refusals(agent: Any, org: Any, make_user: Any) -> None:
    open_ticket = desk.register_ticket(actor=agent, kind="fault", channel="phone", title="断网")
    with pytest.raises(ConflictError):
        services.create_from_ticket(open_ticket, actor=agent)
    ticket = resolved_ticket(agent)
    with pytest.raises(PermissionDenied):  # another branch cannot see the ticket
        services.create_from_ticket(ticket, actor=make_user("agent", unit=org.hall2))
    assert not Article.objects.exists()


# --- editing and versions -------------------------------------------------------------------


def test_editing_a_draft_is_a_new_version_in_place(write: Any, agent: Any) -> None:
    article = write()
    services.update_article(article, actor=agent, solution="新的处理步骤", change_note="补充步骤")
    article.refresh_from_db()
    assert article.solution == "新的处理步骤"
    assert list(article.versions.values_list("number", "state")) == [
        (2, VersionState.DRAFT),
        (1, VersionState.SUPERSEDED),
    ]
    assert article.current_version.number == 2
    assert article.current_version.change_note == "补充步骤"
    # The same text again is no new version.
    services.update_article(article, actor=agent, solution="新的处理步骤")
    assert article.versions.count() == 2


def test_only_owner_or_editor_may_edit(write: Any, org: Any, make_user: Any, qm: Any) -> None:
    article = write()
    colleague = make_user("agent", unit=org.hall1, username="colleague")
    with pytest.raises(Http404):  # a colleague does not even see another's draft
        services.update_article(article, actor=colleague, title="改")
    services.update_article(article, actor=qm, title="宽带断网处理（质量部修订）")
    assert Article.objects.get(pk=article.pk).title == "宽带断网处理（质量部修订）"


def test_published_article_edit_waits_for_review_while_published_text_stays(
    write: Any, publish: Any, agent: Any, manager: Any, make_user: Any, org: Any
) -> None:
    article = publish(write())
    published_solution = article.solution
    services.update_article(article, actor=agent, solution="修订后的步骤：先远程检测光路")
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    assert article.solution == published_solution  # readers still see the published text
    assert article.pending_version is not None
    assert article.pending_version.state == VersionState.DRAFT
    assert article.pending_version.solution == "修订后的步骤：先远程检测光路"
    # a second edit replaces the pending draft
    services.update_article(article, actor=agent, solution="修订后的步骤 v3")
    article.refresh_from_db()
    assert article.pending_version.number == 3
    services.submit_for_review(article, actor=agent)
    with pytest.raises(ConflictError):  # no edits while in review
        services.update_article(article, actor=agent, solution="再改")
    services.approve_article(article, actor=manager)
    article.refresh_from_db()
    assert article.solution == "修订后的步骤 v3"
    assert article.pending_version is None and article.current_version.number == 3
    states = dict(article.versions.values_list("number", "state"))
    assert states == {
        1: VersionState.SUPERSEDED,
        2: VersionState.SUPERSEDED,
        3: VersionState.PUBLISHED,
    }


# --- review ---------------------------------------------------------------------------------


def test_review_cycle_send_back_then_approve(
    write: Any, agent: Any, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    article = write()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_for_review(article, actor=agent)
    assert article.status == ArticleStatus.IN_REVIEW
    assert Notification.objects.filter(recipient=manager).exists()
    with pytest.raises(DomainError):
        services.send_back_article(article, actor=manager, comment="")
    services.send_back_article(article, actor=manager, comment="请补充原因")
    assert article.status == ArticleStatus.DRAFT
    assert article.current_version.state == VersionState.DRAFT
    services.update_article(article, actor=agent, cause="光纤接头松动")
    services.submit_for_review(article, actor=agent)
    services.approve_article(article, actor=manager, comment="可以发布")
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at
    assert article.review_by == timezone.localdate() + timedelta(days=365)
    assert list(article.reviews.values_list("decision", flat=True)) == [
        ReviewDecision.APPROVED,
        ReviewDecision.SENT_BACK,
    ]


def test_author_cannot_approve_own_version(write: Any, manager: Any) -> None:
    article = write(actor=manager)
    services.submit_for_review(article, actor=manager)
    with pytest.raises(DomainError) as refused:
        services.approve_article(article, actor=manager)
    assert refused.value.code == "own_version"
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.IN_REVIEW


def test_review_refusals(write: Any, agent: Any, manager: Any, org: Any, make_user: Any) -> None:
    article = write()
    with pytest.raises(ConflictError):  # nothing in review yet
        services.approve_article(article, actor=manager)
    services.submit_for_review(article, actor=agent)
    with pytest.raises(ConflictError):
        services.submit_for_review(article, actor=agent)
    with pytest.raises((PermissionDenied, Http404)):  # agents neither see nor publish it
        services.approve_article(article, actor=make_user("agent", username="a5"))
    other_manager = make_user("unit_manager", unit=org.hall2, username="mgr2")
    with pytest.raises(Http404):
        services.approve_article(article, actor=other_manager)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.IN_REVIEW


# --- archive and expiry ---------------------------------------------------------------------


def test_archive(write: Any, publish: Any, agent: Any, manager: Any) -> None:
    article = publish(write())
    services.update_article(article, actor=agent, title="待审修订")
    with pytest.raises(PermissionDenied):
        services.archive_article(article, actor=agent, reason="过时")
    with pytest.raises(DomainError):
        services.archive_article(article, actor=manager, reason="")
    services.archive_article(article, actor=manager, reason="业务已下线")
    article.refresh_from_db()
    assert article.status == ArticleStatus.ARCHIVED and article.pending_version is None
    with pytest.raises(ConflictError):
        services.update_article(article, actor=manager, title="再改")
    with pytest.raises(ConflictError):
        services.archive_article(article, actor=manager, reason="again")


def test_expiry_reminder_once_per_date_and_renewal(
    write: Any, publish: Any, agent: Any, manager: Any, time_machine: Any
) -> None:
    article = publish(write())
    assert not article.is_expired
    time_machine.move_to(timezone.now() + timedelta(days=400))
    article.refresh_from_db()
    assert article.is_expired
    assert Article.objects.expired().filter(pk=article.pk).exists()
    assert services.remind_expired() == 1
    assert Notification.objects.filter(recipient=agent, message__contains=article.number).count()
    assert services.remind_expired() == 0  # once per review date
    with pytest.raises(DomainError):
        services.renew_review(article, actor=manager, review_by=timezone.localdate())
    services.renew_review(
        article, actor=manager, review_by=timezone.localdate() + timedelta(days=180)
    )
    article.refresh_from_db()
    assert not article.is_expired and article.review_reminded_for is None


# --- use and votes --------------------------------------------------------------------------


def test_use_counts_once_per_ticket(write: Any, publish: Any, agent: Any) -> None:
    article = publish(write())
    ticket = resolved_ticket(agent)
    services.record_use(article, actor=agent, ticket=ticket)
    services.record_use(article, actor=agent, ticket=ticket.pk)
    article.refresh_from_db()
    assert article.usage_count == 1
    assert ArticleUse.objects.filter(article=article, ticket=ticket).count() == 1
    with pytest.raises(DomainError):
        services.record_use(article, actor=agent, ticket="x")
    with pytest.raises(DomainError):
        services.record_use(article, actor=agent, ticket=999999)


def test_use_and_vote_need_a_published_article(write: Any, agent: Any) -> None:
    article = write()
    with pytest.raises(ConflictError):
        services.vote(article, actor=agent, helpful=True)


def test_one_vote_per_user(
    write: Any, publish: Any, agent: Any, manager: Any, make_user: Any
) -> None:
    article = publish(write())
    services.vote(article, actor=agent, helpful=True)
    services.vote(article, actor=agent, helpful=True)
    services.vote(article, actor=manager, helpful=False)
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    services.vote(article, actor=agent, helpful=False)  # changes the vote
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (0, 2)


def test_visibility_rules(
    write: Any, publish: Any, org: Any, agent: Any, manager: Any, make_user: Any
) -> None:
    draft = write(title="草稿")
    published = publish(write(title="已发布"))
    counter_agent = make_user("agent", unit=org.counter1, username="c1")
    branch_agent = make_user("agent", unit=org.branch1, username="b1")
    call_centre = make_user("agent", unit=org.call_centre, username="cc")
    far = make_user("agent", unit=org.hall2, username="far")

    def sees(user: Any) -> set[str]:
        return set(Article.objects.visible_to(user).values_list("title", flat=True))

    assert sees(agent) == {"草稿", "已发布"}  # own draft
    assert sees(manager) == {"草稿", "已发布"}  # reviewer of the unit
    assert sees(counter_agent) == {"已发布"}  # below the hall
    assert sees(branch_agent) == {"已发布"}  # above the hall
    assert sees(call_centre) == set()  # a sibling unit
    assert sees(far) == set()
    assert draft.pk and published.pk
