"""UI pages of the risk register: the generic cases, the risk page's forms, heat map, trend,
export, matrices and escaping."""

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sqms.core.models import AuditEvent
from sqms.core.tests.view_cases import ViewCase, web_login
from sqms.risk import services
from sqms.risk.choices import RiskStatus
from sqms.risk.models import MonteCarloRun, Risk, RiskControl, RiskMatrix
from sqms.risk.simulation import execute_run, request_run


def _risk(org_unit: Any, owner: Any, n: int, **values: Any) -> Risk:
    return services.raise_risk(
        actor=owner,
        org_unit=org_unit,
        title=f"风险{n}",
        category="process",
        owner=owner,
        inherent_probability=3,
        inherent_impact=3,
        **values,
    )


class TestRiskViews(ViewCase):
    model = Risk
    list_url_name = "risk_list"
    detail_url_name = "risk_detail"
    create_url_name = "risk_create"
    edit_url_name = "risk_edit"
    delete_url_name = None
    actor_roles = ("quality_manager",)
    denied_roles = ("agent",)

    @pytest.fixture(autouse=True)
    def _superactor(self, org: Any, make_user: Any) -> None:
        # Out-of-scope risks are raised by someone who sees branch 2.
        self.other = make_user("quality_manager", unit=org.branch2)
        self.inside = make_user("quality_manager", unit=org.branch1)

    def make_in_scope(self, org: Any, n: int) -> Risk:
        return _risk(org.hall1, self.inside, n)

    def make_out_of_scope(self, org: Any, n: int) -> Risk:
        return _risk(org.hall2, self.other, n)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "matrix": "5x5",
            "title": "自助终端故障导致排队",
            "category": "technical",
            "org_unit": org.hall1.pk,
            "owner": self.inside.pk,
            "treatment": "mitigate",
            "loss_unit": "yuan",
            "inherent_probability": 4,
            "inherent_impact": 3,
            "current_probability": 3,
            "current_impact": 3,
            "residual_probability": 2,
            "residual_impact": 3,
            "review_due": "2099-01-01",
        }

    def find_created(self, data: dict[str, Any]) -> Risk | None:
        return Risk.objects.filter(title=data["title"]).first()

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        data = self.create_data(org)
        del data["matrix"]
        data.update(title="已修改的标题", residual_probability=1, review_due="2099-02-01")
        return data

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "title": ""}, {"title"}),
            ({**good, "inherent_probability": 9}, {"inherent_probability"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "annual_probability": "0.3"}, {"loss_low"}),
            (
                {**good, "loss_low": 500, "loss_high": 100, "annual_probability": "0.3"},
                {"loss_high"},
            ),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.edit_data(org, obj)
        return [
            ({**good, "title": ""}, {"title"}),
            ({**good, "residual_impact": 0}, {"residual_impact"}),
        ]


@pytest.fixture
def qm_client(manager: Any) -> Client:
    client = Client()
    web_login(client, manager)
    return client


@pytest.mark.django_db
def test_risk_page_forms_add_control_accept_review_close(
    qm_client: Client, make_risk: Any, manager: Any
) -> None:
    risk = make_risk(treatment="accept")
    url = reverse("risk_detail", args=[risk.pk])
    page = qm_client.get(url)
    assert page.status_code == 200
    assert "accepted_without_record" in page.content.decode()
    # A planned control without a due date: the form comes back with the error.
    response = qm_client.post(
        reverse("risk_add_control", args=[risk.pk]),
        {
            "title": "双路供电",
            "kind": "planned",
            "owner": manager.pk,
            "status": "planned",
            "effectiveness": "not_assessed",
        },
    )
    assert response.status_code == 200
    assert "due_date" in response.context["control_form"].errors
    assert not RiskControl.objects.exists()
    response = qm_client.post(
        reverse("risk_add_control", args=[risk.pk]),
        {
            "title": "双路供电",
            "kind": "planned",
            "owner": manager.pk,
            "status": "planned",
            "effectiveness": "not_assessed",
            "due_date": "2099-01-01",
        },
    )
    assert response.status_code == 302
    control = RiskControl.objects.get()
    response = qm_client.post(
        reverse("risk_update_control", args=[risk.pk, control.pk]),
        {
            f"c{control.pk}-status": "implemented",
            f"c{control.pk}-effectiveness": "effective",
            f"c{control.pk}-due_date": "2099-01-01",
        },
    )
    assert response.status_code == 302
    control.refresh_from_db()
    assert control.effectiveness == "effective"
    response = qm_client.post(
        reverse("risk_accept", args=[risk.pk]),
        {
            "approver": manager.pk,
            "expires_on": str(date.today() + timedelta(days=200)),
            "rationale": "处置成本高于损失",
        },
    )
    assert response.status_code == 302
    response = qm_client.post(
        reverse("risk_review", args=[risk.pk]),
        {
            "notes": "复核完成",
            "next_review_due": str(date.today() - timedelta(days=1)),
            "current_probability": 3,
            "current_impact": 4,
            "residual_probability": 3,
            "residual_impact": 4,
        },
    )
    assert (
        response.status_code == 200 and "next_review_due" in response.context["review_form"].errors
    )
    response = qm_client.post(
        reverse("risk_review", args=[risk.pk]),
        {
            "notes": "复核完成",
            "next_review_due": str(date.today() + timedelta(days=90)),
            "current_probability": 2,
            "current_impact": 4,
            "residual_probability": 2,
            "residual_impact": 3,
        },
    )
    assert response.status_code == 302
    response = qm_client.post(reverse("risk_close", args=[risk.pk]), {"reason": "已消除"})
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.status == RiskStatus.CLOSED
    html = qm_client.get(url).content.decode()
    assert "复核完成" in html and "双路供电" in html


@pytest.mark.django_db
def test_risk_actions_are_refused_without_permission_and_out_of_scope(
    make_risk: Any, make_user: Any, org: Any
) -> None:
    risk = make_risk()
    agent, stranger = Client(), Client()
    web_login(agent, make_user("agent", unit=org.hall1))
    web_login(stranger, make_user("quality_manager", unit=org.branch2))
    for name in (
        "risk_add_control",
        "risk_accept",
        "risk_review",
        "risk_close",
        "risk_open_action",
    ):
        url = reverse(name, args=[risk.pk])
        assert agent.post(url, {"reason": "x"}).status_code == 403
        assert stranger.post(url, {"reason": "x"}).status_code == 404
    assert agent.get(reverse("risk_export")).status_code == 403
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN and not risk.controls.exists()


@pytest.mark.django_db
def test_csrf_is_required(make_risk: Any, manager: Any) -> None:
    risk = make_risk()
    client = Client(enforce_csrf_checks=True)
    web_login(client, manager)
    response = client.post(reverse("risk_close", args=[risk.pk]), {"reason": "x"})
    assert response.status_code == 403
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN


@pytest.mark.django_db
def test_user_text_is_escaped(qm_client: Client, make_risk: Any) -> None:
    risk = make_risk(title="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    for url in (reverse("risk_detail", args=[risk.pk]), reverse("risk_list")):
        html = qm_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html


@pytest.mark.django_db
def test_list_filters_by_flag_level_and_cell(qm_client: Client, make_risk: Any) -> None:
    flagged = make_risk(title="已过复核期", review_due=date.today() - timedelta(days=1))
    clean = make_risk(
        title="正常",
        inherent_probability=1,
        inherent_impact=1,
        current_probability=1,
        current_impact=1,
        residual_probability=1,
        residual_impact=1,
    )

    def shown(params: dict[str, Any]) -> set[int]:
        page = qm_client.get(reverse("risk_list"), params).context["page"]
        return {r.pk for r in page.object_list}

    assert shown({"flag": "review_overdue"}) == {flagged.pk}
    assert shown({"residual_level": "low"}) == {clean.pk}
    assert shown({"residual_probability": 1, "residual_impact": 1}) == {clean.pk}
    assert shown({"q": "复核"}) == {flagged.pk}
    assert qm_client.get(reverse("risk_list"), {"flag": "bogus"}).status_code == 200


@pytest.mark.django_db
def test_heat_map_counts_inherent_and_residual(
    qm_client: Client, make_risk: Any, manager: Any, make_user: Any, org: Any
) -> None:
    risk = make_risk(
        inherent_probability=5,
        inherent_impact=5,
        current_probability=5,
        current_impact=5,
        residual_probability=5,
        residual_impact=5,
    )
    _risk(
        org.hall2,
        make_user("quality_manager", unit=org.branch2),
        99,
        current_probability=3,
        residual_probability=3,
    )  # out of scope
    response = qm_client.get(reverse("risk_heatmap"))
    inherent = {
        (c.probability, c.impact): c.count for row in response.context["inherent"] for c in row
    }
    residual = {
        (c.probability, c.impact): c.count for row in response.context["residual"] for c in row
    }
    assert inherent[(5, 5)] == 1 and sum(inherent.values()) == 1
    assert residual[(5, 5)] == 1
    services.add_control(
        risk, actor=manager, title="异地灾备", kind="existing", owner=manager, status="implemented"
    )
    services.update_risk(risk, actor=manager, residual_probability=2, residual_impact=3)
    response = qm_client.get(reverse("risk_heatmap"))
    residual = {
        (c.probability, c.impact): c.count for row in response.context["residual"] for c in row
    }
    assert residual[(5, 5)] == 0 and residual[(2, 3)] == 1
    html = response.content.decode()
    assert 'data-cell="2-3" data-count="1"' in html
    # The trend's last month counts the open risk at its residual level now.
    trend = response.context["trend"]
    last = {line["code"]: line["values"][-1] for line in trend["series"]}
    assert last["medium"] == 1 and last["extreme"] == 0
    assert len(trend["labels"]) == 12
    assert qm_client.get(reverse("risk_heatmap"), {"matrix": "3x3"}).status_code == 200


@pytest.mark.django_db
def test_trend_replays_history(make_risk: Any, manager: Any) -> None:
    import time_machine

    from sqms.risk.reports import trend

    with time_machine.travel("2026-03-10 10:00 +0800"):
        risk = make_risk(
            residual_probability=5,
            residual_impact=5,
            current_probability=5,
            current_impact=5,
            inherent_probability=5,
            inherent_impact=5,
        )
    with time_machine.travel("2026-05-10 10:00 +0800"):
        services.add_control(
            risk, actor=manager, title="双活", kind="existing", owner=manager, status="implemented"
        )
        services.update_risk(risk, actor=manager, residual_probability=1, residual_impact=1)
    with time_machine.travel("2026-07-10 10:00 +0800"):
        services.close_risk(risk, actor=manager, reason="消除")
    with time_machine.travel("2026-08-15 10:00 +0800"):
        data = trend(Risk.objects.all(), RiskMatrix.objects.get(code="5x5"), months=7)
    assert data["labels"] == [
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
    ]
    series = {line["code"]: line["values"] for line in data["series"]}
    assert series["extreme"] == [0, 1, 1, 0, 0, 0, 0]
    assert series["low"] == [0, 0, 0, 1, 1, 0, 0]


@pytest.mark.django_db
def test_excel_export_follows_the_filter_and_is_audited(qm_client: Client, make_risk: Any) -> None:
    make_risk(title='=HYPERLINK("http://x")', review_due=date.today() - timedelta(days=3))
    make_risk(title="另一个")
    response = qm_client.get(reverse("risk_export"), {"flag": "review_overdue"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1].startswith("'=")  # a formula is written as text
    checks = rows[0].index("Quality checks")
    assert rows[1][checks] == "Review overdue"
    assert AuditEvent.objects.filter(action="export", object_type="risk.risk").exists()


@pytest.mark.django_db
def test_matrix_pages_export_import_and_refusals(
    qm_client: Client, make_user: Any, org: Any, make_risk: Any
) -> None:
    matrix = RiskMatrix.objects.get(code="3x3")
    assert qm_client.get(reverse("riskmatrix_list")).status_code == 200
    page = qm_client.get(reverse("riskmatrix_detail", args=[matrix.pk]))
    assert page.status_code == 200 and 'data-level="high"' in page.content.decode()
    exported = qm_client.get(reverse("riskmatrix_export", args=[matrix.pk]), {"format": "yaml"})
    text = exported.content.decode().replace("code: 3x3", "code: copy3")
    response = qm_client.post(reverse("riskmatrix_import"), {"text": text})
    assert response.status_code == 302
    copy = RiskMatrix.objects.get(code="copy3")
    response = qm_client.post(reverse("riskmatrix_import"), {"text": "grid: ["})
    assert response.status_code == 200 and response.context["form"].errors
    response = qm_client.post(reverse("riskmatrix_import"), {"text": ""})
    assert response.status_code == 200 and response.context["form"].errors
    # A matrix in use cannot be deleted, even by a direct POST.
    make_risk(
        matrix=copy,
        inherent_probability=2,
        inherent_impact=2,
        current_probability=2,
        current_impact=2,
        residual_probability=1,
        residual_impact=1,
    )
    response = qm_client.post(reverse("riskmatrix_delete", args=[copy.pk]))
    assert response.status_code == 302 and RiskMatrix.objects.filter(pk=copy.pk).exists()
    agent = Client()
    web_login(agent, make_user("agent", unit=org.hall1))
    assert agent.get(reverse("riskmatrix_list")).status_code == 403
    assert agent.post(reverse("riskmatrix_import"), {"text": text}).status_code == 403


class TestMonteCarloViews(ViewCase):
    model = MonteCarloRun
    list_url_name = "montecarlo_list"
    detail_url_name = "montecarlo_detail"
    create_url_name = "montecarlo_create"
    edit_url_name = None
    delete_url_name = None
    actor_roles = ("quality_manager",)
    denied_roles = ("agent",)

    @pytest.fixture(autouse=True)
    def _people(self, org: Any, make_user: Any) -> None:
        self.other = make_user("quality_manager", unit=org.branch2)
        self.inside = make_user("quality_manager", unit=org.branch1)
        self.payload_risk = _risk(
            org.hall1, self.inside, 0, annual_probability="0.2", loss_low=100, loss_high=900
        )

    def _run(self, unit: Any, actor: Any, n: int) -> MonteCarloRun:
        risk = _risk(unit, actor, n, annual_probability="0.2", loss_low=100, loss_high=900)
        return request_run(
            actor=actor, title=f"模拟{n}", risks=[risk], org_unit=unit, iterations=1000, seed=n
        )

    def make_in_scope(self, org: Any, n: int) -> MonteCarloRun:
        return self._run(org.hall1, self.inside, n)

    def make_out_of_scope(self, org: Any, n: int) -> MonteCarloRun:
        return self._run(org.hall2, self.other, n)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "title": "营业厅损失模拟",
            "org_unit": org.branch1.pk,
            "risks": [self.payload_risk.pk],
            "frequency_model": "poisson",
            "iterations": 5000,
            "seed": 99,
        }

    def find_created(self, data: dict[str, Any]) -> MonteCarloRun | None:
        return MonteCarloRun.objects.filter(title=data["title"]).first()

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "risks": []}, {"risks"}),
            ({**good, "iterations": 10}, {"iterations"}),
            ({**good, "title": ""}, {"title"}),
        ]

    def test_finished_run_shows_figures_and_chart_data(self, browser: Client, org: Any) -> None:
        run = self.new_in_scope(org)
        assert "data-figure" not in browser.get(self.url("montecarlo_detail", run)).content.decode()
        execute_run(run.pk)
        html = browser.get(self.url("montecarlo_detail", run)).content.decode()
        assert 'data-figure="var95"' in html and 'id="montecarlo-data"' in html
        assert 'hx-trigger="every 3s"' not in html  # no more polling once done


@pytest.mark.django_db
def test_open_an_improvement_action_from_the_risk_page(qm_client: Client, make_risk: Any) -> None:
    if not services.improvement_available():
        pytest.skip("the improvement app is not installed")
    risk = make_risk()
    html = qm_client.get(reverse("risk_detail", args=[risk.pk])).content.decode()
    assert 'data-testid="open-action"' in html
    response = qm_client.post(reverse("risk_open_action", args=[risk.pk]))
    assert response.status_code == 302
    assert risk.history.first().kind == "action_opened"
    follow = qm_client.get(response["Location"])
    assert follow.status_code == 200 and risk.number in follow.content.decode()
    html = qm_client.get(reverse("risk_detail", args=[risk.pk])).content.decode()
    assert 'data-testid="actions"' in html


def _edit_post(client: Client, matrix: RiskMatrix, **changes: str) -> Any:
    """Post the edit form as the page offers it, with some fields changed."""
    page = client.get(reverse("riskmatrix_edit", args=[matrix.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields} | changes
    return client.post(reverse("riskmatrix_edit", args=[matrix.pk]), data)


@pytest.mark.django_db
def test_matrix_edit_renames_and_recolours_a_matrix_in_use(
    qm_client: Client, make_risk: Any
) -> None:
    matrix = RiskMatrix.objects.get(code="5x5")
    make_risk(matrix=matrix)
    page = qm_client.get(reverse("riskmatrix_edit", args=[matrix.pk]))
    assert "cell_1_1" not in page.context["form"].fields  # no grid while risks use it
    response = _edit_post(qm_client, matrix, r1_name="可忽略", r1_colour="#00aa00")
    assert response.status_code == 302
    matrix.refresh_from_db()
    assert (matrix.risk_levels[0]["name"], matrix.risk_levels[0]["colour"]) == ("可忽略", "#00aa00")
    # A grid posted anyway is ignored: the matrix keeps its grid.
    grid_before = matrix.grid
    _edit_post(qm_client, matrix, cell_1_1=matrix.risk_levels[-1]["code"])
    matrix.refresh_from_db()
    assert matrix.grid == grid_before


@pytest.mark.django_db
def test_matrix_edit_changes_the_grid_of_an_unused_matrix_and_refuses_bad_colours(
    qm_client: Client,
) -> None:
    matrix = RiskMatrix.objects.get(code="3x3")
    top = matrix.risk_levels[-1]["code"]
    response = _edit_post(qm_client, matrix, cell_1_1=top)
    assert response.status_code == 302
    matrix.refresh_from_db()
    assert matrix.grid[0][0] == top
    response = _edit_post(qm_client, matrix, r1_colour="red", r1_name="")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"r1_colour", "r1_name"}


@pytest.mark.django_db
def test_matrix_edit_is_refused_without_the_change_permission(org: Any, make_user: Any) -> None:
    matrix = RiskMatrix.objects.get(code="3x3")
    client = Client()
    web_login(client, make_user("agent", unit=org.hall1))
    assert client.get(reverse("riskmatrix_edit", args=[matrix.pk])).status_code == 403
    assert client.post(reverse("riskmatrix_edit", args=[matrix.pk]), {}).status_code == 403
