"""The knowledge pages: the generic view case, search, the detail page's steps, the diff, the
htmx vote, the review queue and the ticket page's knowledge card."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.knowledge import services
from sqms.knowledge.choices import ArticleStatus
from sqms.knowledge.models import Article
from sqms.knowledge.tests.helpers import draft_in
from sqms.knowledge.tests.test_services import resolved_ticket


class TestArticleViews(ViewCase):
    model = Article
    list_url_name = "knowledge_article_list"
    detail_url_name = "knowledge_article_detail"
    create_url_name = "knowledge_article_create"
    edit_url_name = "knowledge_article_edit"
    actor_roles = ("quality_manager",)

    def make_in_scope(self, org: Any, n: int) -> Article:
        return draft_in(org, org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Article:
        return draft_in(org, org.hall2, n)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "title": "叫号机故障应急处理",
            "problem": "营业厅叫号机无法出号",
            "cause": "",
            "solution": "重启叫号机；改用人工登记排队；报修",
            "products": "营业厅, 叫号机",
            "category": "",
            "org_unit": org.hall1.pk,
            "change_note": "",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "title": "宽带断网处理办法（修订）",
            "problem": "客户家中宽带断网",
            "cause": "光纤接头松动",
            "solution": "远程检测光路；重启光猫；派单上门",
            "products": "宽带",
            "category": "",
            "change_note": "补充远程检测",
        }

    def find_created(self, data: dict[str, Any]) -> Any:
        return Article.objects.filter(title=data["title"]).first()

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "title": ""}, {"title"}),
            ({**good, "solution": ""}, {"solution"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({**self.edit_data(org, obj), "problem": ""}, {"problem"})]


@pytest.fixture
def browser_for() -> Any:
    def make(user: Any) -> Client:
        client = Client()
        web_login(client, user)
        return client

    return make


def test_search_box_ranks_and_shows_no_drafts_of_others(
    browser_for: Any, write: Any, publish: Any, agent: Any, org: Any, make_user: Any
) -> None:
    publish(write(title="宽带提速办理", problem="宽带提速", solution="系统办理"))
    publish(write())
    write(title="宽带断网草稿")
    reader = make_user("agent", unit=org.counter1, username="reader")
    response = browser_for(reader).get(reverse("knowledge_article_list"), {"q": "宽带断网"})
    titles = [article.title for article in response.context["page"].object_list]
    assert titles == ["宽带无法上网/断网处理办法", "宽带提速办理"]
    own = browser_for(agent).get(reverse("knowledge_article_list"), {"q": "宽带断网"})
    assert "宽带断网草稿" in [a.title for a in own.context["page"].object_list]
    expired = browser_for(agent).get(reverse("knowledge_article_list"), {"expired": "true"})
    assert list(expired.context["page"].object_list) == []


def test_detail_steps_submit_review_and_vote(
    browser_for: Any, write: Any, agent: Any, manager: Any
) -> None:
    article = write()
    author = browser_for(agent)
    page = author.get(reverse("knowledge_article_detail", args=[article.pk]))
    assert b'data-testid="submit-review"' in page.content
    assert b'data-testid="review-panel"' not in page.content
    author.post(reverse("knowledge_article_submit", args=[article.pk]))
    reviewer = browser_for(manager)
    queue = reviewer.get(reverse("knowledge_review_queue"))
    assert [a.pk for a in queue.context["page"].object_list] == [article.pk]
    page = reviewer.get(reverse("knowledge_article_detail", args=[article.pk]))
    assert b'data-testid="review-panel"' in page.content
    bad = reviewer.post(
        reverse("knowledge_article_review", args=[article.pk]), {"decision": "send_back"}
    )
    assert bad.status_code == 200 and bad.context["review_form"].errors
    done = reviewer.post(
        reverse("knowledge_article_review", args=[article.pk]), {"decision": "approve"}
    )
    assert done.status_code == 302
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED
    vote = author.post(
        reverse("knowledge_article_vote", args=[article.pk]),
        {"helpful": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert vote.status_code == 200
    assert b'data-testid="helpful-count">1<' in vote.content


def test_diff_between_versions_is_escaped(
    browser_for: Any, write: Any, agent: Any, org: Any, make_user: Any
) -> None:
    article = write()
    services.update_article(article, actor=agent, solution="<script>alert(1)</script> 新步骤")
    response = browser_for(agent).get(
        reverse("knowledge_article_diff", args=[article.pk]), {"a": 1, "b": 2}
    )
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    assert (
        browser_for(agent)
        .get(reverse("knowledge_article_diff", args=[article.pk]), {"a": 9})
        .status_code
        == 404
    )


def test_ticket_page_offers_article_from_resolved_ticket_and_similar_ones(
    browser_for: Any, write: Any, publish: Any, agent: Any
) -> None:
    published = publish(write())
    ticket = resolved_ticket(agent)
    client = browser_for(agent)
    page = client.get(reverse("ticket_detail", args=[ticket.pk]))
    html = page.content.decode()
    assert 'data-testid="kb-section"' in html
    assert 'data-testid="kb-from-ticket"' in html
    assert published.title in html
    used = client.post(reverse("knowledge_article_use", args=[published.pk]), {"ticket": ticket.pk})
    assert used.status_code == 302
    assert Article.objects.get(pk=published.pk).usage_count == 1
    created = client.post(reverse("knowledge_from_ticket", args=[ticket.pk]))
    article = Article.objects.get(source_ticket=ticket)
    assert created["Location"] == reverse("knowledge_article_edit", args=[article.pk])
    page = client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert b'data-testid="kb-written"' in page.content
