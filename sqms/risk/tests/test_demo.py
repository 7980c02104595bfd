"""The demo data loads through the services and gives every page something to show."""

from typing import Any

import pytest

from sqms.risk import demo
from sqms.risk.choices import RunStatus
from sqms.risk.models import MonteCarloRun, Risk, RiskMatrix
from sqms.risk.reports import trend


@pytest.mark.django_db
def test_demo_populates_a_register(org: Any, make_user: Any) -> None:
    units = {"HNTEL-QM": org.branch1, "HNTEL-GZ-TH": org.hall1}
    users = {
        "quality_manager": make_user("quality_manager", unit=org.branch1),
        "unit_manager": make_user("unit_manager", unit=org.hall1),
    }
    demo.populate(units, users)
    assert Risk.objects.count() == len(demo.RISKS)
    run = MonteCarloRun.objects.get()
    assert run.status == RunStatus.DONE and run.results
    # A year of history: the trend starts with fewer open risks than it ends with.
    series = trend(Risk.objects.all(), RiskMatrix.objects.get(code="5x5"))["series"]
    totals = [sum(values) for values in zip(*(s["values"] for s in series), strict=True)]
    assert totals[0] < totals[-1] == len(demo.RISKS)
