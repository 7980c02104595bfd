"""The analysis pages: generic list/detail cases, the overview, recompute forms, scope."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.analysis.models import AssociationRun, ForecastRun, HotspotReport, SegmentationRun
from sqms.analysis.tests import factories
from sqms.analysis.tests.helpers import insert, ticket
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login


class _ResultPages(ViewCase):
    actor_roles = ("quality_manager",)
    denied_roles = ("agent",)
    make: Any

    def make_in_scope(self, org: Any, n: int) -> Any:
        return type(self).make(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Any:
        return type(self).make(org.hall2, n)


class TestHotspotPages(_ResultPages):
    model = HotspotReport
    list_url_name = "analysis_hotspot_list"
    detail_url_name = "analysis_hotspot_detail"
    make = staticmethod(factories.hotspot_report)


class TestSegmentationPages(_ResultPages):
    model = SegmentationRun
    list_url_name = "analysis_segmentation_list"
    detail_url_name = "analysis_segmentation_detail"
    make = staticmethod(factories.segmentation_run)


class TestAssociationPages(_ResultPages):
    model = AssociationRun
    list_url_name = "analysis_association_list"
    detail_url_name = "analysis_association_detail"
    make = staticmethod(factories.association_run)


class TestForecastPages(_ResultPages):
    model = ForecastRun
    list_url_name = "analysis_forecast_list"
    detail_url_name = "analysis_forecast_detail"
    make = staticmethod(factories.forecast_run)


def _browser(user: Any) -> Client:
    client = Client()
    web_login(client, user)
    return client


@pytest.mark.django_db
def test_overview_shows_this_months_hotspots_segments_rules_and_forecast(
    org, make_user, django_assert_max_num_queries
) -> None:
    factories.hotspot_report(org.hall1, 1).__class__.objects.update(period_kind="month")
    factories.segmentation_run(org.hall1, 1)
    factories.association_run(org.hall1, 1)
    factories.forecast_run(org.hall1, 1)
    browser = _browser(make_user("quality_manager", unit=org.branch1))
    browser.get(reverse("analysis_home"))
    with django_assert_max_num_queries(20):
        response = browser.get(reverse("analysis_home"))
    html = response.content.decode()
    for marker in ("home-hotspots", "home-forecast", "home-segments", "home-rules"):
        assert marker in html
    assert "宽带" in html and "forecast-chart" in html and "home-rising" in html


@pytest.mark.django_db
def test_unit_manager_sees_own_units_results_only(org, make_user) -> None:
    mine = factories.forecast_run(org.hall2, 1)
    other = factories.forecast_run(org.hall1, 2)
    browser = _browser(make_user("unit_manager", unit=org.branch2))
    assert browser.get(reverse("analysis_forecast_detail", args=[mine.pk])).status_code == 200
    assert browser.get(reverse("analysis_forecast_detail", args=[other.pk])).status_code == 404
    page = browser.get(reverse("analysis_forecast_list"))
    assert "recompute" not in page.content.decode()
    response = browser.post(reverse("analysis_forecast_recompute"), {"org_unit": org.hall2.pk})
    assert response.status_code == 403
    assert browser.get(reverse("analysis_home")).status_code == 200


@pytest.mark.django_db
def test_agent_may_not_see_the_overview(org, make_user) -> None:
    assert _browser(make_user("agent")).get(reverse("analysis_home")).status_code == 403


@pytest.mark.django_db
def test_recompute_form(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.branch1)
    insert(
        ticket(org.hall1, manager, datetime.date(2026, 4, 6 + i), title="话费扣费")
        for i in range(3)
    )
    browser = _browser(manager)
    response = browser.post(
        reverse("analysis_hotspot_recompute"),
        {
            "org_unit": org.hall1.pk,
            "period_kind": "week",
            "day": "2026-04-08",
            "baseline_periods": 3,
        },
    )
    report = HotspotReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.complaint_count == 3
    page = browser.get(report.get_absolute_url()).content.decode()
    assert "话费" in page
    refused = browser.post(
        reverse("analysis_segmentation_recompute"), {"org_unit": org.hall1.pk, "seed": 1}
    )
    assert refused.status_code == 400
    assert "invalid-feedback" in refused.content.decode()
    bad = browser.post(
        reverse("analysis_forecast_recompute"), {"org_unit": org.hall2.pk, "weeks": 16}
    )
    assert bad.status_code == 400  # a unit outside the scope is not a valid choice


@pytest.mark.django_db
def test_forecast_page_staffing_hint(org, make_user) -> None:
    run = factories.forecast_run(org.hall1, 1)
    factories.forecast_run(org.hall1, 2, channel="phone")
    browser = _browser(make_user("quality_manager", unit=org.branch1))
    html = browser.get(reverse("analysis_forecast_detail", args=[run.pk]), {"per_agent": 20})
    text = html.content.decode()
    # 84 tickets a week at 20 per agent-day: 5 agent-days; 98 at the 80% high: 5.
    assert "5 / 5" in text and "channel-tabs" in text
    assert (
        browser.get(
            reverse("analysis_forecast_detail", args=[run.pk]), {"per_agent": "x"}
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_rule_page_filters_and_sorts(org, make_user) -> None:
    run = factories.association_run(org.hall1, 1)
    browser = _browser(make_user("quality_manager", unit=org.branch1))
    url = reverse("analysis_association_detail", args=[run.pk])
    assert len(browser.get(url).context["rules"]) == 2
    assert len(browser.get(url, {"min_lift": "1"}).context["rules"]) == 1
    first = browser.get(url, {"ordering": "lift"}).context["rules"][0]
    assert first["rule"].lift == 0.8
    assert browser.get(url, {"min_lift": "x"}).status_code == 200
