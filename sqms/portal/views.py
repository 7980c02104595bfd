"""Pages of the public portal: submit, track (number + phone or signed link), the ticket's
public page with its follow-up actions. No log-in anywhere; CSRF on every POST."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core.errors import ConflictError, DomainError
from sqms.portal import access, limits, links, services
from sqms.portal.choices import LimitKind
from sqms.portal.forms import MessageForm, NotSolvedForm, SubmitForm, TrackForm
from sqms.portal.public import find_by_number, phone_matches, public_view
from sqms.servicedesk.models import Ticket

# Room for the form fields next to the largest allowed attachments.
FORM_OVERHEAD_BYTES = 256 * 1024


def max_body_bytes() -> int:
    default = services.MAX_ATTACHMENTS * services.attachments.max_bytes() + FORM_OVERHEAD_BYTES
    return int(getattr(settings, "SQMS_PORTAL_MAX_BODY_BYTES", default))


def limited(request: HttpRequest, message: str = "") -> HttpResponse:
    """The 429 page, in the visitor's language."""
    return render(
        request,
        "portal/limited.html",
        {"message": message or _("Too many requests. Please try again later.")},
        status=429,
    )


def _apply_error(form: Any, error: DomainError) -> None:
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
    else:
        form.add_error(None, error.message)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"track_form": TrackForm()})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Checks the body size before anything reads the body, then CSRF, then the form."""
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            return render(request, "portal/too_large.html", status=413)
    return _submit(request)


@csrf_protect
def _submit(request: HttpRequest) -> HttpResponse:
    address = limits.client_address(request)
    if request.method != "POST":
        return render(request, "portal/submit.html", {"form": SubmitForm()})
    if limits.is_limited(LimitKind.SUBMIT_IP, address):
        return limited(request)
    form = SubmitForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket = services.submit_request(form.submission(), address=address)
        except services.RateLimited as error:
            return limited(request, error.message)
        except DomainError as error:
            _apply_error(form, error)
        else:
            access.grant(request, ticket)
            return redirect("portal_submitted", number=ticket.number)
    form.renew_token()
    return render(request, "portal/submit.html", {"form": form}, status=400)


@never_cache
def submitted(request: HttpRequest, number: str) -> HttpResponse:
    ticket = access.granted_ticket(request, number)
    if ticket is None:
        return redirect("portal_track")
    return render(
        request,
        "portal/submitted.html",
        {"ticket": public_view(ticket), "tracking_url": links.tracking_url(ticket)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Look a ticket up by number and phone. Every failure counts against the address and gets
    the same answer, whether the number exists or not."""
    if request.method != "POST":
        # A link such as /portal/track/?number=SQ… fills the number in.
        number = request.GET.get("number", "")[:32]
        return render(request, "portal/track.html", {"form": TrackForm(initial={"number": number})})
    address = limits.client_address(request)
    if limits.is_limited(LimitKind.TRACK_FAILURE_IP, address):
        return limited(request)
    form = TrackForm(request.POST)
    if form.is_valid():
        ticket = find_by_number(form.cleaned_data["number"])
        matched = phone_matches(ticket, form.cleaned_data["phone"])
        if ticket is not None and matched:
            access.grant(request, ticket)
            return redirect("portal_ticket", number=ticket.number)
        limits.count_hit(LimitKind.TRACK_FAILURE_IP, address)
        form.add_error(None, _("We found no request with this number and phone number."))
    return render(request, "portal/track.html", {"form": form}, status=400)


@never_cache
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """A signed tracking link (from a notification) opens the ticket without number and phone."""
    ticket = links.ticket_for_token(token)
    if ticket is None:
        return render(request, "portal/bad_link.html", status=404)
    access.grant(request, ticket)
    return redirect("portal_ticket", number=ticket.number)


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    message_form: MessageForm | None = None,
    not_solved_form: NotSolvedForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": public_view(ticket),
            "message_form": message_form or MessageForm(),
            "not_solved_form": not_solved_form or NotSolvedForm(),
            "tracking_url": links.tracking_url(ticket),
        },
        status=status,
    )


@never_cache
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    ticket = access.granted_ticket(request, number)
    if ticket is None:
        messages.info(request, _("Enter the number and your phone number to see this request."))
        return redirect("portal_track")
    return _ticket_page(request, ticket)


@require_POST
def post_message(request: HttpRequest, number: str) -> HttpResponse:
    ticket = access.granted_ticket(request, number)
    if ticket is None:
        return redirect("portal_track")
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_customer_message(
                ticket, text=form.cleaned_data["text"], address=limits.client_address(request)
            )
        except services.RateLimited as error:
            return limited(request, error.message)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Thank you, we received your message."))
            return redirect("portal_ticket", number=ticket.number)
    return _ticket_page(request, ticket, message_form=form, status=400)


@require_POST
def confirm(request: HttpRequest, number: str) -> HttpResponse:
    ticket = access.granted_ticket(request, number)
    if ticket is None:
        return redirect("portal_track")
    try:
        services.confirm_resolution(ticket)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you for confirming. Your request is completed."))
    return redirect("portal_ticket", number=ticket.number)


@require_POST
def not_solved(request: HttpRequest, number: str) -> HttpResponse:
    ticket = access.granted_ticket(request, number)
    if ticket is None:
        return redirect("portal_track")
    form = NotSolvedForm(request.POST)
    if form.is_valid():
        try:
            services.report_not_solved(ticket, reason=form.cleaned_data["reason"])
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect("portal_ticket", number=ticket.number)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(
                request, _("We are sorry the problem is not solved. We are on it again.")
            )
            return redirect("portal_ticket", number=ticket.number)
    return _ticket_page(request, ticket, not_solved_form=form, status=400)
