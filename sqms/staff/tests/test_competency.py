"""The competency matrix per position and people's assessed levels."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.errors import DomainError
from sqms.core.tests.api_cases import APICase
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.staff import services
from sqms.staff.models import Competency, CompetencyRating
from sqms.staff.tests.conftest import scoped_trainer, trainer_permissions

pytestmark = pytest.mark.django_db


def test_matrix_shows_required_and_assessed_levels_with_gaps(org: Any, make_user: Any) -> None:
    Competency.objects.create(
        org_unit=org.hq, position="营业员", skill="业务受理", required_level=3
    )
    Competency.objects.create(org_unit=org.hq, position="营业员", skill="普通话", required_level=2)
    Competency.objects.create(
        org_unit=org.branch1, position="营业员", skill="普通话", required_level=4
    )
    Competency.objects.create(
        org_unit=org.branch2, position="营业员", skill="粤语", required_level=3
    )
    agent = make_user("agent", unit=org.hall1, position="营业员")
    trainer = scoped_trainer(make_user, org.branch1)
    services.rate_competency(agent, actor=trainer, skill="业务受理", level=4)
    services.rate_competency(agent, actor=trainer, skill="普通话", level=3)
    services.rate_competency(agent, actor=trainer, skill="英语", level=2)
    rows = {row.skill: row for row in services.competency_matrix(agent)}
    assert set(rows) == {"业务受理", "普通话", "英语"}  # not the other branch's 粤语
    assert (rows["普通话"].required, rows["普通话"].level, rows["普通话"].gap) == (4, 3, True)
    assert not rows["业务受理"].gap and rows["英语"].required is None
    services.rate_competency(agent, actor=trainer, skill="普通话", level=4)
    assert CompetencyRating.objects.filter(skill="普通话").count() == 1
    bad_values: list[dict[str, Any]] = [
        {"skill": "", "level": 3},
        {"skill": "x", "level": 6},
        {"skill": "x", "level": True},
    ]
    for bad in bad_values:
        with pytest.raises(DomainError):
            services.rate_competency(agent, actor=trainer, **bad)
    with pytest.raises(DomainError):
        services.rate_competency(trainer, actor=trainer, skill="x", level=3)


def test_rating_from_the_archive_page(org: Any, make_user: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    trainer = web_login(Client(), scoped_trainer(make_user, org.branch1))
    response = trainer.post(
        reverse("staff_competency_rate", args=[agent.pk]), {"skill": "投诉处理", "level": "4"}
    )
    assert response.status_code == 302
    assert CompetencyRating.objects.get(profile__user=agent).level == 4
    page = trainer.get(reverse("staff_person_detail", args=[agent.pk])).content.decode()
    assert "投诉处理" in page
    far = web_login(Client(), scoped_trainer(make_user, org.branch2))
    assert (
        far.post(
            reverse("staff_competency_rate", args=[agent.pk]), {"skill": "x", "level": "3"}
        ).status_code
        == 404
    )
    agent_client = web_login(Client(), agent)
    assert (
        agent_client.post(
            reverse("staff_competency_rate", args=[agent.pk]), {"skill": "x", "level": "5"}
        ).status_code
        == 403
    )


class TestCompetencyAPI(APICase):
    url = "/api/staff/competencies/"
    model = Competency
    actor_permissions = tuple(trainer_permissions())

    def make_in_scope(self, org: Any, n: int) -> Competency:
        return Competency.objects.create(org_unit=org.hall1, position="营业员", skill=f"技能{n}")

    def make_out_of_scope(self, org: Any, n: int) -> Competency:
        return Competency.objects.create(org_unit=org.hall2, position="营业员", skill=f"技能{n}")

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "position": "坐席",
            "skill": "情绪安抚",
            "required_level": 4,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "skill": obj.skill}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"required_level": 2}

    def invalid_payloads(self, org: Any) -> list:
        return [
            ({**self.create_payload(org), "required_level": 9}, {"required_level"}),
            ({"skill": "x"}, {"position", "org_unit"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"required_level": 0}, {"required_level"})]


class TestCompetencyViews(ViewCase):
    model = Competency
    actor_permissions = tuple(trainer_permissions())
    denied_roles = ("agent",)
    list_url_name = "staff_competency_list"
    detail_url_name = "staff_competency_detail"
    create_url_name = "staff_competency_create"
    edit_url_name = "staff_competency_edit"
    delete_url_name = "staff_competency_delete"

    def make_in_scope(self, org: Any, n: int) -> Competency:
        return Competency.objects.create(org_unit=org.hall1, position="营业员", skill=f"技能{n}")

    def make_out_of_scope(self, org: Any, n: int) -> Competency:
        return Competency.objects.create(org_unit=org.hall2, position="营业员", skill=f"技能{n}")

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "position": "坐席",
            "skill": "UI 技能",
            "required_level": 3,
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "skill": obj.skill, "required_level": 5}

    def find_created(self, data: dict[str, Any]) -> Any:
        return Competency.objects.filter(skill=data["skill"]).first()

    def invalid_data(self, org: Any) -> list:
        return [({**self.create_data(org), "required_level": 7}, {"required_level"})]
