"""The server-error handler: a lost database connection answers 503 with Retry-After.

When PostgreSQL restarts, fails over or has its backends terminated, the requests in flight
fail with OperationalError or InterfaceError. Nothing is wrong with those requests, so they get
"try again" (503, Retry-After) rather than a server error; Django closes the broken connection
at the end of the request and, with CONN_HEALTH_CHECKS, the next request reconnects, so the app
recovers without a restart. The page is rendered without the database (no base template, no
context processors).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 5


def database_unavailable(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {
                "detail": _("The database could not be reached. Please try again in a moment."),
                "code": "database_unavailable",
            },
            status=503,
            json_dumps_params={"ensure_ascii": False},  # as the API's own answers
        )
    else:
        page = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called while the unhandled exception is being handled."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return defaults.server_error(request)
