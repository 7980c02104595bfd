"""The knowledge API: the generic case for articles, the review steps, votes, uses and search."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.knowledge import services
from sqms.knowledge.choices import ArticleStatus
from sqms.knowledge.models import Article
from sqms.knowledge.tests.helpers import draft_in


class TestArticleAPI(APICase):
    url = "/api/knowledge/articles/"
    model = Article
    actor_roles = ("quality_manager",)
    denied_roles = ()  # no role: no permission at all
    actions = ("list", "retrieve", "create", "partial_update")

    def make_in_scope(self, org: Any, n: int) -> Article:
        return draft_in(org, org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Article:
        return draft_in(org, org.hall2, n)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "title": "携号转网业务办理指引",
            "problem": "客户要求携号转网",
            "cause": "",
            "solution": "查询携转资格，确认无欠费后发送授权码",
            "products": "携号转网",
            "org_unit": org.hall1.pk,
            "category": None,
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"title": "宽带断网处理办法（修订）", "solution": "先远程检测光路，再上门"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "title": ""}, {"title"}),
            ({**good, "solution": ""}, {"solution"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "category": 999999}, {"category"}),
            ({**good, "review_by": "2000-01-01"}, {"review_by"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"title": ""}, {"title"}), ({"review_by": "2001-01-01"}, {"review_by"})]


@pytest.fixture
def client_for() -> Any:
    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_review_flow_through_the_api(client_for: Any, write: Any, agent: Any, manager: Any) -> None:
    article = write()
    author = client_for(agent)
    reviewer = client_for(manager)
    base = f"/api/knowledge/articles/{article.pk}/"
    assert author.post(base + "approve/", {}).status_code == 403
    response = author.post(base + "submit/")
    assert response.status_code == 200 and response.json()["status"] == "in_review"
    assert author.post(base + "submit/").status_code == 409
    assert reviewer.post(base + "send-back/", {}).status_code == 400
    response = reviewer.post(base + "send-back/", {"comment": "补充原因"})
    assert response.json()["status"] == "draft"
    author.patch(base, {"cause": "光纤接头松动"})
    author.post(base + "submit/")
    response = reviewer.post(base + "approve/", {"comment": "通过"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "published"
    assert [v["number"] for v in body["versions"]] == [2, 1]
    assert [r["decision"] for r in body["reviews"]] == ["approved", "sent_back"]
    renewed = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert reviewer.post(base + "renew/", {"review_by": renewed}).json()["review_by"] == renewed
    assert reviewer.post(base + "archive/", {"reason": ""}).status_code == 400
    assert reviewer.post(base + "archive/", {"reason": "过时"}).json()["status"] == "archived"


def test_vote_and_use(client_for: Any, write: Any, publish: Any, agent: Any) -> None:
    from sqms.knowledge.tests.test_services import resolved_ticket

    article = publish(write())
    api = client_for(agent)
    base = f"/api/knowledge/articles/{article.pk}/"
    assert api.post(base + "vote/", {"helpful": True}).json()["helpful_count"] == 1
    assert api.post(base + "vote/", {}).status_code == 400
    ticket = resolved_ticket(agent)
    assert api.post(base + "use/", {"ticket": ticket.pk}).json()["usage_count"] == 1
    assert api.post(base + "use/", {"ticket": 10**9}).status_code == 400


def test_drafts_of_a_published_article_hidden_from_readers(
    client_for: Any, write: Any, publish: Any, agent: Any, org: Any, make_user: Any
) -> None:
    article = publish(write())
    services.update_article(article, actor=agent, solution="待审的修订")
    reader = client_for(make_user("trainer", unit=org.hall1, username="reader"))
    body = reader.get(f"/api/knowledge/articles/{article.pk}/").json()
    assert body["pending_version"] is None
    assert all(v["state"] in ("published", "superseded") for v in body["versions"])
    author_view = client_for(agent).get(f"/api/knowledge/articles/{article.pk}/").json()
    assert author_view["pending_version"]["solution"] == "待审的修订"


def test_search_endpoint(
    client_for: Any, write: Any, publish: Any, agent: Any, django_assert_max_num_queries: Any
) -> None:
    publish(write())
    publish(write(title="携号转网业务办理指引", problem="携号转网", solution="发送授权码"))
    api = client_for(agent)
    api.get("/api/knowledge/search/", {"q": "宽带"})
    with django_assert_max_num_queries(8):
        response = api.get("/api/knowledge/search/", {"q": "宽带断网"})
    assert response.status_code == 200
    assert response.json()[0]["title"] == "宽带无法上网/断网处理办法"
    assert [r["title"] for r in api.get("/api/knowledge/search/", {"q": "携号转网"}).json()] == [
        "携号转网业务办理指引"
    ]
    assert api.get("/api/knowledge/search/", {"q": "宽带", "limit": "x"}).status_code == 400
    assert api.get("/api/knowledge/search/", {"q": "宽带", "limit": 0}).status_code == 400
    assert APIClient().get("/api/knowledge/search/", {"q": "宽带"}).status_code in (401, 403)


def test_list_search_orders_by_relevance(
    client_for: Any, write: Any, publish: Any, agent: Any
) -> None:
    publish(write(title="宽带提速办理", problem="宽带提速", solution="系统办理"))
    publish(write())
    response = client_for(agent).get("/api/knowledge/articles/", {"q": "宽带断网"})
    titles = [row["title"] for row in response.json()["results"]]
    assert titles[0] == "宽带无法上网/断网处理办法"
    status = client_for(agent).get("/api/knowledge/articles/", {"status": "draft"})
    assert all(row["status"] == ArticleStatus.DRAFT for row in status.json()["results"])
