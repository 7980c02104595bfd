"""The analysis API: generic read cases per result, recompute with permission, scope and 400s."""

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.analysis.models import AssociationRun, ForecastRun, HotspotReport, SegmentationRun
from sqms.analysis.tests import factories
from sqms.analysis.tests.helpers import customers, insert, ticket
from sqms.core.tests.api_cases import APICase

READ_ONLY = ("list", "retrieve")


class _ResultCase(APICase):
    actor_roles = ("quality_manager",)
    actions = READ_ONLY
    make: Any

    def make_in_scope(self, org: Any, n: int) -> Any:
        return type(self).make(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Any:
        return type(self).make(org.hall2, n)


class TestHotspotReportAPI(_ResultCase):
    url = "/api/analysis/hotspot-reports/"
    model = HotspotReport
    make = staticmethod(factories.hotspot_report)


class TestSegmentationRunAPI(_ResultCase):
    url = "/api/analysis/segmentation-runs/"
    model = SegmentationRun
    make = staticmethod(factories.segmentation_run)


class TestAssociationRunAPI(_ResultCase):
    url = "/api/analysis/association-runs/"
    model = AssociationRun
    make = staticmethod(factories.association_run)


class TestForecastRunAPI(_ResultCase):
    url = "/api/analysis/forecast-runs/"
    model = ForecastRun
    make = staticmethod(factories.forecast_run)


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_unit_manager_reads_own_units_only_and_may_not_recompute(org, make_user) -> None:
    mine = factories.forecast_run(org.hall2, 1)
    other = factories.forecast_run(org.hall1, 2)
    api = _client(make_user("unit_manager", unit=org.branch2))
    ids = {row["id"] for row in api.get("/api/analysis/forecast-runs/").json()["results"]}
    assert mine.pk in ids and other.pk not in ids
    assert api.get(f"/api/analysis/forecast-runs/{other.pk}/").status_code == 404
    response = api.post("/api/analysis/forecast-runs/recompute/", {"org_unit": org.hall2.pk})
    assert response.status_code == 403


@pytest.mark.django_db
def test_auditor_reads_everything(org, make_user) -> None:
    run = factories.segmentation_run(org.hall2, 1)
    api = _client(make_user("auditor", unit=org.hall1))
    body = api.get(f"/api/analysis/segmentation-runs/{run.pk}/").json()
    assert body["segments"][0]["description"]
    assert api.post("/api/analysis/segmentation-runs/recompute/", {}).status_code == 403


@pytest.mark.django_db
def test_recompute_hotspots_and_bad_parameters(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.branch1)
    insert(
        ticket(org.hall1, manager, datetime.date(2026, 5, 4 + i), title="宽带断网")
        for i in range(4)
    )
    api = _client(manager)
    url = "/api/analysis/hotspot-reports/recompute/"
    response = api.post(
        url, {"org_unit": org.branch1.pk, "period_kind": "month", "day": "2026-05-20"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["complaint_count"] == 4
    assert response.json()["period_start"] == "2026-05-01"
    for payload, field in [
        ({"org_unit": org.branch2.pk}, "org_unit"),  # outside the manager's scope
        ({"org_unit": 999_999}, "org_unit"),
        ({"org_unit": org.hall1.pk, "period_kind": "year"}, "period_kind"),
        ({"org_unit": org.hall1.pk, "baseline_periods": 0}, "baseline_periods"),
        ({"org_unit": org.hall1.pk, "day": "soon"}, "day"),
    ]:
        refused = api.post(url, payload)
        assert refused.status_code == 400, (payload, refused.content)
        assert field in refused.json(), refused.json()


@pytest.mark.django_db
def test_recompute_refusals_of_other_analyses(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.branch1)
    customers(org.hall1, 3)
    api = _client(manager)
    too_few = api.post("/api/analysis/segmentation-runs/recompute/", {"org_unit": org.hall1.pk})
    assert too_few.status_code == 400 and "org_unit" in too_few.json()
    no_history = api.post("/api/analysis/forecast-runs/recompute/", {"org_unit": org.hall1.pk})
    assert no_history.status_code == 400 and "org_unit" in no_history.json()
    for payload, field in [
        ({"org_unit": org.hall1.pk, "weeks": 2}, "weeks"),
        ({"org_unit": org.hall1.pk, "channels": ["pigeon"]}, "channels"),
    ]:
        refused = api.post("/api/analysis/forecast-runs/recompute/", payload, format="json")
        assert refused.status_code == 400 and field in refused.json()
    url = "/api/analysis/association-runs/recompute/"
    for payload, field in [
        ({"org_unit": org.hall1.pk, "min_support": 0}, "min_support"),
        ({"org_unit": org.hall1.pk, "first": "2026-05-02", "last": "2026-05-01"}, "last"),
        ({"org_unit": org.hall1.pk, "kinds": ["gossip"]}, "kinds"),
    ]:
        refused = api.post(url, payload, format="json")
        assert refused.status_code == 400 and field in refused.json(), refused.content
    empty = api.post(url, {"org_unit": org.hall1.pk}, format="json")
    assert empty.status_code == 201 and empty.json()["transaction_count"] == 0


@pytest.mark.django_db
def test_rules_and_indicators_endpoints(org, make_user, django_assert_max_num_queries) -> None:
    api = _client(make_user("quality_manager", unit=org.branch1))
    run = factories.association_run(org.hall1, 1)
    url = f"/api/analysis/association-runs/{run.pk}/rules/"
    with django_assert_max_num_queries(8):
        body = api.get(url).json()
    assert [row["lift"] for row in body["results"]] == [1.6, 0.8]
    assert api.get(url, {"ordering": "lift"}).json()["results"][0]["lift"] == 0.8
    assert api.get(url, {"min_lift": 1}).json()["count"] == 1
    assert api.get(url, {"q": "营业厅"}).json()["count"] == 1
    assert api.get(url, {"min_lift": "high"}).status_code == 400
    other = factories.association_run(org.hall2, 2)
    assert api.get(f"/api/analysis/association-runs/{other.pk}/rules/").status_code == 404
    segmentation = factories.segmentation_run(org.hall1, 1)
    rows = api.get(f"/api/analysis/segmentation-runs/{segmentation.pk}/indicators/").json()
    assert [row["segment"] for row in rows] == [0, 1]
    assert rows[0]["tickets"] == 0 and rows[0]["complaint_rate"] is None
