"""Fixtures shared by every app's tests: a small org tree and one user per role.

Tree:  HQ (company)
       ├── BR1 (branch) ── H1 (hall) ── C1 (counter)
       │                └─ CC1 (call centre)
       └── BR2 (branch) ── H2 (hall)
"""

from dataclasses import dataclass
from typing import Any

import pytest

from sqms.core.choices import OrgUnitKind
from sqms.core.models import OrgUnit
from sqms.core.tests.factories import TEST_PASSWORD, UserFactory, make_unit


@dataclass
class Org:
    hq: OrgUnit
    branch1: OrgUnit
    hall1: OrgUnit
    counter1: OrgUnit
    call_centre: OrgUnit
    branch2: OrgUnit
    hall2: OrgUnit


def build_org() -> Org:
    hq = make_unit("HQ", "总公司", OrgUnitKind.COMPANY, name_en="Head office")
    branch1 = make_unit("BR1", "一分公司", OrgUnitKind.BRANCH, hq, "Branch 1")
    hall1 = make_unit("H1", "一号营业厅", OrgUnitKind.HALL, branch1, "Hall 1")
    counter1 = make_unit("C1", "一号窗口", OrgUnitKind.COUNTER, hall1, "Counter 1")
    call_centre = make_unit("CC1", "呼叫中心", OrgUnitKind.CALL_CENTRE, branch1, "Call centre")
    branch2 = make_unit("BR2", "二分公司", OrgUnitKind.BRANCH, hq, "Branch 2")
    hall2 = make_unit("H2", "二号营业厅", OrgUnitKind.HALL, branch2, "Hall 2")
    return Org(hq, branch1, hall1, counter1, call_centre, branch2, hall2)


@pytest.fixture
def org(db: Any) -> Org:
    return build_org()


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def make_user(org: Org) -> Any:
    """make_user("agent", unit=org.hall1) → a user with that role in that unit."""

    def make(*roles: str, unit: OrgUnit | None = None, **kwargs: Any) -> Any:
        return UserFactory(org_unit=unit or org.hall1, roles=list(roles), **kwargs)

    return make
