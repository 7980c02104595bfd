"""Fixtures of the improvement app's tests: people of the test org and actions in each stage.

def test_x(qm, owner, make_action, action_in_stage):
    action = action_in_stage("check", check_due_on=today)
"""

from datetime import timedelta
from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.improvement import checks, services
from sqms.improvement.choices import ActionSource, Stage, Verdict
from sqms.improvement.models import ImprovementAction

# The steps from "plan" to each stage (checks are recorded on the way to "act").
PATH_TO_STAGE: dict[str, list[str]] = {
    Stage.PLAN: [],
    Stage.DO: ["start_do"],
    Stage.CHECK: ["start_do", "start_check"],
    Stage.ACT: ["start_do", "start_check", "check", "start_act"],
    Stage.CLOSED: ["start_do", "start_check", "check", "start_act", "close"],
    Stage.CANCELLED: ["cancel"],
}


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
def qm(org: Any, make_user: Any) -> Any:
    """The quality manager of branch 1 (sees hall 1, its counter and the call centre)."""
    return make_user("quality_manager", unit=org.branch1, username="qm1")


@pytest.fixture
def owner(org: Any, make_user: Any) -> Any:
    """An agent of hall 1 who owns actions (view permission only)."""
    return make_user("agent", unit=org.hall1, username="owner1")


@pytest.fixture
def hall_manager(org: Any, make_user: Any) -> Any:
    return make_user("unit_manager", unit=org.hall1, username="hallmgr1")


@pytest.fixture
def outsider_qm(org: Any, make_user: Any) -> Any:
    """A quality manager of branch 2: nothing of branch 1 is in scope."""
    return make_user("quality_manager", unit=org.branch2, username="qm2")


PLAN = {
    "problem": "一号营业厅投诉处理超时较多",
    "why_1": "投诉工单未及时分派",
    "why_2": "值班经理不在岗时无人分派",
    "cause_method": "缺少分派替补规则",
    "root_cause": "分派流程依赖单人",
    "goal": "投诉处理率提升到 95% 以上",
    "measures": "设置替补分派人；每日晨会通报超时工单",
    "indicator_code": "",
}


@pytest.fixture
def make_action(org: Any, qm: Any, owner: Any) -> Any:
    """make_action(**open_action/update_action keywords) → an action in "plan" with a full plan."""

    def make(actor: Any = None, **values: Any) -> ImprovementAction:
        actor = actor or qm
        opening = {
            "source": values.pop("source", ActionSource.COMPLAINT_PATTERN),
            "source_object": values.pop("source_object", None),
            "title": values.pop("title", "降低投诉超时"),
            "org_unit": values.pop("org_unit", org.hall1),
        }
        action = services.open_action(actor=actor, **opening)
        plan = {**PLAN, "owner": owner, "deadline": timezone.localdate() + timedelta(days=30)}
        plan.update(values)
        return services.update_action(action, actor=actor, **plan)

    return make


@pytest.fixture
def action_in_stage(make_action: Any, qm: Any) -> Any:
    """action_in_stage("act", **make_action keywords) → driven there through the services
    (an effective check on the way when needed)."""

    def make(stage: str, **values: Any) -> ImprovementAction:
        values.setdefault("check_due_on", timezone.localdate())
        action = make_action(**values)
        for step in PATH_TO_STAGE[stage]:
            if step == "check":
                checks.record_check(
                    action, actor=qm, verdict=Verdict.EFFECTIVE, measured_value="96"
                )
            else:
                services.advance(action, step, actor=qm, note="按计划推进")
        assert action.stage == stage
        return action

    return make
