"""Fixtures of the knowledge tests: people of the test org and articles in each state.

def test_x(agent, manager, write, publish):
    article = publish(write(title="宽带无法上网/断网处理办法"))
"""

from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password

from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.knowledge import services
from sqms.knowledge.models import Article


@pytest.fixture(scope="session")
def password_hash() -> str:
    return make_password(TEST_PASSWORD)


@pytest.fixture
def make_user(org: Any, password_hash: str) -> Any:
    def make(*roles: str, unit: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("password", factory.Transformer.Force(password_hash))
        return UserFactory(org_unit=unit or org.hall1, roles=list(roles), **kwargs)

    return make


@pytest.fixture
def agent(org: Any, make_user: Any) -> Any:
    """A counter agent of hall 1: reads and proposes."""
    return make_user("agent", unit=org.hall1, username="agent1")


@pytest.fixture
def manager(org: Any, make_user: Any) -> Any:
    """The manager of hall 1: reviews and publishes there."""
    return make_user("unit_manager", unit=org.hall1, username="mgr1")


@pytest.fixture
def qm(org: Any, make_user: Any) -> Any:
    """The quality manager of branch 1 (hall 1, its counter, the call centre)."""
    return make_user("quality_manager", unit=org.branch1, username="qm1")


TEXT = {
    "title": "宽带无法上网/断网处理办法",
    "problem": "客户反映家里宽带突然断网，电脑和手机都连不上，光猫 LOS 灯红色闪烁。",
    "cause": "入户光纤弯折、接头松动或光猫故障。",
    "solution": "1. 指导客户重启光猫和路由器；\n2. 检查光纤接头是否松动；\n"
    "3. 仍不通则派单上门检修。",
    "products": "宽带, 光猫",
}


@pytest.fixture
def write(org: Any, agent: Any) -> Any:
    """write(**create_article keywords) → a draft by the agent of hall 1."""

    def make(actor: Any = None, **values: Any) -> Article:
        data = {**TEXT, "org_unit": org.hall1, **values}
        return services.create_article(actor=actor or agent, **data)

    return make


@pytest.fixture
def publish(manager: Any) -> Any:
    """publish(article, by=manager) → submitted by its owner and approved."""

    def make(article: Article, by: Any = None) -> Article:
        owner = article.owner
        services.submit_for_review(article, actor=owner)
        return services.approve_article(article, actor=by or manager, comment="内容准确")

    return make
