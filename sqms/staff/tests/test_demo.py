"""The staff app's demo records, on the demo organisation's unit codes."""

from typing import Any

import pytest

from sqms.core.choices import OrgUnitKind
from sqms.core.tests.factories import make_unit
from sqms.staff import demo
from sqms.staff.models import Attempt, Certification, Course, RewardPenalty, Scorecard

pytestmark = pytest.mark.django_db


def test_demo_populates_staff(make_user: Any) -> None:
    company = make_unit("HNTEL", "华南通信", OrgUnitKind.COMPANY)
    branch = make_unit("HNTEL-GZ", "广州分公司", OrgUnitKind.BRANCH, company)
    hall = make_unit("HNTEL-GZ-TH", "天河营业厅", OrgUnitKind.HALL, branch)
    training = make_unit("HNTEL-TR", "培训部", OrgUnitKind.DEPARTMENT, company)
    units = {"HNTEL": company, "HNTEL-GZ": branch, "HNTEL-GZ-TH": hall, "HNTEL-TR": training}
    users = {
        "trainer": make_user("trainer", unit=training),
        "agent": make_user("agent", unit=hall, position="营业员"),
        "unit_manager": make_user("unit_manager", unit=hall),
        "admin": make_user("admin", unit=company),
    }
    demo.populate(units, users)
    assert Course.objects.count() == 6
    attempt = Attempt.objects.get()
    assert attempt.status == "passed"
    assert Certification.objects.filter(person=attempt.person).exists()
    assert Scorecard.objects.filter(is_service_star=True).exists()
    assert RewardPenalty.objects.get().status == "pending"
