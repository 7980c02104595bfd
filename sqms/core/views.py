"""UI views of the core app."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sqms.core import health


def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


__all__ = ["connection"]
