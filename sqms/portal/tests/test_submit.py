"""Submitting a request in the portal: the whole record or nothing, clear errors on bad input,
honeypot, form timing, body size and rate limits."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sqms.core.system_actor import is_system_actor
from sqms.customers.models import Consent, Customer
from sqms.portal import limits, services
from sqms.portal.choices import LimitKind
from sqms.portal.models import LimitHit
from sqms.portal.tests.conftest import PHONE, png, stored_files, submission
from sqms.servicedesk.choices import Channel, EventType
from sqms.servicedesk.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

URL = "/portal/submit/"


def assert_nothing_stored(media: Path) -> None:
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0
    assert Consent.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_form_page_is_public_with_labels_and_no_staff_menu(client: Any, org: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_customer_phone"' in html
    assert 'aria-describedby="id_customer_phone_help"' in html
    assert "一号营业厅" in html and "呼叫中心" in html
    # Only halls and call centres are offered, not branches or counters.
    assert "一分公司" not in html and "一号窗口" not in html
    assert "data-nav" not in html and "/accounts/login/" not in html
    assert 'href="#main"' in html


def test_submission_stores_ticket_customer_consent_and_attachments(
    client: Any, form_data: dict[str, Any], media: Path
) -> None:
    form_data["attachments"] = [png("a.png"), png("b.png")]
    response = client.post(URL, form_data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/portal/submitted/{ticket.number}/"
    assert ticket.channel == Channel.WEB
    assert ticket.kind == "complaint"
    assert is_system_actor(ticket.first_contact_owner)
    customer = ticket.customer
    assert customer is not None and customer.email == "zhangsan@example.com"
    assert customer.language == "zh-hans"
    assert Consent.objects.filter(customer=customer, purpose="service", channel="web").exists()
    assert ticket.attachments.count() == 2 and len(stored_files(media)) == 2
    assert ticket.events.filter(event_type=EventType.CREATED).exists()

    page = client.get(response["Location"])
    html = page.content.decode()
    assert ticket.number in html
    assert "/portal/l/" in html  # the tracking link
    assert 'data-testid="due-at"' in html


def test_an_existing_customer_record_is_not_changed_by_the_form(
    client: Any, form_data: dict[str, Any], submit: Any
) -> None:
    first = submit(email="")
    customer = first.customer
    customer.email = "old@example.com"
    customer.save()
    form_data["email"] = "attacker@example.com"
    assert client.post(URL, form_data).status_code == 302
    customer.refresh_from_db()
    assert customer.email == "old@example.com"
    assert Ticket.objects.filter(customer=customer).count() == 2
    assert Consent.objects.filter(customer=customer).count() == 1


BAD_INPUT = [
    ("kind", "nonsense"),
    ("org_unit", ""),
    ("org_unit", "branch"),
    ("title", ""),
    ("title", "长" * 201),
    ("description", ""),
    ("description", "字" * (services.DESCRIPTION_MAX + 1)),
    ("customer_name", ""),
    ("customer_phone", ""),
    ("customer_phone", "12345"),
    ("customer_phone", "010-12345678"),
    ("email", "not-an-address"),
    ("language", "fr"),
    ("consent", ""),
    ("attachments", "exe"),
    ("attachments", "fake-png"),
    ("attachments", "four"),
]


@pytest.mark.parametrize(("field", "value"), BAD_INPUT)
def test_bad_input_gets_a_clear_error_and_stores_nothing(
    client: Any, form_data: dict[str, Any], org: Any, media: Path, field: str, value: str
) -> None:
    if field == "org_unit" and value == "branch":
        value = str(org.branch1.pk)
    if field == "attachments":
        uploads = {
            "exe": [SimpleUploadedFile("run.exe", b"MZ" + b"\x00" * 20)],
            "fake-png": [SimpleUploadedFile("photo.png", b"GIF89a not a png")],
            "four": [png(f"{n}.png") for n in range(4)],
        }[value]
        form_data["attachments"] = [png("good.png"), *uploads][-max(len(uploads), 1) - 1 :]
    elif field == "consent":
        del form_data["consent"]
    else:
        form_data[field] = value
    response = client.post(URL, form_data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="id_{field}_error' in html
    assert_nothing_stored(media)
    # The form comes back filled in, with a fresh time stamp.
    if field != "title":
        assert form_data["title"] in html


def test_a_failure_after_the_files_were_written_leaves_nothing(
    client: Any, form_data: dict[str, Any], media: Path, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database gone")

    # Counting the hit is the last write, after the ticket, consent and both files.
    monkeypatch.setattr(services.limits, "count_hit", broken)
    form_data["attachments"] = [png("a.png"), png("b.png")]
    with pytest.raises(RuntimeError):
        client.post(URL, form_data)
    assert_nothing_stored(media)
    assert LimitHit.objects.count() == 0


def test_honeypot_is_refused_and_counted(
    client: Any, form_data: dict[str, Any], media: Path
) -> None:
    form_data["website"] = "http://spam.example"
    response = client.post(URL, form_data)
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert_nothing_stored(media)
    assert LimitHit.objects.filter(kind=LimitKind.SUBMIT_IP).count() == 1


def test_a_form_sent_too_fast_or_too_late_is_refused(
    client: Any, form_data: dict[str, Any], settings: Any, media: Path
) -> None:
    settings.SQMS_PORTAL_MIN_FILL_SECONDS = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        form_data["form_token"] = services.issue_form_token()
        response = client.post(URL, form_data)
        assert response.status_code == 400
        assert "很快" in response.content.decode() or "quick" in response.content.decode()
        assert_nothing_stored(media)
    with time_machine.travel(start + timedelta(hours=2, seconds=5), tick=False):
        response = client.post(URL, form_data)
        assert response.status_code == 400
        assert_nothing_stored(media)
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        assert client.post(URL, form_data).status_code == 302
    # A forged token is refused too.
    form_data["form_token"] = "forged"
    assert client.post(URL, form_data).status_code == 400


def test_an_oversized_body_is_refused_before_it_is_read(
    client: Any, form_data: dict[str, Any], settings: Any, media: Path
) -> None:
    settings.SQMS_PORTAL_MAX_BODY_BYTES = 1000
    form_data["attachments"] = [png("a.png")]
    form_data["description"] = "长" * 1000
    response = client.post(URL, form_data)
    assert response.status_code == 413
    assert_nothing_stored(media)


def test_submissions_per_address_are_limited(
    client: Any, org: Any, form_data: dict[str, Any], submit: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            submit(address="127.0.0.1", customer_phone=f"1390000000{n}")
        response = client.post(URL, form_data)
        assert response.status_code == 429
        assert 'data-testid="rate-limited"' in response.content.decode()
        assert Ticket.objects.count() == 5
        with pytest.raises(services.RateLimited):
            submit(address="127.0.0.1", customer_phone="13900000009")
        # Another address is not affected.
        submit(address="10.9.9.9", customer_phone="13900000009")
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        form_data["form_token"] = services.issue_form_token()
        assert client.post(URL, form_data).status_code == 302


def test_submissions_per_phone_are_limited(submit: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(3):
            submit(address=f"10.0.0.{n}", customer_phone="+86 138-1234-5678")
        with pytest.raises(services.RateLimited):
            submit(address="10.0.1.1", customer_phone=PHONE)
        assert Ticket.objects.count() == 3
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        submit(address="10.0.1.1", customer_phone=PHONE)
    assert Ticket.objects.count() == 4


def test_limit_hits_hold_no_personal_data_and_are_pruned(submit: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        submit(address="192.168.1.20")
    keys = list(LimitHit.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all(PHONE not in key and "192.168" not in key for key in keys)
    assert limits.prune(now=start + timedelta(hours=2)) == 0
    assert limits.prune(now=start + timedelta(days=1, seconds=1)) == 2


def test_service_rules_hold_without_the_form(org: Any, submit: Any) -> None:
    with pytest.raises(services.DomainError) as error:
        submit(org_unit=org.branch1)
    assert error.value.field == "org_unit"
    with pytest.raises(services.DomainError) as error:
        submit(consent=False)
    assert error.value.field == "consent"
    with pytest.raises(services.DomainError) as error:
        submit(uploads=[png(), png(), png(), png()])
    assert error.value.field == "attachments"
    assert Ticket.objects.count() == 0


def test_submission_ticket_registered_in_the_unit_chosen(org: Any, submit: Any) -> None:
    ticket = submit(org_unit=org.call_centre, customer_phone="13700000001", email="a@b.cn")
    assert ticket.org_unit == org.call_centre
    assert submission(org).customer_phone == PHONE


def test_pruning_runs_periodically(submit: Any) -> None:
    from sqms.core import periodic
    from sqms.portal import tasks

    assert tasks.prune_limit_hits.module_path in {job.name for job in periodic.registered()}
    start = timezone.now() - timedelta(days=2)
    with time_machine.travel(start, tick=False):
        submit()
    assert tasks.prune_limit_hits.call() == 2
    assert LimitHit.objects.count() == 0
