"""The demo data: fast, complete and repeatable."""

from typing import Any

import pytest

from sqms.inspections.models import Finding, Inspection, TicketReview

pytestmark = pytest.mark.django_db


def test_demo_populates_inspections_and_reviews(org: Any, make_user: Any) -> None:
    from sqms.inspections import demo
    from sqms.quality import demo as quality_demo

    units = {"HNTEL": org.hq, "HNTEL-GZ-TH": org.hall1, "HNTEL-SZ-FT": org.hall2}
    users = {
        "quality_inspector": make_user("quality_inspector", unit=org.branch2, username="insp"),
        "quality_manager": make_user("quality_manager", unit=org.hq, username="qmgr"),
        "agent": make_user("agent", unit=org.hall1, username="clerk"),
        "unit_manager": make_user("unit_manager", unit=org.hall1, username="boss"),
    }
    quality_demo.populate(units, users)
    demo.populate(units, users)
    assert Inspection.objects.count() == 13
    assert Inspection.objects.filter(passed=False).exists()
    assert Inspection.objects.filter(version__template__kind="mystery_shopper").count() == 1
    assert Finding.objects.filter(improvement_action__isnull=False).count() == 1
    assert TicketReview.objects.filter(status="done").exists()
    assert TicketReview.objects.filter(service_error=True).count() == 1
    demo.populate(units, users)  # a second run adds nothing
    assert Inspection.objects.count() == 13
