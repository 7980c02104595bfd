"""The demo data goes through the services and lands at every PDCA stage."""

from typing import Any

import pytest

from sqms.improvement import demo
from sqms.improvement.models import ImprovementAction

pytestmark = pytest.mark.django_db


def test_demo_populates_every_stage(org: Any, make_user: Any) -> None:
    manager = make_user("unit_manager", unit=org.hall1)
    agent = make_user("agent", unit=org.hall1)
    quality_manager = make_user("quality_manager", unit=org.call_centre)
    units = {
        demo.HALL: org.hall1,
        demo.COUNTER: org.counter1,
        demo.QUALITY_DEPARTMENT: org.call_centre,
    }
    demo.populate(
        units, {"unit_manager": manager, "agent": agent, "quality_manager": quality_manager}
    )
    stages = set(ImprovementAction.objects.values_list("stage", flat=True))
    assert stages == {"plan", "do", "check", "act", "closed"}
    assert ImprovementAction.objects.filter(org_unit=org.counter1).count() == 1
    assert ImprovementAction.objects.visible_to(quality_manager).count() == 1
    assert ImprovementAction.objects.overdue().count() == 1


def test_demo_without_its_units_does_nothing(org: Any) -> None:
    demo.populate({}, {})
    assert not ImprovementAction.objects.exists()
