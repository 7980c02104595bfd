"""Pages of the intake app: inbound messages (quarantine, dead letters, decisions),
mailboxes and integrations. Thin: fetch through access.py, call a service, render."""

from email.utils import getaddresses
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.masking import mask_email, mask_name
from sqms.core.views import paginate, permission_view
from sqms.intake import access, services
from sqms.intake.choices import REPROCESSABLE, MessageStatus, Source
from sqms.intake.filtersets import InboundMessageFilterSet
from sqms.intake.forms import AcceptForm, DiscardForm, IntegrationForm, MailboxForm
from sqms.intake.mailparse import UnreadableMessage, parse_mail
from sqms.intake.models import InboundMessage

PREVIEW_CHARS = 20000


# --- inbound messages -----------------------------------------------------------------------


@permission_view(access.VIEW_MESSAGE)
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data:
        # Open on what needs a decision: the quarantine and the dead letters.
        data["attention"] = "true"
    filterset = InboundMessageFilterSet(
        data, queryset=access.visible_messages(request.user), request=request
    )
    style_widgets(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else InboundMessage.objects.none()
    return render(
        request,
        "intake/message_list.html",
        {"filter": filterset, "page": paginate(request, queryset)},
    )


ADDRESS_HEADERS = {"from", "to", "cc", "bcc", "reply-to", "sender", "return-path", "delivered-to"}


def masked_header(name: str, value: str) -> str:
    """Address headers with names and addresses masked (张*, z*******@example.com)."""
    if name.lower() not in ADDRESS_HEADERS:
        return value
    people = getaddresses([value])
    return ", ".join(
        f"{mask_name(person)} <{mask_email(address)}>" if person else mask_email(address)
        for person, address in people
        if address or person
    )


def _preview(message: InboundMessage) -> dict[str, Any]:
    if message.source == Source.WEBHOOK:
        return {"body": message.raw_bytes.decode("utf-8", errors="replace")[:PREVIEW_CHARS]}
    try:
        mail = parse_mail(message.raw_bytes, envelope_sender=None)
    except (UnreadableMessage, Exception) as unreadable:
        return {
            "unreadable": str(unreadable),
            "body": message.raw_bytes[:PREVIEW_CHARS].decode("utf-8", errors="replace"),
        }
    return {
        "headers": [(name, masked_header(name, value)) for name, value in mail.headers],
        "body": mail.text[:PREVIEW_CHARS],
        "html": mail.html[:PREVIEW_CHARS],
        "attachments": [(item.name, len(item.content)) for item in mail.attachments],
    }


@permission_view(access.VIEW_MESSAGE)
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = access.access_message(request.user, pk, with_raw=True)
    may_decide = request.user.has_perm(services.PROCESS)
    return render(
        request,
        "intake/message_detail.html",
        {
            "message": message,
            "preview": _preview(message),
            "may_reprocess": may_decide and message.status in REPROCESSABLE,
            "may_accept": may_decide
            and message.status == MessageStatus.QUARANTINED
            and message.source == Source.EMAIL,
            "discard_form": DiscardForm(),
            "accept_form": AcceptForm(user=request.user, initial={"org_unit": message.org_unit}),
        },
    )


def _decide(request: HttpRequest, pk: int, decision: Any) -> HttpResponse:
    message = access.access_message(request.user, pk, with_raw=True)
    try:
        decision(message)
    except DomainError as refused:
        messages.error(request, refused.message)
    return redirect("intake_message_detail", pk=message.pk)


@permission_view(access.VIEW_MESSAGE, services.PROCESS)
@require_POST
def message_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    def decide(message: InboundMessage) -> None:
        result = services.reprocess_message(message, actor=request.user)
        messages.info(
            request, _("Processed again: %(status)s.") % {"status": result.get_status_display()}
        )

    return _decide(request, pk, decide)


@permission_view(access.VIEW_MESSAGE, services.PROCESS)
@require_POST
def message_discard(request: HttpRequest, pk: int) -> HttpResponse:
    form = DiscardForm(request.POST)

    def decide(message: InboundMessage) -> None:
        if not form.is_valid():
            raise DomainError(_("Say why the message is discarded."), field="reason")
        services.discard_message(message, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The message was discarded."))

    return _decide(request, pk, decide)


@permission_view(access.VIEW_MESSAGE, services.PROCESS)
@require_POST
def message_accept(request: HttpRequest, pk: int) -> HttpResponse:
    as_new = request.POST.get("as") == "new"
    form = AcceptForm(request.POST, user=request.user)

    def decide(message: InboundMessage) -> None:
        unit = form.cleaned_data["org_unit"] if as_new and form.is_valid() else None
        if as_new and unit is None:
            raise DomainError(_("Choose an org unit within your scope."), field="org_unit")
        services.accept_quarantined(
            message, actor=request.user, as_new_ticket=as_new, org_unit=unit
        )
        messages.success(request, _("The message was accepted."))

    return _decide(request, pk, decide)


# --- mailboxes ------------------------------------------------------------------------------


@permission_view(access.VIEW_MAILBOX)
@require_GET
def mailbox_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, access.visible_mailboxes(request.user))
    return render(
        request,
        "intake/mailbox_list.html",
        {"page": page, "may_add": request.user.has_perm("intake.add_mailbox")},
    )


@permission_view(access.VIEW_MAILBOX)
@require_GET
def mailbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = access.access_mailbox(request.user, pk)
    return render(
        request,
        "intake/mailbox_detail.html",
        {
            "mailbox": mailbox,
            "may_change": request.user.has_perm(services.MANAGE_MAILBOX),
            "may_delete": request.user.has_perm("intake.delete_mailbox"),
        },
    )


@permission_view(access.VIEW_MAILBOX, "intake.add_mailbox")
@require_http_methods(["GET", "POST"])
def mailbox_create(request: HttpRequest) -> HttpResponse:
    form = MailboxForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = services.create_mailbox(actor=request.user, **form.cleaned_data)
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            return redirect("intake_mailbox_detail", pk=mailbox.pk)
    return render(request, "intake/form.html", {"form": form, "title": _("Add mailbox")})


@permission_view(access.VIEW_MAILBOX, services.MANAGE_MAILBOX)
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = access.access_mailbox(request.user, pk)
    initial = {name: getattr(mailbox, name) for name in services.MAILBOX_AUDIT}
    form = MailboxForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_mailbox(mailbox, actor=request.user, **form.cleaned_data)
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            return redirect("intake_mailbox_detail", pk=mailbox.pk)
    return render(
        request, "intake/form.html", {"form": form, "title": _("Edit mailbox"), "object": mailbox}
    )


@permission_view(access.VIEW_MAILBOX, "intake.delete_mailbox")
@require_http_methods(["GET", "POST"])
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = access.access_mailbox(request.user, pk)
    if request.method == "POST":
        try:
            services.delete_mailbox(mailbox, actor=request.user)
        except DomainError as refused:
            messages.error(request, refused.message)
            return redirect("intake_mailbox_detail", pk=mailbox.pk)
        messages.success(request, _("The mailbox was deleted."))
        return redirect("intake_mailbox_list")
    return render(request, "intake/mailbox_confirm_delete.html", {"mailbox": mailbox})


# --- integrations ---------------------------------------------------------------------------

SECRET_SESSION_KEY = "intake_new_secret"  # noqa: S105 - a session key name, not a secret


@permission_view(access.VIEW_INTEGRATION)
@require_GET
def integration_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, access.visible_integrations(request.user))
    return render(
        request,
        "intake/integration_list.html",
        {"page": page, "may_add": request.user.has_perm("intake.add_integration")},
    )


@permission_view(access.VIEW_INTEGRATION)
@require_GET
def integration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    integration = access.access_integration(request.user, pk)
    # The secret is shown once, on the page right after it was made, then forgotten.
    issued = request.session.pop(SECRET_SESSION_KEY, None)
    secret = issued["secret"] if issued and issued.get("pk") == integration.pk else ""
    return render(
        request,
        "intake/integration_detail.html",
        {
            "integration": integration,
            "secret": secret,
            "may_change": request.user.has_perm(services.MANAGE_INTEGRATION),
        },
    )


def _show_secret_once(request: HttpRequest, issued: services.IssuedSecret) -> HttpResponse:
    request.session[SECRET_SESSION_KEY] = {"pk": issued.integration.pk, "secret": issued.secret}
    return redirect("intake_integration_detail", pk=issued.integration.pk)


@permission_view(access.VIEW_INTEGRATION, "intake.add_integration")
@require_http_methods(["GET", "POST"])
def integration_create(request: HttpRequest) -> HttpResponse:
    form = IntegrationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.create_integration(actor=request.user, **form.cleaned_data)
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            return _show_secret_once(request, issued)
    return render(request, "intake/form.html", {"form": form, "title": _("Add integration")})


@permission_view(access.VIEW_INTEGRATION, services.MANAGE_INTEGRATION)
@require_http_methods(["GET", "POST"])
def integration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    integration = access.access_integration(request.user, pk)
    fields = ["name", "channel", "org_unit", "default_kind", "rate_limit_per_minute", "active"]
    initial = {name: getattr(integration, name) for name in fields}
    form = IntegrationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_integration(integration, actor=request.user, **form.cleaned_data)
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            return redirect("intake_integration_detail", pk=integration.pk)
    return render(
        request,
        "intake/form.html",
        {"form": form, "title": _("Edit integration"), "object": integration},
    )


@permission_view(access.VIEW_INTEGRATION, services.MANAGE_INTEGRATION)
@require_POST
def integration_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    integration = access.access_integration(request.user, pk)
    return _show_secret_once(request, services.rotate_secret(integration, actor=request.user))


@permission_view(access.VIEW_INTEGRATION, services.MANAGE_INTEGRATION)
@require_POST
def integration_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    integration = access.access_integration(request.user, pk)
    if not integration.active:
        raise PermissionDenied
    services.update_integration(integration, actor=request.user, active=False)
    messages.success(request, _("The integration was deactivated."))
    return redirect("intake_integration_detail", pk=integration.pk)
