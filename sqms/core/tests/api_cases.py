"""A generic REST API test case: one subclass per endpoint, mostly data (NetBox's spirit).

A subclass names the endpoint, the acting user's roles and permissions, how to make an object
inside and outside that user's scope, and valid and invalid payloads. The case then checks the
list (paginated, scoped, with a query count that does not grow with the rows), detail, create,
update, partial update and delete, each write leaving an audit event; permission denied;
unauthenticated access; out-of-scope objects answering 404; and bad payloads answering 400
with field messages while nothing changes.

    class TestWidgetAPI(APICase):
        url = "/api/widgets/widgets/"
        model = Widget
        actor_roles = ("agent",)
        actor_permissions = ("widgets.add_widget", "widgets.change_widget", ...)

        def make_in_scope(self, org, n): return Widget.objects.create(org_unit=org.hall1, ...)
        def make_out_of_scope(self, org): return Widget.objects.create(org_unit=org.hall2, ...)
        def create_payload(self, org): return {...}
        def update_payload(self, org, obj): return {...}
        def invalid_payloads(self, org): return [({"name": ""}, {"name"})]
"""

import itertools
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from sqms.core.choices import AuditAction
from sqms.core.models import AuditEvent

ALL_ACTIONS = ("list", "retrieve", "create", "update", "partial_update", "destroy")
_numbers = itertools.count(1)


def grant(user: Any, *permissions: str) -> None:
    """Give a user extra permissions ("app_label.codename"), clearing Django's cache of them."""
    for name in permissions:
        app_label, codename = name.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def audit_count() -> int:
    return AuditEvent.objects.count()


class APICase:
    # --- what a subclass sets -------------------------------------------------------------
    url: ClassVar[str]  # the list URL, e.g. "/api/core/org-units/"
    model: ClassVar[type[models.Model]]
    actor_roles: ClassVar[Sequence[str]] = ()  # roles of the user who may do everything here
    actor_permissions: ClassVar[Sequence[str]] = ()  # extra permissions of that user
    actor_unit: ClassVar[str] = "branch1"  # attribute of the `org` fixture the actor sits in
    # A user who lacks the endpoint's write permissions; `reads_denied` says whether they
    # also lack the view permission (then reads are 403 as well).
    denied_roles: ClassVar[Sequence[str]] = ("agent",)
    reads_denied: ClassVar[bool] = True
    actions: ClassVar[Sequence[str]] = ALL_ACTIONS
    max_list_queries: ClassVar[int] = 12
    # Fields of a payload not echoed in the response (write-only ones such as passwords).
    write_only_fields: ClassVar[Sequence[str]] = ()

    def make_in_scope(self, org: Any, n: int) -> models.Model:
        """A new object the actor can see; `n` is unique across calls, for unique codes."""
        raise NotImplementedError

    def make_out_of_scope(self, org: Any, n: int) -> models.Model:
        raise NotImplementedError

    def create_payload(self, org: Any) -> dict[str, Any]:
        raise NotImplementedError

    def update_payload(self, org: Any, obj: models.Model) -> dict[str, Any]:
        """A full representation for PUT."""
        raise NotImplementedError

    def partial_update_payload(self, org: Any, obj: models.Model) -> dict[str, Any]:
        raise NotImplementedError

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        """(payload for create, the fields the 400 response must name)."""
        return []

    def invalid_update_payloads(
        self, org: Any, obj: models.Model
    ) -> list[tuple[dict[str, Any], set[str]]]:
        """(payload for PATCH of `obj`, the fields the 400 response must name)."""
        return []

    def object_gone(self, pk: Any) -> bool:
        """Whether a deleted object is gone (override for soft deletion)."""
        return not self.model._default_manager.filter(pk=pk).exists()

    # --- helpers ---------------------------------------------------------------------------

    def detail_url(self, obj: models.Model) -> str:
        return f"{self.url}{obj.pk}/"

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    def new_in_scope(self, org: Any) -> models.Model:
        return self.make_in_scope(org, next(_numbers))

    def new_out_of_scope(self, org: Any) -> models.Model:
        return self.make_out_of_scope(org, next(_numbers))

    def state(self, obj: models.Model) -> dict[str, Any]:
        fresh = self.model._default_manager.get(pk=obj.pk)
        return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}

    def assert_audited(self, action: str, pk: Any, before: int) -> None:
        assert audit_count() > before, "the write left no audit event"
        assert AuditEvent.objects.filter(
            action=action, object_type=self.object_type, object_id=str(pk)
        ).exists(), f"no {action!r} audit event for {self.object_type} #{pk}"

    def assert_echoed(self, payload: dict[str, Any], body: dict[str, Any]) -> None:
        for key, value in payload.items():
            if key in self.write_only_fields:
                assert key not in body, f"write-only field {key!r} was returned"
                continue
            assert body.get(key) == value, f"{key}: sent {value!r}, got {body.get(key)!r}"

    def skip_unless(self, action: str) -> None:
        if action not in self.actions:
            pytest.skip(f"{action} is not offered by this endpoint")

    # --- fixtures --------------------------------------------------------------------------

    @pytest.fixture
    def actor(self, org: Any, make_user: Any) -> Any:
        user = make_user(*self.actor_roles, unit=getattr(org, self.actor_unit))
        grant(user, *self.actor_permissions)
        return user

    @pytest.fixture
    def api(self, actor: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(actor)
        return client

    @pytest.fixture
    def denied_api(self, org: Any, make_user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(*self.denied_roles, unit=getattr(org, self.actor_unit)))
        return client

    # --- list ------------------------------------------------------------------------------

    def test_list_shows_only_objects_in_scope(self, api: APIClient, org: Any) -> None:
        self.skip_unless("list")
        inside = [self.new_in_scope(org), self.new_in_scope(org)]
        outside = self.new_out_of_scope(org)
        response = api.get(self.url, {"page_size": 200})
        assert response.status_code == 200, response.content
        ids = {row["id"] for row in response.json()["results"]}
        assert {obj.pk for obj in inside} <= ids
        assert outside.pk not in ids

    def test_list_is_paginated(self, api: APIClient, org: Any) -> None:
        self.skip_unless("list")
        self.new_in_scope(org)
        self.new_in_scope(org)
        response = api.get(self.url, {"page_size": 1})
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) >= {"count", "next", "previous", "results"}
        assert len(body["results"]) == 1
        assert body["count"] >= 2 and body["next"]
        second = api.get(self.url, {"page_size": 1, "page": 2})
        assert second.status_code == 200
        assert second.json()["results"][0]["id"] != body["results"][0]["id"]
        assert api.get(self.url, {"page": 10_000}).status_code == 404

    def test_list_query_count_does_not_grow_with_rows(
        self, api: APIClient, org: Any, django_assert_max_num_queries: Any
    ) -> None:
        self.skip_unless("list")
        self.new_in_scope(org)
        api.get(self.url)  # warm the per-user permission cache, as in any later request
        with CaptureQueriesContext(connection) as few:
            assert api.get(self.url, {"page_size": 200}).status_code == 200
        for _ in range(6):
            self.new_in_scope(org)
        with (
            django_assert_max_num_queries(self.max_list_queries),
            CaptureQueriesContext(connection) as many,
        ):
            response = api.get(self.url, {"page_size": 200})
        assert response.status_code == 200
        assert len(many) == len(few), (
            f"{len(few)} queries for a short list, {len(many)} for a longer one (N+1?)"
        )

    # --- detail ----------------------------------------------------------------------------

    def test_detail(self, api: APIClient, org: Any) -> None:
        self.skip_unless("retrieve")
        obj = self.new_in_scope(org)
        response = api.get(self.detail_url(obj))
        assert response.status_code == 200, response.content
        assert response.json()["id"] == obj.pk

    # --- writes ----------------------------------------------------------------------------

    def test_create(self, api: APIClient, org: Any) -> None:
        payload = self.create_payload(org) if "create" in self.actions else {}
        before_rows = self.model._default_manager.count()
        before = audit_count()
        response = api.post(self.url, payload)
        if "create" not in self.actions:
            assert response.status_code in (403, 405)
            assert self.model._default_manager.count() == before_rows
            return
        assert response.status_code == 201, response.content
        body = response.json()
        assert self.model._default_manager.filter(pk=body["id"]).exists()
        self.assert_echoed(payload, body)
        self.assert_audited(AuditAction.CREATE, body["id"], before)

    def test_update(self, api: APIClient, org: Any) -> None:
        obj = self.new_in_scope(org)
        if "update" not in self.actions:
            assert api.put(self.detail_url(obj), {}).status_code in (403, 405)
            return
        payload = self.update_payload(org, obj)
        before = audit_count()
        response = api.put(self.detail_url(obj), payload)
        assert response.status_code == 200, response.content
        self.assert_echoed(payload, response.json())
        if "retrieve" in self.actions:
            assert api.get(self.detail_url(obj)).json() == response.json()
        self.assert_audited(AuditAction.UPDATE, obj.pk, before)

    def test_partial_update(self, api: APIClient, org: Any) -> None:
        obj = self.new_in_scope(org)
        if "partial_update" not in self.actions:
            assert api.patch(self.detail_url(obj), {}).status_code in (403, 405)
            return
        payload = self.partial_update_payload(org, obj)
        before = audit_count()
        response = api.patch(self.detail_url(obj), payload)
        assert response.status_code == 200, response.content
        self.assert_echoed(payload, response.json())
        self.assert_audited(AuditAction.UPDATE, obj.pk, before)

    def test_delete(self, api: APIClient, org: Any) -> None:
        obj = self.new_in_scope(org)
        before = audit_count()
        response = api.delete(self.detail_url(obj))
        if "destroy" not in self.actions:
            assert response.status_code in (403, 405)
            assert not self.object_gone(obj.pk)
            assert audit_count() == before
            return
        assert response.status_code == 204, response.content
        assert self.object_gone(obj.pk)
        self.assert_audited(AuditAction.DELETE, obj.pk, before)
        assert api.get(self.detail_url(obj)).status_code == 404

    # --- refusals --------------------------------------------------------------------------

    def test_permission_denied(self, denied_api: APIClient, org: Any) -> None:
        obj = self.new_in_scope(org)
        state = self.state(obj)
        before = audit_count()
        reads = [denied_api.get(self.url), denied_api.get(self.detail_url(obj))]
        for response in reads:
            expected = {403} if self.reads_denied else {200}
            assert response.status_code in expected, response.content
        writes = [
            denied_api.post(self.url, self.create_payload(org) if "create" in self.actions else {}),
            denied_api.put(self.detail_url(obj), {}),
            denied_api.patch(self.detail_url(obj), {}),
            denied_api.delete(self.detail_url(obj)),
        ]
        for response in writes:
            assert response.status_code in (403, 405), (response.status_code, response.content)
        assert self.state(obj) == state
        assert audit_count() == before

    def test_unauthenticated(self, org: Any) -> None:
        obj = self.new_in_scope(org)
        anonymous = APIClient()
        before = audit_count()
        for response in (
            anonymous.get(self.url),
            anonymous.get(self.detail_url(obj)),
            anonymous.post(self.url, {}),
            anonymous.patch(self.detail_url(obj), {}),
            anonymous.delete(self.detail_url(obj)),
        ):
            assert response.status_code in (401, 403), response.status_code
        assert not self.object_gone(obj.pk)
        assert audit_count() == before

    def test_out_of_scope_object_is_not_found(self, api: APIClient, org: Any) -> None:
        obj = self.new_out_of_scope(org)
        state = self.state(obj)
        before = audit_count()
        assert api.get(self.detail_url(obj)).status_code in (
            (404,) if "retrieve" in self.actions else (404, 405)
        )
        for method in ("update", "partial_update", "destroy"):
            if method not in self.actions:
                continue
            call = {"update": api.put, "partial_update": api.patch, "destroy": api.delete}[method]
            payload: dict[str, Any] = {}
            if method == "update":
                payload = self.update_payload(org, obj)
            elif method == "partial_update":
                payload = self.partial_update_payload(org, obj)
            response = call(self.detail_url(obj), payload)
            assert response.status_code == 404, (method, response.status_code, response.content)
        assert self.state(obj) == state
        assert audit_count() == before

    def test_bad_payload_is_refused_with_field_messages(self, api: APIClient, org: Any) -> None:
        if "create" not in self.actions:
            rows = self.model._default_manager.count()
            assert api.post(self.url, {}).status_code in (403, 405)
            assert self.model._default_manager.count() == rows
            return
        cases = self.invalid_payloads(org)  # may create rows (e.g. for a duplicate)
        assert cases, "an endpoint that creates must list invalid payloads to test"
        rows = self.model._default_manager.count()
        before = audit_count()
        for payload, fields in cases:
            response = api.post(self.url, payload)
            assert response.status_code == 400, (payload, response.status_code, response.content)
            body = response.json()
            missing = fields - set(body)
            assert not missing, f"{payload}: no message for {missing} in {body}"
            for field in fields:
                assert body[field], f"{payload}: empty message for {field}"
        assert self.model._default_manager.count() == rows
        assert audit_count() == before

    def test_bad_update_is_refused_and_changes_nothing(self, api: APIClient, org: Any) -> None:
        obj = self.new_in_scope(org)
        state = self.state(obj)
        before = audit_count()
        if "partial_update" not in self.actions:
            assert api.patch(self.detail_url(obj), {}).status_code in (403, 405)
            assert self.state(obj) == state and audit_count() == before
            return
        cases = self.invalid_update_payloads(org, obj)
        assert cases, "an endpoint that updates must list invalid payloads to test"
        for payload, fields in cases:
            response = api.patch(self.detail_url(obj), payload)
            assert response.status_code == 400, (payload, response.status_code, response.content)
            missing = fields - set(response.json())
            assert not missing, f"{payload}: no message for {missing} in {response.json()}"
        assert self.state(obj) == state
        assert audit_count() == before

    def test_malformed_json_is_a_400(self, api: APIClient, org: Any) -> None:
        response = api.post(self.url, data='{"broken": ', content_type="application/json")
        if "create" not in self.actions:
            assert response.status_code in (403, 405)
            return
        assert response.status_code == 400
        assert "detail" in response.json()
