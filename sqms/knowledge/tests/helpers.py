"""Helpers shared by the generic API and view cases of the knowledge tests."""

from typing import Any

import factory

from sqms.core.models import User
from sqms.core.tests.factories import UserFactory
from sqms.knowledge import services
from sqms.knowledge.models import Article

WRITER = "kb-writer-hall"
WRITER_FAR = "kb-writer-far"


def writer(org: Any, unit: Any, username: str) -> Any:
    """An agent who writes drafts for the generic cases. Never logs in: no password hashing."""
    user: Any = User.objects.filter(username=username).first()
    if user is None:
        user = UserFactory(
            org_unit=unit,
            roles=["agent"],
            username=username,
            password=factory.Transformer.Force("!"),
        )
    return user


def draft_in(org: Any, unit: Any, n: int) -> Article:
    """A draft in `unit` written by an agent there (seen by that unit's reviewers)."""
    name = WRITER if unit == org.hall1 else WRITER_FAR
    author = writer(org, unit, name)
    return services.create_article(
        actor=author,
        title=f"宽带断网处理办法 {n}",
        problem="客户家中宽带断网",
        cause="光纤接头松动",
        solution="重启光猫，检查光纤接头",
        products="宽带",
        org_unit=unit,
    )
