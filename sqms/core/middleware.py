"""Request middleware: the user's language, two-factor enforcement, the client IP for audit."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from sqms.core.request_context import client_ip

Handler = Callable[[HttpRequest], HttpResponse]


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the browser's; LocaleMiddleware has already
    picked one for anonymous visitors (cookie, then Accept-Language, then zh-hans)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            return self.get_response(request)
        finally:
            client_ip.reset(token)


# Set at log-in for a user who turned two-factor on voluntarily: their session must pass the
# code check too, although their role does not require it.
SECOND_FACTOR_PENDING = "sqms_second_factor_pending"


def two_factor_required(user: object) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    roles = set(settings.SQMS_TWO_FACTOR_ROLES)
    return bool(
        getattr(user, "is_superuser", False)
        or any(group.name in roles for group in user.groups.all())  # type: ignore[attr-defined]
    )


class RequireTwoFactorMiddleware:
    """Users of the roles in SQMS_TWO_FACTOR_ROLES must pass a TOTP check (setting one up on
    first log-in) before any page but the two-factor pages, logout and static files."""

    exempt_names = (
        "two_factor_verify",
        "two_factor_setup",
        "logout",
        "set_language",
        "switch_language",
    )

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._exempt(request)
            and (request.session.get(SECOND_FACTOR_PENDING) or two_factor_required(user))
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": str(translation.gettext("Two-factor authentication required."))},
                    status=403,
                )
            return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
        return self.get_response(request)

    def _exempt(self, request: HttpRequest) -> bool:
        if request.path.startswith(
            (
                settings.STATIC_URL
                if settings.STATIC_URL.startswith("/")
                else "/" + settings.STATIC_URL,
                "/healthz",
            )
        ):
            return True
        match = request.resolver_match
        if match is None:
            from django.urls import resolve
            from django.urls.exceptions import Resolver404

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return False
        return match.url_name in self.exempt_names
