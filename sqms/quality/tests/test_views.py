"""UI pages: dashboard, indicator page, catalogue and targets, alerts, reports — with scope,
permission, CSRF and escaping checks."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.quality.choices import AlertStatus
from sqms.quality.models import Alert, EvaluationReport, Target
from sqms.quality.reports import build_report
from sqms.quality.tests.test_api import _alert

pytestmark = pytest.mark.django_db


class TestAlertViews(ViewCase):
    model = Alert
    list_url_name = "quality_alert_list"
    detail_url_name = "quality_alert_detail"
    actor_roles = ("unit_manager",)
    denied_roles = ("agent",)
    page_size = 25

    def make_in_scope(self, org: Any, n: int) -> Alert:
        return _alert(org, org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Alert:
        return _alert(org, org.hall2, n)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager(org: Any, make_user: Any) -> Any:
    return make_user("unit_manager", unit=org.branch1, username="branchmgr")


def _period(history: Any) -> dict[str, str]:
    day = history["day"]
    return {
        "g": "custom",
        "start": day.isoformat(),
        "end": (day + datetime.timedelta(days=2)).isoformat(),
    }


def test_dashboard_shows_indicators_against_targets(
    history: Any,
    org: Any,
    manager: Any,
    categories: list[Any],
    django_assert_max_num_queries: Any,
) -> None:
    client = _client(manager)
    client.get(reverse("quality_dashboard"))  # warm the permission cache
    with django_assert_max_num_queries(20):
        response = client.get(reverse("quality_dashboard"), _period(history))
    assert response.status_code == 200
    rows = {r["indicator"].code: r for r in response.context["rows"]}
    assert rows["avg_response_minutes"]["value"].value == 3.0  # branch 1: (2+1+6)/3
    assert rows["complaint_handling_rate"]["value"].band == "alarm"
    assert rows["csat"]["value"].state == "no_data"  # the surveys app is there, no answers
    html = response.content.decode()
    assert "<svg" in html and 'data-testid="unit-table"' in html
    children = {c["unit"].code for c in response.context["child_rows"]}
    assert children == {"H1", "CC1"}
    # Drill down to the hall: its counter below, and the heat map of its complaints.
    hall = client.get(reverse("quality_dashboard"), {**_period(history), "unit": org.hall1.pk})
    assert [c["unit"].code for c in hall.context["child_rows"]] == ["C1"]
    heat = hall.context["heat"]
    assert heat["total"] == 6
    # The counter's complaints in its column, the hall's own in the last one.
    assert heat["units"] == [str(org.counter1), f"{org.hall1} itself"]
    cells = {(heat["units"][i], heat["categories"][j]): n for i, j, n in heat["data"]}
    assert cells == {
        (str(org.counter1), str(categories[1])): 3,
        (f"{org.hall1} itself", str(categories[0])): 3,
    }
    # A leaf unit ranks its staff.
    counter = client.get(
        reverse("quality_dashboard"), {**_period(history), "unit": org.counter1.pk}
    )
    assert counter.context["staff_rows"][0]["staff"] == history["clerk1"]


def test_dashboard_query_count_does_not_grow_with_units(
    history: Any, org: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    from sqms.core.choices import OrgUnitKind
    from sqms.core.tests.factories import make_unit

    auditor = make_user("auditor", unit=org.hq)
    client = web_login(Client(), auditor)
    client.get(reverse("quality_dashboard"), _period(history))
    for i in range(6):
        make_unit(f"X{i}", f"新厅{i}", OrgUnitKind.HALL, org.branch2, f"New {i}")
    with django_assert_max_num_queries(20):
        response = client.get(
            reverse("quality_dashboard"), {**_period(history), "unit": org.branch2.pk}
        )
    assert response.status_code == 200
    assert len(response.context["child_rows"]) == 7


def test_pages_check_scope_permission_and_login(
    history: Any, org: Any, manager: Any, make_user: Any
) -> None:
    client = _client(manager)
    for name, args in (("quality_dashboard", []), ("quality_indicator", ["sla_rate"])):
        url = reverse(name, args=args)
        assert client.get(url, {"unit": org.hall2.pk}).status_code == 404
        assert client.get(url, {"unit": 999999}).status_code == 404
        assert Client().get(url).status_code == 302
        assert _client(make_user("trainer", unit=org.hall1)).get(url).status_code == 403
    assert client.get(reverse("quality_indicator", args=["nonsense"])).status_code == 404
    # A bad period falls back to the default with a message, never a 500.
    bad = client.get(
        reverse("quality_dashboard"), {"g": "custom", "start": "2026-02-10", "end": "2026-01-01"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors
    assert client.get(reverse("quality_dashboard"), {"g": "xx", "d": "garbage"}).status_code == 200


def test_indicator_page_explains_and_links_to_the_records(
    history: Any, org: Any, manager: Any
) -> None:
    client = _client(manager)
    response = client.get(
        reverse("quality_indicator", args=["complaint_handling_rate"]),
        {**_period(history), "unit": org.hall1.pk},
    )
    assert response.status_code == 200
    assert response.context["value"].value == 50.0
    assert response.context["chart"]["ucl"] is not None
    link = response.context["tickets_link"]
    assert "kind=complaint" in link and f"org_unit={org.hall1.pk}" in link
    # The link lands on the service desk's list, which shows exactly those records.
    tickets = _client(manager).get(link)
    assert tickets.status_code == 200
    assert tickets.context["page"].paginator.count == 6
    sliced = client.get(
        reverse("quality_indicator", args=["sla_rate"]), {**_period(history), "kind": "business"}
    )
    assert sliced.status_code == 200 and sliced.context["value"].denominator == 3


def test_catalogue_page_shows_definitions(org: Any, manager: Any) -> None:
    response = _client(manager).get(reverse("quality_catalogue"))
    assert response.status_code == 200
    codes = [row["indicator"].code for row in response.context["rows"]]
    assert "csat" in codes and "inspection_score" in codes
    assert (
        "首问负责人" in response.content.decode()
        or "first-contact owner" in response.content.decode()
    )


def test_target_form_versions_and_refusals(org: Any, make_user: Any, quality_manager: Any) -> None:
    url = reverse("quality_targets", args=["sla_rate"])
    client = _client(quality_manager)
    data = {
        "org_unit": org.hall1.pk,
        "valid_from": "2026-01-01",
        "target": "95",
        "alarm": "90",
        "reason": "年度目标",
    }
    assert client.post(url, data).status_code == 302
    assert Target.objects.filter(
        indicator__code="sla_rate", org_unit=org.hall1, created_by=quality_manager
    ).exists()
    bad = client.post(url, {**data, "alarm": "99"})
    assert bad.status_code == 200 and "alarm" in bad.context["form"].errors
    missing = client.post(url, {**data, "reason": ""})
    assert "reason" in missing.context["form"].errors
    assert Target.objects.filter(indicator__code="sla_rate").count() == 1
    # Readers see the versions but cannot add one.
    reader = web_login(Client(), make_user("auditor", unit=org.hq))
    assert reader.get(url).status_code == 200
    assert reader.post(url, data).status_code == 403
    # CSRF: a form post without the token is refused.
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(quality_manager)
    assert csrf_client.post(url, data).status_code == 403
    assert Target.objects.filter(indicator__code="sla_rate").count() == 1


def test_alert_page_acknowledge_close_and_escaping(org: Any, manager: Any, make_user: Any) -> None:
    alert = _alert(org, org.hall1, 1)
    Alert.objects.filter(pk=alert.pk).update(message='<script>alert("x")</script>')
    client = _client(manager)
    url = reverse("quality_alert_detail", args=[alert.pk])
    page = client.get(url)
    assert b'<script>alert("x")</script>' not in page.content
    assert b"&lt;script&gt;" in page.content
    # An improvement action can be opened from the alert, with the alert as its source.
    assert b'data-testid="open-improvement"' in page.content
    assert f"source_id={alert.pk}".encode() in page.content
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    refused = client.post(url, {"action": "close", "note": ""})
    assert refused.status_code == 200 and "note" in refused.context["close_form"].errors
    assert client.post(url, {"action": "close", "note": "已复盘"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.close_note == "已复盘"
    # Someone who may only read cannot act.
    reader = web_login(Client(), make_user("auditor", unit=org.hq))
    assert reader.post(url, {"action": "acknowledge"}).status_code == 403


def test_report_request_build_and_download(
    history: Any,
    org: Any,
    quality_manager: Any,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = _client(quality_manager)
    url = reverse("quality_report_list")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            url, {"org_unit": org.branch1.pk, "year": 2026, "quarter": 1, "language": "zh-hans"}
        )
    assert response.status_code == 302 and len(callbacks) == 1
    report = EvaluationReport.objects.get()
    build_report(report.pk)  # what the task runs
    report.refresh_from_db()
    assert report.status == "done" and report.progress == 100
    pdf = client.get(reverse("quality_report_download", args=[report.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF")
    xlsx = client.get(reverse("quality_report_download", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.getvalue()[:2] == b"PK"
    assert (
        client.get(reverse("quality_report_download", args=[report.pk, "doc"])).status_code == 404
    )
    row = client.get(reverse("quality_report_row", args=[report.pk]))
    assert b'data-status="done"' in row.content
    # Another branch's manager sees nothing of it.
    other = _client(make_user("unit_manager", unit=org.branch2))
    assert other.get(reverse("quality_report_download", args=[report.pk, "pdf"])).status_code == 404
    bad = client.post(
        url, {"org_unit": org.branch1.pk, "year": 2026, "quarter": 7, "language": "zh-hans"}
    )
    assert bad.status_code == 200 and "quarter" in bad.context["form"].errors


def test_report_contents(history: Any, org: Any) -> None:
    import io

    from openpyxl import load_workbook

    from sqms.quality.reports import report_context, report_xlsx

    report = EvaluationReport.objects.create(
        org_unit=org.branch1, year=2026, quarter=1, language="en"
    )
    context = report_context(report)
    rows = {r["indicator"].code: r for r in context["rows"]}
    assert rows["avg_response_minutes"]["value"].value == 3.0
    assert rows["avg_response_minutes"]["months"] == [None, 3.0, None]
    assert context["top_complaints"][0]["count"] == 3
    with translation.override("en"):
        book = load_workbook(io.BytesIO(report_xlsx(context)))
    assert book.sheetnames == ["Indicators", "Ranking", "Complaints", "Alerts"]
    with translation.override("zh-hans"):
        assert load_workbook(io.BytesIO(report_xlsx(context))).sheetnames[0] == "指标体系"
    assert "<svg" in context["rankings"][0]["chart"]
