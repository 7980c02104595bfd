"""Ticket attachments through the API: list, upload (multipart) and download, in scope only.

A mixin of the ticket viewset, so the ticket is fetched and checked exactly as every other
ticket endpoint does (out of scope: 404); files go through the same checks as the UI's upload
(size, type, content matching the extension) and always come back as a download.
"""

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.api.views import NOT_FOUND, VALIDATION_ERROR
from sqms.servicedesk import attachments
from sqms.servicedesk.models import Attachment

FORBIDDEN = OpenApiResponse(description="You lack the permission for this action.")


class AttachmentSerializer(ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.get_full_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, attachment: Attachment) -> str:
        return f"/api/servicedesk/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/"


class AttachmentUploadSerializer(Serializer):
    file = serializers.FileField(help_text="The file; size and type limits apply.")


class TicketAttachmentsMixin:
    """Adds /tickets/{id}/attachments/ (GET, POST) and /attachments/{attachment_id}/ (GET)."""

    @extend_schema(
        methods=["GET"],
        summary="List attachments",
        description="The files attached to the ticket, oldest first.",
        request=None,
        responses={200: AttachmentSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["tickets"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach a file",
        description="Upload one file as multipart/form-data (field `file`). Its type must be "
        "an allowed one and its content must match its extension.",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            400: VALIDATION_ERROR,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        tags=["tickets"],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        parser_classes=[MultiPartParser],
        url_path="attachments",
    )
    def attachments(self, request: Request, pk: Any = None) -> Response:
        ticket = self._ticket(pk)  # type: ignore[attr-defined]
        context = self.get_serializer_context()  # type: ignore[attr-defined]
        if request.method == "GET":
            files = Attachment.objects.filter(ticket=ticket).select_related("uploaded_by")
            page = self.paginate_queryset(files.order_by("uploaded_at", "id"))  # type: ignore[attr-defined]
            rows = AttachmentSerializer(page, many=True, context=context)
            return self.get_paginated_response(rows.data)  # type: ignore[attr-defined]
        data = AttachmentUploadSerializer(data=request.data, context=context)
        data.is_valid(raise_exception=True)
        attachment = attachments.add_attachment(
            ticket, actor=request.user, upload=data.validated_data["file"]
        )
        body = AttachmentSerializer(attachment, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an attachment",
        description="The stored file, as a download, with the content type it was accepted as "
        "(an image, a PDF, an office document …).",
        responses={
            (200, "*/*"): OpenApiTypes.BINARY,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        tags=["tickets"],
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        url_path=r"attachments/(?P<attachment_pk>[0-9]+)",
    )
    def attachment(self, request: Request, pk: Any = None, attachment_pk: Any = None) -> Any:
        ticket = self._ticket(pk)  # type: ignore[attr-defined]
        try:
            stored = Attachment.objects.get(pk=attachment_pk, ticket=ticket)
            return attachments.download_response(stored)
        except (Attachment.DoesNotExist, FileNotFoundError) as missing:
            raise Http404 from missing
