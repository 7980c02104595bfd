"""A generic UI view test case: one subclass per model's pages, mostly data (NetBox's spirit).

A subclass names the model's URL names (list, detail, create, edit, delete; None for a page
the model does not have), the acting user's roles and permissions, how to make an object inside
and outside that user's scope, and valid and invalid form data. The case then checks that the
list shows in-scope objects only, is paginated and does not run more queries as rows grow; the
detail page; create, edit and delete through their forms, each leaving an audit event; 403 for
a user without the permission and a log-in redirect for anonymous visitors; 404 for an object
outside the user's scope on every page, with nothing changed; and bad form data answered with
the form again (200) with its field errors and nothing saved.

    class TestWidgetViews(ViewCase):
        model = Widget
        list_url_name = "widget_list"
        detail_url_name = "widget_detail"
        create_url_name = "widget_create"
        edit_url_name = "widget_edit"
        delete_url_name = "widget_delete"
        actor_permissions = ("widgets.view_widget", "widgets.add_widget", ...)

        def make_in_scope(self, org, n): return Widget.objects.create(org_unit=org.hall1, ...)
        def make_out_of_scope(self, org, n): return Widget.objects.create(org_unit=org.hall2, ...)
        def create_data(self, org): return {"name": "…", "org_unit": org.hall1.pk}
        def edit_data(self, org, obj): return {...}
        def invalid_data(self, org): return [({"name": ""}, {"name"})]
"""

import itertools
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sqms.core.choices import AuditAction
from sqms.core.models import AuditEvent
from sqms.core.tests.api_cases import audit_count, grant
from sqms.core.tests.web import web_login

_numbers = itertools.count(1)


class ViewCase:
    # --- what a subclass sets -------------------------------------------------------------
    model: ClassVar[type[models.Model]]
    list_url_name: ClassVar[str | None] = None
    detail_url_name: ClassVar[str | None] = None
    create_url_name: ClassVar[str | None] = None
    edit_url_name: ClassVar[str | None] = None
    delete_url_name: ClassVar[str | None] = None
    actor_roles: ClassVar[Sequence[str]] = ()  # roles of the user who may do everything here
    actor_permissions: ClassVar[Sequence[str]] = ()  # extra permissions of that user
    actor_unit: ClassVar[str] = "branch1"  # attribute of the `org` fixture the actor sits in
    # A user in the same unit without the pages' permissions; `reads_denied` says whether the
    # list and detail pages are refused to them too.
    denied_roles: ClassVar[Sequence[str]] = ()
    reads_denied: ClassVar[bool] = True
    max_list_queries: ClassVar[int] = 15
    page_size: ClassVar[int] = 50  # the list's page size, to check pagination

    def make_in_scope(self, org: Any, n: int) -> models.Model:
        """A new object the actor can see; `n` is unique across calls, for unique codes."""
        raise NotImplementedError

    def make_out_of_scope(self, org: Any, n: int) -> models.Model:
        raise NotImplementedError

    def create_data(self, org: Any) -> dict[str, Any]:
        """Valid POST data for the create form."""
        raise NotImplementedError

    def edit_data(self, org: Any, obj: models.Model) -> dict[str, Any]:
        """Valid POST data for the edit form of `obj` (a complete form, as a browser sends)."""
        raise NotImplementedError

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        """(create form data, the fields that must show an error; "__all__" for the form)."""
        return []

    def invalid_edit_data(
        self, org: Any, obj: models.Model
    ) -> list[tuple[dict[str, Any], set[str]]]:
        """(edit form data for `obj`, the fields that must show an error)."""
        return []

    def find_created(self, data: dict[str, Any]) -> models.Model | None:
        """The object a create form made from `data` (override when no field identifies it)."""
        unique = [
            f.name
            for f in self.model._meta.concrete_fields
            if f.unique and not f.primary_key and f.name in data
        ]
        assert unique, "override find_created: no unique field in the create data"
        return self.model._default_manager.filter(
            **{name: data[name] for name in unique[:1]}
        ).first()

    def check_edited(self, obj: models.Model, data: dict[str, Any]) -> None:
        """Assert that `obj` (fresh from the database) holds the edit data."""
        for name, sent in data.items():
            try:
                field = obj._meta.get_field(name)
            except Exception:  # noqa: S112 - form-only keys (e.g. roles) have no field
                continue
            if not getattr(field, "concrete", False) or field.many_to_many:
                continue
            stored = getattr(obj, field.attname)  # type: ignore[union-attr]
            if isinstance(field, models.BooleanField):
                assert stored == (sent not in ("", None, False, "false")), name
            else:
                assert str(stored if stored is not None else "") == str(sent), (
                    f"{name}: sent {sent!r}, stored {stored!r}"
                )

    def object_gone(self, pk: Any) -> bool:
        return not self.model._default_manager.filter(pk=pk).exists()

    # --- helpers ---------------------------------------------------------------------------

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    def url(self, name: str | None, obj: models.Model | None = None) -> str:
        if name is None:
            pytest.skip("this model has no such page")
        return reverse(name, args=[obj.pk] if obj is not None else [])

    def new_in_scope(self, org: Any) -> models.Model:
        return self.make_in_scope(org, next(_numbers))

    def new_out_of_scope(self, org: Any) -> models.Model:
        return self.make_out_of_scope(org, next(_numbers))

    def state(self, obj: models.Model) -> dict[str, Any]:
        fresh = self.model._default_manager.get(pk=obj.pk)
        return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}

    def assert_form_errors(self, response: Any, fields: set[str], data: dict[str, Any]) -> None:
        assert response.status_code == 200, (data, response.status_code)
        form = response.context["form"]
        errors = form.errors
        assert errors, f"{data}: the form was accepted"
        missing = fields - set(errors)
        assert not missing, f"{data}: no error on {missing}; errors were {errors.as_data()}"
        assert b"invalid-feedback" in response.content or b"form-errors" in response.content

    def assert_audited(self, action: str, pk: Any, before: int) -> None:
        assert audit_count() > before, "the change left no audit event"
        assert AuditEvent.objects.filter(
            action=action, object_type=self.object_type, object_id=str(pk)
        ).exists(), f"no {action!r} audit event for {self.object_type} #{pk}"

    # --- fixtures --------------------------------------------------------------------------

    @pytest.fixture
    def actor(self, org: Any, make_user: Any) -> Any:
        user = make_user(*self.actor_roles, unit=getattr(org, self.actor_unit))
        grant(user, *self.actor_permissions)
        return user

    @pytest.fixture
    def browser(self, actor: Any) -> Client:
        """A test client logged in as the actor (second factor passed where the role needs
        it)."""
        client = Client()
        web_login(client, actor)
        return client

    @pytest.fixture
    def denied_browser(self, org: Any, make_user: Any) -> Client:
        client = Client()
        web_login(client, make_user(*self.denied_roles, unit=getattr(org, self.actor_unit)))
        return client

    # --- list ------------------------------------------------------------------------------

    def test_list_shows_only_objects_in_scope(self, browser: Client, org: Any) -> None:
        url = self.url(self.list_url_name)
        inside = [self.new_in_scope(org), self.new_in_scope(org)]
        outside = self.new_out_of_scope(org)
        response = browser.get(url)
        assert response.status_code == 200
        page = response.context["page"]
        shown = {obj.pk for obj in page.object_list}
        assert {obj.pk for obj in inside} <= shown
        assert outside.pk not in shown
        if self.detail_url_name:
            html = response.content.decode()
            assert self.url(self.detail_url_name, inside[0]) in html
            assert self.url(self.detail_url_name, outside) not in html

    def test_list_is_paginated(self, browser: Client, org: Any) -> None:
        url = self.url(self.list_url_name)
        response = browser.get(url)
        total = response.context["page"].paginator.count
        for _ in range(max(0, self.page_size + 1 - total)):
            self.new_in_scope(org)
        first = browser.get(url)
        assert len(first.context["page"].object_list) == self.page_size
        assert first.context["page"].has_next()
        second = browser.get(url, {"page": 2})
        assert second.status_code == 200
        assert second.context["page"].number == 2
        assert {o.pk for o in second.context["page"].object_list}.isdisjoint(
            {o.pk for o in first.context["page"].object_list}
        )
        # A page past the end shows the last page rather than failing.
        assert browser.get(url, {"page": 10_000}).status_code == 200

    def test_list_query_count_does_not_grow_with_rows(
        self, browser: Client, org: Any, django_assert_max_num_queries: Any
    ) -> None:
        url = self.url(self.list_url_name)
        self.new_in_scope(org)
        browser.get(url)  # warm per-process caches (content types), as any later request
        with CaptureQueriesContext(connection) as few:
            assert browser.get(url).status_code == 200
        for _ in range(6):
            self.new_in_scope(org)
        with (
            django_assert_max_num_queries(self.max_list_queries),
            CaptureQueriesContext(connection) as many,
        ):
            assert browser.get(url).status_code == 200
        assert len(many) == len(few), (
            f"{len(few)} queries for a short list, {len(many)} for a longer one (N+1?)"
        )

    # --- detail ----------------------------------------------------------------------------

    def test_detail(self, browser: Client, org: Any) -> None:
        obj = self.new_in_scope(org)
        response = browser.get(self.url(self.detail_url_name, obj))
        assert response.status_code == 200

    # --- create ----------------------------------------------------------------------------

    def test_create(self, browser: Client, org: Any) -> None:
        url = self.url(self.create_url_name)
        assert browser.get(url).status_code == 200
        data = self.create_data(org)
        rows = self.model._default_manager.count()
        before = audit_count()
        response = browser.post(url, data)
        errors = response.context["form"].errors if response.context else None
        assert response.status_code == 302, errors
        assert self.model._default_manager.count() == rows + 1
        created = self.find_created(data)
        assert created is not None
        self.assert_audited(AuditAction.CREATE, created.pk, before)

    def test_create_with_bad_data_shows_errors_and_saves_nothing(
        self, browser: Client, org: Any
    ) -> None:
        url = self.url(self.create_url_name)
        cases = self.invalid_data(org)
        if not cases:
            pytest.skip("no invalid create data for this model")
        rows = self.model._default_manager.count()
        before = audit_count()
        for data, fields in cases:
            self.assert_form_errors(browser.post(url, data), fields, data)
        assert self.model._default_manager.count() == rows
        assert audit_count() == before

    # --- edit ------------------------------------------------------------------------------

    def test_edit(self, browser: Client, org: Any) -> None:
        obj = self.new_in_scope(org)
        url = self.url(self.edit_url_name, obj)
        assert browser.get(url).status_code == 200
        data = self.edit_data(org, obj)
        before = audit_count()
        response = browser.post(url, data)
        errors = response.context["form"].errors if response.context else None
        assert response.status_code == 302, errors
        self.check_edited(self.model._default_manager.get(pk=obj.pk), data)
        self.assert_audited(AuditAction.UPDATE, obj.pk, before)

    def test_edit_with_bad_data_shows_errors_and_changes_nothing(
        self, browser: Client, org: Any
    ) -> None:
        obj = self.new_in_scope(org)
        url = self.url(self.edit_url_name, obj)
        cases = self.invalid_edit_data(org, obj)
        if not cases:
            pytest.skip("no invalid edit data for this model")
        state = self.state(obj)
        before = audit_count()
        for data, fields in cases:
            self.assert_form_errors(browser.post(url, data), fields, data)
        assert self.state(obj) == state
        assert audit_count() == before

    # --- delete ----------------------------------------------------------------------------

    def test_delete(self, browser: Client, org: Any) -> None:
        obj = self.new_in_scope(org)
        url = self.url(self.delete_url_name, obj)
        confirm = browser.get(url)
        assert confirm.status_code == 200
        assert b'method="post"' in confirm.content
        assert not self.object_gone(obj.pk), "a GET must not delete"
        before = audit_count()
        response = browser.post(url)
        assert response.status_code == 302
        assert self.object_gone(obj.pk)
        self.assert_audited(AuditAction.DELETE, obj.pk, before)

    # --- refusals --------------------------------------------------------------------------

    def _pages(self, obj: models.Model) -> list[tuple[str, str, str]]:
        """(page kind, method, url) of every page this model has, for `obj` where the page
        takes an object."""
        pages = []
        for kind, name, method in (
            ("list", self.list_url_name, "get"),
            ("detail", self.detail_url_name, "get"),
            ("create", self.create_url_name, "get"),
            ("create", self.create_url_name, "post"),
            ("edit", self.edit_url_name, "get"),
            ("edit", self.edit_url_name, "post"),
            ("delete", self.delete_url_name, "get"),
            ("delete", self.delete_url_name, "post"),
        ):
            if name:
                takes_obj = kind in ("detail", "edit", "delete")
                pages.append((kind, method, reverse(name, args=[obj.pk] if takes_obj else [])))
        return pages

    def _post_data(self, kind: str, org: Any, obj: models.Model) -> dict[str, Any]:
        """Valid data for a POST to a page, so only the refusal can stop it."""
        if kind == "create":
            return self.create_data(org)
        if kind == "edit":
            return self.edit_data(org, obj)
        return {}

    def test_permission_denied(self, denied_browser: Client, org: Any) -> None:
        obj = self.new_in_scope(org)
        state = self.state(obj)
        rows = self.model._default_manager.count()
        before = audit_count()
        for kind, method, url in self._pages(obj):
            data = self._post_data(kind, org, obj) if method == "post" else {}
            response = getattr(denied_browser, method)(url, data)
            allowed = kind in ("list", "detail") and not self.reads_denied
            expected = 200 if allowed else 403
            assert response.status_code == expected, (method, url, response.status_code)
        assert self.state(obj) == state
        assert self.model._default_manager.count() == rows
        assert audit_count() == before

    def test_anonymous_is_sent_to_log_in(self, org: Any) -> None:
        obj = self.new_in_scope(org)
        state = self.state(obj)
        rows = self.model._default_manager.count()
        anonymous = Client()
        for kind, method, url in self._pages(obj):
            data = self._post_data(kind, org, obj) if method == "post" else {}
            response = getattr(anonymous, method)(url, data)
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith(reverse("login")), (method, url)
        assert self.state(obj) == state
        assert self.model._default_manager.count() == rows

    def test_out_of_scope_object_is_not_found(self, browser: Client, org: Any) -> None:
        obj = self.new_out_of_scope(org)
        state = self.state(obj)
        before = audit_count()
        pages = [page for page in self._pages(obj) if page[0] in ("detail", "edit", "delete")]
        if not pages:
            pytest.skip("no page takes an object")
        for kind, method, url in pages:
            data = self._post_data(kind, org, obj) if method == "post" else {}
            response = getattr(browser, method)(url, data)
            assert response.status_code == 404, (method, url, response.status_code)
        assert self.state(obj) == state
        assert audit_count() == before
