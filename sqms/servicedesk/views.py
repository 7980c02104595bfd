"""UI views of the service desk: the agent's workspace, quick registration, the ticket page with
its actions, and the manager's view of a unit.

Views stay thin: they check the permission, fetch through sqms.servicedesk.access (404 outside
the user's scope), validate a form and call a service; a service's refusal (DomainError,
ConflictError) comes back as a message or a form error, never as a server error.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.fields import blind_match
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.masking import mask_name, mask_phone
from sqms.core.reveal import can_reveal, reveal
from sqms.core.scope import sees_all_units
from sqms.core.views import permission_view
from sqms.servicedesk import extensions, services, sla
from sqms.servicedesk import forms as sd_forms
from sqms.servicedesk.access import access_ticket, visible_tickets
from sqms.servicedesk.choices import OPEN_STATUSES, TicketStatus
from sqms.servicedesk.filtersets import TicketFilterSet
from sqms.servicedesk.models import Ticket
from sqms.servicedesk.sla_states import (
    OPEN,
    breached_q,
    due_soon_q,
    is_breached,
    next_due,
    sla_counts,
)
from sqms.servicedesk.ticket_actions import (
    ACTIONS,
    action_allowed,
    build_action_form,
    can_comment,
)

PAGE_SIZE = 25
VIEW = "servicedesk.view_ticket"
ADD = "servicedesk.add_ticket"
REVEALABLE_FIELDS = ("customer_name", "customer_phone")
DUE_SOON_HOURS = (1, 2, 4, 8, 24)
DEFAULT_DUE_SOON_HOURS = 4
LIST_RELATED = ("org_unit", "assignee", "category", "handling_department")


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def decorate(tickets: Any, now: datetime) -> None:
    """Per-row values the list templates show; computed from loaded rows, no queries."""
    for ticket in tickets:
        ticket.due_at, ticket.due_target = next_due(ticket)
        ticket.is_breached = is_breached(ticket, now)
        ticket.customer_masked = mask_name(ticket.customer_name or "")
        ticket.phone_masked = mask_phone(ticket.customer_phone or "")


# --- workspace and lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: Promise
    icon: str
    empty: Promise


TABS = (
    Tab(
        "mine",
        gettext_lazy("My tickets"),
        "person-workspace",
        gettext_lazy("Nothing assigned to you is open."),
    ),
    Tab(
        "queue",
        gettext_lazy("My unit's queue"),
        "inboxes",
        gettext_lazy("No open tickets in your unit."),
    ),
    Tab(
        "due",
        gettext_lazy("Due soon"),
        "hourglass-split",
        gettext_lazy("Nothing falls due in this window."),
    ),
    Tab(
        "breached",
        gettext_lazy("Breached"),
        "exclamation-triangle",
        gettext_lazy("No open ticket has missed its commitment."),
    ),
)
TAB_KEYS = {tab.key for tab in TABS}


def unit_queue_q(user: Any) -> Q:
    """Tickets of the user's own unit subtree, or handed to a department in it."""
    unit = user.org_unit
    if unit is None:
        return Q(pk__in=[])
    return Q(org_unit__path__startswith=unit.path) | Q(
        handling_department__path__startswith=unit.path
    )


def tab_querysets(user: Any, now: datetime, hours: int, unassigned: bool) -> dict[str, QuerySet]:
    base = visible_tickets(user).filter(OPEN)
    queue = base.filter(unit_queue_q(user))
    if unassigned:
        queue = queue.filter(assignee__isnull=True)
    return {
        "mine": base.filter(assignee=user).order_by("resolve_due_at", "-created_at"),
        "queue": queue.order_by("priority", "created_at"),
        "due": base.filter(due_soon_q(now, hours)).order_by("resolve_due_at", "response_due_at"),
        "breached": base.filter(breached_q(now)).order_by("resolve_due_at"),
    }


@permission_view(VIEW)
@require_GET
def ticket_workspace(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    now = timezone.now()
    tab = request.GET.get("tab", "mine")
    if tab not in TAB_KEYS:
        tab = "mine"
    try:
        hours = int(request.GET.get("hours", DEFAULT_DUE_SOON_HOURS))
    except ValueError:
        hours = DEFAULT_DUE_SOON_HOURS
    if hours not in DUE_SOON_HOURS:
        hours = DEFAULT_DUE_SOON_HOURS
    unassigned = request.GET.get("unassigned") == "1"
    querysets = tab_querysets(user, now, hours, unassigned)
    counts = {key: qs.count() for key, qs in querysets.items()}
    page = paginate(request, querysets[tab].select_related(*LIST_RELATED))
    decorate(page.object_list, now)
    context = {
        "tabs": [(item, counts[item.key]) for item in TABS],
        "tab": next(item for item in TABS if item.key == tab),
        "page": page,
        "now": now,
        "hours": hours,
        "hour_choices": DUE_SOON_HOURS,
        "unassigned": unassigned,
    }
    return render(request, "servicedesk/workspace.html", context)


# Shown first on the full list; the other filters wait behind "More filters".
MAIN_FILTERS = ("q", "is_open", "kind", "priority", "assignee")


@permission_view(VIEW)
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    tickets = visible_tickets(request.user).select_related(*LIST_RELATED)
    filterset = TicketFilterSet(request.GET, queryset=tickets, request=request)
    style_widgets(filterset.form)
    for name in ("due_after", "due_before", "created_after", "created_before"):
        widget = filterset.form.fields[name].widget
        if isinstance(widget, forms.DateTimeInput):
            widget.input_type = "datetime-local"
    queryset = filterset.qs if filterset.is_valid() else tickets.none()
    page = paginate(request, queryset)
    decorate(page.object_list, now)
    form = filterset.form
    context = {
        "filter": filterset,
        "page": page,
        "now": now,
        "main_fields": [form[name] for name in MAIN_FILTERS if name in form.fields],
        "more_fields": [field for field in form.visible_fields() if field.name not in MAIN_FILTERS],
    }
    return render(request, "servicedesk/ticket_list.html", context)


# --- registration ----------------------------------------------------------------------------


@permission_view(ADD)
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST" and "lookup" in request.POST:
        # The look-up button without JavaScript: show the history, keep what was typed.
        form = sd_forms.TicketRegistrationForm(initial=request.POST.dict(), user=user)
    elif request.method == "POST":
        form = sd_forms.TicketRegistrationForm(request.POST, user=user)
        # Staff certification (上岗资格) for this business: a warning, or a refusal if configured.
        check = certification_check(user, form.cleaned_data) if form.is_valid() else None
        if check is not None and check.blocking:
            form.add_error("kind", check.message)
        elif form.is_valid():
            try:
                ticket = services.register_ticket(actor=user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Ticket %(number)s registered.") % {"number": ticket.number},
                )
                if check is not None:
                    messages.warning(request, check.message)
                return redirect("ticket_detail", pk=ticket.pk)
    else:
        initial = {}
        phone = request.GET.get("customer_phone", "").strip()
        if phone:
            initial["customer_phone"] = phone
        form = sd_forms.TicketRegistrationForm(initial=initial, user=user)
    history = customer_history(user, form["customer_phone"].value() or "")
    return render(
        request,
        "servicedesk/ticket_form.html",
        {
            "form": form,
            "history": history,
            "now": timezone.now(),
            "sections": extensions.registration_sections(request, form),
        },
    )


def certification_check(user: Any, data: dict[str, Any]) -> Any:
    """The staff app's certification check for a registration (None when it is not installed
    or the agent is qualified)."""
    from django.apps import apps

    if not apps.is_installed("sqms.staff"):
        return None
    from sqms.staff.services import certification_check as staff_check

    return staff_check(user, data.get("kind", ""), data.get("category"))


HISTORY_SIZE = 10


def customer_history(user: Any, phone: str) -> list[Ticket] | None:
    """Earlier tickets of a phone number within the user's scope, newest first; None when no
    valid number was given. Found through the blind index: the number itself is encrypted."""
    form = sd_forms.CustomerLookupForm({"customer_phone": phone})
    if not phone or not form.is_valid():
        return None
    found = list(
        visible_tickets(user)
        .filter(blind_match(Ticket, "customer_phone", form.cleaned_data["customer_phone"]))
        .select_related(*LIST_RELATED)
        .order_by("-created_at")[:HISTORY_SIZE]
    )
    decorate(found, timezone.now())
    return found


@permission_view(VIEW)
@require_GET
def ticket_customer_lookup(request: HttpRequest) -> HttpResponse:
    """Previous tickets of a phone number: a fragment for the registration form (htmx), or a
    page of its own when JavaScript is off."""
    form = sd_forms.CustomerLookupForm(request.GET or None)
    phone = request.GET.get("customer_phone", "").strip()
    history = customer_history(request.user, phone) if form.is_valid() else None
    context = {"lookup_form": form, "history": history, "phone": phone, "now": timezone.now()}
    template = (
        "servicedesk/_customer_history.html" if is_htmx(request) else "servicedesk/lookup.html"
    )
    return render(request, template, context)


# --- the ticket page and its actions ---------------------------------------------------------


def ticket_page_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: sd_forms.ActionForm | None = None,
    comment_form: sd_forms.CommentForm | None = None,
    revealed: dict[str, str] | None = None,
) -> dict[str, Any]:
    user: Any = request.user
    now = timezone.now()
    panels = []
    for spec in ACTIONS.values():
        if not action_allowed(spec, ticket, user):
            continue
        form = bound if bound is not None and bound.action == spec.key else None
        panels.append((spec, form or build_action_form(spec, ticket, user)))
    if comment_form is None and can_comment(user):
        comment_form = sd_forms.CommentForm(ticket=ticket, user=user, action="comment")
    events = ticket.events.select_related("actor").order_by("created_at", "id")
    decorate([ticket], now)
    return {
        "ticket": ticket,
        "events": events,
        "panels": panels,
        "open_panel": bound.action if bound is not None else "",
        "comment_form": comment_form,
        "now": now,
        "unknown_holiday_years": sla.unknown_holiday_years(ticket),
        "can_reveal": can_reveal(user, ticket),
        # Every revealable field is present (None = masked), so templates can test for None.
        "revealed": dict.fromkeys(REVEALABLE_FIELDS) | (revealed or {}),
        "receipt_url": _optional_url("ticket_receipt", ticket),
        "attachments_url": _optional_url("ticket_attachments", ticket)
        if user.has_perm("servicedesk.view_attachment")
        else "",
        "sections": extensions.ticket_sections(request, ticket),
    }


def _optional_url(name: str, ticket: Ticket) -> str:
    # Receipts and attachments are pages of their own module; link them while mounted.
    try:
        return reverse(name, args=[ticket.pk])
    except NoReverseMatch:
        return ""


def fetch_ticket(user: Any, pk: int) -> Ticket:
    ticket = access_ticket(user, pk)
    # The page shows every related name: load them together (access_ticket gives the row).
    return (
        Ticket.objects.select_related(
            "org_unit",
            "category",
            "first_contact_owner",
            "assignee",
            "handling_department",
            "sla_policy",
            "resolved_by",
            "verified_by",
        )
        .prefetch_related("attachments")
        .get(pk=ticket.pk)
    )


@permission_view(VIEW)
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = fetch_ticket(request.user, pk)
    return render(request, "servicedesk/ticket_detail.html", ticket_page_context(request, ticket))


@login_required
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """Run one action from the ticket page. Refused by permission → 403; outside the scope →
    404; bad input or a refusal of the service → the page again with the form's errors."""
    user: Any = request.user
    spec = ACTIONS.get(action)
    if spec is None or not user.has_perm(VIEW) or not user.has_perm(spec.permission):
        raise PermissionDenied
    ticket = fetch_ticket(user, pk)
    form = build_action_form(spec, ticket, user, request.POST)
    if form.is_valid():
        try:
            spec.perform(ticket, user, form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(action)s: done for ticket %(number)s.")
                % {"action": spec.label, "number": ticket.number},
            )
            return redirect(reverse("ticket_detail", args=[ticket.pk]) + "#timeline")
    # The service may have touched the instance before refusing; show what is stored.
    ticket = fetch_ticket(user, pk)
    form.ticket = ticket
    context = ticket_page_context(request, ticket, bound=form)
    offered = any(panel_form is form for _spec, panel_form in context["panels"])
    if not offered and form.errors and not form.non_field_errors():
        # The form is not on the page (the ticket moved on meanwhile): say so up top.
        messages.error(request, _("The action is no longer available."))
    return render(request, "servicedesk/ticket_detail.html", context)


@login_required
@require_POST
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    if not user.has_perm(VIEW) or not can_comment(user):
        raise PermissionDenied
    ticket = fetch_ticket(user, pk)
    form = sd_forms.CommentForm(request.POST, ticket=ticket, user=user, action="comment")
    if form.is_valid():
        try:
            services.add_comment(
                ticket,
                actor=user,
                text=form.cleaned_data["text"],
                customer_visible=form.cleaned_data["customer_visible"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Comment added."))
            return redirect(reverse("ticket_detail", args=[ticket.pk]) + "#timeline")
    context = ticket_page_context(request, fetch_ticket(user, pk), comment_form=form)
    return render(request, "servicedesk/ticket_detail.html", context)


@login_required
@require_POST
def ticket_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one personal-data field unmasked, once: every reveal is an audit event, so the
    value is never kept on the page or in a URL."""
    user: Any = request.user
    if not user.has_perm(VIEW):
        raise PermissionDenied
    ticket = fetch_ticket(user, pk)
    if field not in REVEALABLE_FIELDS:
        raise PermissionDenied
    value = reveal(ticket, field, actor=user)  # PermissionDenied without the right
    if is_htmx(request):
        return render(request, "servicedesk/_revealed.html", {"value": value, "field": field})
    context = ticket_page_context(request, ticket, revealed={field: value})
    return render(request, "servicedesk/ticket_detail.html", context)


# --- the manager's view ----------------------------------------------------------------------


@permission_view(VIEW)
@require_GET
def ticket_manager(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    now = timezone.now()
    # By default the user's own unit; those who see every unit start with all of them.
    default_unit = None if sees_all_units(user) else user.org_unit
    unit_form = sd_forms.ManagerUnitForm(
        request.GET or None, user=user, initial={"unit": default_unit}
    )
    tickets = visible_tickets(user)
    unit = unit_form.cleaned_data["unit"] if unit_form.is_valid() else default_unit
    if unit is not None:
        tickets = tickets.filter(org_unit__path__startswith=unit.path)
    by_status = dict(
        tickets.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    status_rows = [
        (status, label, by_status.get(status, 0)) for status, label in TicketStatus.choices
    ]
    counts = sla_counts(tickets, now)
    breached = (
        tickets.filter(OPEN & breached_q(now))
        .select_related(*LIST_RELATED)
        .order_by("resolve_due_at", "response_due_at")
    )
    page = paginate(request, breached)
    decorate(page.object_list, now)
    chart = {
        "labels": [str(label) for status, label, n in status_rows if status in OPEN_STATUSES],
        "values": [n for status, _label, n in status_rows if status in OPEN_STATUSES],
        "title": _("Open tickets by status"),
    }
    context = {
        "unit_form": unit_form,
        "unit": unit,
        "status_rows": status_rows,
        "counts": counts,
        "page": page,
        "now": now,
        "chart": chart,
    }
    return render(request, "servicedesk/manager.html", context)
