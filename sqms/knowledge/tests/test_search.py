"""Chinese search cases, on SQLite (FTS5) and PostgreSQL (GIN over to_tsvector) alike."""

from typing import Any

import pytest

from sqms.knowledge import services
from sqms.knowledge.models import Article
from sqms.knowledge.search import order_by_relevance, query_words, search_articles

ARTICLES = [
    (
        "宽带无法上网/断网处理办法",
        "客户家里宽带断网，无法上网，光猫指示灯异常。",
        "重启光猫；检查光纤接头；仍不通派单上门。",
        "宽带, 光猫",
    ),
    (
        "宽带提速申请办理流程",
        "客户想把宽带从 100M 提速到 500M。",
        "核实地址覆盖，在系统中办理宽带提速，次月生效。",
        "宽带",
    ),
    (
        "携号转网业务办理指引",
        "客户要求把手机号码携号转网到其他运营商。",
        "查询携转资格；确认无欠费和合约；发送授权码。",
        "携号转网",
    ),
    (
        "手机信号弱排查方法",
        "客户反映家中手机没信号、信号弱，通话断断续续。",
        "确认位置和基站覆盖，必要时提交网络优化工单。",
        "移动网络",
    ),
    (
        "话费争议处理规范",
        "客户质疑本月话费异常，怀疑乱扣费。",
        "调取详单逐项解释；确属错误的按规定退费。",
        "话费",
    ),
]


@pytest.fixture
def library(write: Any, publish: Any) -> list[Article]:
    found = []
    for title, problem, solution, products in ARTICLES:
        article = write(title=title, problem=problem, solution=solution, products=products)
        found.append(publish(article))
    return found


def titles(articles: list[Article]) -> list[str]:
    return [article.title for article in articles]


def test_query_words_cut_chinese() -> None:
    assert query_words("宽带断网") == ["宽带", "断网"]
    assert "携号转网" in query_words("我要携号转网")


def test_broadband_outage_finds_the_outage_article_first(library: Any, agent: Any) -> None:
    found = search_articles(agent, "宽带断网")
    assert found[0].title == "宽带无法上网/断网处理办法"
    assert "宽带提速申请办理流程" in titles(search_articles(agent, "宽带断网", limit=5))


@pytest.mark.parametrize(
    ("complaint", "expected"),
    [
        ("携号转网", "携号转网业务办理指引"),
        ("我想携号转网到别家，怎么办理", "携号转网业务办理指引"),
        ("家里宽带上不了网了", "宽带无法上网/断网处理办法"),
        ("手机在家没信号，打电话老是断", "手机信号弱排查方法"),
        ("这个月话费怎么这么多，乱扣费", "话费争议处理规范"),
        ("宽带提速", "宽带提速申请办理流程"),
    ],
)
def test_realistic_complaints(library: Any, agent: Any, complaint: str, expected: str) -> None:
    assert search_articles(agent, complaint)[0].title == expected


def test_no_match_and_empty_query(library: Any, agent: Any) -> None:
    assert search_articles(agent, "发票抬头") == []
    recent = search_articles(agent, "", limit=2)
    assert len(recent) == 2
    assert search_articles(agent, "   ！！", limit=2) == recent


def test_limit(library: Any, agent: Any) -> None:
    assert len(search_articles(agent, "宽带", limit=1)) == 1
    assert len(search_articles(agent, "宽带", limit=10)) == 2


def test_archived_out_of_scope_and_drafts(
    library: Any, org: Any, agent: Any, manager: Any, make_user: Any, write: Any
) -> None:
    outage = library[0]
    services.archive_article(outage, actor=manager, reason="已合并到新文章")
    assert "宽带无法上网/断网处理办法" not in titles(search_articles(agent, "宽带断网", limit=5))

    other_branch = make_user("agent", unit=org.hall2, username="agent2")
    assert search_articles(other_branch, "携号转网") == []  # hall 1's articles are not theirs

    draft = write(
        title="光猫重启后仍断网的处理", problem="光猫重启后宽带仍断网", solution="更换光猫"
    )
    colleague = make_user("agent", unit=org.hall1, username="agent3")
    assert draft.pk not in {a.pk for a in search_articles(colleague, "光猫断网", limit=10)}
    # search_articles gives published articles only; the list's search also finds drafts,
    # for their author and reviewers.
    for user, sees in ((agent, True), (manager, True), (colleague, False)):
        listed = order_by_relevance(Article.objects.visible_to(user), "光猫断网")
        assert (draft.pk in {a.pk for a in listed}) is sees


def test_article_of_head_office_is_found_below(
    org: Any, make_user: Any, write: Any, publish: Any
) -> None:
    head_qm = make_user("quality_manager", unit=org.hq, username="hqqm")
    writer = make_user("quality_manager", unit=org.hq, username="hqwriter")
    article = write(actor=writer, org_unit=org.hq, title="携号转网资格查询口径")
    publish(article, by=head_qm)
    far_agent = make_user("agent", unit=org.hall2, username="agent9")
    assert titles(search_articles(far_agent, "携号转网")) == ["携号转网资格查询口径"]


def test_revision_is_searchable_only_once_published(library: Any, agent: Any, manager: Any) -> None:
    article = library[3]
    services.update_article(article, actor=agent, solution="新增：建议客户开通 VoWiFi 通话")
    assert search_articles(agent, "VoWiFi") == []
    services.submit_for_review(article, actor=agent)
    services.approve_article(article, actor=manager)
    assert titles(search_articles(agent, "VoWiFi")) == ["手机信号弱排查方法"]


def test_public_search_without_user(library: Any) -> None:
    assert titles(search_articles(None, "携号转网")) == ["携号转网业务办理指引"]


def test_quotes_and_operators_in_query_are_harmless(library: Any, agent: Any) -> None:
    for text in ('宽带" OR "x', "宽带' | '断网", "NEAR(宽带 断网)", "宽带 & !断网", "*", ":"):
        search_articles(agent, text)


@pytest.mark.django_db
def test_the_database_has_its_full_text_index() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledge_article_search_gin'"
            )
            (definition,) = cursor.fetchone()
            assert "gin" in definition and "to_tsvector" in definition
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'knowledge_article_fts'")
            assert "fts5" in cursor.fetchone()[0].lower()


def test_a_short_word_finds_the_longer_words_it_begins(library: Any, agent: Any) -> None:
    assert titles(search_articles(agent, "莫名其妙扣了钱")) == ["话费争议处理规范"]
