"""The core REST API: org units, users, the audit log, API tokens, `me`, CSRF and the schema."""

from datetime import timedelta
from typing import Any, cast

import pytest
from django.core.management import call_command
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from sqms.core import services, tokens
from sqms.core.choices import AuditAction, OrgUnitKind
from sqms.core.models import ApiToken, AuditEvent, OrgUnit, User
from sqms.core.tests.api_cases import APICase, grant
from sqms.core.tests.factories import UserFactory, make_unit

ME = "/api/core/me/"
TOKENS = "/api/core/tokens/"
AUDIT = "/api/core/audit-events/"
UNITS = "/api/core/org-units/"
USERS = "/api/core/users/"


def new_user(**values: Any) -> User:
    return cast(User, UserFactory(**values))


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- org units ------------------------------------------------------------------------------


class TestOrgUnitAPI(APICase):
    url = UNITS
    model = OrgUnit
    # A branch's own administrator: sees only branch 1, so branch 2 is out of scope.
    actor_roles = ("agent",)
    actor_permissions = ("core.add_orgunit", "core.change_orgunit", "core.delete_orgunit")
    actor_unit = "branch1"
    denied_roles = ("agent",)
    reads_denied = False  # every role may read the units it sees
    max_list_queries = 6

    def make_in_scope(self, org: Any, n: int) -> OrgUnit:
        return make_unit(f"IN{n}", f"窗口{n}", OrgUnitKind.COUNTER, org.hall1, f"Counter {n}")

    def make_out_of_scope(self, org: Any, n: int) -> OrgUnit:
        return make_unit(f"OUT{n}", f"窗口{n}", OrgUnitKind.COUNTER, org.hall2, f"Counter {n}")

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "code": "H9",
            "name": "九号营业厅",
            "name_en": "Hall 9",
            "kind": "hall",
            "time_zone": "Asia/Shanghai",
            "is_active": True,
            "parent": org.branch1.pk,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code + "X",
            "name": "改名窗口",
            "name_en": "Renamed counter",
            "kind": "team",
            "time_zone": "Asia/Urumqi",
            "is_active": False,
            "parent": org.hall1.pk,
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"name_en": "Renamed", "is_active": False}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "code": ""}, {"code"}),
            ({**good, "code": "HQ"}, {"code"}),  # taken
            ({**good, "kind": "palace"}, {"kind"}),
            ({**good, "time_zone": "Mars/Olympus"}, {"time_zone"}),
            ({**good, "parent": org.branch2.pk}, {"parent"}),  # outside the actor's scope
            ({**good, "parent": 999_999}, {"parent"}),
            ({**good, "parent": None}, {"parent"}),  # a second root needs a superuser
            ({"name": "x"}, {"code", "kind"}),
            ({**good, "is_active": "perhaps"}, {"is_active"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"parent": org.branch1.pk}, {"parent"}),  # moving is not an edit
            ({"parent": org.hall2.pk}, {"parent"}),
            ({"code": "HQ"}, {"code"}),
            ({"name": ""}, {"name"}),
        ]


@pytest.fixture
def unit_admin(org, make_user):
    user = make_user("agent", unit=org.branch1)
    grant(user, "core.add_orgunit", "core.change_orgunit", "core.delete_orgunit")
    return user


def test_org_unit_parent_and_tree_fields(unit_admin, org):
    response = client_for(unit_admin).get(UNITS, {"page_size": 200})
    rows = {row["code"]: row for row in response.json()["results"]}
    assert set(rows) == {"BR1", "H1", "C1", "CC1"}
    assert rows["C1"]["parent"] == org.hall1.pk
    assert rows["H1"]["depth"] == 3
    assert rows["C1"]["path"].startswith(rows["H1"]["path"])
    # The root is outside a branch's scope, but the branch still names it as its parent.
    assert rows["BR1"]["parent"] == org.hq.pk


def test_org_unit_filters(unit_admin, org):
    api = client_for(unit_admin)

    def codes(**params):
        response = api.get(UNITS, params)
        assert response.status_code == 200, response.content
        return {row["code"] for row in response.json()["results"]}

    assert codes(parent=org.hall1.pk) == {"H1", "C1"}
    assert codes(kind="call_centre") == {"CC1"}
    assert codes(q="hall 1") == {"H1"}
    assert codes(q="呼叫") == {"CC1"}
    services.update_org_unit(org.counter1, actor=unit_admin, is_active=False)
    assert codes(is_active="false") == {"C1"}
    assert [r["code"] for r in api.get(UNITS, {"ordering": "-code"}).json()["results"]] == [
        "H1",
        "CC1",
        "C1",
        "BR1",
    ]
    # A unit outside the scope cannot be used as a filter either.
    response = api.get(UNITS, {"parent": org.branch2.pk})
    assert response.status_code == 400 and "parent" in response.json()


def test_org_unit_created_under_parent(unit_admin, org):
    response = client_for(unit_admin).post(
        UNITS, {"code": "C2", "name": "二号窗口", "kind": "counter", "parent": org.hall1.pk}
    )
    assert response.status_code == 201, response.content
    unit = OrgUnit.objects.get(code="C2")
    assert OrgUnit.objects.get_parent(unit) == org.hall1
    assert response.json()["parent"] == org.hall1.pk
    assert response.json()["time_zone"] == "Asia/Shanghai"
    event = AuditEvent.objects.get(object_type="core.orgunit", object_id=str(unit.pk))
    assert event.actor == unit_admin
    assert event.after is not None and event.after["code"] == "C2"


def test_org_unit_with_children_or_members_is_a_conflict(unit_admin, org, make_user):
    api = client_for(unit_admin)
    response = api.delete(f"{UNITS}{org.hall1.pk}/")
    assert response.status_code == 409
    assert response.json()["detail"]
    make_user("agent", unit=org.call_centre)
    assert api.delete(f"{UNITS}{org.call_centre.pk}/").status_code == 409
    assert OrgUnit.objects.filter(pk__in=[org.hall1.pk, org.call_centre.pk]).count() == 2


def test_org_unit_created_through_the_api_can_be_deleted(unit_admin, org):
    api = client_for(unit_admin)
    created = api.post(
        UNITS, {"code": "TMP", "name": "临时", "kind": "team", "parent": org.hall1.pk}
    )
    assert created.status_code == 201
    assert api.delete(f"{UNITS}{created.json()['id']}/").status_code == 204


def test_org_unit_referenced_by_records_is_a_clear_conflict(unit_admin, org):
    api = client_for(unit_admin)
    created = api.post(
        UNITS, {"code": "TMP", "name": "临时", "kind": "team", "parent": org.hall1.pk}
    )
    response = api.delete(f"{UNITS}{created.json()['id']}/")
    assert response.status_code in (204, 409)
    if response.status_code == 409:
        assert "deactivate" in response.json()["detail"]
        assert OrgUnit.objects.filter(code="TMP").exists()


# --- users ---------------------------------------------------------------------------------


class TestUserAPI(APICase):
    url = USERS
    model = User
    # Not the admin role, which sees every unit: a branch's user administrator.
    actor_roles = ()
    # Granting a role needs its permissions, so this actor holds the unit manager's.
    actor_permissions = (
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_orgunit",
        "core.reveal_personal_data",
    )
    actor_unit = "branch1"
    denied_roles = ("agent",)
    reads_denied = True
    actions = ("list", "retrieve", "create", "update", "partial_update")  # never hard-deleted
    write_only_fields = ("password",)
    max_list_queries = 6

    def make_in_scope(self, org: Any, n: int) -> User:
        return new_user(username=f"inside{n}", org_unit=org.hall1, roles=["agent"])

    def make_out_of_scope(self, org: Any, n: int) -> User:
        return new_user(username=f"outside{n}", org_unit=org.hall2, roles=["agent"])

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "username": "wangfang",
            "first_name": "芳",
            "last_name": "王",
            "email": "wangfang@example.com",
            "org_unit": org.hall1.pk,
            "employee_number": "E10023",
            "position": "营业员",
            "hire_date": "2024-03-01",
            "language": "zh-hans",
            "is_active": True,
            "roles": ["agent", "unit_manager"],
            "password": "Lantern-Harbour-1987",
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "username": obj.username,
            "first_name": "伟",
            "last_name": "李",
            "email": "liwei@example.com",
            "org_unit": org.call_centre.pk,
            "employee_number": f"E{obj.pk:05d}",
            "position": "坐席",
            "hire_date": "2023-07-15",
            "language": "en",
            "is_active": True,
            "roles": ["quality_inspector"],
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"is_active": False}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        new_user(username="taken", org_unit=org.hall1)
        return [
            ({**good, "password": "12345678"}, {"password"}),  # short, common, numeric
            ({**good, "password": "wangfang1"}, {"password"}),  # like the username
            ({**good, "roles": ["wizard"]}, {"roles"}),
            ({**good, "roles": "agent"}, {"roles"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),  # outside the actor's scope
            ({**good, "org_unit": None}, {"org_unit"}),
            ({**good, "username": "taken"}, {"username"}),
            ({**good, "username": "no spaces!"}, {"username"}),
            ({**good, "email": "not-an-address"}, {"email"}),
            ({**good, "hire_date": "2024-13-40"}, {"hire_date"}),
            ({**good, "language": "fr"}, {"language"}),
            ({"password": "Lantern-Harbour-1987"}, {"username"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"org_unit": org.hall2.pk}, {"org_unit"}),
            ({"roles": ["root"]}, {"roles"}),
            ({"password": "Lantern-Harbour-1987"}, {"password"}),
            ({"email": "nope"}, {"email"}),
        ]


@pytest.fixture
def user_admin(org, make_user):
    user = make_user(unit=org.branch1)
    grant(
        user,
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_orgunit",
        "core.reveal_personal_data",
    )
    return user


def test_created_user_gets_password_roles_and_audit(user_admin, org):
    payload = TestUserAPI().create_payload(org)
    response = client_for(user_admin).post(USERS, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["roles"] == ["agent", "unit_manager"]
    assert body["org_unit_detail"]["code"] == "H1"
    assert "password" not in body
    user = User.objects.get(username="wangfang")
    assert user.check_password("Lantern-Harbour-1987")
    assert sorted(user.role_names) == ["agent", "unit_manager"]
    event = AuditEvent.objects.get(object_type="core.user", action=AuditAction.CREATE)
    assert event.after is not None and event.after["roles"] == ["agent", "unit_manager"]
    assert "password" not in event.after


def test_password_errors_are_field_messages(user_admin, org):
    payload = {**TestUserAPI().create_payload(org), "password": "123"}
    response = client_for(user_admin).post(USERS, payload)
    assert response.status_code == 400
    messages = response.json()["password"]
    assert len(messages) >= 2 and all(isinstance(m, str) and m for m in messages)


def test_user_filters(user_admin, org):
    new_user(username="zhao", org_unit=org.counter1, roles=["unit_manager"])
    new_user(username="qian", org_unit=org.call_centre, roles=["agent"], is_active=False)
    new_user(username="sun", org_unit=org.hall2, roles=["agent"], employee_number="E77")
    api = client_for(user_admin)

    def names(**params):
        response = api.get(USERS, params)
        assert response.status_code == 200, response.content
        return {row["username"] for row in response.json()["results"]}

    assert names(org_unit=org.hall1.pk) == {"zhao"}
    assert names(role="unit_manager") == {"zhao"}
    assert names(is_active="false") == {"qian"}
    assert names(q="QIA") == {"qian"}
    assert names(q="E77") == set()  # sun is in branch 2, out of scope
    zhao = User.objects.get(username="zhao")
    zhao.mobile = "13812341234"
    zhao.save()
    assert names(mobile="+86 138-1234-1234") == {"zhao"}
    assert names(mobile="13800000000") == set()
    row = api.get(USERS, {"mobile": "13812341234"}).json()["results"][0]
    assert row["mobile"] == "138****1234"


def test_admin_role_manages_users_in_every_unit(org, make_user):
    admin = make_user("admin", unit=org.hq)
    outsider = new_user(username="far", org_unit=org.hall2)
    api = client_for(admin)
    response = api.patch(f"{USERS}{outsider.pk}/", {"roles": ["trainer"], "is_active": False})
    assert response.status_code == 200, response.content
    outsider.refresh_from_db()
    assert outsider.role_names == ["trainer"] and not outsider.is_active
    assert api.delete(f"{USERS}{outsider.pk}/").status_code in (403, 405)
    assert User.objects.filter(pk=outsider.pk).exists()


def test_nobody_changes_their_own_roles_or_deactivates_themselves(org, make_user):
    admin = make_user("admin", unit=org.hq)
    api = client_for(admin)
    url = f"{USERS}{admin.pk}/"
    response = api.patch(url, {"roles": ["admin", "auditor"]})
    assert response.status_code == 400 and "roles" in response.json()
    response = api.patch(url, {"is_active": False})
    assert response.status_code == 400 and "is_active" in response.json()
    admin.refresh_from_db()
    assert admin.role_names == ["admin"] and admin.is_active
    # Unchanged roles (a full PUT of one's own record) and other fields are fine.
    response = api.patch(url, {"roles": ["admin"], "position": "IT"})
    assert response.status_code == 200, response.content


def test_auditor_reads_users_but_cannot_change_them(org, make_user):
    auditor = make_user("auditor", unit=org.hq)
    target = new_user(org_unit=org.hall2)
    api = client_for(auditor)
    assert api.get(USERS).status_code == 200
    assert api.get(f"{USERS}{target.pk}/").status_code == 200
    assert api.patch(f"{USERS}{target.pk}/", {"is_active": False}).status_code == 403
    assert api.post(USERS, {"username": "x"}).status_code == 403
    target.refresh_from_db()
    assert target.is_active


# --- audit log -----------------------------------------------------------------------------


@pytest.fixture
def audited(org, make_user):
    admin = make_user("admin", unit=org.hq)
    for n in range(3):
        services.create_org_unit(
            actor=admin, parent=org.hall2, code=f"A{n}", name=f"窗口{n}", kind="counter"
        )
    services.update_org_unit(org.hall1, actor=admin, name_en="Hall One")
    return admin


def test_auditor_reads_the_log_newest_first(audited, org, make_user):
    api = client_for(make_user("auditor", unit=org.hq))
    response = api.get(AUDIT)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["seq"] for row in rows] == [4, 3, 2, 1]
    assert rows[0]["action"] == "update" and rows[0]["after"] == {"name_en": "Hall One"}
    assert rows[0]["actor"] == audited.pk and rows[0]["hash"]
    detail = api.get(f"{AUDIT}{rows[0]['id']}/")
    assert detail.status_code == 200 and detail.json() == rows[0]


def test_audit_filters(audited, org, make_user):
    api = client_for(make_user("auditor", unit=org.hq))

    def seqs(**params):
        response = api.get(AUDIT, params)
        assert response.status_code == 200, response.content
        return [row["seq"] for row in response.json()["results"]]

    assert seqs(action="update") == [4]
    assert seqs(action="create", object_type="core.orgunit") == [3, 2, 1]
    assert seqs(object_id=str(org.hall1.pk)) == [4]
    assert seqs(actor=audited.pk) == [4, 3, 2, 1]
    assert seqs(org_unit=org.branch1.pk) == [4]  # hall 1 lies under branch 1
    now = timezone.now()
    assert seqs(created_after=(now - timedelta(hours=1)).isoformat()) == [4, 3, 2, 1]
    assert seqs(created_before=(now - timedelta(hours=1)).isoformat()) == []
    assert seqs(ordering="seq") == [1, 2, 3, 4]
    assert api.get(AUDIT, {"action": "dance"}).status_code == 400
    # +21:59 is valid ISO 8601 but beyond PostgreSQL's ±15:59: compared in UTC, not a 500.
    far = timezone.get_fixed_timezone(21 * 60 + 59)
    an_hour_ago = (now - timedelta(hours=1)).astimezone(far).isoformat()
    assert seqs(created_after=an_hour_ago) == [4, 3, 2, 1]
    assert api.get(AUDIT, {"created_after": "0001-01-01T00:00:00+08:00"}).status_code == 400


@pytest.mark.parametrize("role", ["agent", "admin", "unit_manager"])
def test_audit_log_is_forbidden_without_the_permission(audited, org, make_user, role):
    api = client_for(make_user(role, unit=org.hq))
    assert api.get(AUDIT).status_code == 403
    event = AuditEvent.objects.earliest("seq")
    assert api.get(f"{AUDIT}{event.pk}/").status_code == 403


def test_nobody_can_write_the_audit_log(audited, org, make_user):
    event = AuditEvent.objects.earliest("seq")
    original = (event.action, event.object_repr, event.hash)
    superuser = new_user(is_superuser=True, org_unit=org.hq)
    for user in (make_user("auditor", unit=org.hq), superuser):
        api = client_for(user)
        url = f"{AUDIT}{event.pk}/"
        assert api.post(AUDIT, {"action": "create"}).status_code in (403, 405)
        assert api.put(url, {"object_repr": "forged"}).status_code in (403, 405)
        assert api.patch(url, {"object_repr": "forged"}).status_code in (403, 405)
        assert api.delete(url).status_code in (403, 405)
    event.refresh_from_db()
    assert (event.action, event.object_repr, event.hash) == original
    assert AuditEvent.objects.count() == 4


def test_audit_list_query_count_is_flat(audited, org, make_user, django_assert_max_num_queries):
    api = client_for(make_user("auditor", unit=org.hq))
    api.get(AUDIT)
    with django_assert_max_num_queries(8):
        assert api.get(AUDIT).status_code == 200


# --- API tokens ----------------------------------------------------------------------------


@pytest.fixture
def agent(org, make_user):
    return make_user("agent", unit=org.hall1)


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_token_key_is_shown_once_and_authenticates(agent):
    api = client_for(agent)
    response = api.post(TOKENS, {"name": "report script", "expires_in_days": 30})
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    assert key.startswith(tokens.KEY_PREFIX) and body["prefix"] == key[:12]
    assert body["is_active"] and body["expires_at"]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.digest != key and key not in token.digest  # only the digest is stored
    listed = api.get(TOKENS).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "key" not in listed[0]
    assert "key" not in api.get(f"{TOKENS}{body['id']}/").json()

    me = token_client(key).get(ME)
    assert me.status_code == 200 and me.json()["username"] == agent.username
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert AuditEvent.objects.filter(
        object_type="core.apitoken", object_id=str(token.pk), action=AuditAction.CREATE
    ).exists()


def test_revoked_token_stops_working(agent):
    token, key = tokens.create_token(user=agent, name="cli", actor=agent)
    assert token_client(key).get(ME).status_code == 200
    response = client_for(agent).delete(f"{TOKENS}{token.pk}/")
    assert response.status_code == 204
    assert token_client(key).get(ME).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        object_type="core.apitoken", object_id=str(token.pk), action=AuditAction.DELETE
    ).exists()
    row = client_for(agent).get(f"{TOKENS}{token.pk}/").json()
    assert row["revoked_at"] and not row["is_active"]
    assert client_for(agent).get(TOKENS, {"active": "true"}).json()["count"] == 0


def test_expired_or_unknown_token_is_401(agent):
    token, key = tokens.create_token(user=agent, name="old", actor=agent, expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert token_client(key).get(ME).status_code == 401
    assert token_client("sqms_not-a-real-key").get(ME).status_code == 401


def test_token_of_inactive_user_is_401(agent):
    _token, key = tokens.create_token(user=agent, name="cli", actor=agent)
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert token_client(key).get(ME).status_code == 401


def test_cannot_see_or_revoke_someone_elses_token(agent, org, make_user):
    other = make_user("agent", unit=org.hall1)
    token, key = tokens.create_token(user=other, name="theirs", actor=other)
    api = client_for(agent)
    assert api.get(TOKENS).json()["count"] == 0
    assert api.get(f"{TOKENS}{token.pk}/").status_code == 404
    assert api.delete(f"{TOKENS}{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token_client(key).get(ME).status_code == 200


def test_token_admin_revokes_within_scope_only(org, make_user):
    hall1_user = make_user("agent", unit=org.hall1)
    hall2_user = make_user("agent", unit=org.hall2)
    near, _ = tokens.create_token(user=hall1_user, name="near", actor=hall1_user)
    far, _ = tokens.create_token(user=hall2_user, name="far", actor=hall2_user)
    branch_admin = make_user("agent", unit=org.branch1)
    grant(branch_admin, "core.delete_apitoken")
    api = client_for(branch_admin)
    assert {row["id"] for row in api.get(TOKENS).json()["results"]} == {near.pk}
    assert api.delete(f"{TOKENS}{far.pk}/").status_code == 404
    assert api.delete(f"{TOKENS}{near.pk}/").status_code == 204
    near.refresh_from_db()
    far.refresh_from_db()
    assert near.revoked_at is not None and far.revoked_at is None


def test_admin_revokes_any_token_and_auditor_only_reads(org, make_user, agent):
    token, _ = tokens.create_token(user=agent, name="cli", actor=agent)
    auditor = client_for(make_user("auditor", unit=org.hq))
    assert auditor.get(TOKENS, {"user": agent.pk}).json()["count"] == 1
    assert auditor.delete(f"{TOKENS}{token.pk}/").status_code == 403
    admin = client_for(make_user("admin", unit=org.hq))
    assert admin.delete(f"{TOKENS}{token.pk}/").status_code == 204


def test_token_is_created_for_yourself_only(agent, org):
    other = new_user(org_unit=org.hall1)
    response = client_for(agent).post(TOKENS, {"name": "sneaky", "user": other.pk})
    assert response.status_code == 201
    assert ApiToken.objects.get(pk=response.json()["id"]).user == agent
    assert not ApiToken.objects.filter(user=other).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": "soon"}, "expires_in_days"),
    ],
)
def test_bad_token_payload_is_400(agent, payload, field):
    response = client_for(agent).post(TOKENS, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_tokens_need_authentication(db):
    anonymous = APIClient()
    assert anonymous.get(TOKENS).status_code == 401
    assert anonymous.post(TOKENS, {"name": "x"}).status_code == 401
    assert not ApiToken.objects.exists()


# --- session authentication, CSRF, malformed input -----------------------------------------


def test_session_writes_need_csrf_token(agent):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get(ME).status_code == 200  # reading needs no CSRF token
    response = client.post(TOKENS, {"name": "no csrf"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not ApiToken.objects.exists()

    request = RequestFactory().get("/")
    csrf_token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    response = client.post(
        TOKENS, {"name": "with csrf"}, format="json", HTTP_X_CSRFTOKEN=csrf_token
    )
    assert response.status_code == 201, response.content


def test_token_authentication_needs_no_csrf(agent):
    _token, key = tokens.create_token(user=agent, name="cli", actor=agent)
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(TOKENS, {"name": "from a script"}, format="json").status_code == 201


@pytest.mark.parametrize("url", [TOKENS, UNITS, USERS])
def test_malformed_json_is_400(org, make_user, url):
    admin = make_user("admin", unit=org.hq)
    response = client_for(admin).post(url, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_body_over_the_upload_limit_is_413_with_a_json_message(agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "%s"}' % ("长" * 1000)
    response = client_for(agent).post(
        TOKENS, data=body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large."}
    assert not ApiToken.objects.filter(user=agent).exists()


def test_unsupported_media_type_is_415(agent):
    response = client_for(agent).post(TOKENS, data="name=x", content_type="text/plain")
    assert response.status_code == 415


# --- me --------------------------------------------------------------------------------------


def test_me_shows_profile_roles_and_permissions(org, make_user):
    user = make_user("auditor", "trainer", unit=org.branch1, employee_number="E1")
    response = client_for(user).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == user.username
    assert body["org_unit"]["code"] == "BR1"
    assert [role["name"] for role in body["roles"]] == ["auditor", "trainer"]
    assert all(role["label"] for role in body["roles"])
    assert "core.view_auditevent" in body["permissions"]
    assert body["sees_all_units"] is True
    assert body["employee_number"] == "E1"
    assert "password" not in body


def test_me_needs_authentication(db):
    assert APIClient().get(ME).status_code == 401


# --- the schema ------------------------------------------------------------------------------


def test_schema_generates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    text = (tmp_path / "schema.yml").read_text()
    for path in ("/api/core/org-units/", "/api/core/users/", AUDIT, TOKENS, ME):
        assert f"{path}:" in text


def test_schema_and_docs_are_served(agent):
    api = client_for(agent)
    assert api.get("/api/schema/").status_code == 200
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
