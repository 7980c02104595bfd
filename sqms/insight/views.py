"""UI views of the insight app: the suggestion panel of the registration form (htmx), the
text models with their metrics and retraining, and the accuracy of suggestions.

Views stay thin: permission, scoped fetch, a call to suggest/training/outcomes, render.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sqms.core.views import paginate, permission_view
from sqms.insight import outcomes, services
from sqms.insight.choices import Purpose
from sqms.insight.features import ticket_text
from sqms.insight.models import SuggestionOutcome, TextModel
from sqms.insight.roles import TRAIN, USE, VIEW_MODELS, VIEW_OUTCOMES
from sqms.insight.suggest import suggest

MAX_TEXT = 5000


@require_GET
@permission_view(USE)
def suggestion_panel(request: HttpRequest) -> HttpResponse:
    """The registration form's panel for the title and description typed so far."""
    text = ticket_text(
        request.GET.get("title", "")[:MAX_TEXT], request.GET.get("description", "")[:MAX_TEXT]
    )
    suggestions = suggest(text, request.user) if text else None
    return render(
        request,
        "insight/_panel.html",
        {"suggestions": suggestions, "has_text": bool(text), "has_model": _has_model()},
    )


def _has_model() -> bool:
    return TextModel.objects.filter(is_active=True).exists()


def _category_names() -> dict[str, str]:
    from sqms.servicedesk.models import Category

    return {c.code: str(c) for c in Category.objects.all()}


@require_GET
@permission_view(VIEW_MODELS)
def model_list(request: HttpRequest) -> HttpResponse:
    models = TextModel.objects.select_related("trained_by").order_by("purpose", "-version")
    active = {m.purpose: m for m in TextModel.objects.filter(is_active=True)}
    # Imported here, as it brings in scikit-learn: every web worker imports this module.
    from sqms.insight import training

    labelled = len(training.ticket_samples(limit=training.MIN_TEXTS))
    return render(
        request,
        "insight/model_list.html",
        {
            "page": paginate(request, models),
            "active": [(label, active.get(value)) for value, label in Purpose.choices],
            "may_train": request.user.has_perm(TRAIN),
            "enough_data": labelled >= training.MIN_TEXTS,
            "labelled": labelled,
            "minimum": training.MIN_TEXTS,
            "margin": training.ACTIVATION_MARGIN,
        },
    )


@require_GET
@permission_view(VIEW_MODELS)
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(TextModel.objects.select_related("trained_by"), pk=pk)
    names = _category_names() if model.purpose == Purpose.CATEGORY else {}

    def name(label: str) -> str:
        if model.purpose == Purpose.PRIORITY:
            return f"P{label}"
        return names.get(label, label)

    metrics = model.metrics or {}
    labels = [name(label) for label in model.labels]
    confusion = [
        {"label": labels[i], "cells": row} for i, row in enumerate(metrics.get("confusion", []))
    ]
    per_class = [dict(row, name=name(row["label"])) for row in metrics.get("per_class", [])]
    pairs = [
        dict(row, true_name=name(row["true"]), predicted_name=name(row["predicted"]))
        for row in metrics.get("confused_pairs", [])
    ]
    active = TextModel.objects.active(model.purpose)
    return render(
        request,
        "insight/model_detail.html",
        {
            "model": model,
            "metrics": metrics,
            "labels": labels,
            "confusion": confusion,
            "per_class": per_class,
            "pairs": pairs,
            "active": active,
            "baseline_name": name(str(metrics.get("baseline_label", ""))),
            "may_train": request.user.has_perm(TRAIN),
        },
    )


@require_POST
@permission_view(TRAIN)
def train_models(request: HttpRequest) -> HttpResponseBase:
    services.request_training(actor=request.user, force=request.POST.get("force") == "1")
    messages.success(
        request,
        _("Retraining is queued; the new versions appear here when the worker has trained them."),
    )
    return redirect("insight_models")


@require_POST
@permission_view(TRAIN)
def activate_model(request: HttpRequest, pk: int) -> HttpResponseBase:
    model = get_object_or_404(TextModel, pk=pk)
    services.activate_model(model, actor=request.user)
    messages.success(request, _("%(model)s is now active.") % {"model": model})
    return redirect("insight_model_detail", pk=model.pk)


@require_GET
@permission_view(VIEW_OUTCOMES)
def accuracy(request: HttpRequest) -> HttpResponse:
    from sqms.servicedesk.models import Ticket

    visible = SuggestionOutcome.objects.filter(
        ticket__in=Ticket.objects.visible_to(request.user).values("pk")
    )
    rows: list[dict[str, Any]] = outcomes.agreement(visible)
    total = sum(row["n"] for row in rows)
    top1 = sum((row["top1"] or 0) * row["n"] for row in rows) / total if total else None
    top3 = sum((row["top3"] or 0) * row["n"] for row in rows) / total if total else None
    return render(
        request,
        "insight/accuracy.html",
        {"rows": rows, "total": total, "top1": top1, "top3": top3},
    )
