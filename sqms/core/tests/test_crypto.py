"""Field encryption, blind indexes and revealing personal data."""

import base64
import re

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings

from sqms.core import audit, crypto
from sqms.core.choices import AuditAction
from sqms.core.fields import (
    BlindIndexField,
    EncryptedLookupError,
    blind_index_for,
    blind_match,
)
from sqms.core.models import AuditEvent, User
from sqms.core.reveal import can_reveal, reveal
from sqms.core.tests.crypto_keys import key, keys

PHONE = "13812341234"


@pytest.fixture(autouse=True)
def fixed_keys():
    with override_settings(SQMS_KEYS=keys("k1")):
        yield


def raw_mobile(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, mobile_index FROM core_user WHERE id = %s", [user.pk])
        mobile, _index = cursor.fetchone()
    return mobile


def set_raw_mobile(user: User, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_user SET mobile = %s WHERE id = %s", [value, user.pk])


# --- crypto primitives ------------------------------------------------------------------------


def test_round_trip_and_token_shape():
    token = crypto.encrypt("张三 13812341234", "core.user.mobile")
    assert re.fullmatch(r"v1:k1:[A-Za-z0-9_-]+", token)
    assert crypto.decrypt(token, "core.user.mobile") == "张三 13812341234"
    # A fresh nonce each time: equal plaintexts do not give equal tokens.
    assert crypto.encrypt("x", "c") != crypto.encrypt("x", "c")


def test_wrong_column_fails():
    token = crypto.encrypt(PHONE, "core.user.mobile")
    with pytest.raises(crypto.DecryptionError, match="another column"):
        crypto.decrypt(token, "customers.customer.phone")


@pytest.mark.parametrize("position", [8, 20, -1])
def test_tampered_token_fails(position):
    token = crypto.encrypt(PHONE, "core.user.mobile")
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("".join(chars), "core.user.mobile")


def test_unknown_key_id_and_garbage_fail_clearly():
    token = crypto.encrypt(PHONE, "core.user.mobile")
    with override_settings(SQMS_KEYS=keys("k2")), pytest.raises(crypto.UnknownKeyError, match="k1"):
        crypto.decrypt(token, "core.user.mobile")
    for garbage in ["13812341234", "v1:k1:", "v1:k1:!!!", "v1:k1:AAAA", "v2:k1:AAAA"]:
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(garbage, "core.user.mobile")


def test_keys_follow_settings_and_old_keys_still_decrypt():
    old = crypto.encrypt(PHONE, "c")
    with override_settings(SQMS_KEYS=keys("k2", "k1")):
        assert crypto.current_key_id() == "k2"
        assert crypto.encrypt(PHONE, "c").startswith("v1:k2:")
        assert crypto.decrypt(old, "c") == PHONE
        assert crypto.needs_rotation(old)
    assert crypto.current_key_id() == "k1"
    assert not crypto.needs_rotation(old)


@pytest.mark.parametrize(
    "config",
    [
        {"data_keys": {}, "blind_index_key": key(1)},
        {"data_keys": {"k1": base64.b64encode(b"short").decode()}, "blind_index_key": key(1)},
        {"data_keys": {"k:1": key(1)}, "blind_index_key": key(1)},
        {"data_keys": {"k1": key(1)}, "blind_index_key": "not base64!"},
        {"data_keys": {"k1": key(1)}},
        {"data_keys": {"k1": [1, 2]}, "blind_index_key": key(1)},
        None,
    ],
)
def test_bad_key_configuration_is_refused(config):
    with override_settings(SQMS_KEYS=config), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x", "c")


def test_blind_index_is_keyed_and_separated_by_purpose():
    digest = crypto.blind_index(PHONE, "core.user.mobile")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == crypto.blind_index(PHONE, "core.user.mobile")
    assert digest != crypto.blind_index(PHONE, "customers.customer.phone")
    with override_settings(SQMS_KEYS=keys("k1", blind=7)):
        assert digest != crypto.blind_index(PHONE, "core.user.mobile")


# --- encrypted fields on the user model -------------------------------------------------------


def test_mobile_round_trips_through_the_database(make_user):
    user = make_user("agent", mobile=PHONE)
    fresh = User.objects.get(pk=user.pk)
    assert fresh.mobile == PHONE
    assert User.objects.values_list("mobile", flat=True).get(pk=user.pk) == PHONE


def test_database_holds_no_plaintext(make_user):
    user = make_user("agent", mobile=PHONE)
    stored = raw_mobile(user)
    assert stored.startswith("v1:k1:")
    # No run of six or more digits of the number appears in the column.
    for start in range(len(PHONE) - 5):
        assert PHONE[start : start + 6] not in stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile_index FROM core_user WHERE id = %s", [user.pk])
        (index,) = cursor.fetchone()
    assert PHONE not in index and re.fullmatch(r"[0-9a-f]{64}", index)


def test_empty_mobile_stays_empty_and_unindexed(make_user):
    user = make_user("agent")
    assert raw_mobile(user) == ""
    user.refresh_from_db()
    assert user.mobile == "" and user.mobile_index is None
    assert not User.objects.filter(blind_match(User, "mobile", "")).exists()


@pytest.mark.parametrize(
    "typed", ["13812341234", "+86 138-1234-1234", "0086 138 1234 1234", "(+86)13812341234"]
)
def test_blind_index_finds_differently_formatted_input(make_user, typed):
    wanted = make_user("agent", mobile="+86 138 1234 1234")
    make_user("agent", mobile="13912341234")
    make_user("agent")
    assert list(User.objects.filter(blind_match(User, "mobile", typed))) == [wanted]
    assert list(User.objects.filter(mobile_index=blind_index_for(User, "mobile", typed))) == [
        wanted
    ]


def test_blind_index_follows_changes(make_user):
    user = make_user("agent", mobile=PHONE)
    user.mobile = "13912341234"
    user.save()
    assert not User.objects.filter(blind_match(User, "mobile", PHONE)).exists()
    assert User.objects.filter(blind_match(User, "mobile", "13912341234")).get() == user
    user.mobile = ""
    user.save(update_fields=["mobile", "mobile_index"])
    user.refresh_from_db()
    assert user.mobile_index is None


def test_every_blind_index_has_one_plain_database_index():
    """Look-ups compare the digest whole, so one plain index serves them; a field-level
    db_index would give PostgreSQL a second (LIKE) index that every write maintains."""
    blind = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, BlindIndexField)
    ]
    assert len(blind) >= 7
    for model, field in blind:
        indexed = field.db_index  # type: ignore[attr-defined]  # not in the stubs
        assert not indexed, f"{model.__name__}.{field.name}"
        assert [field.name] in [index.fields for index in model._meta.indexes], (
            f"{model.__name__}.{field.name} has no index"
        )


def test_save_with_update_fields_missing_the_index_is_refused(make_user):
    user = make_user("agent", mobile=PHONE)
    user.mobile = "13912341234"
    with pytest.raises(ValueError, match="mobile_index"):
        user.save(update_fields=["mobile"])


@pytest.mark.parametrize(
    "lookup",
    [{"mobile": PHONE}, {"mobile__startswith": "138"}, {"mobile__iexact": PHONE}, {"mobile": None}],
)
def test_lookups_on_encrypted_field_are_refused(db, lookup):
    with pytest.raises(EncryptedLookupError, match="blind index"):
        list(User.objects.filter(**lookup))


def test_isnull_lookup_is_allowed(make_user):
    make_user("agent", mobile=PHONE)
    assert User.objects.filter(mobile__isnull=False).count() == User.objects.count()


def test_tampered_row_fails_to_load(make_user):
    user = make_user("agent", mobile=PHONE)
    stored = raw_mobile(user)
    set_raw_mobile(user, stored[:-2] + ("AA" if not stored.endswith("AA") else "BB"))
    with pytest.raises(crypto.DecryptionError):
        User.objects.get(pk=user.pk)


def test_value_copied_from_another_column_fails(make_user):
    user = make_user("agent", mobile=PHONE)
    set_raw_mobile(user, crypto.encrypt(PHONE, "customers.customer.phone"))
    with pytest.raises(crypto.DecryptionError, match=r"core\.user\.mobile"):
        User.objects.get(pk=user.pk)


def test_mobile_is_validated(make_user):
    user = make_user("agent")
    user.mobile = "12345"
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert "mobile" in caught.value.message_dict
    user.mobile = "+86 138-1234-1234"
    user.full_clean(exclude=["password"])


def test_audit_snapshot_masks_mobile_and_leaves_out_the_index(make_user):
    user = make_user("agent", mobile=PHONE)
    shot = audit.snapshot(user)
    assert shot["mobile"] == "138****1234"
    assert "mobile_index" not in shot


# --- revealing --------------------------------------------------------------------------------


@pytest.fixture
def staff(org, make_user):
    return make_user("agent", unit=org.counter1, mobile=PHONE)


def test_unit_manager_in_scope_reveals_and_it_is_audited(org, make_user, staff):
    manager = make_user("unit_manager", unit=org.hall1)
    assert can_reveal(manager, staff)
    assert reveal(staff, "mobile", actor=manager) == PHONE
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert event.actor == manager
    assert (event.object_type, event.object_id) == ("core.user", str(staff.pk))
    assert event.org_unit == org.counter1
    assert event.after == {"field": "mobile"}
    everything = f"{event.before} {event.after} {event.object_repr}"
    assert "1234" not in everything


def test_auditor_sees_every_unit(org, make_user, staff):
    auditor = make_user("auditor", unit=org.hall2)
    assert reveal(staff, "mobile", actor=auditor) == PHONE


def test_without_permission_is_refused(org, make_user, staff):
    agent = make_user("agent", unit=org.hall1)
    assert not can_reveal(agent, staff)
    with pytest.raises(PermissionDenied):
        reveal(staff, "mobile", actor=agent)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_out_of_scope_is_refused(org, make_user, staff):
    other_manager = make_user("unit_manager", unit=org.hall2)
    assert not can_reveal(other_manager, staff)
    with pytest.raises(PermissionDenied):
        reveal(staff, "mobile", actor=other_manager)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_user_without_unit_is_only_for_all_unit_roles(org, make_user):
    loose = make_user("agent", mobile=PHONE)
    loose.org_unit = None
    loose.save()
    manager = make_user("unit_manager", unit=org.hq)
    with pytest.raises(PermissionDenied):
        reveal(loose, "mobile", actor=manager)
    assert reveal(loose, "mobile", actor=make_user("admin", unit=org.hq)) == PHONE


def test_inactive_or_anonymous_actor_is_refused(org, make_user, staff):
    from django.contrib.auth.models import AnonymousUser

    manager = make_user("unit_manager", unit=org.hall1, is_active=False)
    for actor in (manager, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            reveal(staff, "mobile", actor=actor)


def test_only_encrypted_fields_are_revealed(org, make_user, staff):
    admin = make_user("admin", unit=org.hq)
    with pytest.raises(ValueError, match="not personal data"):
        reveal(staff, "username", actor=admin)
    with pytest.raises(ValueError, match="no field"):
        reveal(staff, "nonsense", actor=admin)
