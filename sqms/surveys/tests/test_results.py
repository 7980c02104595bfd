"""Score formulas against hand-computed examples, SERVQUAL gaps, the response rate, the
export recomputed independently, and the quality indicators fed by the fact source."""

import datetime
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from sqms.core.tests.web import web_login
from sqms.surveys import results, services
from sqms.surveys.tests.conftest import answer, current, servqual

pytestmark = pytest.mark.django_db

# overall, nps, ces of six responses, and what they give by hand:
# CSAT = #{4,5} / #rated = 3/6 = 50 %; NPS = (#9–10 − #0–6) / 6 = (2 − 2)/6 = 0;
# CES = (7+6+5+4+3+2)/6 = 4.5.
ROWS = [(5, 10, 7), (4, 9, 6), (4, 8, 5), (3, 7, 4), (2, 6, 3), (1, 0, 2)]


@pytest.fixture
def six(org: Any, agent: Any) -> list[Any]:
    return [
        answer(
            {"overall": o, "nps": n, "ces": c, "attitude": o},
            org_unit=org.hall1,
            mode="kiosk",
            entered_by=agent,
        )
        for o, n, c in ROWS
    ]


def test_scores_match_hand_computation(six: list[Any], quality: Any, org: Any) -> None:
    summary = results.summary(results.completed(quality))
    assert summary["responses"] == 6
    assert summary["csat"] == 50.0
    assert summary["nps"] == 0.0
    assert summary["ces"] == 4.5
    # One more promoter without an overall rating: NPS = (3 − 2)/7, CSAT unchanged.
    answer({"overall": 5, "nps": 10}, org_unit=org.hall1)
    summary = results.summary(results.completed(quality))
    assert summary["csat"] == round(100 * 4 / 7, 2)
    assert summary["nps"] == round(100 * (3 - 2) / 7, 2)
    dims = {d["dimension"]: d["mean"] for d in results.dimension_means(results.completed(quality))}
    assert dims["attitude"] == round(19 / 6, 2)


def test_slices_and_scope(six: list[Any], org: Any, make_user: Any, agent: Any) -> None:
    answer({"overall": 1}, org_unit=org.hall2)
    outsider = make_user("unit_manager", unit=org.branch2)
    assert results.summary(results.completed(outsider))["responses"] == 1
    hq = make_user("quality_manager", unit=org.hq)
    by_unit = {
        r["key"]: r["responses"] for r in results.by_slice(results.completed(hq), "org_unit")
    }
    assert by_unit == {org.hall1.pk: 6, org.hall2.pk: 1}
    by_staff = results.by_slice(results.completed(hq), "staff")
    assert {r["key"]: r["responses"] for r in by_staff}[agent.pk] == 6
    filtered = results.completed(hq, results.Filters(unit=org.branch1, channel="counter"))
    assert results.summary(filtered)["responses"] == 6
    month = results.trend(results.completed(hq))
    assert len(month) == 1 and month[0]["responses"] == 7


def test_servqual_gaps(org: Any, quality: Any) -> None:
    version = current(servqual())
    pairs = {}
    for dim, e, p in [
        ("tangibles", 6, 5),
        ("reliability", 7, 4),
        ("responsiveness", 5, 5),
        ("assurance", 6, 6),
        ("empathy", 5, 6),
    ]:
        pairs[f"{dim}_e"], pairs[f"{dim}_p"] = e, p
    answer(pairs, version=version, org_unit=org.hall1)
    pairs["reliability_p"] = 6
    answer(pairs, version=version, org_unit=org.hall1)
    gaps = {g["dimension"]: g["gap"] for g in results.servqual_gaps(results.completed(quality))}
    assert gaps == {
        "tangibles": -1.0,
        "reliability": -2.0,
        "responsiveness": 0.0,
        "assurance": 0.0,
        "empathy": 1.0,
    }


def test_response_rate(close_ticket: Any, rule: Any, quality: Any) -> None:
    invitations = [services.invite_for_ticket(close_ticket()) for _ in range(4)]
    answer({"overall": 5}, invitation=invitations[0])
    rate = results.response_rate(quality)
    assert rate == {"invited": 4, "answered": 1, "rate": 25.0}


def test_export_recomputed_independently_equals_the_dashboard(
    six: list[Any], quality: Any, org: Any, django_assert_max_num_queries: Any
) -> None:
    answer({"overall": 5, "nps": 9, "ces": 7, "comment": "好"}, org_unit=org.hall1)
    client = Client()
    web_login(client, quality)
    response = client.get("/surveys/export/answers.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    overall = [r[col["overall"]] for r in data if r[col["overall"]] is not None]
    nps = [r[col["nps"]] for r in data if r[col["nps"]] is not None]
    ces = [r[col["ces"]] for r in data if r[col["ces"]] is not None]
    csat = round(100 * sum(1 for v in overall if v >= 4) / len(overall), 2)
    net = round(100 * (sum(1 for v in nps if v >= 9) - sum(1 for v in nps if v <= 6)) / len(nps), 2)
    effort = round(sum(ces) / len(ces), 2)
    with django_assert_max_num_queries(30):
        page = client.get("/surveys/")
    assert page.status_code == 200
    summary = page.context["summary"]
    assert (summary["csat"], summary["nps"], summary["ces"]) == (csat, net, effort)
    assert f"{csat}%" in page.content.decode()
    assert client.get("/surveys/export/results.xlsx").status_code == 200


def test_csat_indicator_from_the_rollups_equals_a_direct_computation(
    six: list[Any], quality: Any, org: Any
) -> None:
    from sqms.quality import rollups
    from sqms.quality.services import indicator_value

    rollups.recompute_days(timezone.localdate() - datetime.timedelta(days=1), timezone.localdate())
    today = timezone.localdate()
    direct = results.summary(results.completed(quality))
    assert indicator_value("csat", org.hq, today, today) == pytest.approx(direct["csat"], abs=0.01)
    assert indicator_value("nps", org.hall1, today, today) == pytest.approx(direct["nps"], abs=0.01)
    assert indicator_value("csat", org.hall2, today, today) is None
