"""Generic list, detail, create, edit and delete pages for the staff app's plain records.

Each `Crud` names a model, its form, the columns of its list and the permission prefix; the
pages fetch through the scoped querysets (404 outside the scope) and write through the audited
record services."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import permission_view
from sqms.staff.access import fetch
from sqms.staff.records import create_record, delete_record, update_record

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    label: str | Promise
    value: Callable[[Any], Any]


@dataclass
class Crud:
    name: str  # URL name prefix: staff_<name>_list …
    model: Any
    form_class: Any
    title: str | Promise
    icon: str
    columns: list[Column]
    related: tuple[str, ...] = ("org_unit",)
    detail_template: str = "staff/object_detail.html"
    detail_context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    search: Callable[[Any, str], Any] | None = None
    extra_actions: list[tuple[str | Promise, str]] = field(
        default_factory=list
    )  # (label, url name)
    # Hooks: add values a form does not carry (e.g. a version); refuse a change (raise).
    prepare: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None
    guard: Callable[[Any], None] | None = None

    @property
    def list_name(self) -> str:
        return f"staff_{self.name}_list"

    @property
    def detail_name(self) -> str:
        return f"staff_{self.name}_detail"

    @property
    def create_name(self) -> str:
        return f"staff_{self.name}_create"

    @property
    def edit_name(self) -> str:
        return f"staff_{self.name}_edit"

    @property
    def delete_name(self) -> str:
        return f"staff_{self.name}_delete"

    @property
    def perm_prefix(self) -> str:
        return f"staff.%s_{self.model._meta.model_name}"

    def perm(self, action: str) -> str:
        return self.perm_prefix % action

    def queryset(self, request: HttpRequest, action: str = "view") -> Any:
        queryset = self.model.objects.visible_to(request.user)
        if action != "view":
            queryset = queryset.editable_by(request.user)
        return queryset.select_related(*self.related)

    # --- pages ---------------------------------------------------------------------------

    def list_view(self, request: HttpRequest) -> HttpResponse:
        queryset = self.queryset(request)
        query = request.GET.get("q", "").strip()
        if query and self.search is not None:
            queryset = self.search(queryset, query)
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(obj, [column.value(obj) for column in self.columns]) for obj in page.object_list]
        return render(
            request,
            "staff/object_list.html",
            {
                "crud": self,
                "page": page,
                "rows": rows,
                "query": query,
                "can_add": request.user.has_perm(self.perm("add")),
            },
        )

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = fetch(self.queryset(request), pk)
        context = {
            "crud": self,
            "object": obj,
            "fields": [
                (f.verbose_name, _display(obj, f))
                for f in self.form_class._meta.model._meta.fields
                if f.name in self.form_class._meta.fields
            ],
            "can_change": request.user.has_perm(self.perm("change"))
            and self.queryset(request, "change").filter(pk=obj.pk).exists(),
            "can_delete": request.user.has_perm(self.perm("delete")),
        }
        if self.detail_context is not None:
            context.update(self.detail_context(request, obj))
        return render(request, self.detail_template, context)

    def _save(self, request: HttpRequest, obj: Any) -> HttpResponse:
        form = self.form_class(request.POST or None, instance=obj, user=request.user)
        if request.method == "POST" and form.is_valid():
            values = {name: form.cleaned_data[name] for name in form.cleaned_data}
            try:
                if obj is not None and self.guard is not None:
                    self.guard(obj)
                if self.prepare is not None:
                    values = self.prepare(obj, values)
                if obj is None:
                    obj = create_record(self.model, actor=request.user, **values)
                else:
                    obj = update_record(obj, actor=request.user, **values)
            except (DomainError, ValidationError) as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(f"staff_{self.name}_detail", pk=obj.pk)
        return render(
            request, "staff/object_form.html", {"crud": self, "form": form, "object": obj}
        )

    def create_view(self, request: HttpRequest) -> HttpResponse:
        return self._save(request, None)

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._save(request, fetch(self.queryset(request, "change"), pk))

    def delete_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = fetch(self.queryset(request, "delete"), pk)
        if request.method == "POST":
            try:
                if self.guard is not None:
                    self.guard(obj)
                delete_record(obj, actor=request.user)
            except DomainError as error:
                messages.error(request, error.message)
                return redirect(f"staff_{self.name}_detail", pk=obj.pk)
            messages.success(request, _("Deleted."))
            return redirect(f"staff_{self.name}_list")
        return render(request, "staff/object_confirm_delete.html", {"crud": self, "object": obj})

    def urls(
        self, prefix: str, pages: tuple[str, ...] = ("list", "create", "detail", "edit", "delete")
    ) -> list:
        n = self.name
        get_post = require_http_methods(["GET", "POST"])
        patterns = [
            path(
                f"{prefix}/",
                permission_view(self.perm("view"))(self.list_view),
                name=f"staff_{n}_list",
            ),
            path(
                f"{prefix}/new/",
                permission_view(self.perm("add"))(get_post(self.create_view)),
                name=f"staff_{n}_create",
            ),
            path(
                f"{prefix}/<int:pk>/",
                permission_view(self.perm("view"))(self.detail_view),
                name=f"staff_{n}_detail",
            ),
            path(
                f"{prefix}/<int:pk>/edit/",
                permission_view(self.perm("change"))(get_post(self.edit_view)),
                name=f"staff_{n}_edit",
            ),
            path(
                f"{prefix}/<int:pk>/delete/",
                permission_view(self.perm("delete"))(get_post(self.delete_view)),
                name=f"staff_{n}_delete",
            ),
        ]
        return [p for p in patterns if (p.name or "").rsplit("_", 1)[-1] in pages]

    def url(self, page: str, obj: Any = None) -> str:
        return reverse(f"staff_{self.name}_{page}", args=[obj.pk] if obj is not None else [])


def _display(obj: Any, model_field: Any) -> Any:
    getter = getattr(obj, f"get_{model_field.name}_display", None)
    if getter is not None:
        return getter()
    value = getattr(obj, model_field.name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value if value not in (None, "") else "—"
