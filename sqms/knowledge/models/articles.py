"""The knowledge article, its immutable versions, reviews, uses on tickets and helpful votes."""

from typing import Any, ClassVar, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import ScopedModel, ScopedQuerySet
from sqms.core.scope import NOTHING, sees_all_units
from sqms.knowledge.choices import STATUS_COLOURS, ArticleStatus, ReviewDecision, VersionState

USER = settings.AUTH_USER_MODEL
PUBLISH = "knowledge.publish_article"

# The fields a version captures: what a reader of the article sees.
TEXT_FIELDS = ("title", "problem", "cause", "solution", "products")


def ancestor_paths(path: str, steplen: int) -> list[str]:
    """The materialised paths of a unit and every unit above it (treebeard's MP tree)."""
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


class ArticleQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> "ArticleQuerySet":
        """Published articles of the user's own unit, the units above it and those below it;
        drafts, articles in review and archived ones only to their owner and author, and to
        reviewers (publish permission) of the article's unit."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return cast(ArticleQuerySet, self.filter(NOTHING))
        if sees_all_units(user):
            return self
        unit = user.org_unit
        mine = Q(owner=user) | Q(created_by=user)
        if unit is None:
            return cast(ArticleQuerySet, self.filter(mine))
        below = Q(org_unit__path__startswith=unit.path)
        above = Q(org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen))
        visible = Q(status=ArticleStatus.PUBLISHED) & (below | above) | mine
        if user.has_perm(PUBLISH):
            visible |= below
        return cast(ArticleQuerySet, self.filter(visible))

    def published(self) -> "ArticleQuerySet":
        return cast(ArticleQuerySet, self.filter(status=ArticleStatus.PUBLISHED))

    def expired(self, today: Any = None) -> "ArticleQuerySet":
        today = today or timezone.localdate()
        return cast(ArticleQuerySet, self.published().filter(review_by__lt=today))


ArticleManager = models.Manager.from_queryset(ArticleQuerySet)


class Article(ScopedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    # The text readers see: the published version's, or the latest draft's before the first
    # publication. A revision of a published article waits in `pending_version`.
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    products = models.CharField(
        _("applicable products and business"),
        max_length=300,
        blank=True,
        help_text=_("Tags separated by commas, e.g. 宽带, 光猫, 家庭套餐."),
    )
    category = models.ForeignKey(
        "servicedesk.Category",
        verbose_name=_("problem type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    review_by = models.DateField(_("review by"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    current_version = models.ForeignKey(
        "knowledge.ArticleVersion",
        verbose_name=_("current version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pending_version = models.ForeignKey(
        "knowledge.ArticleVersion",
        verbose_name=_("revision awaiting publication"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_ticket = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("source ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    usage_count = models.PositiveIntegerField(_("uses"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    # Words of the live text (jieba search mode), space-separated: what full-text search reads.
    search_text = models.TextField(editable=False, blank=True)
    # The review date for which the owner was reminded; a new date re-arms the reminder.
    review_reminded_for = models.DateField(null=True, blank=True, editable=False)

    objects: ClassVar[ArticleManager] = ArticleManager()

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at", "-id"]
        permissions = [("publish_article", _("Can review and publish knowledge articles"))]
        indexes = [
            models.Index(fields=["status", "review_by"], name="kb_status_review"),
            models.Index(fields=["org_unit", "status"], name="kb_unit_status"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("knowledge_article_detail", args=[self.pk])

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(ArticleStatus(self.status), "secondary")

    @property
    def is_expired(self) -> bool:
        return (
            self.status == ArticleStatus.PUBLISHED
            and self.review_by is not None
            and self.review_by < timezone.localdate()
        )

    @property
    def product_list(self) -> list[str]:
        return split_tags(self.products)


def split_tags(text: str) -> list[str]:
    """Tags typed with commas, Chinese commas, 、 or semicolons between them."""
    for separator in ("，", "、", ";", "；", "\n"):
        text = (text or "").replace(separator, ",")
    seen: list[str] = []
    for tag in text.split(","):
        tag = tag.strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class ArticleVersion(models.Model):
    """One saved text of an article; the text never changes once written (an edit is a new
    version), only its state moves on (draft → in review → published → superseded)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    products = models.CharField(_("applicable products and business"), max_length=300, blank=True)
    category = models.ForeignKey(
        "servicedesk.Category",
        verbose_name=_("problem type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=VersionState.choices, default=VersionState.DRAFT
    )
    author = models.ForeignKey(
        USER, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.CharField(_("change note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleReview(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reviews")
    version = models.ForeignKey(
        ArticleVersion, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("version")
    )
    reviewer = models.ForeignKey(
        USER, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=ReviewDecision.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("article review")
        verbose_name_plural = _("article reviews")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id} {self.decision}"


class ArticleUse(models.Model):
    """An article used to handle a ticket (once per ticket)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(USER, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("article use")
        verbose_name_plural = _("article uses")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "ticket"], name="kb_use_once_per_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.ticket_id}"


class ArticleVote(models.Model):
    """One reader's verdict on an article: helpful or not (one per user, may be changed)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("helpful vote")
        verbose_name_plural = _("helpful votes")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="kb_vote_once")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.user_id} {self.helpful}"
