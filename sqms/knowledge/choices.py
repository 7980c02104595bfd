"""Enumerations of the knowledge base, with zh-Hans/English labels and colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


STATUS_COLOURS = {
    ArticleStatus.DRAFT: "secondary",
    ArticleStatus.IN_REVIEW: "warning",
    ArticleStatus.PUBLISHED: "success",
    ArticleStatus.ARCHIVED: "dark",
}


class VersionState(models.TextChoices):
    """Where one version of the text stands."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved and published")
    SENT_BACK = "sent_back", _("Sent back")
