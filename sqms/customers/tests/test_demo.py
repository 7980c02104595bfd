"""The demo customers: about thirty valid records in the demo halls, with consents."""

from typing import Any

import pytest

from sqms.core.choices import OrgUnitKind
from sqms.core.masking import is_valid_id_number
from sqms.core.tests.factories import make_unit
from sqms.customers import demo
from sqms.customers.models import Consent, Customer
from sqms.customers.validators import validate_phone

pytestmark = pytest.mark.django_db


def test_populate_makes_valid_customers_in_the_halls(make_user: Any) -> None:
    company = make_unit("HNTEL", "华南通信", OrgUnitKind.COMPANY)
    units = {
        "HNTEL-GZ-TH": make_unit("HNTEL-GZ-TH", "天河营业厅", OrgUnitKind.HALL, company),
        "HNTEL-SZ-FT": make_unit("HNTEL-SZ-FT", "福田营业厅", OrgUnitKind.HALL, company),
    }
    agent = make_user("agent", unit=company)
    demo.populate(units, {"agent": agent})
    customers = list(Customer.objects.select_related("org_unit"))
    assert len(customers) == demo.COUNT
    assert {c.org_unit.code for c in customers} == set(units)
    for customer in customers:
        assert customer.name and is_valid_id_number(customer.id_number)
        validate_phone(customer.phone)
        assert customer.birth_year and customer.gender != "unknown"
    assert Consent.objects.exists()
