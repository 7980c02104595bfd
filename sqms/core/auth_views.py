"""Views of log-in, log-out, two-factor, password change, "my account" and account unlocking."""

from base64 import b32encode
from typing import Any, cast
from urllib.parse import urlencode

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordChangeDoneView,
    PasswordChangeView,
)
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sqms.core import security, services, tokens
from sqms.core.auth_forms import (
    ApiTokenForm,
    LanguageForm,
    LoginForm,
    StyledPasswordChangeForm,
    TotpCodeForm,
)
from sqms.core.errors import DomainError
from sqms.core.middleware import SECOND_FACTOR_PENDING
from sqms.core.models import ApiToken, User
from sqms.core.roles import ROLE_LABELS

TOKENS_PER_PAGE = 20


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _real_user(request: HttpRequest) -> User:
    # Only called behind login_required, so the user is a real account.
    return cast(User, request.user)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


# --- log-in, log-out, password --------------------------------------------------------------


class SqmsLoginView(LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SqmsLogoutView(LogoutView):
    """Log-out by POST only (Django's default), so a link or image cannot log anyone out."""


@method_decorator(never_cache, name="dispatch")
class SqmsPasswordChangeView(PasswordChangeView):
    form_class = StyledPasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # The service sets the password and writes the audit event in one transaction.
        services.set_password(form.user, form.cleaned_data["new_password1"], actor=form.user)
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


class SqmsPasswordChangeDoneView(PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


# --- two-factor -----------------------------------------------------------------------------


def _qr_svg(data: str) -> str:
    # segno draws modules from the data and never writes the data as text, so it is safe HTML.
    return mark_safe(segno.make(data, error="m").svg_inline(scale=5, border=2))  # noqa: S308


def _grouped_secret(device: Any) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _real_user(request)
    next_url = _safe_next(request, reverse("account"))
    if security.confirmed_device(user) is not None:
        # Enrolling a second device needs the first one: otherwise a stolen password would
        # be enough to add the thief's phone.
        if request.user.is_verified():  # type: ignore[union-attr]
            messages.info(request, _("Two-factor authentication is already turned on."))
            return redirect(next_url)
        return redirect(_with_next("two_factor_verify", next_url))

    device = security.pending_device(user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = security.confirm_totp_device(device, form.cleaned_data["code"], actor=user)
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            django_otp.login(request, device)
            messages.success(request, _("Two-factor authentication is now turned on."))
            return redirect(next_url)
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": _grouped_secret(device),
        "next": next_url,
        "required": security.two_factor_required(user),
    }
    return render(request, "core/account/two_factor_setup.html", context)


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = _real_user(request)
    next_url = _safe_next(request, reverse("home"))
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url)
    if security.confirmed_device(user) is None:
        if security.two_factor_required(user):
            return redirect(_with_next("two_factor_setup", next_url))
        # The device was removed (reset by an administrator) since this session began.
        request.session.pop(SECOND_FACTOR_PENDING, None)
        return redirect(next_url)

    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = security.verify_second_factor(user, form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            # A new session key after the second factor, as after the password.
            request.session.cycle_key()
            request.session.pop(SECOND_FACTOR_PENDING, None)
            django_otp.login(request, device)
            return redirect(next_url)
    return render(request, "core/account/two_factor_verify.html", {"form": form, "next": next_url})


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    try:
        security.disable_two_factor(_real_user(request), actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Two-factor authentication is now turned off."))
    return redirect("account")


# --- my account -----------------------------------------------------------------------------


def _account_context(
    request: HttpRequest,
    *,
    language_form: LanguageForm | None = None,
    token_form: ApiTokenForm | None = None,
) -> dict[str, Any]:
    user = _real_user(request)
    token_page = Paginator(
        ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"), TOKENS_PER_PAGE
    ).get_page(request.GET.get("page"))
    roles = [ROLE_LABELS.get(name, name) for name in user.role_names]
    return {
        "account_user": user,
        "roles": roles,
        "language_form": language_form or LanguageForm(initial={"language": user.language}),
        "token_form": token_form or ApiTokenForm(),
        "token_page": token_page,
        "two_factor_enabled": security.confirmed_device(user) is not None,
        "two_factor_required": security.two_factor_required(user),
        "now": timezone.now(),
    }


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's own account; a POST here saves the language preference."""
    language_form = None
    if request.method == "POST":
        language_form = LanguageForm(request.POST)
        if language_form.is_valid():
            services.update_user(
                _real_user(request),
                actor=request.user,
                language=language_form.cleaned_data["language"],
            )
            messages.success(request, _("Your language preference was saved."))
            return redirect("account")
    return render(
        request, "core/account/account.html", _account_context(request, language_form=language_form)
    )


@never_cache
@require_POST
@login_required
def api_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "core/account/account.html",
            _account_context(request, token_form=form),
            status=400,
        )
    token, key = tokens.create_token(
        user=_real_user(request),
        name=form.cleaned_data["name"],
        actor=request.user,
        expires_in_days=form.cleaned_data["expires_in_days"],
    )
    # The key is in this response only (never_cache keeps it out of caches); it is not
    # stored, so it cannot be shown again.
    return render(request, "core/account/token_created.html", {"token": token, "key": key})


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk, user=request.user)
    tokens.revoke_token(token, actor=request.user)
    messages.success(request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("account")


# --- administering other users' accounts ----------------------------------------------------


def _after_user_action(request: HttpRequest, user: User) -> str:
    try:
        default = reverse("user_detail", args=[user.pk])
    except NoReverseMatch:
        default = reverse("home")
    return _safe_next(request, default)


def _managed_user(request: HttpRequest, pk: int) -> User:
    # Out-of-scope users are "not found", so their existence is not disclosed.
    return get_object_or_404(
        security.manageable_users(request.user).select_related("org_unit"), pk=pk
    )


@require_POST
@login_required
@permission_required(security.MANAGE_USERS, raise_exception=True)
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    security.unlock_user(user, actor=request.user)
    messages.success(request, _("%(user)s can log in again.") % {"user": user})
    return redirect(_after_user_action(request, user))


@require_POST
@login_required
@permission_required(security.MANAGE_USERS, raise_exception=True)
def user_reset_2fa(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    try:
        security.reset_two_factor(user, actor=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Two-factor authentication of %(user)s was reset; "
                "they set up a new device at their next log-in."
            )
            % {"user": user},
        )
    return redirect(_after_user_action(request, user))
