"""Reminders sent by the daily job: overdue training and certifications about to expire.

Each reminder is sent once: a notification remembers what it was about (the plan item and due
date, or the certification), so repeated or concurrent runs do not repeat it."""

from datetime import date, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.models import Notification, User
from sqms.core.notify import notify
from sqms.staff.models import Certification
from sqms.staff.training import overdue_training

EXPIRY_NOTICE_DAYS = 30


def _already_sent(object_type: str, keys: set[tuple[int, str]]) -> set[tuple[int, str]]:
    if not keys:
        return set()
    rows = Notification.objects.filter(
        object_type=object_type,
        recipient__in={person for person, _key in keys},
        object_id__in={key for _person, key in keys},
    ).values_list("recipient_id", "object_id")
    return set(rows)


def send_reminders(*, today: date | None = None) -> dict[str, int]:
    day = today or timezone.localdate()
    sent = {"overdue": 0, "expiring": 0}

    overdue = overdue_training(User.objects.filter(is_active=True), today=day)
    keys = {(row.person.pk, f"{row.item.pk}:{row.due_on}") for row in overdue}
    done = _already_sent("staff.planitem", keys)
    for row in overdue:
        key = (row.person.pk, f"{row.item.pk}:{row.due_on}")
        if key in done:
            continue
        done.add(key)
        course, due = row.item.course.title, row.due_on

        def message(course: str = course, due: Any = due) -> str:
            return _("Training overdue: %(course)s was due on %(date)s.") % {
                "course": course,
                "date": due,
            }

        for note in notify([row.person], message, url=reverse("staff_me")):
            note.object_type, note.object_id = "staff.planitem", key[1]
            note.save(update_fields=["object_type", "object_id"])
        sent["overdue"] += 1

    expiring = list(
        Certification.objects.filter(
            revoked=False,
            expires_on__gte=day,
            expires_on__lte=day + timedelta(days=EXPIRY_NOTICE_DAYS),
            person__is_active=True,
        ).select_related("person", "cert_type")
    )
    keys = {(c.person_id, f"{c.pk}:expiry") for c in expiring}
    done = _already_sent("staff.certification", keys)
    for certification in expiring:
        key = (certification.person_id, f"{certification.pk}:expiry")
        if key in done:
            continue
        name, expires = certification.cert_type.name, certification.expires_on

        def expiry_message(name: str = name, expires: Any = expires) -> str:
            return _("Your certification %(name)s expires on %(date)s.") % {
                "name": name,
                "date": expires,
            }

        for note in notify([certification.person], expiry_message, url=reverse("staff_me")):
            note.object_type, note.object_id = "staff.certification", key[1]
            note.save(update_fields=["object_type", "object_id"])
        sent["expiring"] += 1
    return sent
