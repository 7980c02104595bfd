"""Templates: seeded for every event × transport × language, rendered per language with the
whitelisted context, errors reported instead of raised."""

from typing import Any

import pytest

from sqms.notifications import rendering
from sqms.notifications.choices import NotifyEvent, Transport
from sqms.notifications.models import NotificationTemplate
from sqms.notifications.seeds import SEED_TEMPLATES, seed_templates

pytestmark = pytest.mark.django_db


def test_every_event_transport_and_language_is_seeded() -> None:
    found = set(NotificationTemplate.objects.values_list("event", "transport", "language"))
    wanted = {
        (event, transport, language)
        for event in NotifyEvent.values
        for transport in Transport.values
        for language in ("zh-hans", "en")
    }
    assert wanted <= found
    assert set(SEED_TEMPLATES) == wanted


def test_seeding_is_idempotent_and_keeps_edits() -> None:
    from django.apps import apps

    NotificationTemplate.objects.filter(event="reply").update(body="edited")
    seed_templates(apps, None)
    seed_templates(apps, None)
    assert NotificationTemplate.objects.count() == len(SEED_TEMPLATES)
    assert set(
        NotificationTemplate.objects.filter(event="reply").values_list("body", flat=True)
    ) == {"edited"}


@pytest.mark.parametrize("key", sorted(SEED_TEMPLATES))
def test_every_seeded_template_renders(key: Any) -> None:
    subject, body = SEED_TEMPLATES[key]
    rendered = rendering.render(subject, body, rendering.sample_context(key[2]))
    assert rendered.body
    assert "{{" not in rendered.body and "{%" not in rendered.body


def test_language_decides_the_text() -> None:
    subject, body = SEED_TEMPLATES[("acknowledgement", "email", "en")]
    english = rendering.render(subject, body, rendering.sample_context("en"))
    assert english.subject == "We have received your request"
    assert english.body.startswith("Dear Mr Zhang")
    subject, body = SEED_TEMPLATES[("acknowledgement", "email", "zh-hans")]
    chinese = rendering.render(subject, body, rendering.sample_context("zh-hans"))
    assert chinese.body.startswith("张先生，您好")


def test_salutation_never_shows_the_full_name() -> None:
    assert rendering.salutation("张伟", "male", "zh-hans") == "张先生"
    assert rendering.salutation("欧阳娜娜", "female", "zh-hans") == "欧阳女士"
    assert rendering.salutation("李娜", "unknown", "en") == "Mr/Ms 李"
    assert rendering.salutation("", "", "zh-hans") == "客户"


def test_errors_are_reported_not_raised() -> None:
    with pytest.raises(rendering.TemplateProblem):
        rendering.render("", "{% if %}", {})
    assert rendering.problems("", "{{ number|nosuchfilter }}")
    assert rendering.problems("", '{% include "core/base.html" %}')
    assert rendering.problems("", "{% load static %}")
    assert rendering.problems("{{ number }}", "{{ title }}") == []


def test_unknown_names_render_empty() -> None:
    assert rendering.render_text("[{{ secret_key }}]", {}) == "[]"


def test_language_of() -> None:
    assert rendering.language_of("en") == "en"
    assert rendering.language_of("en-us") == "en"
    assert rendering.language_of("zh-hans") == "zh-hans"
    assert rendering.language_of("") == "zh-hans"
