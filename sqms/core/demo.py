"""The demo organisation of `sqms demo`: 华南通信 (Huanan Telecom), its units and one user per role.

Everything is created through sqms.core.services, so the demo data is audited like any other.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import bootstrap, services
from sqms.core.app_modules import later_app_modules
from sqms.core.choices import OrgUnitKind
from sqms.core.errors import ConflictError
from sqms.core.models import OrgUnit, User

COMPANY_CODE = "HNTEL"
EMAIL_DOMAIN = "huanan-telecom.example"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None


@dataclass(frozen=True)
class UserSpec:
    role: str
    username: str
    last_name: str
    first_name: str
    unit: str
    employee_number: str
    position: str
    hire_date: date
    mobile: str


# Parents come before their children.
UNITS = [
    UnitSpec(COMPANY_CODE, "华南通信", "Huanan Telecom", OrgUnitKind.COMPANY, None),
    UnitSpec("HNTEL-GZ", "广州分公司", "Guangzhou Branch", OrgUnitKind.BRANCH, COMPANY_CODE),
    UnitSpec("HNTEL-GZ-TH", "天河营业厅", "Tianhe Service Hall", OrgUnitKind.HALL, "HNTEL-GZ"),
    UnitSpec(
        "HNTEL-GZ-TH-01", "天河1号窗口", "Tianhe Counter 1", OrgUnitKind.COUNTER, "HNTEL-GZ-TH"
    ),
    UnitSpec(
        "HNTEL-GZ-TH-02", "天河2号窗口", "Tianhe Counter 2", OrgUnitKind.COUNTER, "HNTEL-GZ-TH"
    ),
    UnitSpec(
        "HNTEL-GZ-TH-03", "天河3号窗口", "Tianhe Counter 3", OrgUnitKind.COUNTER, "HNTEL-GZ-TH"
    ),
    UnitSpec("HNTEL-SZ", "深圳分公司", "Shenzhen Branch", OrgUnitKind.BRANCH, COMPANY_CODE),
    UnitSpec("HNTEL-SZ-FT", "福田营业厅", "Futian Service Hall", OrgUnitKind.HALL, "HNTEL-SZ"),
    UnitSpec(
        "HNTEL-SZ-FT-01", "福田1号窗口", "Futian Counter 1", OrgUnitKind.COUNTER, "HNTEL-SZ-FT"
    ),
    UnitSpec(
        "HNTEL-SZ-FT-02", "福田2号窗口", "Futian Counter 2", OrgUnitKind.COUNTER, "HNTEL-SZ-FT"
    ),
    UnitSpec(
        "HNTEL-CC", "客户服务中心", "Customer Service Centre", OrgUnitKind.CALL_CENTRE, COMPANY_CODE
    ),
    UnitSpec("HNTEL-CC-CP", "投诉处理班组", "Complaints Team", OrgUnitKind.TEAM, "HNTEL-CC"),
    UnitSpec("HNTEL-CC-EQ", "业务咨询班组", "Enquiries Team", OrgUnitKind.TEAM, "HNTEL-CC"),
    UnitSpec(
        "HNTEL-QM", "质量管理部", "Quality Management Dept.", OrgUnitKind.DEPARTMENT, COMPANY_CODE
    ),
    UnitSpec("HNTEL-TR", "培训部", "Training Dept.", OrgUnitKind.DEPARTMENT, COMPANY_CODE),
    UnitSpec("HNTEL-IT", "信息技术部", "IT Dept.", OrgUnitKind.DEPARTMENT, COMPANY_CODE),
    UnitSpec("HNTEL-AU", "审计部", "Audit Dept.", OrgUnitKind.DEPARTMENT, COMPANY_CODE),
]

# The admin comes first: it is the actor that builds the rest.
USERS = [
    UserSpec(
        "admin",
        "wugang",
        "吴",
        "刚",
        "HNTEL-IT",
        "HN0008",
        "系统管理员",
        date(2016, 7, 1),
        "13920000001",
    ),
    UserSpec(
        "agent",
        "lina",
        "李",
        "娜",
        "HNTEL-GZ-TH",
        "HN0101",
        "营业员",
        date(2021, 3, 15),
        "13920000002",
    ),
    UserSpec(
        "unit_manager",
        "wangqiang",
        "王",
        "强",
        "HNTEL-GZ-TH",
        "HN0102",
        "营业厅经理",
        date(2015, 9, 1),
        "13920000003",
    ),
    UserSpec(
        "quality_manager",
        "chenjing",
        "陈",
        "静",
        # Placed at the company, not in her department: quality is managed company-wide, and
        # a user sees her own unit and everything below it.
        COMPANY_CODE,
        "HN0021",
        "质量管理部经理",
        date(2012, 4, 9),
        "13920000004",
    ),
    UserSpec(
        "quality_inspector",
        "liuyang",
        "刘",
        "洋",
        "HNTEL-QM",
        "HN0022",
        "质检员",
        date(2019, 6, 17),
        "13920000005",
    ),
    UserSpec(
        "trainer",
        "zhaomin",
        "赵",
        "敏",
        "HNTEL-TR",
        "HN0031",
        "培训主管",
        date(2017, 2, 20),
        "13920000006",
    ),
    UserSpec(
        "emergency_officer",
        "zhoulei",
        "周",
        "磊",
        COMPANY_CODE,
        "HN0011",
        "应急值班主管",
        date(2014, 11, 3),
        "13920000007",
    ),
    UserSpec(
        "auditor",
        "sunli",
        "孙",
        "丽",
        "HNTEL-AU",
        "HN0041",
        "内部审计师",
        date(2018, 8, 6),
        "13920000008",
    ),
]


@dataclass
class CreatedUser:
    user: User
    role: str
    password: str


@dataclass
class DemoResult:
    created: bool
    users: list[CreatedUser] = field(default_factory=list)


def is_installed() -> bool:
    return OrgUnit.objects.filter(code=COMPANY_CODE).exists()


def _new_user(spec: UserSpec) -> User:
    """An unsaved user with the spec's attributes, for the password validators to compare."""
    return User(
        username=spec.username,
        first_name=spec.first_name,
        last_name=spec.last_name,
        email=f"{spec.username}@{EMAIL_DOMAIN}",
    )


def _user_values(spec: UserSpec, unit: OrgUnit | None) -> dict[str, Any]:
    return {
        "username": spec.username,
        "first_name": spec.first_name,
        "last_name": spec.last_name,
        "email": f"{spec.username}@{EMAIL_DOMAIN}",
        "org_unit": unit,
        "employee_number": spec.employee_number,
        "position": spec.position,
        "hire_date": spec.hire_date,
        "mobile": spec.mobile,
    }


def install(*, password: str | None = None) -> DemoResult:
    """Create the demo organisation unless it is there; all or nothing.

    `password` gives every user the same known password (tests, CI); otherwise each gets a
    random one, returned here once and stored only as a hash.
    Raises ConflictError if the database already holds another organisation, and Django's
    ValidationError if `password` fails the password validators or a user clashes.
    """
    with transaction.atomic():
        # Lock-free idempotence is enough here: a concurrent second run fails on the unique
        # unit code and rolls back whole.
        if is_installed():
            return DemoResult(created=False)
        if OrgUnit.objects.get_root_nodes().exists():
            raise ConflictError(
                _(
                    "This database already holds an organisation; the demo data is meant "
                    "for an empty one."
                )
            )
        if password is not None:
            for spec in USERS:
                validate_password(password, _new_user(spec))

        system = AnonymousUser()
        units: dict[str, OrgUnit] = {}
        company_spec, *unit_specs = UNITS
        units[company_spec.code] = services.create_org_unit(
            actor=system,
            parent=None,
            code=company_spec.code,
            name=company_spec.name,
            name_en=company_spec.name_en,
            kind=company_spec.kind,
        )

        # Nobody can act before the first user exists: the admin is created on the system's
        # authority at the company, builds the organisation, then moves to its own department.
        admin_spec, *other_specs = USERS
        admin_password = password or secrets.token_urlsafe(12)
        admin = bootstrap.create_user(
            password=admin_password,
            roles=[admin_spec.role],
            **_user_values(admin_spec, units[company_spec.code]),
        )
        created = [CreatedUser(admin, admin_spec.role, admin_password)]
        for unit_spec in unit_specs:
            units[unit_spec.code] = services.create_org_unit(
                actor=admin,
                parent=units[unit_spec.parent] if unit_spec.parent else None,
                code=unit_spec.code,
                name=unit_spec.name,
                name_en=unit_spec.name_en,
                kind=unit_spec.kind,
            )
        services.update_user(admin, actor=admin, org_unit=units[admin_spec.unit])

        for spec in other_specs:
            user_password = password or secrets.token_urlsafe(12)
            values = _user_values(spec, units[spec.unit])
            if spec.role == "auditor":
                # An administrator cannot appoint the auditor who watches them (services refuse
                # granting what one does not hold); at installation the system does.
                user = bootstrap.create_user(password=user_password, roles=[spec.role], **values)
            else:
                user = services.create_user(
                    actor=admin, password=user_password, roles=[spec.role], **values
                )
            created.append(CreatedUser(user, spec.role, user_password))
        _populate_apps(units, {item.role: item.user for item in created})
    return DemoResult(created=True, users=created)


def _populate_apps(units: dict[str, OrgUnit], users_by_role: dict[str, User]) -> None:
    """Let each later app add its demo records: `sqms/<app>/demo.py` with `populate(units, users)`.

    `units` maps the unit codes above to org units, `users_by_role` a role name to its demo user.
    """
    for module in later_app_modules("demo"):
        module.populate(units, users_by_role)
