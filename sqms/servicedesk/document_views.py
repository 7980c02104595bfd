"""UI views for documents around a ticket: the acceptance receipt (PDF), attachments (upload
and scope-checked download) and the bulk import of historical tickets.

Thin: permission, a fetch through sqms.servicedesk.access (404 outside the scope), a form,
then a service from receipts / attachments / importer.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import permission_view
from sqms.servicedesk import attachments, import_jobs, importer, receipts
from sqms.servicedesk.access import access_ticket
from sqms.servicedesk.document_forms import AttachmentForm, ImportForm
from sqms.servicedesk.models import Attachment

VIEW_ATTACHMENT = "servicedesk.view_attachment"
ADD_ATTACHMENT = "servicedesk.add_attachment"
IMPORT = "servicedesk.import_ticket"
LANGUAGES = ("zh-hans", "en")


# --- the acceptance receipt -------------------------------------------------------------------


@require_GET
@permission_view("servicedesk.view_ticket")
def ticket_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt as an inline PDF, in the user's language (or ?language=en|zh-hans)."""
    ticket = access_ticket(request.user, pk)
    language = request.GET.get("language") or get_language()
    if language not in LANGUAGES:
        language = get_language()
    pdf = receipts.receipt_pdf(ticket, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipts.receipt_filename(ticket)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- attachments ------------------------------------------------------------------------------


def attachments_of(ticket: Any) -> Any:
    return ticket.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-pk")


@require_http_methods(["GET", "POST"])
@permission_view("servicedesk.view_ticket", VIEW_ATTACHMENT)
def ticket_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket's attachments, with an upload form for those who may add one."""
    ticket = access_ticket(request.user, pk)
    may_upload = request.user.has_perm(ADD_ATTACHMENT)
    form = AttachmentForm()
    status = 200
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                attachment = attachments.add_attachment(
                    ticket, actor=request.user, upload=form.cleaned_data["file"]
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("%(name)s was attached.") % {"name": attachment.original_name}
                )
                return redirect("ticket_attachments", pk=ticket.pk)
        status = 400
    return render(
        request,
        "servicedesk/attachments.html",
        {
            "ticket": ticket,
            "attachments": attachments_of(ticket),
            "form": form if may_upload else None,
        },
        status=status,
    )


@require_GET
@permission_view("servicedesk.view_ticket", VIEW_ATTACHMENT)
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    """The stored file, only to users who see its ticket; always a download, never rendered."""
    ticket = access_ticket(request.user, pk)
    try:
        attachment = Attachment.objects.get(pk=attachment_pk, ticket=ticket)
        return attachments.download_response(attachment)
    except (Attachment.DoesNotExist, FileNotFoundError) as missing:
        raise Http404(_("No such attachment.")) from missing


# --- bulk import ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_view(IMPORT)
def ticket_import(request: HttpRequest) -> HttpResponseBase:
    """Upload a file; the worker checks and imports it while its page shows the progress."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_jobs.start_import(
            form.cleaned_data["file"],
            actor=request.user,
            skip_invalid=form.cleaned_data["skip_invalid"],
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect("ticket_import_job", job.pk)
    return render(
        request,
        "servicedesk/ticket_import.html",
        {
            "form": form,
            "jobs": import_jobs.visible_imports(request.user).select_related("created_by")[:10],
            "columns": list(importer.COLUMNS),
            "required_columns": importer.REQUIRED_COLUMNS,
            "max_rows": importer.MAX_ROWS,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@permission_view(IMPORT)
def ticket_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress while it runs (the page polls itself), then its report."""
    job = import_jobs.access_import(request.user, pk)
    template = (
        "servicedesk/_import_job.html"
        if request.headers.get("HX-Request")
        else "servicedesk/ticket_import_job.html"
    )
    return render(request, template, {"job": job})


@require_GET
@permission_view(IMPORT)
def ticket_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ticket-import-template.csv"'
    return response
