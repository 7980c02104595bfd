"""Log-in, lockout, two-factor, password change and "my account" through the real stack."""

import json
import time

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sqms.core import audit, security
from sqms.core.choices import AuditAction
from sqms.core.models import ApiToken, AuditEvent

API_URL = "/api/schema/"


@pytest.fixture
def client() -> Client:
    # English pages, whatever the default language and catalogue say.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def log_in(client: Client, user, password: str, **kwargs):
    return client.post(
        reverse("login"), {"username": user.username, "password": password}, **kwargs
    )


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code an authenticator app would show now (computed from the device's key)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset_steps)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code that the device rejects: none of the ones its tolerance window accepts."""
    accepted = {code_for(device, step) for step in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(123456, 999999, 7919) if f"{n:06d}" not in accepted)


def verified_client(user) -> Client:
    """A session that has passed the second factor, as after a real TOTP log-in."""
    device = security.confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name="totp", confirmed=True
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def user_admin_of(unit, make_user):
    """A manager who may administer users, but only within `unit`'s subtree."""
    manager = make_user("unit_manager", unit=unit)
    manager.user_permissions.add(Permission.objects.get(codename="change_user"))
    return manager


def lock_out(user, client: Client | None = None):
    client = client or Client(HTTP_ACCEPT_LANGUAGE="en")
    responses = [log_in(client, user, "not-the-password") for _ in range(5)]
    return responses


def later(seconds: float = 35):
    # TOTP refuses a code of a time step already used, and throttles right after a failure.
    return time_machine.travel(time.time() + seconds, tick=True)


# --- log-in and log-out -----------------------------------------------------------------------


def test_login_page_renders_a_plain_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content and 'name="password"' in content
    assert "csrfmiddlewaretoken" in content
    assert "form-control" in content


def test_login_works_and_is_audited(client, make_user, password):
    agent = make_user("agent")
    response = log_in(client, agent, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN).get()
    assert event.actor == agent
    assert event.object_id == str(agent.pk)
    assert event.org_unit == agent.org_unit
    assert audit.verify_chain()[1] is None


def test_failed_login_records_the_username_never_the_password(client, make_user):
    agent = make_user("agent")
    response = log_in(client, agent, "Secret-Guess-123")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert event.actor is None
    assert event.after == {"username": agent.username}
    assert event.object_id == str(agent.pk)
    stored = json.dumps([event.before, event.after, event.object_repr, event.actor_repr])
    assert "Secret-Guess-123" not in stored


def test_failed_login_for_an_unknown_username_is_audited(client, db):
    client.post(reverse("login"), {"username": "nobody", "password": "x"})
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert event.after == {"username": "nobody"}
    assert event.object_id == "" and event.object_repr == "nobody"


def test_logout_is_post_only_and_audited(client, make_user):
    agent = make_user("agent")
    client.force_login(agent)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.LOGOUT).get()
    assert event.actor == agent


def test_login_post_enforces_csrf(make_user, password):
    agent = make_user("agent")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert log_in(client, agent, password).status_code == 403
    assert "_auth_user_id" not in client.session
    token = client.get(reverse("login")).cookies["csrftoken"].value
    response = client.post(
        reverse("login"),
        {"username": agent.username, "password": password, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_next_is_kept_but_only_on_this_site(client, make_user, password):
    agent = make_user("agent")
    inside = reverse("account")
    response = client.post(
        f"{reverse('login')}?next={inside}",
        {"username": agent.username, "password": password, "next": inside},
    )
    assert response["Location"] == inside
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"),
        {"username": agent.username, "password": password, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


# --- lockout ----------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account(client, make_user, password):
    agent = make_user("agent")
    responses = lock_out(agent, client)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    locked = responses[4]
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    content = locked.content.decode()
    assert "too many failed log-ins" in content
    assert "Try again after 60 minutes" in content
    assert "ask an administrator to unlock" in content
    assert security.is_locked_out(agent)

    # The right password does not help while locked out.
    response = log_in(client, agent, password)
    assert response.status_code == 429
    assert "too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302
    last = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("-seq").first()
    assert last is not None and last.after == {"username": agent.username, "locked_out": True}


def test_lockout_is_per_account(client, make_user, password):
    victim, colleague = make_user("agent"), make_user("agent")
    lock_out(victim)
    assert security.locked_out_usernames([victim.username, colleague.username]) == {victim.username}
    assert log_in(client, colleague, password).status_code == 302


def test_admin_in_scope_unlocks(make_user, org, password):
    agent = make_user("agent", unit=org.counter1)
    lock_out(agent)
    admin = make_user("admin", unit=org.hq)
    response = verified_client(admin).post(
        reverse("user_unlock", args=[agent.pk]), {"next": reverse("account")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert not security.is_locked_out(agent)
    event = AuditEvent.objects.filter(action=AuditAction.SECURITY, object_id=str(agent.pk)).get()
    assert event.actor == admin
    assert event.after == {"lockout": "unlocked", "was_locked": True, "attempts_cleared": 1}
    assert log_in(Client(), agent, password).status_code == 302


def test_a_unit_scoped_user_admin_unlocks_below_their_unit(make_user, org):
    agent = make_user("agent", unit=org.counter1)
    lock_out(agent)
    manager = user_admin_of(org.branch1, make_user)
    client = Client()
    client.force_login(manager)
    assert client.post(reverse("user_unlock", args=[agent.pk])).status_code == 302
    assert not security.is_locked_out(agent)


def test_unlock_refused_out_of_scope_or_without_permission(make_user, org):
    agent = make_user("agent", unit=org.hall1)
    lock_out(agent)
    url = reverse("user_unlock", args=[agent.pk])

    outsider = Client()
    outsider.force_login(user_admin_of(org.branch2, make_user))
    assert outsider.post(url).status_code == 404

    colleague = Client()
    colleague.force_login(make_user("agent", unit=org.hall1))
    assert colleague.post(url).status_code == 403

    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))

    admin_client = verified_client(make_user("admin", unit=org.hq))
    assert admin_client.get(url).status_code == 405

    assert security.is_locked_out(agent)
    assert not AuditEvent.objects.filter(action=AuditAction.SECURITY).exists()


def test_unlock_service_checks_scope_itself(make_user, org):
    agent = make_user("agent", unit=org.hall1)
    with pytest.raises(security.PermissionDenied):
        security.unlock_user(agent, actor=user_admin_of(org.branch2, make_user))
    with pytest.raises(security.PermissionDenied):
        security.unlock_user(agent, actor=make_user("agent", unit=org.hall1))


# --- two-factor -------------------------------------------------------------------------------


def test_auditor_must_set_up_totp_before_seeing_anything(client, make_user, org, password):
    auditor = make_user("auditor", unit=org.hq)
    response = log_in(client, auditor, password, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_setup"))
    assert "core/account/two_factor_setup.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "<svg" in content
    device = TOTPDevice.objects.get(user=auditor, confirmed=False)
    assert response.context["secret"].replace(" ", "") in device.config_url
    assert "otpauth://" not in content  # the URI is only inside the QR code

    # Every other page (and the API) stays closed until the code is confirmed.
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("two_factor_verify"))
    assert client.get(reverse("account")).status_code == 302
    assert client.get(API_URL).status_code == 403

    # Reloading the page keeps the same secret (the user may have scanned it already).
    client.get(reverse("two_factor_setup"))
    assert TOTPDevice.objects.filter(user=auditor).count() == 1

    wrong = client.post(reverse("two_factor_setup"), {"code": wrong_code(device)})
    assert wrong.status_code == 200
    assert "This code is not valid" in str(wrong.context["form"].errors["code"])
    device.refresh_from_db()
    assert not device.confirmed

    with later(5):
        response = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 200
        assert client.get(API_URL).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.filter(action=AuditAction.SECURITY).get()
    assert event.actor == auditor and event.after == {"two_factor": "enabled"}


def test_auditor_with_a_device_enters_a_code_after_the_password(client, make_user, org, password):
    auditor = make_user("auditor", unit=org.hq)
    device = TOTPDevice.objects.create(user=auditor, name="totp", confirmed=True)
    response = log_in(client, auditor, password, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
    assert "core/account/two_factor_verify.html" in [t.name for t in response.templates]

    # Setting up another device needs the first one: a password alone must not be enough.
    setup = client.get(reverse("two_factor_setup"))
    assert setup.status_code == 302 and setup["Location"].startswith(reverse("two_factor_verify"))
    assert TOTPDevice.objects.filter(user=auditor).count() == 1

    wrong = client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]
    assert client.get(reverse("home")).status_code == 302

    bad_format = client.post(reverse("two_factor_verify"), {"code": "12ab56"})
    assert bad_format.context["form"].errors["code"]

    with later(5):
        response = client.post(
            reverse("two_factor_verify"), {"code": code_for(device), "next": reverse("account")}
        )
        assert response.status_code == 302 and response["Location"] == reverse("account")
        assert client.get(reverse("home")).status_code == 200
    outcomes = [
        (e.after or {}).get("two_factor")
        for e in AuditEvent.objects.filter(action=AuditAction.SECURITY).order_by("seq")
    ]
    assert outcomes == ["wrong_code", "verified"]


def test_a_code_is_accepted_only_once(client, make_user, org, password):
    auditor = make_user("auditor", unit=org.hq)
    device = TOTPDevice.objects.create(user=auditor, name="totp", confirmed=True)
    with time_machine.travel(time.time(), tick=False):
        code = code_for(device)
        log_in(client, auditor, password)
        assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
        other = Client(HTTP_ACCEPT_LANGUAGE="en")
        log_in(other, auditor, password)
        replay = other.post(reverse("two_factor_verify"), {"code": code})
        assert replay.status_code == 200 and replay.context["form"].errors["code"]


def test_guessing_codes_is_throttled(client, make_user, org, password):
    auditor = make_user("auditor", unit=org.hq)
    device = TOTPDevice.objects.create(user=auditor, name="totp", confirmed=True)
    log_in(client, auditor, password)
    with time_machine.travel(time.time(), tick=False):
        client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
        response = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        assert "Too many wrong codes" in str(response.context["form"].errors["code"])
        assert client.get(reverse("home")).status_code == 302


def test_api_session_of_an_unverified_admin_is_refused(make_user, org):
    admin = make_user("admin", unit=org.hq)
    unverified = Client()
    unverified.force_login(admin)
    response = unverified.get(API_URL)
    assert response.status_code == 403
    assert "detail" in response.json()
    assert verified_client(admin).get(API_URL).status_code == 200


def test_optional_two_factor_can_be_turned_on_and_off(client, make_user, password):
    agent = make_user("agent")
    client.force_login(agent)
    assert client.get(reverse("two_factor_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=agent)
    response = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert "On" in client.get(reverse("account")).content.decode()

    # From now on this agent's log-ins ask for the code too.
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en")
    log_in(fresh, agent, password)
    home = fresh.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("two_factor_verify"))

    response = client.post(reverse("two_factor_disable"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert [e.after for e in AuditEvent.objects.filter(action=AuditAction.SECURITY)] == [
        {"two_factor": "disabled"},
        {"two_factor": "enabled"},
    ]
    # The pending check of the other session lets go once there is no device any more.
    response = fresh.get(reverse("two_factor_verify"))
    assert response.status_code == 302
    assert fresh.get(reverse("home")).status_code == 200


def test_required_two_factor_cannot_be_turned_off(make_user, org):
    auditor = make_user("auditor", unit=org.hq)
    client = verified_client(auditor)
    response = client.post(reverse("two_factor_disable"), follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=auditor, confirmed=True).exists()
    assert client.get(reverse("two_factor_disable")).status_code == 405


def test_admin_resets_two_factor_in_scope_only(make_user, org):
    auditor = make_user("auditor", unit=org.hall1)
    auditor_session = verified_client(auditor)
    url = reverse("user_reset_2fa", args=[auditor.pk])

    outsider = Client()
    outsider.force_login(user_admin_of(org.branch2, make_user))
    assert outsider.post(url).status_code == 404
    colleague = Client()
    colleague.force_login(make_user("agent", unit=org.hall1))
    assert colleague.post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=auditor).exists()

    admin = make_user("admin", unit=org.hq)
    assert verified_client(admin).post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    event = AuditEvent.objects.filter(action=AuditAction.SECURITY, object_id=str(auditor.pk)).get()
    assert event.actor == admin
    assert event.after == {"two_factor": "reset", "devices_removed": 1}
    # The auditor's session was verified with the removed device: it has to set up anew.
    home = auditor_session.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("two_factor_verify"))
    follow = auditor_session.get(home["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith(reverse("two_factor_setup"))


def test_only_a_superuser_resets_a_superuser(make_user, org):
    root = make_user(unit=org.hq, is_superuser=True)
    TOTPDevice.objects.create(user=root, name="totp", confirmed=True)
    admin = make_user("admin", unit=org.hq)
    response = verified_client(admin).post(reverse("user_reset_2fa", args=[root.pk]))
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=root).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SECURITY).exists()


# --- password change ----------------------------------------------------------------------------


def test_password_change_runs_the_validators(client, make_user, password):
    agent = make_user("agent")
    client.force_login(agent)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["new_password2"])
    assert "too short" in errors and "entirely numeric" in errors
    assert "is-invalid" in response.content.decode()
    agent.refresh_from_db()
    assert agent.check_password(password)
    assert not AuditEvent.objects.filter(action=AuditAction.SECURITY).exists()

    wrong_old = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Quiet-Harbour-981", "new_password2": "x"},
    )
    assert wrong_old.context["form"].errors["old_password"]


def test_password_change_is_audited_and_keeps_the_session(client, make_user, password):
    agent = make_user("agent")
    client.force_login(agent)
    new = "Quiet-Harbour-981"
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("account")).status_code == 200
    agent.refresh_from_db()
    assert agent.check_password(new)
    event = AuditEvent.objects.filter(action=AuditAction.SECURITY).get()
    assert event.actor == agent and event.after == {"password": "changed"}
    assert log_in(Client(), agent, password).status_code == 200


# --- my account -------------------------------------------------------------------------------


def test_account_page_shows_the_profile_and_saves_the_language(client, make_user):
    agent = make_user("agent", position="Counter clerk")
    client.force_login(agent)
    content = client.get(reverse("account")).content.decode()
    assert agent.username in content and "Counter clerk" in content and "Agent" in content
    response = client.post(reverse("account"), {"language": "zh-hans"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.language == "zh-hans"
    bad = client.post(reverse("account"), {"language": "xx"})
    assert bad.status_code == 200 and bad.context["language_form"].errors["language"]


def test_api_token_create_list_revoke(client, make_user):
    agent = make_user("agent")
    client.force_login(agent)
    response = client.post(
        reverse("api_token_create"), {"name": "CRM sync", "expires_in_days": "30"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key.startswith("sqms_") and key in response.content.decode()
    token = ApiToken.objects.get(user=agent)
    assert token.name == "CRM sync" and token.expires_at is not None

    # Listed by prefix; the key itself is never shown again.
    account = client.get(reverse("account")).content.decode()
    assert token.prefix in account and "CRM sync" in account and key not in account

    api = Client()
    assert api.get(API_URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert api.get(API_URL, HTTP_AUTHORIZATION="Token sqms_wrong").status_code == 401

    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get(API_URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert "Revoked" in client.get(reverse("account")).content.decode()
    actions = list(
        AuditEvent.objects.filter(object_type="core.apitoken")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.CREATE, AuditAction.DELETE]


def test_token_form_errors_and_other_users_tokens(client, make_user):
    agent, other = make_user("agent"), make_user("agent")
    client.force_login(agent)
    response = client.post(reverse("api_token_create"), {"name": "", "expires_in_days": "7"})
    assert response.status_code == 400
    errors = response.context["token_form"].errors
    assert "name" in errors and "expires_in_days" in errors
    assert not ApiToken.objects.exists()
    assert client.get(reverse("api_token_create")).status_code == 405

    from sqms.core import tokens

    theirs, _key = tokens.create_token(user=other, name="theirs", actor=other)
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "theirs" not in client.get(reverse("account")).content.decode()


def test_account_page_query_count_does_not_grow_with_tokens(
    client, make_user, django_assert_max_num_queries
):
    from sqms.core import tokens

    agent = make_user("agent")
    for n in range(30):
        tokens.create_token(user=agent, name=f"t{n}", actor=agent)
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("account"))
    assert len(response.context["token_page"].object_list) == 20
    assert client.get(reverse("account") + "?page=2").context["token_page"].number == 2


def test_account_requires_login(client, db):
    response = client.get(reverse("account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
