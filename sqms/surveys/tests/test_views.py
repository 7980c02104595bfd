"""Staff pages: generic view cases for rules, campaigns, follow-ups and templates; the
dashboard and comment list with their query counts; template versions through the UI."""

import datetime
from typing import Any

import pytest
from django.test import Client

from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.surveys.models import Campaign, FollowUp, InvitationRule, SurveyTemplate
from sqms.surveys.tests.conftest import answer, current, post_service

pytestmark = pytest.mark.django_db


class TestRuleViews(ViewCase):
    model = InvitationRule
    list_url_name = "survey_rule_list"
    create_url_name = "survey_rule_create"
    edit_url_name = "survey_rule_edit"
    actor_roles = ("quality_manager",)
    denied_roles = ("trainer",)

    def make_in_scope(self, org: Any, n: int) -> InvitationRule:
        return InvitationRule.objects.create(
            name=f"规则{n}", org_unit=org.hall1, template=post_service()
        )

    def make_out_of_scope(self, org: Any, n: int) -> InvitationRule:
        return InvitationRule.objects.create(
            name=f"规则{n}", org_unit=org.hall2, template=post_service()
        )

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "name": "营业厅业务办理",
            "org_unit": org.hall1.pk,
            "template": post_service().pk,
            "kinds": ["business"],
            "channels": ["counter"],
            "sampling_rate": 30,
            "quiet_days": 30,
            "expiry_days": 7,
            "low_score_threshold": 2,
            "active": "on",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "name": "改名", "sampling_rate": 80}

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({**self.create_data(org), "sampling_rate": 101}, {"sampling_rate"}),
            ({**self.create_data(org), "org_unit": org.hall2.pk}, {"org_unit"}),
        ]

    def find_created(self, data: dict[str, Any]) -> Any:
        return InvitationRule.objects.filter(name=data["name"]).first()


class TestCampaignViews(ViewCase):
    model = Campaign
    list_url_name = "survey_campaign_list"
    create_url_name = "survey_campaign_create"
    edit_url_name = "survey_campaign_edit"
    actor_roles = ("quality_manager",)
    denied_roles = ("trainer",)

    def _make(self, unit: Any, n: int) -> Campaign:
        return Campaign.objects.create(
            name=f"季度调查{n}",
            org_unit=unit,
            version=current(post_service()),
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 3, 31),
        )

    def make_in_scope(self, org: Any, n: int) -> Campaign:
        return self._make(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Campaign:
        return self._make(org.hall2, n)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "name": "2026年二季度调查",
            "org_unit": org.branch1.pk,
            "version": current(post_service()).pk,
            "segment": "",
            "period_start": "2026-04-01",
            "period_end": "2026-06-30",
            "quiet_days": 30,
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "name": "改名后的调查"}

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({**self.create_data(org), "period_end": "2026-01-01"}, {"period_end"})]

    def find_created(self, data: dict[str, Any]) -> Any:
        return Campaign.objects.filter(name=data["name"]).first()


class TestFollowUpViews(ViewCase):
    model = FollowUp
    list_url_name = "survey_follow_up_list"
    detail_url_name = "survey_follow_up_detail"
    actor_roles = ("unit_manager",)
    denied_roles = ("trainer",)

    def make_in_scope(self, org: Any, n: int) -> FollowUp:
        return answer({"overall": 1, "comment": f"差评{n}"}, org_unit=org.hall1).follow_up

    def make_out_of_scope(self, org: Any, n: int) -> FollowUp:
        return answer({"overall": 1}, org_unit=org.hall2).follow_up

    def test_mark_done(self, browser: Client, org: Any) -> None:
        follow_up: Any = self.new_in_scope(org)
        url = f"/surveys/follow-ups/{follow_up.pk}/"
        assert browser.post(url, {"outcome": ""}).status_code == 200
        assert browser.post(url, {"outcome": "已电话致歉"}).status_code == 302
        follow_up.refresh_from_db()
        assert follow_up.status == "done"


class TestTemplateViews(ViewCase):
    model = SurveyTemplate
    list_url_name = "survey_template_list"
    detail_url_name = "survey_template_detail"
    actor_roles = ("quality_manager",)
    denied_roles = ("trainer",)

    def make_in_scope(self, org: Any, n: int) -> SurveyTemplate:
        return SurveyTemplate.objects.create(code=f"v{n}", name_zh=f"模板{n}", org_unit=org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> SurveyTemplate:
        return SurveyTemplate.objects.create(code=f"v{n}", name_zh=f"模板{n}", org_unit=org.hall2)

    def test_new_version_add_question_publish(self, browser: Client, org: Any) -> None:
        template = post_service()
        url = f"/surveys/templates/{template.pk}/"
        reply = browser.post(url, {"action": "draft"})
        assert reply.status_code == 302
        draft = template.versions.get(number=2)
        data = {
            "action": "question",
            "version": draft.pk,
            "code": "channel",
            "qtype": "single",
            "dimension": "overall",
            "pair": "",
            "text_zh": "您是通过哪个渠道联系我们的？",
            "options_text": "hall|营业厅|Hall\napp|手机App|App",
        }
        assert browser.post(url, data).status_code == 302
        assert draft.questions.get(code="channel").options[1] == {
            "value": "app",
            "zh": "手机App",
            "en": "App",
        }
        bad = browser.post(url, {**data, "code": "again", "options_text": "only|一个"})
        assert bad.status_code == 200 and "options" in bad.content.decode()
        assert browser.post(url, {"action": "publish", "version": draft.pk}).status_code == 302
        assert current(template) == draft


def test_dashboard_and_comments_query_counts(
    org: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    manager = make_user("unit_manager", unit=org.branch1)
    client = Client()
    web_login(client, manager)
    answer({"overall": 2, "comment": "排队时间太长"}, org_unit=org.hall1)
    client.get("/surveys/")
    with django_assert_max_num_queries(30) as few:
        assert client.get("/surveys/").status_code == 200
    for n in range(5):
        answer({"overall": 5, "nps": 10, "comment": f"很好{n}"}, org_unit=org.hall1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/surveys/")
    assert 'data-testid="dashboard-follow-ups"' in page.content.decode()
    with django_assert_max_num_queries(15):
        comments = client.get("/surveys/comments/", {"q": "排队"})
    assert comments.status_code == 200
    assert len(comments.context["page"].object_list) == 1
    low = client.get("/surveys/comments/", {"max_score": 2})
    assert len(low.context["page"].object_list) == 1
    bad = client.get("/surveys/", {"start": "2026-05-01", "end": "2026-01-01"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_results_pages_need_permission(org: Any, make_user: Any) -> None:
    client = Client()
    web_login(client, make_user("agent", unit=org.hall1))
    for url in (
        "/surveys/",
        "/surveys/comments/",
        "/surveys/export/answers.xlsx",
        "/surveys/follow-ups/",
    ):
        assert client.get(url).status_code == 403, url
    web_login(client, make_user("quality_inspector", unit=org.hall1))
    assert client.get("/surveys/").status_code == 200
    assert client.get("/surveys/export/answers.xlsx").status_code == 403
