"""Fixtures of the risk app's tests: a quality manager and a factory for risks."""

from datetime import date
from typing import Any

import pytest

from sqms.risk import services
from sqms.risk.models import RiskMatrix


@pytest.fixture
def manager(org: Any, make_user: Any) -> Any:
    """A quality manager of branch 1 (sees BR1, H1, C1, CC1; not BR2/H2)."""
    return make_user("quality_manager", unit=org.branch1)


@pytest.fixture
def matrix5(db: Any) -> RiskMatrix:
    return RiskMatrix.objects.get(code="5x5")


@pytest.fixture
def make_risk(org: Any, manager: Any) -> Any:
    def make(actor: Any = None, **values: Any) -> Any:
        actor = actor or manager
        defaults: dict[str, Any] = {
            "org_unit": org.hall1,
            "title": "营业厅排队系统故障",
            "category": "technical",
            "owner": actor,
            "inherent_probability": 4,
            "inherent_impact": 4,
            "current_probability": 3,
            "current_impact": 4,
            "residual_probability": 3,
            "residual_impact": 4,
            "review_due": date(2099, 1, 1),
        }
        defaults.update(values)
        return services.raise_risk(actor=actor, **defaults)

    return make
