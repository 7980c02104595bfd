"""UI views of risk matrices: list, page with the grid, YAML/JSON export and import, default,
and deletion of a matrix no risk uses."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.views import permission_view
from sqms.risk import matrices
from sqms.risk.access import access_matrix
from sqms.risk.forms import MatrixEditForm, MatrixImportForm
from sqms.risk.models import RiskMatrix, localised

VIEW = "risk.view_riskmatrix"
ADD = "risk.add_riskmatrix"
CHANGE = "risk.change_riskmatrix"
DELETE = "risk.delete_riskmatrix"


def matrix_rows(matrix: RiskMatrix) -> list[dict[str, Any]]:
    """The grid as drawn: highest probability on top, lowest impact on the left."""
    rows = []
    for p in range(len(matrix.probability_levels), 0, -1):
        rows.append(
            {
                "rank": p,
                "name": localised(matrix.probability_levels[p - 1]),
                "description": matrix.probability_levels[p - 1].get("description", ""),
                "cells": [
                    matrix.level_for(p, i) | {"label": localised(matrix.level_for(p, i))}
                    for i in range(1, len(matrix.impact_levels) + 1)
                ],
            }
        )
    return rows


@require_GET
@permission_view(VIEW)
def matrix_list(request: HttpRequest) -> HttpResponse:
    rows = RiskMatrix.objects.annotate(risk_count=Count("risks")).order_by("code")
    return render(request, "risk/matrix_list.html", {"matrices": rows})


@require_GET
@permission_view(VIEW)
def matrix_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matrix = access_matrix(request.user, pk)
    return render(
        request,
        "risk/matrix_detail.html",
        {
            "matrix": matrix,
            "rows": matrix_rows(matrix),
            "impacts": [
                {"rank": n, "name": localised(level), "description": level.get("description", "")}
                for n, level in enumerate(matrix.impact_levels, start=1)
            ],
            "levels": [{**level, "label": localised(level)} for level in matrix.risk_levels],
            "in_use": matrices.in_use(matrix),
        },
    )


@require_GET
@permission_view(VIEW)
def matrix_export(request: HttpRequest, pk: int) -> HttpResponse:
    matrix = access_matrix(request.user, pk)
    fmt = "json" if request.GET.get("format") == "json" else "yaml"
    content_type = "application/json" if fmt == "json" else "application/yaml"
    response = HttpResponse(
        matrices.dump(matrix, fmt), content_type=f"{content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="risk-matrix-{matrix.code}.{fmt}"'
    audit.record(AuditAction.EXPORT, matrix, actor=request.user, after={"format": fmt})
    return response


@require_http_methods(["GET", "POST"])
@permission_view(VIEW, ADD, CHANGE)
def matrix_import(request: HttpRequest) -> HttpResponseBase:
    form = MatrixImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            matrix, created = matrices.import_matrix(
                actor=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            for messages_list in error.message_dict.values():
                for message in messages_list:
                    form.add_error("text", message)
        except DomainError as error:
            form.add_error("text", error.message)
        else:
            done = _("Matrix %(code)s imported.") if created else _("Matrix %(code)s updated.")
            messages.success(request, done % {"code": matrix.code})
            return redirect("riskmatrix_detail", matrix.pk)
    return render(request, "risk/matrix_import.html", {"form": form})


@require_http_methods(["GET", "POST"])
@permission_view(VIEW, CHANGE)
def matrix_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Rename levels, describe them and recolour them; change the grid only while no risk is
    rated on the matrix (the service refuses it otherwise, whatever is posted)."""
    matrix = access_matrix(request.user, pk)
    in_use = matrices.in_use(matrix)
    form = MatrixEditForm(request.POST or None, matrix=matrix, grid_editable=not in_use)
    if request.method == "POST" and form.is_valid():
        try:
            matrices.update_matrix(matrix, actor=request.user, definition=form.definition())
        except ValidationError as error:
            for messages_list in error.message_dict.values():
                for message in messages_list:
                    form.add_error(None, message)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Matrix %(code)s updated.") % {"code": matrix.code})
            return redirect("riskmatrix_detail", matrix.pk)
    return render(
        request, "risk/matrix_edit.html", {"matrix": matrix, "form": form, "in_use": in_use}
    )


@require_POST
@permission_view(VIEW, CHANGE)
def matrix_default(request: HttpRequest, pk: int) -> HttpResponseBase:
    matrix = access_matrix(request.user, pk)
    matrices.set_default(matrix, actor=request.user)
    messages.success(request, _("New risks now use this matrix."))
    return redirect("riskmatrix_detail", matrix.pk)


@require_http_methods(["GET", "POST"])
@permission_view(VIEW, DELETE)
def matrix_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    matrix = access_matrix(request.user, pk)
    if request.method == "POST":
        try:
            matrices.delete_matrix(matrix, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("riskmatrix_detail", matrix.pk)
        messages.success(request, _("Matrix deleted."))
        return redirect("riskmatrix_list")
    return render(request, "risk/matrix_confirm_delete.html", {"matrix": matrix})
