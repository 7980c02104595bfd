"""The demo knowledge base: realistic articles in every state, and search works on them."""

from typing import Any

import pytest

from sqms.core.choices import OrgUnitKind
from sqms.core.tests.factories import UserFactory, make_unit
from sqms.knowledge import demo
from sqms.knowledge.choices import ArticleStatus
from sqms.knowledge.models import Article
from sqms.knowledge.search import search_articles


@pytest.mark.django_db
def test_demo_populates_a_searchable_knowledge_base() -> None:
    company = make_unit("HNTEL", "华南通信", OrgUnitKind.COMPANY)
    branch = make_unit("HNTEL-GZ", "广州分公司", OrgUnitKind.BRANCH, company)
    hall = make_unit("HNTEL-GZ-TH", "天河营业厅", OrgUnitKind.HALL, branch)
    users: dict[str, Any] = {
        "agent": UserFactory(org_unit=hall, roles=["agent"], username="lina"),
        "unit_manager": UserFactory(org_unit=hall, roles=["unit_manager"], username="wq"),
        "quality_manager": UserFactory(org_unit=company, roles=["quality_manager"], username="cj"),
    }
    demo.populate({"HNTEL": company, "HNTEL-GZ": branch, "HNTEL-GZ-TH": hall}, users)
    statuses = list(Article.objects.values_list("status", flat=True))
    assert statuses.count(ArticleStatus.PUBLISHED) == len(demo.ARTICLES) >= 25
    assert statuses.count(ArticleStatus.DRAFT) == len(demo.DRAFTS)
    assert statuses.count(ArticleStatus.IN_REVIEW) == 1
    assert Article.objects.expired().count() == 1
    assert Article.objects.exclude(pending_version=None).count() == 1
    agent = users["agent"]
    assert search_articles(agent, "宽带断网")[0].title == "宽带无法上网/断网处理办法"
    porting = {article.title for article in search_articles(agent, "携号转网", limit=2)}
    assert porting == {"携号转网业务办理指引", "携号转网失败原因查询"}
    # What a new agent types, as the customer said it → the article that answers it.
    for complaint, answer in [
        ("叫号机坏了取不了号", "叫号机故障应急处理"),
        ("手机信号很差", "室内手机信号弱处理办法"),
        ("网速太慢了", "宽带网速慢投诉处理口径"),
        ("wifi老掉线", "宽带频繁掉线排查步骤"),
        ("莫名其妙扣了十块钱", "增值业务乱扣费退订退费流程"),
        ("话费被多扣了", "话费争议处理规范"),
        ("换个便宜的套餐", "套餐变更办理规则"),
        ("机器吞卡了", "自助终端故障应急处理"),
        ("营业员态度很差", "服务态度投诉处理规范"),
        ("出国回来流量费好几千", "国际漫游高额流量费争议"),
        ("手机卡丢了", "补卡换卡业务办理"),
        ("停机了交了钱还不能用", "欠费停机与复机办理"),
        ("搬家宽带怎么办", "宽带移机与装机预约"),
    ]:
        assert search_articles(agent, complaint)[0].title == answer, complaint
