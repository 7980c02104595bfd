"""The demo trains the models on the demo history (whose texts come from this app's corpus),
once, and trains nothing when there are too few tickets."""

import datetime
from typing import Any

import pytest

from sqms.core import demo as core_demo
from sqms.core.choices import OrgUnitKind
from sqms.core.tests.factories import make_unit
from sqms.insight import demo
from sqms.insight.choices import Purpose
from sqms.insight.models import TextModel
from sqms.quality import history

pytestmark = pytest.mark.django_db


def test_too_little_history_trains_nothing(org: Any, make_user: Any) -> None:
    demo.populate({}, {"agent": make_user("agent", unit=org.hall1)})
    assert not TextModel.objects.exists()


def test_the_demo_history_trains_useful_models(make_user: Any) -> None:
    company = make_unit(core_demo.COMPANY_CODE, "华南通信", OrgUnitKind.COMPANY)
    hall = make_unit("DEMO-H1", "营业厅", OrgUnitKind.HALL, company)
    agent = make_user("agent", unit=hall)
    history.extend(1500, seed=5, first_day=datetime.date(2025, 6, 1))
    demo.populate({}, {"agent": agent})
    models = {m.purpose: m for m in TextModel.objects.filter(is_active=True)}
    category = models[Purpose.CATEGORY].metrics
    assert category["macro_f1"] > category["baseline_macro_f1"] + 0.4
    assert Purpose.PRIORITY in models
    demo.populate({}, {"agent": agent})
    assert TextModel.objects.count() == 2  # once
