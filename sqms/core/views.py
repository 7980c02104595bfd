"""UI views of the core app: home, language switch, org units, users and the audit log.

Views stay thin: they check permission, fetch within the user's scope (404 outside it),
validate a form and call a service from sqms.core.services.
"""

import copy
import csv
import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core import audit, health, security, services
from sqms.core import navigation as nav
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.filtersets import OrgUnitFilterSet, UserFilterSet
from sqms.core.forms import (
    AuditLogFilterSet,
    OrgUnitCreateForm,
    OrgUnitForm,
    UserCreateForm,
    UserForm,
    add_domain_error,
    style_widgets,
)
from sqms.core.masking import mask_phone
from sqms.core.models import AuditEvent, OrgUnit, User
from sqms.core.roles import ROLE_LABELS
from sqms.core.scope import sees_all_units, unit_in_scope, unit_scope_filter

PAGE_SIZE = 50

View = Callable[..., HttpResponseBase]


def main_page(pattern_name: str) -> Callable[..., Any]:
    """The view of an app's own address (/insight/ …) when its pages all live deeper: a
    redirect to its main page, for logged-in users (others go to log in first)."""
    from django.views.generic import RedirectView

    return login_required(RedirectView.as_view(pattern_name=pattern_name))


def permission_view(*perms: str) -> Callable[[View], View]:
    """Log-in required (redirect), then every permission in `perms` required (403)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def visible_users(user: Any) -> QuerySet[User]:
    """Users whose org unit lies in `user`'s scope (the one scoping rule)."""
    return User.objects.filter(unit_scope_filter(user, "org_unit"))


# --- general --------------------------------------------------------------------------------


def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    cards = [entry for entry in nav.entries_for(request) if entry.description]
    roles = [ROLE_LABELS.get(name, name) for name in user.role_names]  # type: ignore[union-attr]
    return render(request, "core/home.html", {"cards": cards, "roles": roles})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language without JavaScript: saved on the user (so it follows them to
    every device) and in the language cookie (for the log-in page and anonymous visitors)."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    response = redirect(target)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language."))
        return response
    user = request.user
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


# --- org units ------------------------------------------------------------------------------


def _tree_base_depth(user: Any) -> int:
    """The depth drawn flush left: the tree's root, or the user's own unit."""
    if sees_all_units(user) or user.org_unit is None:
        return 1
    return int(user.org_unit.depth)


@permission_view("core.view_orgunit")
def orgunit_list(request: HttpRequest) -> HttpResponse:
    units = OrgUnit.objects.visible_to(request.user).annotate(member_count=Count("members"))
    filterset = OrgUnitFilterSet(request.GET, queryset=units, request=request)
    style_widgets(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else units.none()
    page = paginate(request, queryset)
    base = _tree_base_depth(request.user)
    for unit in page.object_list:
        unit.indent = max(0, unit.depth - base)
    return render(request, "core/orgunit_list.html", {"filter": filterset, "page": page})


@permission_view("core.view_orgunit")
def orgunit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit: OrgUnit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk)
    parent = OrgUnit.objects.get_parent(unit)
    children = OrgUnit.objects.get_children(unit).annotate(member_count=Count("members"))
    context = {
        "unit": unit,
        "parent": parent if parent is not None and unit_in_scope(request.user, parent) else None,
        "children": children,
        "member_count": unit.members.count(),
        "subtree_member_count": User.objects.filter(org_unit__path__startswith=unit.path).count(),
    }
    return render(request, "core/orgunit_detail.html", context)


@permission_view("core.add_orgunit")
@require_http_methods(["GET", "POST"])
def orgunit_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = OrgUnitCreateForm(request.POST, user=request.user)
        if form.is_valid():
            values = dict(form.cleaned_data)
            parent = values.pop("parent")
            try:
                unit = services.create_org_unit(actor=request.user, parent=parent, **values)
            except (DomainError, ValidationError) as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Org unit %(unit)s created.") % {"unit": unit})
                return redirect("orgunit_detail", pk=unit.pk)
    else:
        initial = {}
        wanted_parent = request.GET.get("parent", "")
        if wanted_parent.isdigit():
            initial["parent"] = (
                OrgUnit.objects.visible_to(request.user).filter(pk=wanted_parent).first()
            )
        form = OrgUnitCreateForm(initial=initial, user=request.user)
    return render(request, "core/orgunit_form.html", {"form": form, "unit": None})


@permission_view("core.change_orgunit")
@require_http_methods(["GET", "POST"])
def orgunit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit: OrgUnit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        # The form works on a copy: validating a ModelForm writes into its instance, and the
        # service must see the stored values to audit what changed.
        form = OrgUnitForm(request.POST, instance=copy.copy(unit))
        if form.is_valid():
            try:
                services.update_org_unit(unit, actor=request.user, **form.cleaned_data)
            except (DomainError, ValidationError) as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Org unit %(unit)s saved.") % {"unit": unit})
                return redirect("orgunit_detail", pk=unit.pk)
    else:
        form = OrgUnitForm(instance=unit)
    return render(request, "core/orgunit_form.html", {"form": form, "unit": unit})


@permission_view("core.delete_orgunit")
@require_http_methods(["GET", "POST"])
def orgunit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    unit: OrgUnit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.delete_org_unit(unit, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("orgunit_detail", pk=pk)
        messages.success(request, _("Org unit %(unit)s deleted.") % {"unit": unit})
        return redirect("orgunit_list")
    return render(request, "core/orgunit_confirm_delete.html", {"unit": unit})


# --- users ----------------------------------------------------------------------------------


@permission_view("core.view_user")
def user_list(request: HttpRequest) -> HttpResponse:
    users = visible_users(request.user).select_related("org_unit").prefetch_related("groups")
    filterset = UserFilterSet(request.GET, queryset=users, request=request)
    style_widgets(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else users.none()
    page = paginate(request, queryset)
    locked = security.locked_out_usernames(user.username for user in page.object_list)
    for user in page.object_list:
        user.role_labels = [ROLE_LABELS.get(name, name) for name in user.role_names]
        user.locked_out = user.username in locked
        user.mobile_masked = mask_phone(user.mobile)
    return render(request, "core/user_list.html", {"filter": filterset, "page": page})


@permission_view("core.view_user")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(
        visible_users(request.user).select_related("org_unit").prefetch_related("groups"), pk=pk
    )
    context = {
        "target": target,
        "role_labels": [ROLE_LABELS.get(name, name) for name in target.role_names],
        "mobile_masked": mask_phone(target.mobile),
        "two_factor": security.confirmed_device(target) is not None,
        "locked_out": security.is_locked_out(target),
    }
    return render(request, "core/user_detail.html", context)


@permission_view("core.add_user")
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UserCreateForm(request.POST, editor=request.user)
        if form.is_valid():
            try:
                target = services.create_user(
                    actor=request.user,
                    password=form.cleaned_data["password1"],
                    roles=form.cleaned_data["roles"],
                    **form.profile_values(),
                )
            except (DomainError, ValidationError) as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("User %(user)s created.") % {"user": target})
                return redirect("user_detail", pk=target.pk)
    else:
        initial = {"language": settings.LANGUAGE_CODE, "is_active": True}
        if request.user.org_unit_id:  # type: ignore[union-attr]
            initial["org_unit"] = request.user.org_unit  # type: ignore[union-attr]
        form = UserCreateForm(initial=initial, editor=request.user)
    return render(request, "core/user_form.html", {"form": form, "target": None})


@permission_view("core.change_user")
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(
        visible_users(request.user).select_related("org_unit").prefetch_related("groups"), pk=pk
    )
    if request.method == "POST":
        form = UserForm(request.POST, instance=copy.copy(target), editor=request.user)
        if form.is_valid():
            try:
                services.update_user(
                    target,
                    actor=request.user,
                    roles=form.cleaned_data["roles"],
                    **form.profile_values(),
                )
            except (DomainError, ValidationError) as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("User %(user)s saved.") % {"user": target})
                return redirect("user_detail", pk=target.pk)
    else:
        form = UserForm(instance=target, editor=request.user)
    return render(request, "core/user_form.html", {"form": form, "target": target})


# --- audit log ------------------------------------------------------------------------------


def _object_type_label(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _diff_rows(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every key either side names, in a stable order."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys]


def _audit_filterset(request: HttpRequest) -> tuple[AuditLogFilterSet, QuerySet[AuditEvent]]:
    events = AuditEvent.objects.visible_to(request.user).select_related("org_unit")
    filterset = AuditLogFilterSet(request.GET, queryset=events, request=request)
    style_widgets(filterset.form)
    return filterset, (filterset.qs if filterset.is_valid() else events.none())


@permission_view("core.view_auditevent")
def auditevent_list(request: HttpRequest) -> HttpResponse:
    filterset, events = _audit_filterset(request)
    page = paginate(request, events.order_by("-seq"))
    for event in page.object_list:
        event.diff = _diff_rows(event)
        event.object_type_label = _object_type_label(event.object_type)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "export_query": query.urlencode(),
        "object_types": sorted(model._meta.label_lower for model in apps.get_models()),
    }
    return render(request, "core/auditevent_list.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte-order mark makes spreadsheet programs read the file as UTF-8 (Chinese text).
    yield "\ufeff"
    yield writer.writerow(
        [
            _("Sequence"),
            _("Time"),
            _("Actor"),
            _("Action"),
            _("Object type"),
            _("Object id"),
            _("Object"),
            _("Org unit"),
            _("IP address"),
            _("Before"),
            _("After"),
            _("Hash"),
        ]
    )
    zone = timezone.get_current_timezone()
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                _csv_safe(value)
                for value in (
                    event.seq,
                    event.created_at.astimezone(zone).isoformat(),
                    event.actor_repr,
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.object_repr,
                    event.org_unit.code if event.org_unit else "",
                    event.ip or "",
                    json.dumps(event.before, ensure_ascii=False) if event.before else "",
                    json.dumps(event.after, ensure_ascii=False) if event.after else "",
                    event.hash,
                )
            ]
        )


@permission_view("core.view_auditevent", "core.export_auditevent")
def auditevent_export(request: HttpRequest) -> HttpResponseBase:
    filterset, events = _audit_filterset(request)
    if not filterset.is_valid():
        messages.error(request, _("The filter is not valid; nothing was exported."))
        return redirect(f"{reverse('auditevent_list')}?{request.GET.urlencode()}")
    # Fix the export to the events that exist now, so it never contains its own audit event.
    last_seq = events.aggregate(last=Max("seq"))["last"] or 0
    events = events.filter(seq__lte=last_seq).order_by("-seq")
    filters = {key: value for key, value in filterset.form.cleaned_data.items() if value}
    audit.record(
        AuditAction.EXPORT,
        actor=request.user,
        object_type=AuditEvent._meta.label_lower,
        object_repr=_("Audit log (CSV)"),
        after={"filters": filters, "rows": events.count()},
    )
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An API client gets a JSON 404 for an address no route matches, as for a missing record;
    a person gets the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
