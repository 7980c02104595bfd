"""UI views of customer notifications: the outbound-message list with retry, the template
list and editor with preview, and the reply posted from a ticket's conversation card.

Views stay thin: they check permission, fetch within the user's scope (404 outside it),
validate a form and call a service from sqms.notifications.services.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.views import paginate, permission_view
from sqms.notifications import rendering, services
from sqms.notifications.access import (
    VIEW_MESSAGE,
    VIEW_TEMPLATE,
    access_message,
    access_template,
    visible_messages,
    visible_templates,
)
from sqms.notifications.filtersets import OutboundMessageFilterSet
from sqms.notifications.forms import ReplyForm, TemplateForm


@permission_view(VIEW_MESSAGE)
def message_list(request: HttpRequest) -> HttpResponse:
    queryset = visible_messages(request.user)
    filterset = OutboundMessageFilterSet(request.GET, queryset=queryset, request=request)
    style_widgets(filterset.form)
    filterset.form.fields["status"].widget.attrs["size"] = 4
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    page = paginate(request, rows)
    context = {
        "filter": filterset,
        "page": page,
        "may_retry": request.user.has_perm(services.RETRY_MESSAGE),
    }
    return render(request, "notifications/message_list.html", context)


@login_required
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponseBase:
    message = access_message(request.user, pk)
    try:
        services.retry_message(message, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The message will be sent again."))
    target = request.POST.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("notifications_message_list")
    return redirect(target)


@permission_view(VIEW_TEMPLATE)
def template_list(request: HttpRequest) -> HttpResponse:
    templates = visible_templates(request.user)
    return render(
        request,
        "notifications/template_list.html",
        {"templates": templates, "may_edit": request.user.has_perm(services.CHANGE_TEMPLATE)},
    )


def _preview(subject: str, body: str, language: str) -> tuple[Any, str]:
    try:
        return rendering.render(subject, body, rendering.sample_context(language)), ""
    except rendering.TemplateProblem as problem:
        return None, str(problem)


@permission_view(VIEW_TEMPLATE)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    template = access_template(user, pk)
    may_edit = user.has_perm(services.CHANGE_TEMPLATE)
    form = TemplateForm(request.POST if request.method == "POST" else None, instance=template)
    subject, body = template.subject, template.body
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("You are not allowed to edit templates."))
        if form.is_valid():
            values = form.cleaned_data
            subject, body = values["subject"], values["body"]
            if "preview" not in request.POST:
                try:
                    services.update_template(template.pk, actor=user, **values)
                except DomainError as error:
                    add_domain_error(form, error)
                else:
                    messages.success(request, _("The template was saved."))
                    return redirect("notifications_template_edit", pk=template.pk)
        else:
            subject = request.POST.get("subject", "")
            body = request.POST.get("body", "")
    template.refresh_from_db()
    preview, problem = _preview(subject, body, template.language)
    context = {
        "template": template,
        "form": form,
        "may_edit": may_edit,
        "preview": preview,
        "problem": problem,
        "variables": rendering.CONTEXT_HELP,
    }
    return render(request, "notifications/template_edit.html", context)


@login_required
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The conversation card's reply form; back to the ticket page's thread."""
    from sqms.servicedesk.access import access_ticket

    ticket = access_ticket(request.user, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_customer(ticket, actor=request.user, text=form.cleaned_data["text"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your reply is on its way to the customer."))
    else:
        messages.error(request, _("Write the reply."))
    return redirect(reverse("ticket_detail", args=[ticket.pk]) + "#conversation")
