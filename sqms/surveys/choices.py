"""Enumerations of the surveys app, with zh-Hans/English labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuestionType(models.TextChoices):
    RATING = "rating", _("Rating 1–5")
    NPS = "nps", _("Recommendation 0–10 (NPS)")
    CES = "ces", _("Effort 1–7 (CES)")
    SCALE7 = "scale7", _("Scale 1–7")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


# The scale (lowest, highest) of each numeric question type.
SCALES: dict[str, tuple[int, int]] = {
    QuestionType.RATING: (1, 5),
    QuestionType.NPS: (0, 10),
    QuestionType.CES: (1, 7),
    QuestionType.SCALE7: (1, 7),
}


class Dimension(models.TextChoices):
    OVERALL = "overall", _("Overall")
    ATTITUDE = "attitude", _("Service attitude")
    EFFICIENCY = "efficiency", _("Service efficiency")
    EFFECTIVENESS = "effectiveness", _("Service effectiveness")
    AFTER_SALES = "after_sales", _("After-sales service")
    RECOMMENDATION = "recommendation", _("Recommendation (NPS)")
    EFFORT = "effort", _("Customer effort (CES)")
    TANGIBLES = "tangibles", _("Tangibles")
    RELIABILITY = "reliability", _("Reliability")
    RESPONSIVENESS = "responsiveness", _("Responsiveness")
    ASSURANCE = "assurance", _("Assurance")
    EMPATHY = "empathy", _("Empathy")
    COMMENT = "comment", pgettext_lazy("survey dimension", "Comment")


SERVQUAL_DIMENSIONS = (
    Dimension.TANGIBLES,
    Dimension.RELIABILITY,
    Dimension.RESPONSIVENESS,
    Dimension.ASSURANCE,
    Dimension.EMPATHY,
)


class Pair(models.TextChoices):
    """SERVQUAL items come in pairs: what the customer expects and what they got."""

    NONE = "", _("—")
    EXPECTATION = "expectation", _("Expectation")
    PERCEPTION = "perception", _("Perception")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")


class ResponseMode(models.TextChoices):
    LINK = "link", _("Customer link")
    KIOSK = "kiosk", _("Counter tablet")
    PHONE = "phone", _("Phone entry by an agent")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    CLOSED = "closed", pgettext_lazy("campaign status", "Closed")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


FOLLOW_UP_COLOURS = {FollowUpStatus.OPEN: "warning", FollowUpStatus.DONE: "success"}
