"""Customer segmentation: features per customer, k-means with k chosen by silhouette, and the
segments described in words from their centroids.

Features: tenure (days a customer), contacts and complaints in the window, recency (days since
the last contact; a customer never in contact counts from their creation), satisfaction (mean
overall survey score when the surveys app offers it, else missing and imputed with the median)
and value tier (Customer.segment as an ordinal). Counts and day spans are log-transformed
(they are heavily skewed), then every feature is standardised, so a centroid's coordinates are
z-scores that read directly as "above/below the typical customer".
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Avg, Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sqms.analysis.choices import SatisfactionSource
from sqms.core.models import OrgUnit

FEATURES = ("tenure", "contacts", "complaints", "recency", "satisfaction", "value")
LOGGED = {"tenure", "contacts", "complaints", "recency"}
K_RANGE = range(2, 9)
N_INIT = 10
SILHOUETTE_SAMPLE = 3000
MIN_CUSTOMERS = 10
# A centroid coordinate this far from 0 (in standard deviations) is worth a word.
NOTABLE_Z = 0.5
MAX_PARTS = 3

VALUE_TIERS = {"mass": 0, "silver": 1, "gold": 2, "platinum": 3, "enterprise": 3}

FEATURE_LABELS = {
    "tenure": _("Tenure (days)"),
    "contacts": _("Contacts in 12 months"),
    "complaints": _("Complaints in 12 months"),
    "recency": _("Days since last contact"),
    "satisfaction": _("Satisfaction"),
    "value": _("Value tier"),
}

# (feature, high?) → the word for a centroid far above/below the mean on that feature.
PART_LABELS = {
    ("contacts", True): _("frequent contact"),
    ("contacts", False): _("rare contact"),
    ("complaints", True): _("many complaints"),
    ("complaints", False): _("few complaints"),
    ("recency", True): _("long since last contact"),
    ("recency", False): _("recent contact"),
    ("tenure", True): _("long-standing customer"),
    ("tenure", False): _("new customer"),
    ("satisfaction", True): _("satisfied"),
    ("satisfaction", False): _("dissatisfied"),
    ("value", True): _("high value"),
    ("value", False): _("mass market"),
}


@dataclass
class Clustering:
    labels: list[int]
    k: int
    silhouette: dict[int, float]
    centroids: list[list[float]]  # in standardised units, one row per segment


def standardise(matrix: np.ndarray) -> np.ndarray:
    """Columns to z-scores; a constant column becomes zeros."""
    mean = matrix.mean(axis=0)
    spread = matrix.std(axis=0)
    spread[spread == 0] = 1.0
    return np.asarray((matrix - mean) / spread)


def cluster(scaled: np.ndarray, *, seed: int, k_range: Sequence[int] = K_RANGE) -> Clustering:
    """k-means for every k of `k_range` (fewer than the rows), keep the best silhouette.

    The same data and seed give the same segments: k-means starts from a seeded k-means++ with a
    fixed number of restarts, and the silhouette sample is seeded too. Segments are renumbered
    by size (0 = largest) so numbering does not depend on the initialisation either.
    """
    # Imported here: scikit-learn takes a second to import and web workers import this module.
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(scaled)
    # More segments than distinct customers cannot be told apart (many customers share the
    # same features: no contact, same tier).
    distinct = len(np.unique(scaled.round(9), axis=0))
    candidates = [k for k in k_range if 2 <= k < n and k <= distinct]
    if not candidates:
        raise ValueError("too few rows to cluster")
    scores: dict[int, float] = {}
    fits: dict[int, Any] = {}
    for k in candidates:
        model = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(scaled)
        if len(set(model.labels_)) < 2:
            continue
        scores[k] = float(
            silhouette_score(
                scaled, model.labels_, sample_size=min(n, SILHOUETTE_SAMPLE), random_state=seed
            )
        )
        fits[k] = model
    if not scores:
        raise ValueError("the rows do not separate")
    best = max(scores, key=lambda k: (round(scores[k], 6), -k))
    model = fits[best]
    sizes = np.bincount(model.labels_, minlength=best)
    order = sorted(range(best), key=lambda c: (-sizes[c], tuple(model.cluster_centers_[c])))
    renumber = {old: new for new, old in enumerate(order)}
    return Clustering(
        labels=[renumber[int(label)] for label in model.labels_],
        k=best,
        silhouette={k: round(v, 4) for k, v in scores.items()},
        centroids=[[float(x) for x in model.cluster_centers_[old]] for old in order],
    )


def describe(z: dict[str, float]) -> list[str]:
    """Codes ("contacts+", "value-") of the centroid's notable features, strongest first."""
    notable = [(name, value) for name, value in z.items() if abs(value) >= NOTABLE_Z]
    notable.sort(key=lambda item: (-abs(item[1]), item[0]))
    return [f"{name}{'+' if value > 0 else '-'}" for name, value in notable[:MAX_PARTS]]


def description(parts: Sequence[str]) -> str:
    """The segment in words, in the active language: "高频联系·投诉多·高价值"."""
    words = [
        str(PART_LABELS[(code[:-1], code[-1] == "+")])
        for code in parts
        if (code[:-1], code[-1] == "+") in PART_LABELS
    ]
    if not words:
        return gettext("typical customers")
    return "·".join(words)


# --- features from the database -------------------------------------------------------------


def _satisfaction_scores(unit: OrgUnit, since: datetime.datetime) -> dict[int, float]:
    """Mean overall survey rating (1–5) per customer of the unit's subtree in the window, from
    the surveys app's completed responses; empty when that app or its table is absent (the
    apps are built side by side, so this one must work without it)."""
    from django.apps import apps
    from django.db import connection

    if not apps.is_installed("sqms.surveys"):
        return {}
    try:
        response_model = apps.get_model("surveys", "SurveyResponse")
    except LookupError:
        return {}
    if response_model._meta.db_table not in connection.introspection.table_names():
        return {}
    rows = (
        response_model._default_manager.filter(
            customer__org_unit__path__startswith=unit.path,
            completed_at__gte=since,
            overall__isnull=False,
        )
        .order_by()
        .values("customer_id")
        .annotate(mean=Avg("overall"))
    )
    return {row["customer_id"]: float(row["mean"]) for row in rows}


@dataclass
class FeatureTable:
    customer_ids: list[int]
    raw: np.ndarray  # one row per customer, columns FEATURES (satisfaction imputed)
    satisfaction_source: str


def customer_features(
    unit: OrgUnit, *, window_days: int = 365, now: datetime.datetime | None = None
) -> FeatureTable:
    """The features of every customer of `unit`'s subtree (two queries)."""
    from sqms.customers.models import Customer

    now = now or timezone.now()
    since = now - datetime.timedelta(days=window_days)
    customers = list(
        Customer.objects.filter(org_unit__path__startswith=unit.path, anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "created_at", "segment")
    )
    ids = [pk for pk, _created, _segment in customers]
    contacts: dict[int, Any] = {}
    if ids:
        from sqms.servicedesk.models import Ticket

        rows = (
            Ticket.objects.filter(customer__org_unit__path__startswith=unit.path)
            .order_by()
            .values("customer_id")
            .annotate(
                contacts=Count("id", filter=Q(created_at__gte=since)),
                complaints=Count("id", filter=Q(created_at__gte=since, kind="complaint")),
                last=Max("created_at"),
            )
        )
        contacts = {row["customer_id"]: row for row in rows}
    scores = _satisfaction_scores(unit, since) if ids else {}
    table = []
    for pk, created, segment in customers:
        row = contacts.get(pk, {})
        tenure = max(0.0, (now - created).total_seconds() / 86400)
        last = row.get("last")
        recency = max(0.0, (now - last).total_seconds() / 86400) if last else tenure
        satisfaction = scores.get(pk, math.nan)
        table.append(
            [
                tenure,
                float(row.get("contacts", 0)),
                float(row.get("complaints", 0)),
                recency,
                satisfaction,
                float(VALUE_TIERS.get(segment, 0)),
            ]
        )
    raw = np.array(table, dtype=float).reshape(len(table), len(FEATURES))
    column = raw[:, FEATURES.index("satisfaction")]
    known = column[~np.isnan(column)]
    column[np.isnan(column)] = float(np.median(known)) if len(known) else 0.0
    source = SatisfactionSource.SURVEYS if len(known) else SatisfactionSource.MISSING
    return FeatureTable(customer_ids=ids, raw=raw, satisfaction_source=source)


def transform(raw: np.ndarray) -> np.ndarray:
    """log1p of counts and day spans, then z-scores."""
    matrix = raw.copy()
    for i, name in enumerate(FEATURES):
        if name in LOGGED:
            matrix[:, i] = np.log1p(np.clip(matrix[:, i], 0, None))
    return standardise(matrix)


def summarise(raw: np.ndarray, clustering: Clustering) -> list[dict[str, Any]]:
    """Per segment: size, centroid z-scores, raw means and the description's codes."""
    labels = np.array(clustering.labels)
    segments = []
    for number, centroid in enumerate(clustering.centroids):
        members = raw[labels == number]
        z = {name: round(value, 3) for name, value in zip(FEATURES, centroid, strict=True)}
        means = {
            name: round(float(members[:, i].mean()), 2) if len(members) else None
            for i, name in enumerate(FEATURES)
        }
        segments.append(
            {"segment": number, "size": len(members), "z": z, "means": means}
            | {"parts": describe(z)}
        )
    return segments
