"""UI views of the customers app: the list with exact look-up, the customer page agents read
before serving (服务前核实), edit, audited reveal, consent, merge, erasure, export, retention.

Views stay thin: permission, scoped fetch (404 outside scope), form, service; a refusal of the
service comes back as a form error or a message, never as a server error.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.reveal import REVEAL_PERMISSION, can_reveal
from sqms.core.views import permission_view
from sqms.customers import exports, history, retention, services
from sqms.customers.access import access_consent, access_customer, visible_customers
from sqms.customers.choices import CLASSIFICATION_COLOURS, Classification
from sqms.customers.filtersets import CustomerFilterSet
from sqms.customers.forms import (
    ConsentForm,
    CustomerForm,
    ErasureForm,
    ExportForm,
    LegalHoldForm,
    MergeForm,
    RetentionRuleForm,
    RevealForm,
)
from sqms.customers.models import Customer, DestructionLog, RetentionRule
from sqms.customers.models.customers import PERSONAL_FIELDS

PAGE_SIZE = 25
VIEW = "customers.view_customer"
ADD = "customers.add_customer"
CHANGE = "customers.change_customer"
DELETE = "customers.delete_customer"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@permission_view(VIEW)
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = visible_customers(request.user)
    filterset = CustomerFilterSet(request.GET, queryset=customers, request=request)
    style_widgets(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else customers.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {"filter": filterset, "page": page, "colours": CLASSIFICATION_COLOURS},
    )


@permission_view(VIEW, ADD)
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = CustomerForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.create_customer(
                actor=user, org_unit=form.cleaned_data["org_unit"], **form.profile_values()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Customer %(number)s created.") % {"number": customer})
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form})


def detail_context(
    request: HttpRequest,
    customer: Customer,
    *,
    revealed: dict[str, str] | None = None,
    reveal_form: RevealForm | None = None,
    consent_form: ConsentForm | None = None,
) -> dict[str, Any]:
    user: Any = request.user
    visible = visible_customers(user)
    duplicates = list(services.duplicates_of(customer).filter(pk__in=visible.values("pk"))[:10])
    profile = [
        (name, getattr(Customer._meta.get_field(name), "verbose_name", name), customer.masked(name))
        for name in PERSONAL_FIELDS
    ]
    return {
        "customer": customer,
        "profile": profile,
        "revealed": revealed or {},
        "can_reveal": can_reveal(user, customer),
        "reveal_form": reveal_form or RevealForm(),
        "counts": history.counts(customer, user),
        "entries": history.history(customer, user),
        "consents": customer.consents.all(),
        "consent_form": consent_form or ConsentForm(),
        "hold_form": LegalHoldForm(
            initial={"hold": customer.legal_hold, "reason": customer.legal_hold_reason}
        ),
        "duplicates": duplicates,
        "colour": CLASSIFICATION_COLOURS.get(Classification(customer.classification), "secondary"),
    }


@permission_view(VIEW)
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    return render(request, "customers/customer_detail.html", detail_context(request, customer))


@permission_view(VIEW, CHANGE)
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    customer = access_customer(user, pk)
    form = CustomerForm(request.POST or None, user=user, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_customer(
                customer,
                actor=user,
                org_unit=form.cleaned_data["org_unit"],
                **form.profile_values(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Customer %(number)s saved.") % {"number": customer})
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@permission_view(VIEW, DELETE)
@require_http_methods(["GET", "POST"])
def customer_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    customer = access_customer(request.user, pk)
    if request.method == "POST":
        try:
            services.delete_customer(customer, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("customer_detail", pk=customer.pk)
        messages.success(request, _("Customer %(number)s deleted.") % {"number": customer})
        return redirect("customer_list")
    return render(request, "customers/customer_confirm_delete.html", {"customer": customer})


@permission_view(VIEW)
@require_POST
def customer_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one personal field of one customer, once, with a reason; every reveal is an audit
    event, so the value is never kept on the page or put in a URL."""
    user: Any = request.user
    customer = access_customer(user, pk)
    if field not in PERSONAL_FIELDS or not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            value = services.reveal_field(
                customer, field, actor=user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if is_htmx(request):
                return render(request, "customers/_revealed.html", {"value": value, "field": field})
            context = detail_context(request, customer, revealed={field: value})
            return render(request, "customers/customer_detail.html", context)
    messages.error(request, _("Say why you need to see this value."))
    context = detail_context(request, customer, reveal_form=form)
    return render(request, "customers/customer_detail.html", context)


@permission_view(VIEW, "customers.add_consent")
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.record_consent(customer, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect(reverse("customer_detail", args=[customer.pk]) + "#consents")
    context = detail_context(request, customer, consent_form=form)
    return render(request, "customers/customer_detail.html", context)


@permission_view(VIEW, "customers.change_consent")
@require_POST
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponseBase:
    consent = access_consent(request.user, pk)
    try:
        services.withdraw_consent(consent, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Consent withdrawn."))
    return redirect(reverse("customer_detail", args=[consent.customer_id]) + "#consents")


@permission_view(VIEW, "customers.hold_customer")
@require_POST
def customer_legal_hold(request: HttpRequest, pk: int) -> HttpResponseBase:
    customer = access_customer(request.user, pk)
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        try:
            services.set_legal_hold(customer, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Legal hold saved."))
    return redirect("customer_detail", pk=customer.pk)


@permission_view(VIEW, "customers.merge_customer")
@require_http_methods(["GET", "POST"])
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    customer = access_customer(user, pk)
    initial = {"duplicate_number": request.GET.get("duplicate", "")}
    form = MergeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["duplicate_number"].strip().upper()
        duplicate = visible_customers(user).filter(number=number).first()
        if duplicate is None:
            form.add_error("duplicate_number", _("No such customer in your scope."))
        else:
            try:
                services.merge_customers(customer, duplicate, actor=user)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(duplicate)s was merged into %(number)s.")
                    % {"duplicate": number, "number": customer.number},
                )
                return redirect("customer_detail", pk=customer.pk)
    duplicates = services.duplicates_of(customer).filter(
        pk__in=visible_customers(user).values("pk")
    )[:10]
    return render(
        request,
        "customers/customer_merge.html",
        {"customer": customer, "form": form, "duplicates": duplicates},
    )


@permission_view(VIEW, "customers.erase_customer")
@require_http_methods(["GET", "POST"])
def customer_erase(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    customer = access_customer(user, pk)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retention.erase_customer(customer, actor=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Customer %(number)s was erased.") % {"number": customer.number}
            )
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "customers/customer_erase.html", {"customer": customer, "form": form})


@permission_view(VIEW, exports.EXPORT)
@require_http_methods(["GET", "POST"])
def customer_export(request: HttpRequest) -> HttpResponse:
    """GET: the form (the list's filters are carried along). POST: the file."""
    user: Any = request.user
    customers = visible_customers(user)
    filterset = CustomerFilterSet(request.GET, queryset=customers, request=request)
    queryset = filterset.qs if filterset.is_valid() else customers.none()
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reveal = form.cleaned_data["reveal"]
        if reveal and not user.has_perm(REVEAL_PERMISSION):
            form.add_error("reveal", _("You are not allowed to reveal personal data."))
        else:
            contents = form.cleaned_data["contents"]
            rows = exports.build_rows(
                user,
                queryset,
                contents=contents,
                reveal=reveal,
                reason=form.cleaned_data["reason"],
            )
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            name = f"{contents}-{stamp}"
            if form.cleaned_data["file_format"] == "csv":
                response = HttpResponse(exports.to_csv(rows), content_type="text/csv")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            else:
                response = HttpResponse(
                    exports.to_xlsx(rows, contents),
                    content_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                )
                response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
    return render(
        request,
        "customers/customer_export.html",
        {
            "form": form,
            "count": queryset.count(),
            "may_reveal": user.has_perm(REVEAL_PERMISSION),
        },
    )


@permission_view("customers.view_destructionlog")
@require_GET
def retention_overview(request: HttpRequest) -> HttpResponse:
    rules = RetentionRule.objects.order_by("record_type")
    logs = DestructionLog.objects.select_related("rule", "actor")
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/retention.html", {"rules": rules, "page": page})


@permission_view("customers.view_destructionlog", "customers.change_retentionrule")
@require_http_methods(["GET", "POST"])
def retention_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RetentionRule, pk=pk)
    initial = {
        "retention_days": rule.retention_days,
        "action": rule.action,
        "enabled": rule.enabled,
    }
    form = RetentionRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            retention.update_rule(rule, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Retention rule saved."))
            return redirect("customer_retention")
    return render(request, "customers/retention_rule_form.html", {"rule": rule, "form": form})


@permission_view("customers.view_destructionlog", "customers.change_retentionrule")
@require_POST
def retention_run(request: HttpRequest) -> HttpResponseBase:
    entries = retention.run_retention(actor=request.user)
    total = sum(entry.affected for entry in entries)
    messages.success(
        request, _("Retention run finished: %(count)d records changed.") % {"count": total}
    )
    return redirect("customer_retention")
