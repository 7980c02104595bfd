"""Every state change of a knowledge article: writing (from scratch or from a resolved ticket),
editing as new versions, review and publication, archiving, the expiry review, uses on tickets
and helpful votes.

Each function runs in one transaction, re-reads and locks the article within the actor's
scope, checks its rules (DomainError → 400, ConflictError → 409 for a step the article's state
does not allow), writes the audit event and schedules notifications for after the commit.

A published article stays readable while it is revised: an edit of it becomes a pending
version, and the article's text changes only when a reviewer approves that version.
"""

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.notify import notify
from sqms.core.numbering import next_number
from sqms.core.scope import unit_in_scope
from sqms.core.service_helpers import copy_saved_state, lock_in_scope, require_permission
from sqms.knowledge import search
from sqms.knowledge.choices import ArticleStatus, ReviewDecision, VersionState
from sqms.knowledge.models import (
    Article,
    ArticleReview,
    ArticleUse,
    ArticleVersion,
    ArticleVote,
)
from sqms.knowledge.models.articles import TEXT_FIELDS, ancestor_paths, split_tags

VIEW = "knowledge.view_article"
ADD = "knowledge.add_article"
CHANGE = "knowledge.change_article"
PUBLISH = "knowledge.publish_article"
NUMBER_PREFIX = "KB"
REVIEW_PERIOD_DAYS = 365
MAX_LENGTHS = {"title": 200, "products": 300, "change_note": 300}
VERSIONED_FIELDS = (*TEXT_FIELDS, "category")
AUDIT_FIELDS = [
    "number",
    "org_unit",
    *VERSIONED_FIELDS,
    "status",
    "owner",
    "review_by",
    "current_version",
    "pending_version",
    "source_ticket",
]
RESOLVED_TICKET_STATUSES = ("resolved", "verified", "closed")


# --- helpers ------------------------------------------------------------------------------


def _require(actor: Any, *permissions: str) -> None:
    require_permission(
        actor, permissions, _("You are not allowed to do this with knowledge articles.")
    )


def _lock(article: Article | int, actor: Any) -> Article:
    _require(actor, VIEW)
    return lock_in_scope(
        Article,
        article,
        actor,
        related=("org_unit", "current_version", "pending_version"),
        missing=_("No such knowledge article."),
    )


def _snapshot(article: Article) -> dict[str, Any]:
    return audit.snapshot(article, AUDIT_FIELDS)


def _audit(verb: str, article: Article, actor: Any, before: dict[str, Any], **extra: Any) -> None:
    old, new = audit.changes(before, _snapshot(article))
    audit.record(verb, article, actor=actor, before=old, after={**new, **extra})


def _text(value: Any, field: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    limit = MAX_LENGTHS.get(field)
    if limit and len(text) > limit:
        raise DomainError(
            _("Enter at most %(limit)d characters.") % {"limit": limit},
            field=field,
            code="max_length",
        )
    if required and not text:
        raise DomainError(_("This field is required."), field=field, code="required")
    return text


def _products(value: Any) -> str:
    return _text(", ".join(split_tags(str(value or ""))), "products")


def _category(value: Any) -> Any:
    from sqms.servicedesk.models import Category

    if value is None or value == "":
        return None
    if not isinstance(value, Category) or not value.is_active:
        raise DomainError(_("Choose an active problem type."), field="category")
    return value


def _review_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError as bad:
            raise DomainError(_("Enter a valid date."), field="review_by") from bad
    if value < timezone.localdate():
        raise DomainError(_("The review date cannot lie in the past."), field="review_by")
    return value


def _check_unit(actor: Any, unit: Any) -> OrgUnit:
    if unit is None:
        raise DomainError(_("Choose the org unit the article belongs to."), field="org_unit")
    if not isinstance(unit, OrgUnit) or not unit_in_scope(actor, unit):
        raise DomainError(_("Choose an org unit within your scope."), field="org_unit")
    return unit


def _check_owner(actor: Any, owner: Any) -> None:
    if not isinstance(owner, User) or not owner.is_active:
        raise DomainError(_("Choose an active user as owner."), field="owner")
    if owner.org_unit is None or not unit_in_scope(actor, owner.org_unit):
        raise DomainError(_("The owner must work in a unit you can see."), field="owner")


def is_owner(actor: Any, article: Article) -> bool:
    return getattr(actor, "pk", None) in (article.owner_id, article.created_by_id)


def may_publish(actor: Any, article: Article) -> bool:
    return bool(actor.has_perm(PUBLISH) and unit_in_scope(actor, article.org_unit))


def may_edit(actor: Any, article: Article) -> bool:
    """The owner, the author of a pending revision, or an editor of the article's unit."""
    if is_owner(actor, article):
        return True
    pending = article.pending_version
    if pending is not None and pending.author_id == getattr(actor, "pk", None):
        return True
    return bool(actor.has_perm(CHANGE) and unit_in_scope(actor, article.org_unit))


def _reviewers(article: Article) -> Iterable[User]:
    """Users who may publish the article: holders of the publish permission in its unit or a
    unit above it."""
    unit = article.org_unit
    granted = Q(groups__permissions__codename="publish_article") | Q(
        user_permissions__codename="publish_article"
    )
    return (
        User.objects.filter(granted, is_active=True)
        .filter(org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen))
        .distinct()[:50]
    )


def _notify_later(
    recipients: Iterable[Any], actor: Any, message: Callable[[], Any], article: Article
) -> None:
    """After the commit, tell these users (never the actor about their own doing)."""
    ids = {
        getattr(user, "pk", user)
        for user in recipients
        if user is not None and getattr(user, "pk", user) != getattr(actor, "pk", None)
    }
    if not ids:
        return

    def send() -> None:
        notify(
            User.objects.filter(pk__in=ids, is_active=True),
            message,
            url=article.get_absolute_url(),
            obj=article,
        )

    transaction.on_commit(send)


def _reindex(article: Article) -> None:
    article.search_text = search.index_text(article)


def _new_version(
    article: Article, actor: Any, values: dict[str, Any], note: str, state: str
) -> ArticleVersion:
    last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleVersion.objects.create(
        article=article,
        number=last + 1,
        author=actor,
        change_note=note,
        state=state,
        **values,
    )


def _clean_text_values(fields: dict[str, Any], base: Any) -> dict[str, Any]:
    """The versioned fields: `fields` over the values of `base` (an article or version)."""
    values = {name: getattr(base, name) for name in TEXT_FIELDS}
    values["category"] = base.category
    for name, value in fields.items():
        if name in ("title", "problem", "solution"):
            values[name] = _text(value, name, required=True)
        elif name == "cause":
            values[name] = _text(value, name)
        elif name == "products":
            values[name] = _products(value)
        elif name == "category":
            values[name] = _category(value)
    return values


# --- writing ------------------------------------------------------------------------------


def create_article(
    *,
    actor: Any,
    title: str,
    problem: str,
    solution: str,
    cause: str = "",
    products: str = "",
    category: Any = None,
    org_unit: OrgUnit | None = None,
    owner: User | None = None,
    review_by: Any = None,
    source_ticket: Any = None,
    change_note: str = "",
) -> Article:
    """Write a new article (a draft, version 1); the owner defaults to the writer."""
    _require(actor, ADD)
    values = {
        "title": _text(title, "title", required=True),
        "problem": _text(problem, "problem", required=True),
        "cause": _text(cause, "cause"),
        "solution": _text(solution, "solution", required=True),
        "products": _products(products),
        "category": _category(category),
    }
    unit = _check_unit(actor, org_unit if org_unit is not None else actor.org_unit)
    owner = owner or actor
    if owner != actor:
        _check_owner(actor, owner)
    review_date = _review_date(review_by)
    note = _text(change_note, "change_note") or _("First version")
    with transaction.atomic():
        article = Article(
            number=next_number(NUMBER_PREFIX),
            org_unit=unit,
            owner=owner,
            review_by=review_date,
            source_ticket=source_ticket,
            created_by=actor,
            **values,
        )
        _reindex(article)
        article.save()
        version = _new_version(article, actor, values, note, VersionState.DRAFT)
        article.current_version = version
        article.save(update_fields=["current_version"])
        search.sync_index(article)
        audit.record(AuditAction.CREATE, article, actor=actor, after=_snapshot(article))
    return article


def create_from_ticket(ticket: Any, *, actor: Any) -> Article:
    """A draft article from a resolved ticket: its title, description (the problem), root
    cause, resolution (the solution) and problem type, in the ticket's unit."""
    from sqms.servicedesk.models import Ticket

    _require(actor, ADD)
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    found = Ticket.objects.visible_to(actor).select_related("org_unit", "category")
    fresh = found.filter(pk=pk).first()
    if fresh is None:
        raise PermissionDenied(_("The ticket is not available to you."))
    if fresh.status not in RESOLVED_TICKET_STATUSES:
        raise ConflictError(
            _("Only a resolved ticket can become a knowledge article."), code="not_resolved"
        )
    if not fresh.resolution.strip():
        raise DomainError(_("The ticket has no resolution to share."), field="solution")
    return create_article(
        actor=actor,
        title=fresh.title[:200],
        problem=fresh.description.strip() or fresh.title,
        cause=fresh.root_cause,
        solution=fresh.resolution,
        category=fresh.category if fresh.category and fresh.category.is_active else None,
        org_unit=fresh.org_unit,
        source_ticket=fresh,
        change_note=_("Written from ticket %(number)s") % {"number": fresh.number},
    )


def update_article(
    article: Article | int, *, actor: Any, change_note: str = "", **fields: Any
) -> Article:
    """Edit an article. A change of its text or problem type is a new version: of a draft it
    becomes the article's text at once; of a published article it waits as a pending revision
    (draft) while the published text stays visible. Owner, review date and unit change in place."""
    allowed = {*VERSIONED_FIELDS, "owner", "review_by", "org_unit"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(_("These fields cannot be changed here."), field=sorted(unknown)[0])
    note = _text(change_note, "change_note")
    with transaction.atomic():
        locked = _lock(article, actor)
        if not may_edit(actor, locked):
            raise PermissionDenied(_("Only the owner or an editor of this unit may edit it."))
        if locked.status == ArticleStatus.ARCHIVED:
            raise ConflictError(_("An archived article cannot be edited."), code="archived")
        before = _snapshot(locked)
        text_fields = {name: value for name, value in fields.items() if name in VERSIONED_FIELDS}
        pending = locked.pending_version
        if text_fields:
            if locked.status == ArticleStatus.IN_REVIEW or (
                pending is not None and pending.state == VersionState.IN_REVIEW
            ):
                raise ConflictError(
                    _("The article is in review; wait for the decision before editing."),
                    code="in_review",
                )
            base = pending if pending is not None else locked
            values = _clean_text_values(text_fields, base)
            changed = any(values[name] != getattr(base, name) for name in VERSIONED_FIELDS)
            if changed:
                version = _new_version(locked, actor, values, note, VersionState.DRAFT)
                if locked.status == ArticleStatus.PUBLISHED:
                    if pending is not None:
                        pending.state = VersionState.SUPERSEDED
                        pending.save(update_fields=["state"])
                    locked.pending_version = version
                else:
                    for name, value in values.items():
                        setattr(locked, name, value)
                    if locked.current_version is not None:
                        locked.current_version.state = VersionState.SUPERSEDED
                        locked.current_version.save(update_fields=["state"])
                    locked.current_version = version
                    _reindex(locked)
        if "owner" in fields and fields["owner"] != locked.owner:
            if not (actor.has_perm(CHANGE) and unit_in_scope(actor, locked.org_unit)):
                raise PermissionDenied(_("Only an editor of this unit may hand the article over."))
            _check_owner(actor, fields["owner"])
            locked.owner = fields["owner"]
        if "review_by" in fields:
            new_date = fields["review_by"]
            if new_date in (None, ""):
                locked.review_by = None
            elif new_date != locked.review_by:
                locked.review_by = _review_date(new_date)
        if "org_unit" in fields and fields["org_unit"] != locked.org_unit:
            locked.org_unit = _check_unit(actor, fields["org_unit"])
        locked.save()
        search.sync_index(locked)
        old, new = audit.changes(before, _snapshot(locked))
        if new:
            audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return copy_saved_state(article, locked)


# --- review and publication ---------------------------------------------------------------


def version_in_review(article: Article) -> ArticleVersion | None:
    if article.status == ArticleStatus.IN_REVIEW:
        return article.current_version
    pending = article.pending_version
    if (
        article.status == ArticleStatus.PUBLISHED
        and pending is not None
        and pending.state == VersionState.IN_REVIEW
    ):
        return pending
    return None


def submit_for_review(article: Article | int, *, actor: Any) -> Article:
    """Send the draft (or the pending revision of a published article) to the reviewers."""
    with transaction.atomic():
        locked = _lock(article, actor)
        if not may_edit(actor, locked):
            raise PermissionDenied(_("Only the owner or an editor of this unit may submit it."))
        before = _snapshot(locked)
        if locked.status == ArticleStatus.DRAFT and locked.current_version is not None:
            version = locked.current_version
            locked.status = ArticleStatus.IN_REVIEW
        elif (
            locked.status == ArticleStatus.PUBLISHED
            and locked.pending_version is not None
            and locked.pending_version.state == VersionState.DRAFT
        ):
            version = locked.pending_version
        else:
            raise ConflictError(
                _("There is no draft of this article to submit."), code="nothing_to_submit"
            )
        version.state = VersionState.IN_REVIEW
        version.save(update_fields=["state"])
        locked.save()
        _audit(AuditAction.TRANSITION, locked, actor, before, version=version.number)
        _notify_later(
            _reviewers(locked),
            actor,
            lambda: (
                _("Knowledge article %(number)s awaits your review: %(title)s")
                % {"number": locked.number, "title": version.title}
            ),
            locked,
        )
    return copy_saved_state(article, locked)


def _review(
    article: Article | int, actor: Any, decision: str, comment: str
) -> tuple[Article, ArticleVersion, dict[str, Any]]:
    locked = _lock(article, actor)
    if not may_publish(actor, locked):
        raise PermissionDenied(_("You may not review knowledge articles of this unit."))
    version = version_in_review(locked)
    if version is None:
        raise ConflictError(_("Nothing of this article is in review."), code="not_in_review")
    if version.author_id == actor.pk:
        raise DomainError(
            _("Someone other than the author must review this version."), code="own_version"
        )
    before = _snapshot(locked)
    ArticleReview.objects.create(
        article=locked, version=version, reviewer=actor, decision=decision, comment=comment
    )
    return locked, version, before


def approve_article(article: Article | int, *, actor: Any, comment: str = "") -> Article:
    """Approve the version in review and publish it; a first publication sets the review
    date a year ahead unless one is set."""
    comment = str(comment or "").strip()
    with transaction.atomic():
        locked, version, before = _review(article, actor, ReviewDecision.APPROVED, comment)
        today = timezone.localdate()
        if locked.status == ArticleStatus.PUBLISHED:  # a revision replaces the published text
            for name in TEXT_FIELDS:
                setattr(locked, name, getattr(version, name))
            locked.category = version.category
            if locked.current_version is not None:
                locked.current_version.state = VersionState.SUPERSEDED
                locked.current_version.save(update_fields=["state"])
            locked.current_version = version
            locked.pending_version = None
            _reindex(locked)
        locked.status = ArticleStatus.PUBLISHED
        locked.published_at = timezone.now()
        if locked.review_by is None or locked.review_by < today:
            locked.review_by = today + timedelta(days=REVIEW_PERIOD_DAYS)
        version.state = VersionState.PUBLISHED
        version.save(update_fields=["state"])
        locked.save()
        search.sync_index(locked)
        _audit(AuditAction.TRANSITION, locked, actor, before, version=version.number)
        _notify_later(
            [version.author_id, locked.owner_id],
            actor,
            lambda: _("Knowledge article %(number)s was published.") % {"number": locked.number},
            locked,
        )
    return copy_saved_state(article, locked)


def send_back_article(article: Article | int, *, actor: Any, comment: str) -> Article:
    """Return the version in review to its author as a draft, saying what to change."""
    comment = str(comment or "").strip()
    if not comment:
        raise DomainError(_("Say what should change."), field="comment", code="required")
    with transaction.atomic():
        locked, version, before = _review(article, actor, ReviewDecision.SENT_BACK, comment)
        version.state = VersionState.DRAFT
        version.save(update_fields=["state"])
        if locked.status == ArticleStatus.IN_REVIEW:
            locked.status = ArticleStatus.DRAFT
        locked.save()
        _audit(AuditAction.TRANSITION, locked, actor, before, comment=comment)
        _notify_later(
            [version.author_id, locked.owner_id],
            actor,
            lambda: (
                _("Knowledge article %(number)s was sent back: %(comment)s")
                % {"number": locked.number, "comment": comment}
            ),
            locked,
        )
    return copy_saved_state(article, locked)


def archive_article(article: Article | int, *, actor: Any, reason: str) -> Article:
    """Withdraw an article (it is no longer shown or found); a pending revision lapses."""
    reason = str(reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason."), field="reason", code="required")
    with transaction.atomic():
        locked = _lock(article, actor)
        if not may_publish(actor, locked):
            raise PermissionDenied(_("You may not archive knowledge articles of this unit."))
        if locked.status == ArticleStatus.ARCHIVED:
            raise ConflictError(_("The article is already archived."), code="archived")
        before = _snapshot(locked)
        if locked.pending_version is not None:
            locked.pending_version.state = VersionState.SUPERSEDED
            locked.pending_version.save(update_fields=["state"])
            locked.pending_version = None
        if locked.current_version is not None and locked.status == ArticleStatus.IN_REVIEW:
            locked.current_version.state = VersionState.DRAFT
            locked.current_version.save(update_fields=["state"])
        locked.status = ArticleStatus.ARCHIVED
        locked.save()
        _audit(AuditAction.TRANSITION, locked, actor, before, reason=reason)
        _notify_later(
            [locked.owner_id],
            actor,
            lambda: (
                _("Knowledge article %(number)s was archived: %(reason)s")
                % {"number": locked.number, "reason": reason}
            ),
            locked,
        )
    return copy_saved_state(article, locked)


def renew_review(article: Article | int, *, actor: Any, review_by: Any) -> Article:
    """The expiry review: the article was checked and stays valid until the new date."""
    with transaction.atomic():
        locked = _lock(article, actor)
        if not (may_publish(actor, locked) or is_owner(actor, locked)):
            raise PermissionDenied(_("Only the owner or a reviewer may renew the review date."))
        if locked.status != ArticleStatus.PUBLISHED:
            raise ConflictError(
                _("Only a published article has a review date to renew."), code="not_published"
            )
        new_date = _review_date(review_by)
        if new_date is None or new_date <= timezone.localdate():
            raise DomainError(_("Choose a date in the future."), field="review_by")
        before = _snapshot(locked)
        locked.review_by = new_date
        locked.review_reminded_for = None
        locked.save()
        _audit(AuditAction.UPDATE, locked, actor, before)
    return copy_saved_state(article, locked)


# --- use and feedback ---------------------------------------------------------------------


def _published_for_reader(article: Article | int, actor: Any) -> Article:
    locked = _lock(article, actor)
    if locked.status != ArticleStatus.PUBLISHED:
        raise ConflictError(_("Only a published article can be used or rated."), code="unpublished")
    return locked


def record_use(article: Article | int, *, actor: Any, ticket: Any) -> ArticleUse:
    """Note that the article helped handle `ticket` (once per ticket; again is a no-op)."""
    from sqms.servicedesk.models import Ticket

    try:
        pk = ticket.pk if isinstance(ticket, Ticket) else int(ticket)
    except (TypeError, ValueError) as bad:
        raise DomainError(_("No such ticket in your units."), field="ticket") from bad
    with transaction.atomic():
        locked = _published_for_reader(article, actor)
        fresh = Ticket.objects.visible_to(actor).filter(pk=pk).first()
        if fresh is None:
            raise DomainError(_("No such ticket in your units."), field="ticket")
        existing = ArticleUse.objects.filter(article=locked, ticket=fresh).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                use = ArticleUse.objects.create(article=locked, ticket=fresh, user=actor)
        except IntegrityError:  # the same use recorded at the same moment by another request
            return ArticleUse.objects.get(article=locked, ticket=fresh)
        Article.objects.filter(pk=locked.pk).update(usage_count=F("usage_count") + 1)
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            after={"used_for_ticket": fresh.number},
        )
    locked.refresh_from_db(fields=["usage_count"])
    copy_saved_state(article, locked)
    return use


def vote(article: Article | int, *, actor: Any, helpful: bool) -> Article:
    """The reader's verdict, one per reader (a second vote replaces the first)."""
    helpful = bool(helpful)
    with transaction.atomic():
        locked = _published_for_reader(article, actor)
        previous = ArticleVote.objects.filter(article=locked, user=actor).first()
        if previous is not None and previous.helpful == helpful:
            return locked
        if previous is None:
            ArticleVote.objects.create(article=locked, user=actor, helpful=helpful)
        else:
            previous.helpful = helpful
            previous.created_at = timezone.now()
            previous.save(update_fields=["helpful", "created_at"])
        delta: dict[str, Any] = {
            "helpful_count": F("helpful_count"),
            "not_helpful_count": F("not_helpful_count"),
        }
        gained, lost = (
            ("helpful_count", "not_helpful_count")
            if helpful
            else ("not_helpful_count", "helpful_count")
        )
        delta[gained] = F(gained) + 1
        if previous is not None:
            delta[lost] = F(lost) - 1
        Article.objects.filter(pk=locked.pk).update(**delta)
        audit.record(AuditAction.UPDATE, locked, actor=actor, after={"helpful_vote": helpful})
    locked.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
    return copy_saved_state(article, locked)


# --- the expiry reminder ------------------------------------------------------------------


def _expiry_message(number: str, review_by: Any) -> Callable[[], str]:
    """The reminder, rendered in each recipient's language."""

    def message() -> str:
        return _("Knowledge article %(number)s is past its review date (%(date)s): check it.") % {
            "number": number,
            "date": review_by,
        }

    return message


def remind_expired(today: date | None = None) -> int:
    """Tell the owners of published articles past their review date, once per date."""
    today = today or timezone.localdate()
    due = list(
        Article.objects.expired(today)
        .exclude(review_reminded_for=F("review_by"))
        .select_related("owner")
        .order_by("id")[:500]
    )
    for article in due:
        with transaction.atomic():
            notify(
                [article.owner],
                _expiry_message(article.number, article.review_by),
                url=article.get_absolute_url(),
                obj=article,
            )
            Article.objects.filter(pk=article.pk).update(review_reminded_for=F("review_by"))
    return len(due)
