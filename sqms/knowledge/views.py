"""UI views of the knowledge base: the searchable list, an article's page with its versions,
the diff between two versions, writing and editing, the review queue, review decisions,
helpful votes (htmx), uses on tickets and the one-click article from a resolved ticket.

Views stay thin: they check permission, fetch within the user's scope (404 outside it),
validate a form and call a service from sqms.knowledge.services.
"""

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.views import paginate, permission_view
from sqms.knowledge import services
from sqms.knowledge.access import access_article, visible_articles
from sqms.knowledge.choices import ArticleStatus, VersionState
from sqms.knowledge.filtersets import ArticleFilterSet
from sqms.knowledge.forms import ArchiveForm, ArticleCreateForm, ArticleForm, RenewForm, ReviewForm
from sqms.knowledge.models import ArticleVersion, ArticleVote
from sqms.knowledge.models.articles import TEXT_FIELDS

VIEW = services.VIEW
ADD = services.ADD
PUBLISH = services.PUBLISH
MAIN_FILTERS = ("q", "category", "status")


# --- list and review queue ------------------------------------------------------------------


@permission_view(VIEW)
@require_GET
def knowledge_article_list(request: HttpRequest) -> HttpResponse:
    articles = visible_articles(request.user)
    filterset = ArticleFilterSet(request.GET, queryset=articles, request=request)
    style_widgets(filterset.form)
    filterset.form.fields["status"].widget.attrs["size"] = 4
    queryset = filterset.qs if filterset.is_valid() else articles.none()
    page = paginate(request, queryset)
    form = filterset.form
    context = {
        "filter": filterset,
        "main_fields": [form[name] for name in MAIN_FILTERS],
        "more_fields": [field for field in form.visible_fields() if field.name not in MAIN_FILTERS],
        "page": page,
        "query": (request.GET.get("q") or "").strip(),
        "may_add": request.user.has_perm(ADD),
    }
    return render(request, "knowledge/article_list.html", context)


@permission_view(VIEW, PUBLISH)
@require_GET
def knowledge_review_queue(request: HttpRequest) -> HttpResponse:
    """Articles of the reviewer's units with a version awaiting review, oldest first."""
    articles = (
        visible_articles(request.user)
        .filter(
            Q(status=ArticleStatus.IN_REVIEW)
            | Q(status=ArticleStatus.PUBLISHED, pending_version__state=VersionState.IN_REVIEW)
        )
        .select_related("current_version__author", "pending_version__author")
        .order_by("updated_at", "id")
    )
    page = paginate(request, articles)
    for article in page.object_list:
        article.version_in_review = services.version_in_review(article)
    return render(request, "knowledge/review_queue.html", {"page": page})


# --- the article's page ---------------------------------------------------------------------


def _page(request: HttpRequest, pk: Any, **bound: Any) -> HttpResponse:
    user: Any = request.user
    article = access_article(user, pk, detail=True)
    may_edit = article.status != ArticleStatus.ARCHIVED and services.may_edit(user, article)
    may_publish = services.may_publish(user, article)
    in_review = services.version_in_review(article)
    pending = article.pending_version
    show_pending = pending is not None and (may_edit or may_publish)
    submittable = (article.status == ArticleStatus.DRAFT) or (
        pending is not None and pending.state == VersionState.DRAFT
    )
    my_vote = ArticleVote.objects.filter(article=article, user=user).first()
    context = {
        "article": article,
        "versions": list(article.versions.all()),
        "reviews": list(article.reviews.all()),
        "pending": pending if show_pending else None,
        "may_edit": may_edit,
        "may_submit": may_edit and submittable,
        "may_review": may_publish and in_review is not None and in_review.author_id != user.pk,
        "in_review": in_review,
        "may_archive": may_publish and article.status != ArticleStatus.ARCHIVED,
        "may_renew": article.status == ArticleStatus.PUBLISHED
        and (may_publish or services.is_owner(user, article)),
        "may_vote": article.status == ArticleStatus.PUBLISHED,
        "my_vote": my_vote,
        "review_form": bound.get("review_form") or ReviewForm(),
        "archive_form": bound.get("archive_form") or ArchiveForm(),
        "renew_form": bound.get("renew_form") or RenewForm(),
        "uses": list(article.uses.select_related("ticket").order_by("-created_at")[:10]),
    }
    return render(request, "knowledge/article_detail.html", context)


@permission_view(VIEW)
@require_GET
def knowledge_article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _version_text(version: ArticleVersion) -> list[str]:
    lines = []
    labels = {
        "title": _("Title"),
        "problem": _("Problem"),
        "cause": _("Cause"),
        "solution": _("Solution"),
        "products": _("Applicable products and business"),
    }
    for name in TEXT_FIELDS:
        lines.append(f"【{labels[name]}】")
        lines.extend(str(getattr(version, name) or "").splitlines() or [""])
    lines.append(f"【{_('Problem type')}】")
    lines.append(str(version.category) if version.category else "—")
    return lines


@permission_view(VIEW)
@require_GET
def knowledge_article_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed between two versions (?a=older&b=newer, default: the last two)."""
    user: Any = request.user
    article = access_article(user, pk)
    versions = {
        version.number: version for version in article.versions.select_related("category", "author")
    }
    if not versions:
        raise Http404
    numbers = sorted(versions)
    try:
        newer = int(request.GET.get("b") or numbers[-1])
        older = int(request.GET.get("a") or (numbers[-2] if len(numbers) > 1 else numbers[-1]))
    except ValueError as bad:
        raise Http404 from bad
    if older not in versions or newer not in versions:
        raise Http404
    hidden = {VersionState.DRAFT, VersionState.IN_REVIEW}
    may_see_drafts = services.may_edit(user, article) or services.may_publish(user, article)
    if not may_see_drafts and (versions[older].state in hidden or versions[newer].state in hidden):
        raise Http404
    # HtmlDiff escapes the compared text itself; the headers are ours to escape.
    table = difflib.HtmlDiff(wrapcolumn=70).make_table(
        _version_text(versions[older]),
        _version_text(versions[newer]),
        escape(_("Version %(number)d") % {"number": older}),
        escape(_("Version %(number)d") % {"number": newer}),
        context=True,
        numlines=2,
    )
    context = {
        "article": article,
        "older": versions[older],
        "newer": versions[newer],
        "numbers": numbers,
        "table": mark_safe(table),  # noqa: S308 - difflib escaped the content, headers above
    }
    return render(request, "knowledge/article_diff.html", context)


# --- writing --------------------------------------------------------------------------------


@permission_view(VIEW, ADD)
@require_http_methods(["GET", "POST"])
def knowledge_article_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    data = request.POST if request.method == "POST" else None
    form = ArticleCreateForm(data, user=user)
    if data is not None and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            article = services.create_article(actor=user, **values)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Article %(number)s saved as a draft.") % {"number": article.number}
            )
            return redirect("knowledge_article_detail", pk=article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "article": None})


@permission_view(VIEW)
@require_http_methods(["GET", "POST"])
def knowledge_article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the text: a draft changes in place (as a new version); a published article gets a
    revision that waits for review while the published text stays visible."""
    user: Any = request.user
    article = access_article(user, pk, detail=True)
    if article.status == ArticleStatus.ARCHIVED or not services.may_edit(user, article):
        raise PermissionDenied
    if request.method == "POST":
        form = ArticleForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.update_article(article, actor=user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The article was saved."))
                return redirect("knowledge_article_detail", pk=article.pk)
    else:
        base: Any = article.pending_version or article
        initial = {name: getattr(base, name) for name in TEXT_FIELDS}
        initial["category"] = base.category_id
        form = ArticleForm(user=user, initial=initial)
    return render(request, "knowledge/article_form.html", {"form": form, "article": article})


@login_required
@require_POST
def knowledge_from_ticket(request: HttpRequest, ticket_pk: int) -> HttpResponseBase:
    """One click on a resolved ticket: a draft article with the ticket's text, then its
    edit page."""
    user: Any = request.user
    if not user.has_perm(ADD):
        raise PermissionDenied
    try:
        article = services.create_from_ticket(ticket_pk, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("ticket_detail", pk=ticket_pk)
    messages.success(
        request,
        _("Draft article %(number)s written from the ticket: check it and submit it for review.")
        % {"number": article.number},
    )
    return redirect("knowledge_article_edit", pk=article.pk)


# --- steps ----------------------------------------------------------------------------------


def _after(request: HttpRequest, pk: int, message: str) -> HttpResponseBase:
    messages.success(request, message)
    return redirect("knowledge_article_detail", pk=pk)


@login_required
@require_POST
def knowledge_article_submit(request: HttpRequest, pk: int) -> HttpResponseBase:
    article = access_article(request.user, pk)
    try:
        services.submit_for_review(article, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("knowledge_article_detail", pk=pk)
    return _after(request, pk, _("Submitted for review."))


@login_required
@require_POST
def knowledge_article_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    article = access_article(user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if form.cleaned_data["decision"] == "approve":
                services.approve_article(article, actor=user, comment=comment)
                done = _("The article was published.")
            else:
                services.send_back_article(article, actor=user, comment=comment)
                done = _("The article was sent back to its author.")
        except DomainError as error:
            add_domain_error(form, error)
            messages.error(request, error.message)
        else:
            return _after(request, pk, done)
    return _page(request, pk, review_form=form)


@login_required
@require_POST
def knowledge_article_archive(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    article = access_article(user, pk)
    form = ArchiveForm(request.POST)
    if form.is_valid():
        try:
            services.archive_article(article, actor=user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
            messages.error(request, error.message)
        else:
            return _after(request, pk, _("The article was archived."))
    return _page(request, pk, archive_form=form)


@login_required
@require_POST
def knowledge_article_renew(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    article = access_article(user, pk)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            services.renew_review(article, actor=user, review_by=form.cleaned_data["review_by"])
        except DomainError as error:
            add_domain_error(form, error)
            messages.error(request, error.message)
        else:
            return _after(request, pk, _("The review date was renewed."))
    return _page(request, pk, renew_form=form)


@login_required
@require_POST
def knowledge_article_vote(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Helpful / not helpful; htmx swaps the buttons in place."""
    user: Any = request.user
    article = access_article(user, pk)
    helpful = request.POST.get("helpful") == "1"
    error = ""
    try:
        article = services.vote(article, actor=user, helpful=helpful)
    except DomainError as refused:
        error = refused.message
    if request.headers.get("HX-Request"):
        context = {
            "article": article,
            "my_vote": ArticleVote.objects.filter(article=article, user=user).first(),
            "vote_error": error,
            "may_vote": True,
        }
        return render(request, "knowledge/_vote.html", context)
    if error:
        messages.error(request, error)
        return redirect("knowledge_article_detail", pk=pk)
    return _after(request, pk, _("Thank you for your feedback."))


@login_required
@require_POST
def knowledge_article_use(request: HttpRequest, pk: int) -> HttpResponseBase:
    """ "Used for this ticket" from the ticket page: counts the use and links the two."""
    user: Any = request.user
    article = access_article(user, pk)
    ticket = request.POST.get("ticket", "")
    try:
        services.record_use(article, actor=user, ticket=ticket)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("knowledge_article_detail", pk=pk)
    messages.success(
        request, _("Article %(number)s noted as used for this ticket.") % {"number": article.number}
    )
    return redirect(reverse("ticket_detail", args=[ticket]))
