"""Key rotation: re-encryption under the newest key, resumable, and safe beside live edits."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test import override_settings

from sqms.core import crypto, keyrotation
from sqms.core.fields import blind_match
from sqms.core.models import User
from sqms.core.tests.crypto_keys import keys

OLD = keys("k1")
BOTH = keys("k2", "k1")
NEW = keys("k2")


def stored_tokens() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, mobile FROM core_user WHERE mobile <> '' ORDER BY id")
        return dict(cursor.fetchall())


def mobile_of(n: int) -> str:
    return f"1390000{n:04d}"


def make_staff(org, count: int) -> list[User]:
    # Straight through the ORM: no password hashing, which would dominate these tests' time.
    return [
        User.objects.create(username=f"staff{n}", org_unit=org.hall1, mobile=mobile_of(n))
        for n in range(count)
    ]


def user_result(results):
    """The rotation result of core.user (other apps' models have encrypted fields too)."""
    [result] = [r for r in results if r.label == "core.user"]
    return result


@pytest.fixture
def staff(org):
    """Seven users with mobiles under the old key k1, and one without a mobile."""
    with override_settings(SQMS_KEYS=OLD):
        users = make_staff(org, 7)
        User.objects.create(username="no-mobile", org_unit=org.hall1)
    return users


def test_rotation_re_encrypts_everything_and_the_old_key_can_go(staff):
    assert all(t.startswith("v1:k1:") for t in stored_tokens().values())
    with override_settings(SQMS_KEYS=BOTH):
        result = user_result(keyrotation.rotate_keys(batch_size=3))
        assert (result.label, result.rotated_rows, result.remaining_rows) == ("core.user", 7, 0)
        assert result.batches == 3 and not result.failed_rows
    assert all(t.startswith("v1:k2:") for t in stored_tokens().values())
    with override_settings(SQMS_KEYS=NEW):
        for n, user in enumerate(staff):
            assert User.objects.get(pk=user.pk).mobile == mobile_of(n)
        # The blind index key did not change, so look-ups still work.
        assert User.objects.filter(blind_match(User, "mobile", mobile_of(3))).get() == staff[3]


def test_interrupted_rotation_resumes_where_it_stopped(staff):
    with override_settings(SQMS_KEYS=BOTH):
        first = user_result(keyrotation.rotate_keys(batch_size=2, max_batches=2))
        assert (first.rotated_rows, first.remaining_rows) == (4, 3)
        after_first = stored_tokens()
        done = {pk for pk, token in after_first.items() if token.startswith("v1:k2:")}
        # pk order: the first four rows are the ones done.
        assert done == {user.pk for user in staff[:4]}

        second = user_result(keyrotation.rotate_keys(batch_size=2))
        assert (second.rotated_rows, second.remaining_rows) == (3, 0)
        after_second = stored_tokens()
        # Rows done by the first run were not touched again (a rewrite would change the nonce).
        assert all(after_second[pk] == after_first[pk] for pk in done)

        third = user_result(keyrotation.rotate_keys())
        assert (third.rotated_rows, third.batches) == (0, 0)
        assert stored_tokens() == after_second


def test_nothing_to_do_under_the_current_key(staff):
    with override_settings(SQMS_KEYS=OLD):
        result = user_result(keyrotation.rotate_keys())
    assert result.rotated_rows == 0 and result.batches == 0


def test_a_row_changed_meanwhile_is_skipped_not_overwritten(staff):
    with override_settings(SQMS_KEYS=BOTH):
        user = staff[0]
        [field] = dict(keyrotation.encrypted_models())[User]
        old_token = stored_tokens()[user.pk]
        # Someone edits the number after the rotation read the row, before it writes.
        user.mobile = "13700000000"
        user.save()
        result = keyrotation.ModelRotation("core.user")
        keyrotation._rotate_row(
            User._base_manager,
            [field],
            {"mobile": "_raw_mobile"},
            {"pk": user.pk, "_raw_mobile": old_token},
            "v1:k2:",
            result,
        )
        assert (result.rotated_rows, result.skipped_rows) == (0, 1)
        assert User.objects.get(pk=user.pk).mobile == "13700000000"


def test_unreadable_rows_are_reported_and_the_rest_rotated(staff):
    with override_settings(SQMS_KEYS=keys("k0")):
        lost = crypto.encrypt("13800000000", "core.user.mobile")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_user SET mobile = %s WHERE id = %s", [lost, staff[2].pk])
    with override_settings(SQMS_KEYS=BOTH):
        result = user_result(keyrotation.rotate_keys(batch_size=4))
    assert result.failed_rows == [staff[2].pk]
    assert "k0" in result.errors[0]
    assert (result.rotated_rows, result.remaining_rows) == (6, 1)


def test_command_reports_progress_and_counts(staff):
    out = io.StringIO()
    with override_settings(SQMS_KEYS=BOTH):
        with pytest.raises(CommandError, match="7 rows"):
            call_command("rotate_keys", "--check", stdout=out)
        call_command("rotate_keys", "--batch-size", "3", "--max-batches", "1", stdout=out)
        text = out.getvalue()
        assert "core.user: batch 1, 3 rows re-encrypted" in text
        assert "core.user: 3 rows (3 values) re-encrypted, 0 skipped, 0 failed, 4 left" in text
        assert "run the command again" in text

        out = io.StringIO()
        call_command("rotate_keys", "--batch-size", "3", stdout=out)
        text = out.getvalue()
        assert "4 rows (4 values) re-encrypted, 0 skipped, 0 failed, 0 left" in text
        assert "All encrypted data is under key 'k2'" in text
        call_command("rotate_keys", "--check", stdout=io.StringIO())


def test_command_fails_on_unreadable_rows(staff):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_user SET mobile = 'v1:k9:AAAA' WHERE id = %s", [staff[0].pk])
    err = io.StringIO()
    with override_settings(SQMS_KEYS=BOTH), pytest.raises(CommandError, match="1 rows"):
        call_command("rotate_keys", stdout=io.StringIO(), stderr=err)
    assert f"pk={staff[0].pk}" in err.getvalue()


def test_command_rejects_a_bad_batch_size(db):
    with pytest.raises(CommandError, match="batch"):
        call_command("rotate_keys", "--batch-size", "0")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_rows_locked_by_a_live_edit_are_skipped_and_done_later(org):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    with override_settings(SQMS_KEYS=OLD):
        users = make_staff(org, 3)
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                # Only the pk: this thread does not see the test's override_settings keys.
                User.objects.select_for_update().filter(pk=users[1].pk).values_list("pk").get()
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        with override_settings(SQMS_KEYS=BOTH):
            busy = user_result(keyrotation.rotate_keys(batch_size=10))
    finally:
        release.set()
        holder.join()
    assert (busy.rotated_rows, busy.skipped_rows, busy.remaining_rows) == (2, 1, 1)
    with override_settings(SQMS_KEYS=BOTH):
        later = user_result(keyrotation.rotate_keys(batch_size=10))
    assert (later.rotated_rows, later.remaining_rows) == (1, 0)
