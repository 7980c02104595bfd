"""Helpers shared by the generic API and view cases of the improvement tests."""

from typing import Any

import factory

from sqms.core.models import User
from sqms.core.tests.api_cases import grant
from sqms.core.tests.factories import UserFactory
from sqms.improvement import services
from sqms.improvement.models import ImprovementAction

OPENER = "hq-quality-opener"


def opener(org: Any) -> Any:
    """A head-office quality manager who sees every unit: opens the actions the generic cases
    need inside and outside the acting user's scope. Never logs in, so no password hashing."""
    user: Any = User.objects.filter(username=OPENER).first()
    if user is None:
        user = UserFactory(
            org_unit=org.hq,
            roles=["quality_manager"],
            username=OPENER,
            password=factory.Transformer.Force("!"),
        )
        grant(user, "core.view_all_units")
    return user


def open_in(org: Any, unit: Any, n: int, source: str = "other") -> ImprovementAction:
    return services.open_action(
        actor=opener(org), source=source, title=f"改进措施 {n}", org_unit=unit
    )
