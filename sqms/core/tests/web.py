"""Helpers for tests of the web UI: log a test client in, with the second factor where the
user's role needs it, and compute a device's current TOTP code."""

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sqms.core.middleware import two_factor_required

MODEL_BACKEND = "sqms.core.auth_backend.ModelPermissionBackend"


def confirmed_totp_device(user: Any) -> TOTPDevice:
    """The user's confirmed TOTP device, made if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def web_login(client: Client, user: Any) -> Client:
    """Log `client` in as `user`; for roles that need two-factor, mark the session as having
    passed it with the user's device (as the two-factor page does)."""
    client.force_login(user, backend=MODEL_BACKEND)
    if two_factor_required(user):
        device = confirmed_totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def click_nav(page: Any, key: str) -> None:
    """Click a main-menu entry, opening its section's drop-down first when it sits in one."""
    toggle = page.locator(f"[data-nav-section]:has([data-nav={key}]) > .dropdown-toggle")
    if toggle.count():
        toggle.click()
    page.locator(f"[data-nav={key}]").click()
