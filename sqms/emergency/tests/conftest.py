"""Fixtures of the emergency tests: an officer, the seeded outage plan, incidents at stages."""

from typing import Any

import pytest

from sqms.emergency import services
from sqms.emergency.models import EmergencyPlan, Incident


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    # Argon2 is the product's choice; these tests make many users and check no password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture
def officer(org: Any, make_user: Any) -> Any:
    return make_user("emergency_officer", unit=org.branch1, first_name="值班", last_name="李")


@pytest.fixture
def head_officer(org: Any, make_user: Any) -> Any:
    """An officer at head office, who owns the seeded plans."""
    return make_user("emergency_officer", unit=org.hq, first_name="总部", last_name="周")


@pytest.fixture
def outage_plan(org: Any) -> EmergencyPlan:
    return EmergencyPlan.objects.get(code="EP-OUTAGE-HQ")


def reported(officer: Any, unit: Any, **kwargs: Any) -> Incident:
    values: dict[str, Any] = {
        "title": "营业系统无法登录",
        "description": "全部窗口无法受理业务",
        "customer_facing": True,
    }
    values.update(kwargs)
    return services.report_incident(actor=officer, org_unit=unit, **values)


def activated(officer: Any, unit: Any, level: int = 2, **kwargs: Any) -> Incident:
    incident = reported(officer, unit, **kwargs)
    services.assess_incident(incident, actor=officer, event_type="outage", level=level)
    services.activate_incident(incident, actor=officer)
    return incident


def restored(officer: Any, unit: Any, **kwargs: Any) -> Incident:
    incident = activated(officer, unit, **kwargs)
    services.start_response(incident, actor=officer)
    services.restore_service(incident, actor=officer)
    return incident
