"""The demo analyses and the daily refresh run over a small history."""

import datetime

import pytest
from django.utils import timezone

from sqms.analysis import demo, tasks
from sqms.analysis.models import AssociationRun, ForecastRun, HotspotReport, SegmentationRun
from sqms.analysis.tests.helpers import customers, insert, ticket
from sqms.core.tests.factories import make_unit


@pytest.mark.django_db
def test_demo_and_daily_refresh(org, make_user) -> None:
    agent = make_user("agent", unit=org.hall1)
    company = make_unit("HNTEL", "演示公司", "company")
    hall = make_unit("HNTEL-GZ-TH", "天河营业厅", "hall", company)
    customers(hall, 12)
    customers(hall, 6, segment="gold", age_days=30)
    today = timezone.localdate()
    insert(
        ticket(hall, agent, today - datetime.timedelta(days=back), kind="consultation")
        for back in range(1, 64)
    )
    demo.populate({"HNTEL": company, "HNTEL-GZ-TH": hall}, {"agent": agent})
    assert HotspotReport.objects.filter(org_unit=company).count() == 2
    report = HotspotReport.objects.get(org_unit=company, period_kind="month")
    assert report.complaint_count >= 12
    assert report.terms and report.terms[0]["now"] >= 3
    assert SegmentationRun.objects.filter(org_unit=company).exists()
    assert AssociationRun.objects.filter(org_unit=company).exists()
    assert ForecastRun.objects.filter(org_unit=company, channel="").exists()
    demo.populate({"HNTEL": company, "HNTEL-GZ-TH": hall}, {"agent": agent})  # idempotent data
    assert HotspotReport.objects.get(org_unit=company, period_kind="month").pk == report.pk
    # The daily task covers the company and branches; units without data are skipped.
    stored = tasks.refresh_all()
    assert stored >= 5
