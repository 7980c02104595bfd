"""Suggestions for a new ticket's text: problem type, priority, similar resolved tickets and
knowledge articles. Never required: with no model, or below the confidence floors, nothing is
suggested and registration goes on as before.

Loaded models are kept per process, keyed by the model row's id and checksum: a stored
version never changes, so this cache can never be stale, and a file whose SHA-256 differs from
the one recorded when this app wrote it is not loaded at all.
"""

import hashlib
import logging
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from sqms.insight.choices import Purpose
from sqms.insight.features import models_dir, normalise_rows, ticket_text
from sqms.insight.models import TextModel

logger = logging.getLogger(__name__)

CATEGORY_FLOOR = 0.15  # below this a problem type is not suggested
PRIORITY_FLOOR = 0.40
SIMILAR_FLOOR = 0.20  # cosine similarity
SIMILAR_CANDIDATES = 50
SHOWN = 3
# Impact and urgency that give each priority in the seeded matrix (applied by the panel).
LEVELS_FOR_PRIORITY = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (3, 3)}

_loaded: dict[tuple[int, str], dict[str, Any]] = {}
_load_lock = threading.Lock()


@dataclass
class CategorySuggestion:
    id: int
    code: str
    name: str
    probability: float


@dataclass
class PrioritySuggestion:
    priority: int
    label: str
    probability: float
    impact: int
    urgency: int


@dataclass
class SimilarTicket:
    id: int
    number: str
    title: str
    status: str
    score: float
    url: str


@dataclass
class SimilarArticle:
    title: str
    url: str


@dataclass
class Suggestions:
    categories: list[CategorySuggestion] = field(default_factory=list)
    priority: PrioritySuggestion | None = None
    similar_tickets: list[SimilarTicket] = field(default_factory=list)
    articles: list[SimilarArticle] = field(default_factory=list)
    category_model: int | None = None  # version
    priority_model: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.categories or self.priority or self.similar_tickets or self.articles)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load(model: TextModel) -> dict[str, Any] | None:
    """The model's fitted bundle, or None if its file is missing or not the one we wrote."""
    key = (model.pk, model.sha256)
    bundle = _loaded.get(key)
    if bundle is not None:
        return bundle
    with _load_lock:
        bundle = _loaded.get(key)
        if bundle is not None:
            return bundle
        directory = models_dir().resolve()
        path = (directory / model.file_name).resolve()
        if path.parent != directory or not path.is_file():
            logger.error("insight model %s: file %s missing or outside %s", model, path, directory)
            return None
        # Read once, check, then unpickle those very bytes: nothing else is ever loaded.
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != model.sha256:
            logger.error("insight model %s: checksum mismatch, not loaded", model)
            return None
        import io

        bundle = joblib.load(io.BytesIO(data))
        # Old versions of the same purpose are dropped: one model per purpose in memory.
        for old in [k for k in _loaded if _loaded[k].get("purpose") == bundle.get("purpose")]:
            del _loaded[old]
        _loaded[key] = bundle
        return bundle


def active_bundles() -> dict[str, tuple[TextModel, dict[str, Any]]]:
    found = {}
    for model in TextModel.objects.filter(is_active=True).order_by("purpose", "-version"):
        if model.purpose in found:
            continue
        bundle = load(model)
        if bundle is not None:
            found[model.purpose] = (model, bundle)
    return found


def _ranked(pipeline: Any, features: Any) -> list[tuple[str, float]]:
    probabilities = pipeline.named_steps["classifier"].predict_proba(features)[0]
    labels = pipeline.named_steps["classifier"].classes_
    order = np.argsort(probabilities)[::-1]
    return [(str(labels[i]), float(probabilities[i])) for i in order]


def suggest(
    text: str,
    user: Any,
    *,
    exclude_ticket: int | None = None,
    with_articles: bool = True,
    bundles: dict[str, tuple[TextModel, dict[str, Any]]] | None = None,
) -> Suggestions:
    """What the active models suggest for `text`, limited to what `user` may see."""
    result = Suggestions()
    text = (text or "").strip()
    if not text:
        return result
    if bundles is None:
        bundles = active_bundles()
    vectors: dict[Any, Any] = {}  # features_key → the text's vector

    def vectorise(bundle: dict[str, Any]) -> Any:
        key = bundle.get("features_key") or id(bundle)
        if key not in vectors:
            vectors[key] = bundle["pipeline"].named_steps["features"].transform([text])
        return vectors[key]

    if Purpose.CATEGORY in bundles:
        model, bundle = bundles[Purpose.CATEGORY]
        pipeline = bundle["pipeline"]
        vector = vectorise(bundle)
        result.category_model = model.version
        result.categories = _categories(_ranked(pipeline, vector))
        result.similar_tickets = _similar(bundle.get("index"), vector, user, exclude_ticket)
    if Purpose.PRIORITY in bundles:
        model, bundle = bundles[Purpose.PRIORITY]
        pipeline = bundle["pipeline"]
        vector = vectorise(bundle)
        result.priority_model = model.version
        label, probability = _ranked(pipeline, vector)[0]
        if probability >= PRIORITY_FLOOR and int(label) in LEVELS_FOR_PRIORITY:
            from sqms.servicedesk.choices import Priority

            priority = int(label)
            impact, urgency = LEVELS_FOR_PRIORITY[priority]
            result.priority = PrioritySuggestion(
                priority, str(Priority(priority).label), round(probability, 3), impact, urgency
            )
    if with_articles:
        result.articles = _articles(user, text)
    return result


def _categories(ranked: list[tuple[str, float]]) -> list[CategorySuggestion]:
    from sqms.servicedesk.models import Category

    top = [(code, p) for code, p in ranked[:SHOWN] if p >= CATEGORY_FLOOR]
    if not top:
        return []
    by_code = {
        c.code: c
        for c in Category.objects.filter(code__in=[code for code, _ in top], is_active=True)
    }
    return [
        CategorySuggestion(by_code[code].pk, code, str(by_code[code]), round(p, 3))
        for code, p in top
        if code in by_code
    ]


def _similar(
    index: dict[str, Any] | None, vector: Any, user: Any, exclude_ticket: int | None
) -> list[SimilarTicket]:
    if not index or index["matrix"].shape[0] == 0:
        return []
    from sqms.servicedesk.models import Ticket
    from sqms.servicedesk.services import ticket_url

    columns = index.get("columns") or vector.shape[1]
    query = normalise_rows(vector[:, :columns].astype(np.float32))
    scores = (index["matrix"] @ query.T).toarray().ravel()
    count = min(SIMILAR_CANDIDATES, scores.shape[0])
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top])]
    candidates = {
        int(index["ticket_ids"][i]): float(scores[i]) for i in top if scores[i] >= SIMILAR_FLOOR
    }
    candidates.pop(exclude_ticket or 0, None)
    if not candidates:
        return []
    # One query: the candidates the user may see; ranking happened before, scope filters now.
    visible = (
        Ticket.objects.visible_to(user)
        .filter(pk__in=list(candidates))
        .only("pk", "number", "title", "status")
    )
    shown = sorted(visible, key=lambda t: -candidates[t.pk])[:SHOWN]
    return [
        SimilarTicket(
            t.pk,
            t.number,
            t.title,
            str(t.get_status_display()),
            round(candidates[t.pk], 3),
            ticket_url(t),
        )
        for t in shown
    ]


def _articles(user: Any, text: str) -> list[SimilarArticle]:
    try:
        from sqms.knowledge.search import search_articles  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    try:
        articles = search_articles(user, text, limit=SHOWN)
    except Exception:
        logger.exception("knowledge search failed")
        return []
    return [SimilarArticle(str(a.title), a.get_absolute_url()) for a in articles]


def suggest_for_ticket(ticket: Any, user: Any, *, with_articles: bool = True) -> Suggestions:
    return suggest(
        ticket_text(ticket.title, ticket.description),
        user,
        exclude_ticket=ticket.pk,
        with_articles=with_articles,
    )


def clear_cache() -> None:
    """Forget loaded models (tests)."""
    _loaded.clear()


def file_path(model: TextModel) -> Path:
    return models_dir() / model.file_name
