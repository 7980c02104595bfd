"""The insight API: suggestions (400 without text, empty without a model, scoped), model
versions with metrics, and queued retraining, each behind its permission."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.insight.tests.conftest import BROADBAND_TEXT

pytestmark = pytest.mark.django_db
SUGGEST = "/api/insight/suggest/"
MODELS = "/api/insight/models/"


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_suggest_needs_text(make_user: Any) -> None:
    client = client_for(make_user("agent"))
    response = client.post(SUGGEST, {"title": "  ", "description": ""}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()
    response = client.post(SUGGEST, {"title": "x" * 6000}, format="json")
    assert response.status_code == 400 and "title" in response.json()


def test_suggest_without_a_model_is_empty(make_user: Any) -> None:
    response = client_for(make_user("agent")).post(
        SUGGEST, {"title": "宽带断网", "description": BROADBAND_TEXT}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "categories": [],
        "priority": None,
        "similar_tickets": [],
        "articles": [],
        "category_model": None,
        "priority_model": None,
    }


def test_suggest_with_models(install_models: Any, make_user: Any) -> None:
    install_models()
    response = client_for(make_user("agent")).post(
        SUGGEST, {"description": BROADBAND_TEXT}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["categories"][0]["code"] == "broadband_outage"
    assert 0 < body["categories"][0]["probability"] <= 1
    assert body["priority"]["priority"] in (1, 2, 3, 4)
    assert body["category_model"] == 1


def test_suggest_permission(make_user: Any) -> None:
    assert APIClient().post(SUGGEST, {"title": "宽带"}, format="json").status_code in (401, 403)
    response = client_for(make_user("trainer")).post(SUGGEST, {"title": "宽带"}, format="json")
    assert response.status_code == 403


def test_models_list_and_detail(install_models: Any, make_user: Any) -> None:
    models = install_models()
    client = client_for(make_user("quality_manager"))
    response = client.get(MODELS)
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {(r["purpose"], r["version"], r["is_active"]) for r in rows} == {
        ("category", 1, True),
        ("priority", 1, True),
    }
    assert rows[0]["metrics"]["macro_f1"] > 0.5
    detail = client.get(f"{MODELS}{models['category'].pk}/")
    assert detail.status_code == 200 and detail.json()["labels"]
    assert client.get(f"{MODELS}999999/").status_code == 404


def test_models_permissions(make_user: Any) -> None:
    assert client_for(make_user("agent")).get(MODELS).status_code == 403
    inspector = client_for(make_user("quality_inspector"))
    assert inspector.get(MODELS).status_code == 200
    assert inspector.post(f"{MODELS}train/", {}, format="json").status_code == 403


def test_train_is_queued(make_user: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    client = client_for(make_user("quality_manager"))
    response = client.post(f"{MODELS}train/", {"force": True}, format="json")
    assert response.status_code == 202
    assert response.json()["queued"] is True
    queued = DBTaskResult.objects.get(id=response.json()["task_id"])
    assert queued.task_path.endswith("retrain_models")
    assert client.post(f"{MODELS}train/", {"force": "maybe"}, format="json").status_code == 400
