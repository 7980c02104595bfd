"""UI pages of the core app: org units, users, audit log, navigation and the language switch."""

import csv
import io
from datetime import timedelta
from typing import Any, cast

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from sqms.core import audit, services
from sqms.core.choices import AuditAction, OrgUnitKind
from sqms.core.models import AuditEvent, OrgUnit, User
from sqms.core.tests.api_cases import grant
from sqms.core.tests.factories import UserFactory, make_unit
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login


def staff(**kwargs: Any) -> User:
    return cast(User, UserFactory(**kwargs))


# --- org units ----------------------------------------------------------------------------


class TestOrgUnitViews(ViewCase):
    model = OrgUnit
    list_url_name = "orgunit_list"
    detail_url_name = "orgunit_detail"
    create_url_name = "orgunit_create"
    edit_url_name = "orgunit_edit"
    delete_url_name = "orgunit_delete"
    actor_permissions = (
        "core.view_orgunit",
        "core.add_orgunit",
        "core.change_orgunit",
        "core.delete_orgunit",
    )
    actor_unit = "branch1"
    # Every role may look at the org tree; an agent may not change it.
    denied_roles = ("agent",)
    reads_denied = False

    def make_in_scope(self, org: Any, n: int) -> OrgUnit:
        return make_unit(f"T{n}", f"窗口{n}", OrgUnitKind.COUNTER, org.hall1, f"Counter {n}")

    def make_out_of_scope(self, org: Any, n: int) -> OrgUnit:
        return make_unit(f"X{n}", f"窗口{n}", OrgUnitKind.COUNTER, org.hall2, f"Counter {n}")

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "parent": org.hall1.pk,
            "code": "NEW1",
            "name": "新窗口",
            "name_en": "New counter",
            "kind": OrgUnitKind.COUNTER,
            "time_zone": "Asia/Shanghai",
            "is_active": "on",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": "改名窗口",
            "name_en": "Renamed counter",
            "kind": OrgUnitKind.TEAM,
            "time_zone": "Asia/Urumqi",
            "is_active": "",
        }

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "code": ""}, {"code"}),
            ({**good, "code": "HQ"}, {"code"}),  # taken
            ({**good, "kind": "castle"}, {"kind"}),
            ({**good, "time_zone": "Mars/Olympus"}, {"time_zone"}),
            # A parent outside the actor's scope is not even a valid choice.
            ({**good, "parent": org.hall2.pk}, {"parent"}),
            ({**good, "parent": ""}, {"parent"}),  # only a superuser adds a top-level unit
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.edit_data(org, obj)
        return [
            ({**good, "name": ""}, {"name"}),
            ({**good, "code": "BR2"}, {"code"}),
            ({**good, "time_zone": "Nowhere"}, {"time_zone"}),
        ]


@pytest.fixture
def unit_admin(org: Any, make_user: Any) -> Any:
    user = make_user(unit=org.branch1)
    grant(
        user, "core.view_orgunit", "core.add_orgunit", "core.change_orgunit", "core.delete_orgunit"
    )
    return user


def test_org_unit_list_is_the_visible_subtree_indented(org: Any, unit_admin: Any) -> None:
    client = web_login(Client(), unit_admin)
    response = client.get(reverse("orgunit_list"))
    codes = [unit.code for unit in response.context["page"].object_list]
    assert codes == ["BR1", "CC1", "H1", "C1"] or codes == ["BR1", "H1", "C1", "CC1"]
    indents = {unit.code: unit.indent for unit in response.context["page"].object_list}
    assert indents == {"BR1": 0, "H1": 1, "C1": 2, "CC1": 1}
    html = response.content.decode()
    assert "Hall 1" in html and "Hall 2" not in html and "Head office" not in html


def test_org_unit_list_filters(org: Any, unit_admin: Any) -> None:
    client = web_login(Client(), unit_admin)
    response = client.get(reverse("orgunit_list"), {"kind": OrgUnitKind.HALL})
    assert [u.code for u in response.context["page"].object_list] == ["H1"]
    response = client.get(reverse("orgunit_list"), {"q": "call"})
    assert [u.code for u in response.context["page"].object_list] == ["CC1"]
    # A unit outside the scope cannot be used as a filter: an error, and no rows.
    response = client.get(reverse("orgunit_list"), {"parent": org.hall2.pk})
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert list(response.context["page"].object_list) == []


def test_org_unit_detail_shows_children_and_members(org: Any, unit_admin: Any) -> None:
    staff(org_unit=org.hall1)
    staff(org_unit=org.counter1)
    client = web_login(Client(), unit_admin)
    response = client.get(reverse("orgunit_detail", args=[org.hall1.pk]))
    assert response.status_code == 200
    assert [c.code for c in response.context["children"]] == ["C1"]
    assert response.context["member_count"] == 1
    assert response.context["subtree_member_count"] == 2
    # The parent (BR1) is in scope and linked; HQ above it is not shown to this user.
    assert response.context["parent"] == org.branch1
    branch = client.get(reverse("orgunit_detail", args=[org.branch1.pk]))
    assert branch.context["parent"] is None


def test_org_unit_create_offers_only_parents_in_scope(org: Any, unit_admin: Any) -> None:
    client = web_login(Client(), unit_admin)
    response = client.get(reverse("orgunit_create"), {"parent": org.hall1.pk})
    form = response.context["form"]
    assert set(form.fields["parent"].queryset) == {
        org.branch1,
        org.hall1,
        org.counter1,
        org.call_centre,
    }
    assert form.initial["parent"] == org.hall1
    # An out-of-scope parent in the query string is ignored, not pre-selected.
    response = client.get(reverse("orgunit_create"), {"parent": org.hall2.pk})
    assert response.context["form"].initial.get("parent") is None


def test_org_unit_edit_audits_the_change(org: Any, unit_admin: Any) -> None:
    client = web_login(Client(), unit_admin)
    data = {
        "code": "H1",
        "name": "一号营业厅",
        "name_en": "Hall One",
        "kind": OrgUnitKind.HALL,
        "time_zone": "Asia/Shanghai",
        "is_active": "on",
    }
    assert client.post(reverse("orgunit_edit", args=[org.hall1.pk]), data).status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
    assert event.before == {"name_en": "Hall 1"}
    assert event.after == {"name_en": "Hall One"}


def test_org_unit_delete_refusal_is_shown_as_a_message(org: Any, unit_admin: Any) -> None:
    client = web_login(Client(), unit_admin)
    response = client.post(reverse("orgunit_delete", args=[org.hall1.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("orgunit_detail", args=[org.hall1.pk])
    texts = [str(m) for m in response.context["messages"]]
    assert any("sub-units" in text for text in texts), texts
    assert OrgUnit.objects.filter(pk=org.hall1.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DELETE).exists()


def test_org_unit_form_errors_are_marked_for_bootstrap(org: Any, unit_admin: Any) -> None:
    client = web_login(Client(), unit_admin)
    response = client.post(reverse("orgunit_create"), {"parent": org.hall1.pk, "code": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="form-control is-invalid"' in html  # the field keeps its own class
    assert 'class="form-select is-invalid"' in html
    assert "invalid-feedback" in html


def test_superuser_may_add_a_top_level_unit(org: Any, make_user: Any) -> None:
    root = make_user(unit=org.hq, is_superuser=True)
    client = web_login(Client(), root)
    data = {
        "parent": "",
        "code": "HQ2",
        "name": "第二总部",
        "name_en": "Second HQ",
        "kind": OrgUnitKind.COMPANY,
        "time_zone": "Asia/Shanghai",
        "is_active": "on",
    }
    response = client.post(reverse("orgunit_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert OrgUnit.objects.get(code="HQ2").depth == 1


# --- users --------------------------------------------------------------------------------


class TestUserViews(ViewCase):
    model = User
    list_url_name = "user_list"
    detail_url_name = "user_detail"
    create_url_name = "user_create"
    edit_url_name = "user_edit"
    delete_url_name = None  # accounts are deactivated, never deleted
    actor_permissions = ("core.view_user", "core.add_user", "core.change_user", "core.view_orgunit")
    actor_unit = "branch1"
    denied_roles = ("agent",)

    def make_in_scope(self, org: Any, n: int) -> User:
        return self._agent(f"staff{n}", org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> User:
        return self._agent(f"other{n}", org.hall2)

    @staticmethod
    def _agent(username: str, unit: OrgUnit) -> User:
        # These users never log in: no password spares the slow hashing of a real one.
        user = User.objects.create(
            username=username, first_name="五", last_name="王", org_unit=unit
        )
        user.groups.set(Group.objects.filter(name="agent"))
        return user

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "username": "wangxm",
            "first_name": "小明",
            "last_name": "王",
            "email": "wangxm@example.com",
            "mobile": "13812345678",
            "employee_number": "E1001",
            "org_unit": org.hall1.pk,
            "position": "柜员",
            "hire_date": "2024-03-01",
            "language": "zh-hans",
            "is_active": "on",
            "roles": ["agent"],
            "password1": "Blue-Lantern-77",
            "password2": "Blue-Lantern-77",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "username": obj.username,
            "first_name": "四",
            "last_name": "李",
            "email": "lisi@example.com",
            "mobile": "13900001111",
            "employee_number": f"E2{obj.pk:04d}",
            "org_unit": org.counter1.pk,
            "position": "Senior clerk",
            "hire_date": "2023-01-02",
            "language": "en",
            "is_active": "on",
            "roles": ["agent", "quality_inspector"],
        }

    def test_delete(self, browser: Client, org: Any) -> None:
        """Accounts are never deleted (the audit log names them): there is no delete page, and
        unticking "active" on the edit page deactivates the account and keeps it."""
        with pytest.raises(NoReverseMatch):
            reverse("user_delete", args=[1])
        obj = self.new_in_scope(org)
        data = {**self.edit_data(org, obj)}
        del data["is_active"]
        assert browser.post(self.url(self.edit_url_name, obj), data).status_code == 302
        assert User.objects.filter(pk=obj.pk, is_active=False).exists()

    def check_edited(self, obj: Any, data: dict[str, Any]) -> None:
        super().check_edited(obj, data)
        assert sorted(obj.role_names) == sorted(data["roles"])

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "username": ""}, {"username"}),
            ({**good, "password2": "Something-else-1"}, {"password2"}),
            ({**good, "password1": "123", "password2": "123"}, {"password1"}),
            ({**good, "password1": "wangxm", "password2": "wangxm"}, {"password1"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),  # outside the editor's scope
            ({**good, "email": "not-an-address"}, {"email"}),
            ({**good, "roles": ["emperor"]}, {"roles"}),
            ({**good, "hire_date": "2024-13-45"}, {"hire_date"}),
            ({**good, "mobile": "12345"}, {"mobile"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.edit_data(org, obj)
        other = staff(org_unit=org.hall1)
        return [
            ({**good, "username": ""}, {"username"}),
            ({**good, "username": other.username}, {"username"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "roles": ["agent", "emperor"]}, {"roles"}),
        ]


@pytest.fixture
def user_admin(org: Any, make_user: Any) -> Any:
    user = make_user(unit=org.branch1)
    grant(user, "core.view_user", "core.add_user", "core.change_user", "core.view_orgunit")
    return user


def test_user_list_filters(org: Any, user_admin: Any) -> None:
    staff(username="alice", org_unit=org.hall1, roles=["agent"])
    staff(username="bob", org_unit=org.call_centre, roles=["unit_manager"])
    staff(username="carol", org_unit=org.counter1, roles=["agent"], is_active=False)
    staff(username="dave", org_unit=org.hall2, roles=["agent"])  # out of scope
    client = web_login(Client(), user_admin)
    url = reverse("user_list")

    def names(**params: Any) -> set[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return {u.username for u in response.context["page"].object_list}

    assert {"alice", "bob", "carol"} <= names() and "dave" not in names()
    assert names(role="agent") == {"alice", "carol"}
    assert names(org_unit=org.hall1.pk) == {"alice", "carol"}
    assert names(is_active="false") == {"carol"}
    assert names(q="bo") == {"bob"}
    assert names(org_unit=org.hall2.pk) == set()  # not a valid choice for this user


def test_user_detail_shows_roles_two_factor_and_lockout(org: Any, user_admin: Any) -> None:
    from axes.models import AccessAttempt
    from django.conf import settings

    target = staff(username="locked", org_unit=org.hall1, roles=["auditor"])
    AccessAttempt.objects.create(
        username="locked",
        ip_address="10.0.0.1",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    client = web_login(Client(), user_admin)
    response = client.get(reverse("user_detail", args=[target.pk]))
    assert response.context["locked_out"] is True
    assert response.context["two_factor"] is False
    html = response.content.decode()
    assert 'data-testid="locked-out"' in html
    assert reverse("user_unlock", args=[target.pk]) in html
    assert reverse("user_reset_2fa", args=[target.pk]) in html
    listing = client.get(reverse("user_list"))
    assert {u.username for u in listing.context["page"].object_list if u.locked_out} == {"locked"}


def test_user_detail_hides_admin_buttons_from_readers(org: Any, make_user: Any) -> None:
    reader = make_user(unit=org.branch1)
    grant(reader, "core.view_user")
    target = staff(org_unit=org.hall1)
    response = web_login(Client(), reader).get(reverse("user_detail", args=[target.pk]))
    assert response.status_code == 200
    assert reverse("user_unlock", args=[target.pk]) not in response.content.decode()


def test_user_create_stores_password_and_roles(org: Any, user_admin: Any) -> None:
    client = web_login(Client(), user_admin)
    data = TestUserViews().create_data(org)
    response = client.post(reverse("user_create"), data)
    created = User.objects.get(username="wangxm")
    assert response["Location"] == reverse("user_detail", args=[created.pk])
    assert created.check_password("Blue-Lantern-77")
    assert created.role_names == ["agent"]
    assert created.org_unit == org.hall1
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(created.pk))
    assert event.actor == user_admin
    assert event.after is not None
    assert "password" not in event.after and "password1" not in event.after


def test_user_mobile_is_masked_everywhere_and_kept_when_left_empty(
    org: Any, user_admin: Any
) -> None:
    client = web_login(Client(), user_admin)
    data = TestUserViews().create_data(org)
    client.post(reverse("user_create"), {**data, "mobile": "+86 138-1234-5678"})
    created = User.objects.get(username="wangxm")
    assert created.mobile == "13812345678"
    for url in (
        reverse("user_list"),
        reverse("user_detail", args=[created.pk]),
        reverse("user_edit", args=[created.pk]),
    ):
        html = client.get(url).content.decode()
        assert "138****5678" in html, url
        assert "12345678" not in html, url
    edit = {**TestUserViews().edit_data(org, created), "mobile": ""}
    assert client.post(reverse("user_edit", args=[created.pk]), edit).status_code == 302
    created.refresh_from_db()
    assert created.mobile == "13812345678"
    assert created.first_name == "四"


# --- audit log ----------------------------------------------------------------------------


@pytest.fixture
def auditor(org: Any, make_user: Any) -> Any:
    return make_user("auditor", unit=org.hq)


@pytest.fixture
def history(org: Any, make_user: Any) -> list[AuditEvent]:
    admin = make_user("admin", unit=org.hq, username="boss")
    unit = services.create_org_unit(
        actor=admin, parent=org.hall2, code="W1", name="窗口", kind="counter"
    )
    services.update_org_unit(unit, actor=admin, name="新窗口")
    services.create_user(
        actor=admin, password="Blue-Lantern-77", username="newbie", org_unit=org.hall1
    )
    audit.record(AuditAction.LOGIN, actor=admin, object_repr="=cmd|' /C calc'!A0")
    return list(AuditEvent.objects.order_by("seq"))


def test_audit_log_lists_newest_first_with_diffs(auditor: Any, history: Any) -> None:
    client = web_login(Client(), auditor)
    response = client.get(reverse("auditevent_list"))
    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs, reverse=True)
    assert {e.seq for e in history} <= set(seqs)
    update = next(e for e in events if e.action == AuditAction.UPDATE)
    assert update.diff == [("name", "窗口", "新窗口")]
    html = response.content.decode()
    assert "新窗口" in html and "sqms-old" in html


@pytest.mark.parametrize(
    ("params", "expected_actions"),
    [
        ({"action": "update"}, ["update"]),
        ({"object_type": "core.orgunit"}, ["update", "create"]),
        ({"object_type": "core.user", "action": "create"}, ["create"]),
        ({"actor_name": "BOSS", "action": "login"}, ["login"]),
        ({"actor_name": "nobody"}, []),
    ],
)
def test_audit_log_filters(
    auditor: Any, history: Any, params: dict[str, str], expected_actions: list[str]
) -> None:
    client = web_login(Client(), auditor)
    response = client.get(reverse("auditevent_list"), params)
    assert [e.action for e in response.context["page"].object_list] == expected_actions


def test_audit_log_filters_by_object_id_actor_and_time(auditor: Any, history: Any) -> None:
    client = web_login(Client(), auditor)
    unit = OrgUnit.objects.get(code="W1")
    response = client.get(
        reverse("auditevent_list"), {"object_type": "core.orgunit", "object_id": str(unit.pk)}
    )
    assert [e.action for e in response.context["page"].object_list] == ["update", "create"]
    boss = User.objects.get(username="boss")
    response = client.get(reverse("auditevent_list"), {"actor": boss.pk})
    assert len(response.context["page"].object_list) == len(history)
    local = timezone.localtime()
    later = (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    earlier = (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    in_range = client.get(
        reverse("auditevent_list"), {"created_after": earlier, "created_before": later}
    )
    assert {e.seq for e in in_range.context["page"].object_list} >= {e.seq for e in history}
    after = client.get(reverse("auditevent_list"), {"created_after": later})
    assert list(after.context["page"].object_list) == []
    bad = client.get(reverse("auditevent_list"), {"created_after": "yesterday-ish"})
    assert bad.status_code == 200 and bad.context["filter"].errors


def test_audit_log_list_query_count_does_not_grow(
    auditor: Any, history: Any, django_assert_max_num_queries: Any
) -> None:
    client = web_login(Client(), auditor)
    url = reverse("auditevent_list")
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_audit_log_needs_its_permission(org: Any, make_user: Any, history: Any) -> None:
    for roles in (("agent",), ("admin",), ("quality_manager",)):
        client = web_login(Client(), make_user(*roles, unit=org.hq))
        assert client.get(reverse("auditevent_list")).status_code == 403, roles
        assert client.get(reverse("auditevent_export")).status_code == 403, roles


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_audit_export_streams_the_filtered_list_and_is_audited(auditor: Any, history: Any) -> None:
    client = web_login(Client(), auditor)
    response = client.get(reverse("auditevent_export"), {"object_type": "core.orgunit"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header, data = rows[0], rows[1:]
    assert len(header) == 12
    assert [row[3] for row in data] == ["update", "create"]
    assert all(row[4] == "core.orgunit" for row in data)
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.actor == auditor
    assert export.object_type == "core.auditevent"
    assert export.after == {"filters": {"object_type": "core.orgunit"}, "rows": 2}


def test_audit_export_neutralises_spreadsheet_formulas(auditor: Any, history: Any) -> None:
    client = web_login(Client(), auditor)
    rows = _csv(client.get(reverse("auditevent_export"), {"action": "login", "actor_name": "boss"}))
    assert len(rows) == 2
    assert rows[1][6] == "'=cmd|' /C calc'!A0"


def test_audit_export_needs_the_export_permission(org: Any, make_user: Any) -> None:
    reader = make_user(unit=org.hq)
    grant(reader, "core.view_auditevent")
    client = web_login(Client(), reader)
    assert client.get(reverse("auditevent_list")).status_code == 200
    assert client.get(reverse("auditevent_export")).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_audit_export_with_a_bad_filter_exports_nothing(auditor: Any, history: Any) -> None:
    client = web_login(Client(), auditor)
    response = client.get(reverse("auditevent_export"), {"action": "teleport"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_audit_log_needs_the_second_factor(auditor: Any) -> None:
    client = Client()
    client.force_login(auditor, backend="sqms.core.auth_backend.ModelPermissionBackend")
    response = client.get(reverse("auditevent_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


# --- navigation ---------------------------------------------------------------------------


def _nav_keys(client: Client, path: str = "/") -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return [entry.key for entry in response.context["nav_items"]]


@pytest.mark.parametrize(
    ("roles", "shown", "hidden"),
    [
        (("agent",), {"home", "org_units"}, {"users", "audit_log", "admin_site"}),
        (("auditor",), {"home", "org_units", "users", "audit_log"}, {"admin_site"}),
        (("admin",), {"home", "org_units", "users"}, {"audit_log", "admin_site"}),
        ((), {"home"}, {"org_units", "users", "audit_log", "admin_site"}),
    ],
)
def test_navigation_shows_what_the_role_allows(
    org: Any, make_user: Any, roles: tuple[str, ...], shown: set[str], hidden: set[str]
) -> None:
    client = web_login(Client(), make_user(*roles))
    keys = set(_nav_keys(client))
    assert shown <= keys
    assert not hidden & keys


def test_navigation_marks_the_current_page_and_superuser_sees_admin(
    org: Any, make_user: Any
) -> None:
    client = web_login(Client(), make_user(unit=org.hq, is_superuser=True))
    response = client.get(reverse("orgunit_list"))
    active = [entry.key for entry in response.context["nav_items"] if entry.active]
    assert active == ["org_units"]
    assert "admin_site" in [entry.key for entry in response.context["nav_items"]]
    assert 'aria-current="page" data-nav="org_units"' in response.content.decode()


def test_home_shows_greeting_unit_and_cards(org: Any, make_user: Any) -> None:
    user = make_user("unit_manager", unit=org.hall1, first_name="丽", last_name="王")
    response = web_login(Client(), user).get(reverse("home"))
    html = response.content.decode()
    assert "王丽" in html and "Hall 1" in html
    cards = [card.key for card in response.context["cards"]]
    assert "org_units" in cards
    assert "users" not in cards and "audit_log" not in cards  # not a manager's permissions


def test_anonymous_home_goes_to_log_in(db: Any) -> None:
    response = Client().get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- language switch ----------------------------------------------------------------------


def test_language_switch_saves_the_users_language(org: Any, make_user: Any) -> None:
    user = make_user("agent", language="zh-hans")
    client = web_login(Client(), user)
    page = client.get(reverse("orgunit_list"))
    assert '<html lang="zh-hans">' in page.content.decode()
    response = client.post(
        reverse("switch_language"), {"language": "en", "next": reverse("orgunit_list")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("orgunit_list")
    user.refresh_from_db()
    assert user.language == "en"
    english = client.get(reverse("orgunit_list")).content.decode()
    assert '<html lang="en">' in english and "Log out" in english
    client.post(reverse("switch_language"), {"language": "zh-hans"})
    user.refresh_from_db()
    assert user.language == "zh-hans"
    chinese = client.get(reverse("orgunit_list")).content.decode()
    assert '<html lang="zh-hans">' in chinese and "Log out" not in chinese


def test_saved_language_wins_over_the_cookie(org: Any, make_user: Any) -> None:
    from django.conf import settings

    user = make_user("agent", language="en")
    client = web_login(Client(), user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_language_switch_for_anonymous_sets_the_cookie(db: Any) -> None:
    from django.conf import settings

    client = Client()
    response = client.post(reverse("switch_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(reverse("login")).content.decode()


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(
    org: Any, make_user: Any
) -> None:
    user = make_user("agent", language="en")
    client = web_login(Client(), user)
    response = client.post(
        reverse("switch_language"), {"language": "zh-hans", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
    response = client.post(reverse("switch_language"), {"language": "tlh"})
    user.refresh_from_db()
    assert user.language == "zh-hans"
    with translation.override("zh-hans"):  # the user's language since the first switch
        unknown = translation.gettext("Unknown language.")
    assert unknown != "Unknown language."
    assert any(str(m) == unknown for m in get_messages(response.wsgi_request))
    assert client.get(reverse("switch_language")).status_code == 405


def test_language_switch_needs_csrf(org: Any, make_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    web_login(client, make_user("agent"))
    assert client.post(reverse("switch_language"), {"language": "en"}).status_code == 403


def test_language_switch_works_before_the_second_factor(auditor: Any) -> None:
    client = Client()
    client.force_login(auditor, backend="sqms.core.auth_backend.ModelPermissionBackend")
    response = client.post(reverse("switch_language"), {"language": "zh-hans"})
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert auditor.language == "zh-hans"


# --- the page shell -----------------------------------------------------------------------


def test_base_layout_loads_local_assets_and_sends_csrf_with_htmx(org: Any, make_user: Any) -> None:
    response = web_login(Client(), make_user("agent")).get(reverse("home"))
    html = response.content.decode()
    for asset in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
    ):
        assert asset in html
    assert "//cdn" not in html and "https://" not in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert reverse("account") in html and f'action="{reverse("logout")}"' in html


def test_refusals_use_the_sites_pages(org: Any, make_user: Any) -> None:
    client = web_login(Client(), make_user("agent"))
    denied = client.get(reverse("user_list"))
    assert denied.status_code == 403
    assert "403.html" in [t.name for t in denied.templates]
    missing = client.get(reverse("orgunit_detail", args=[org.hall2.pk]))
    assert missing.status_code == 404
    assert "404.html" in [t.name for t in missing.templates]


def test_navigation_registry_takes_later_apps_entries(
    org: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqms.core import navigation

    monkeypatch.setattr(navigation, "_registry", dict(navigation._registry))
    navigation.register(
        navigation.NavItem(
            key="reports",
            label="Reports",
            url_name="orgunit_list",
            icon="bar-chart",
            description="Quarterly reports.",
            any_permissions=("core.view_orgunit", "core.view_user"),
            order=100,
        ),
        # An entry whose page is not mounted is left out rather than breaking every page.
        navigation.NavItem(key="ghost", label="Ghost", url_name="no_such_page", order=110),
        navigation.NavItem(
            key="managers_only",
            label="Managers",
            url_name="home",
            visible=lambda user: "unit_manager" in user.role_names,
        ),
    )
    agent = web_login(Client(), make_user("agent"))
    keys = _nav_keys(agent)
    assert {"home", "org_units", "reports"} <= set(keys) and "ghost" not in keys
    assert keys.index("org_units") < keys.index("reports")  # ordered by `order`
    manager = web_login(Client(), make_user("unit_manager"))
    assert "managers_only" in _nav_keys(manager)
    nobody = web_login(Client(), make_user())
    unguarded = {
        item.key
        for item in navigation.registered()
        if not (item.permission or item.any_permissions or item.superuser_only or item.visible)
    }
    assert "home" in _nav_keys(nobody) and set(_nav_keys(nobody)) <= unguarded
