"""The portal's API for the app and mini-program: the form's data, submit, track. Public (no
authentication), with the same abuse rules and limits as the web pages."""

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core.choices import Language
from sqms.portal import limits, links, services
from sqms.portal.api.serializers import (
    PortalFormSerializer,
    PublicTicketSerializer,
    SubmissionSerializer,
    SubmittedSerializer,
    TrackSerializer,
)
from sqms.portal.choices import LimitKind, customer_status
from sqms.portal.public import find_by_number, phone_matches, public_view
from sqms.servicedesk.choices import TicketKind


class PublicAPIView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


def _too_many() -> Response:
    return Response(
        {
            "detail": _("Too many requests. Please try again later or call our service hotline."),
            "code": "rate_limited",
        },
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )


class PortalFormView(PublicAPIView):
    @extend_schema(
        summary="What a submission needs",
        responses=PortalFormSerializer,
        description="A fresh form token (send it with the submission, no sooner than "
        "min_fill_seconds later and within two hours), the kinds, languages and units.",
    )
    def get(self, request: Request) -> Response:
        data = {
            "form_token": services.issue_form_token(),
            "min_fill_seconds": services.min_fill_seconds(),
            "kinds": [{"value": v, "label": str(label)} for v, label in TicketKind.choices],
            "languages": [{"value": v, "label": str(label)} for v, label in Language.choices],
            "units": list(services.public_units()),
        }
        return Response(PortalFormSerializer(data).data)


class SubmitView(PublicAPIView):
    @extend_schema(
        summary="Submit a request",
        request=SubmissionSerializer,
        responses={
            201: SubmittedSerializer,
            400: OpenApiResponse(description="Field messages"),
            429: OpenApiResponse(description="Rate limit reached"),
        },
    )
    def post(self, request: Request) -> Response:
        address = limits.client_address(request)
        if limits.is_limited(LimitKind.SUBMIT_IP, address):
            return _too_many()
        serializer = SubmissionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.submit_request(serializer.submission(), address=address)
        state = customer_status(ticket.status)
        data = {
            "number": ticket.number,
            "status": state.value,
            "status_label": str(state.label),
            "due_at": ticket.resolve_due_at,
            "tracking_url": links.tracking_url(ticket),
        }
        return Response(SubmittedSerializer(data).data, status=status.HTTP_201_CREATED)


class TrackView(PublicAPIView):
    @extend_schema(
        summary="Look a request up by number and phone",
        request=TrackSerializer,
        responses={
            200: PublicTicketSerializer,
            400: OpenApiResponse(description="Not found or wrong phone (one answer for both)"),
            429: OpenApiResponse(description="Too many failed look-ups"),
        },
    )
    def post(self, request: Request) -> Response:
        address = limits.client_address(request)
        if limits.is_limited(LimitKind.TRACK_FAILURE_IP, address):
            return _too_many()
        serializer = TrackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = find_by_number(serializer.validated_data["number"])
        matched = phone_matches(ticket, serializer.validated_data["phone"])
        if ticket is None or not matched:
            limits.count_hit(LimitKind.TRACK_FAILURE_IP, address)
            return Response(
                {
                    "detail": _("We found no request with this number and phone number."),
                    "code": "not_found",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        view = public_view(ticket)
        data = asdict(view)
        data["status"] = view.status.value
        data["status_label"] = view.status_label
        data["tracking_url"] = links.tracking_url(ticket)
        return Response(PublicTicketSerializer(data).data)
