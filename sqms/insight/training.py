"""Training the text models: data from resolved tickets, a held-out split, metrics, storage.

Two classifiers share one feature extractor (sqms.insight.features): the problem type (leaf
category code) and the priority. The category model also keeps the similar-case index: the
normalised feature vectors of resolved tickets with their ids. A fitted model is written with
joblib under VAR_DIR/models and recorded as a TextModel with its SHA-256; see `store`.
"""

import hashlib
import logging
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.insight.choices import Purpose
from sqms.insight.features import build_features, models_dir, normalise_rows, ticket_text
from sqms.insight.models import TextModel

logger = logging.getLogger(__name__)

# Below these there is no model and no suggestion: a classifier on a handful of tickets
# would suggest confidently and wrongly.
MIN_TEXTS = 200
MIN_CLASSES = 2
MIN_PER_CLASS = 10
TEST_SHARE = 0.2
SEED = 20261121
# A new model replaces the active one unless its macro-F1 is worse by more than this.
ACTIVATION_MARGIN = 0.02
# Resolved tickets kept in the similar-case index (the most recent ones).
INDEX_LIMIT = 50_000
# Rows read from the database for training (the most recent ones).
TRAINING_LIMIT = 200_000

DONE_STATUSES = ("resolved", "verified", "closed")


@dataclass
class Sample:
    text: str
    category: str
    priority: int
    ticket_id: int | None = None


@dataclass
class PurposeResult:
    purpose: str
    model: TextModel | None = None
    insufficient: str = ""  # why no model was trained


@dataclass
class TrainingResult:
    results: list[PurposeResult] = field(default_factory=list)
    seconds: float = 0.0
    n_texts: int = 0

    @property
    def trained(self) -> bool:
        return any(result.model is not None for result in self.results)


def ticket_samples(limit: int = TRAINING_LIMIT) -> list[Sample]:
    """Resolved tickets with a problem type, newest first: the text and the final labels
    (the ticket's current category is the agent-corrected one)."""
    from sqms.servicedesk.models import Ticket

    rows = (
        Ticket.objects.filter(status__in=DONE_STATUSES, category__isnull=False)
        .order_by("-created_at")
        .values_list("pk", "title", "description", "category__code", "priority")[:limit]
    )
    return [
        Sample(ticket_text(title, description), code, priority, pk)
        for pk, title, description, code, priority in rows
    ]


def _usable(labels: Sequence[Any]) -> tuple[set[Any], str]:
    """The labels with enough examples, or a reason there are not enough."""
    counts = Counter(labels)
    kept = {label for label, count in counts.items() if count >= MIN_PER_CLASS}
    total = sum(counts[label] for label in kept)
    if total < MIN_TEXTS:
        return kept, _(
            "Not enough labelled tickets: %(count)d, at least %(minimum)d are needed."
        ) % {"count": total, "minimum": MIN_TEXTS}
    if len(kept) < MIN_CLASSES:
        return kept, _(
            "Not enough classes: at least %(classes)d with %(per_class)d tickets each are needed."
        ) % {"classes": MIN_CLASSES, "per_class": MIN_PER_CLASS}
    return kept, ""


def _classifier() -> SGDClassifier:
    # Logistic loss gives probabilities; SGD fits 100,000 texts in seconds where saga took
    # several times longer for the same macro-F1 (measured in bench/insight_train.py).
    return SGDClassifier(loss="log_loss", alpha=5e-5, max_iter=8, tol=1e-3, random_state=SEED)


def _metrics(y_true: Sequence[Any], y_pred: Sequence[Any], labels: list[Any]) -> dict[str, Any]:
    majority = Counter(y_true).most_common(1)[0][0]
    baseline = [majority] * len(y_true)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    pairs = [
        {"true": str(labels[i]), "predicted": str(labels[j]), "count": int(matrix[i, j])}
        for i in range(len(labels))
        for j in range(len(labels))
        if i != j and matrix[i, j]
    ]
    pairs.sort(key=lambda pair: -int(str(pair["count"])))
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
        "baseline_label": str(majority),
        "baseline_accuracy": round(float(accuracy_score(y_true, baseline)), 4),
        "baseline_macro_f1": round(
            float(f1_score(y_true, baseline, average="macro", zero_division=0)), 4
        ),
        "per_class": [
            {
                "label": str(label),
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        ],
        "confusion": [[int(v) for v in row] for row in matrix],
        "confused_pairs": pairs[:10],
    }


@dataclass
class Fitted:
    """A fitted model not yet stored."""

    purpose: str
    bundle: dict[str, Any]
    labels: list[str]
    metrics: dict[str, Any]
    n_train: int
    n_test: int


def fit(
    samples: Sequence[Sample],
    purposes: Sequence[str] = (Purpose.CATEGORY, Purpose.PRIORITY),
) -> tuple[list[Fitted], list[PurposeResult]]:
    """Fit a model for each purpose that has enough data, with held-out metrics; the
    similar-case index (samples with a ticket id) goes with the category model. Returns the
    fitted models and the purposes refused for lack of data."""
    targets: dict[str, list[str]] = {
        Purpose.CATEGORY: [s.category for s in samples],
        Purpose.PRIORITY: [str(s.priority) for s in samples],
    }
    checked: dict[str, tuple[set[Any], str]] = {p: _usable(targets[p]) for p in purposes}
    wanted = [p for p in purposes if not checked[p][1]]
    refused = [PurposeResult(p, insufficient=checked[p][1]) for p in purposes if checked[p][1]]
    fitted: list[Fitted] = []
    if not wanted:
        return fitted, refused

    # One split and one feature extractor for both purposes: tokenising is most of the cost.
    stratify_on = targets[wanted[0]]
    kept = [i for i, label in enumerate(stratify_on) if label in checked[wanted[0]][0]]
    train_idx, test_idx = train_test_split(
        kept,
        test_size=TEST_SHARE,
        random_state=SEED,
        stratify=[stratify_on[i] for i in kept],
    )
    texts = [s.text for s in samples]
    features = build_features()
    # Models fitted together share their features: suggest() vectorises a text once for both.
    features_key = uuid.uuid4().hex
    train_matrix = features.fit_transform([texts[i] for i in train_idx])
    test_matrix = features.transform([texts[i] for i in test_idx])
    for purpose in wanted:
        labels_all = targets[purpose]
        usable = checked[purpose][0]
        rows_train = [k for k, i in enumerate(train_idx) if labels_all[i] in usable]
        rows_test = [k for k, i in enumerate(test_idx) if labels_all[i] in usable]
        y_train = [labels_all[train_idx[k]] for k in rows_train]
        y_test = [labels_all[test_idx[k]] for k in rows_test]
        if len(set(y_train)) < MIN_CLASSES or not y_test:
            refused.append(
                PurposeResult(purpose, insufficient=_("Not enough classes in the training split."))
            )
            continue
        fit_started = time.perf_counter()
        classifier = _classifier()
        with warnings.catch_warnings():
            # Few passes on purpose (see _classifier): more add time, not macro-F1.
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.fit(train_matrix[rows_train], y_train)
        predicted = classifier.predict(test_matrix[rows_test])
        labels = [str(label) for label in classifier.classes_]
        metrics = _metrics(y_test, list(predicted), labels)
        metrics["fit_seconds"] = round(time.perf_counter() - fit_started, 2)
        pipeline = Pipeline([("features", features), ("classifier", classifier)])
        bundle: dict[str, Any] = {
            "purpose": str(purpose),
            "pipeline": pipeline,
            "features_key": features_key,
        }
        if purpose == Purpose.CATEGORY:
            bundle["index"] = _similar_index(
                samples, train_idx, train_matrix, test_idx, test_matrix, word_columns(features)
            )
        fitted.append(Fitted(purpose, bundle, labels, metrics, len(y_train), len(y_test)))
    return fitted, refused


def train(
    samples: Sequence[Sample],
    *,
    actor: Any = None,
    force: bool = False,
    purposes: Sequence[str] = (Purpose.CATEGORY, Purpose.PRIORITY),
) -> TrainingResult:
    """Fit and store a model for each purpose that has enough data."""
    started = time.perf_counter()
    result = TrainingResult(n_texts=len(samples))
    fitted, refused = fit(samples, purposes)
    result.results.extend(refused)
    for item in fitted:
        model = store(
            item.bundle,
            purpose=item.purpose,
            labels=item.labels,
            metrics=item.metrics,
            n_train=item.n_train,
            n_test=item.n_test,
            actor=actor,
            force=force,
            seconds=time.perf_counter() - started,
        )
        result.results.append(PurposeResult(item.purpose, model=model))
    result.seconds = time.perf_counter() - started
    return result


def _similar_index(
    samples: Sequence[Sample],
    train_idx: Sequence[int],
    train_matrix: Any,
    test_idx: Sequence[int],
    test_matrix: Any,
    columns: int,
) -> dict[str, Any]:
    """Word vectors of the tickets (those with an id), from the matrices just computed.

    Only the word block: character bigrams such as punctuation pairs occur in nearly every
    text, so ranking over them touches most of the index for every query (measured: p50
    90 ms at 50,000 tickets, against a few ms over words)."""
    import scipy.sparse as sp

    order = list(train_idx) + list(test_idx)
    matrix = sp.vstack([train_matrix, test_matrix]).tocsr()
    # Samples come newest first: keep the most recent tickets.
    rows = sorted(
        (k for k, i in enumerate(order) if samples[i].ticket_id is not None),
        key=lambda k: order[k],
    )[:INDEX_LIMIT]
    ids = np.array([samples[order[k]].ticket_id for k in rows], dtype=np.int64)
    return {
        "matrix": normalise_rows(matrix[rows][:, :columns].astype(np.float32)),
        "ticket_ids": ids,
        "columns": columns,
    }


def word_columns(features: Any) -> int:
    """How many leading columns of the feature union are the word block."""
    return len(features.transformer_list[0][1].vocabulary_)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def store(
    bundle: dict[str, Any],
    *,
    purpose: str,
    labels: list[str],
    metrics: dict[str, Any],
    n_train: int,
    n_test: int,
    actor: Any = None,
    force: bool = False,
    seconds: float = 0.0,
) -> TextModel:
    """Write the bundle, record its version and activate it unless it is clearly worse."""
    directory = models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"insight-{purpose}-{uuid.uuid4().hex}.joblib"
    path = directory / name
    joblib.dump(bundle, path)  # uncompressed: written and read fastest
    checksum = _sha256(path)
    try:
        with transaction.atomic():
            active = (
                TextModel.objects.select_for_update()
                .filter(purpose=purpose, is_active=True)
                .order_by("-version")
                .first()
            )
            latest = TextModel.objects.filter(purpose=purpose).aggregate(v=Max("version"))["v"]
            new_f1 = float(metrics.get("macro_f1", 0.0))
            activate, note = activation(new_f1, active, force=force)
            model = TextModel.objects.create(
                purpose=purpose,
                version=(latest or 0) + 1,
                trained_by=actor if getattr(actor, "pk", None) else None,
                n_train=n_train,
                n_test=n_test,
                metrics=metrics,
                labels=labels,
                file_name=name,
                sha256=checksum,
                is_active=activate,
                activation_note=note,
                seconds=round(seconds, 2),
            )
            if activate:
                TextModel.objects.filter(purpose=purpose, is_active=True).exclude(
                    pk=model.pk
                ).update(is_active=False)
            if actor is not None and getattr(actor, "pk", None):
                audit.record(
                    AuditAction.CREATE,
                    model,
                    actor=actor,
                    after={"version": model.version, "macro_f1": new_f1, "active": activate},
                )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return model


def activation(new_f1: float, active: TextModel | None, *, force: bool) -> tuple[bool, str]:
    """Whether a new model with macro-F1 `new_f1` replaces `active`, and why."""
    if force:
        return True, _("Activated by request (forced).")
    if active is None:
        return True, _("Activated: there was no active model.")
    if new_f1 >= active.macro_f1 - ACTIVATION_MARGIN:
        return True, _(
            "Activated: macro-F1 %(new).3f against %(old).3f of version %(version)d."
        ) % {"new": new_f1, "old": active.macro_f1, "version": active.version}
    return False, _(
        "Not activated: macro-F1 %(new).3f is worse than %(old).3f of version %(version)d "
        "by more than %(margin).2f."
    ) % {
        "new": new_f1,
        "old": active.macro_f1,
        "version": active.version,
        "margin": ACTIVATION_MARGIN,
    }


def train_from_tickets(*, actor: Any = None, force: bool = False) -> TrainingResult:
    """Retrain on the ticket history (the command, the weekly task and the page's button)."""
    return train(ticket_samples(), actor=actor, force=force)


def activate(model: TextModel, *, actor: Any) -> TextModel:
    """Make `model` the active one of its purpose (a manager's explicit choice)."""
    with transaction.atomic():
        TextModel.objects.select_for_update().filter(purpose=model.purpose).update(is_active=False)
        TextModel.objects.filter(pk=model.pk).update(
            is_active=True, activation_note=_("Activated by hand.")
        )
        audit.record(AuditAction.UPDATE, model, actor=actor, after={"active": True})
    model.refresh_from_db()
    return model
