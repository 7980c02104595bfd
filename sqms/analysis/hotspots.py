"""Complaint hot-spots: terms that emerge in a period's complaint texts and problem types whose
complaints rise against their own baseline.

Terms are the words of `sqms.core.chinese_text.words` and pairs of neighbouring words. A term
is counted once per ticket (document frequency), so one long complaint cannot make a hot-spot;
it is scored with Dunning's log-likelihood ratio (G²) of its share now against its share in the
previous periods, and kept when it is more frequent now and seen in at least `min_count` tickets.
A problem type rises when its count is improbable under a Poisson law with the mean of the
previous periods (scaled to the part of the period elapsed).
"""

import datetime
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqms.analysis.choices import PeriodKind
from sqms.core.chinese_text import words

MIN_TERM_COUNT = 3
TOP_TERMS = 20
EXAMPLES_PER_TERM = 3
MIN_CATEGORY_COUNT = 3
CATEGORY_P_VALUE = 0.01
CATEGORY_MIN_RATIO = 1.5


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_of(kind: str, day: datetime.date) -> Period:
    """The week (Monday–Sunday) or calendar month containing `day`."""
    if kind == PeriodKind.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return Period(start, start + datetime.timedelta(days=6))
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return Period(start, following - datetime.timedelta(days=1))


def previous_periods(kind: str, period: Period, count: int) -> list[Period]:
    """The `count` periods before `period`, nearest first."""
    found = []
    current = period
    for _ in range(count):
        current = period_of(kind, current.start - datetime.timedelta(days=1))
        found.append(current)
    return found


def terms_of(text: str) -> set[str]:
    """The distinct words of a text and the pairs of neighbouring words ("宽带 断网")."""
    tokens = words(text)
    found = set(tokens)
    found.update(f"{a} {b}" for a, b in itertools.pairwise(tokens) if a != b)
    return found


def log_likelihood(now: int, now_total: int, before: int, before_total: int) -> float:
    """Dunning's G² for a term seen in `now` of `now_total` documents against `before` of
    `before_total`."""

    def part(observed: int, expected: float) -> float:
        return observed * math.log(observed / expected) if observed > 0 and expected > 0 else 0.0

    total = now_total + before_total
    hits = now + before
    if total == 0 or hits == 0:
        return 0.0
    expected_now = now_total * hits / total
    expected_before = before_total * hits / total
    misses_now, misses_before = now_total - now, before_total - before
    expected_misses_now = now_total - expected_now
    expected_misses_before = before_total - expected_before
    return 2 * (
        part(now, expected_now)
        + part(before, expected_before)
        + part(misses_now, expected_misses_now)
        + part(misses_before, expected_misses_before)
    )


@dataclass(frozen=True)
class Document:
    """A complaint's text with what an example needs."""

    id: int
    number: str
    title: str
    text: str


def emerging_terms(
    current: Sequence[Document],
    previous: Sequence[Document],
    *,
    min_count: int = MIN_TERM_COUNT,
    top: int = TOP_TERMS,
) -> list[dict[str, Any]]:
    """The terms more frequent in `current` than in `previous`, best (highest G²) first."""
    current_terms = [terms_of(doc.text) for doc in current]
    now = Counter(term for terms in current_terms for term in terms)
    before = Counter(term for doc in previous for term in terms_of(doc.text))
    n_now, n_before = len(current), len(previous)
    rows: list[dict[str, Any]] = []
    for term, count in now.items():
        if count < min_count:
            continue
        seen_before = before.get(term, 0)
        share_now = count / n_now
        share_before = seen_before / n_before if n_before else 0.0
        if share_now <= share_before:
            continue
        # Add-one smoothing so a term new this period has a finite ratio.
        ratio = ((count + 1) / (n_now + 1)) / ((seen_before + 1) / (n_before + 1))
        rows.append(
            {
                "term": term,
                "now": count,
                "before": seen_before,
                "now_share": round(share_now, 4),
                "before_share": round(share_before, 4),
                "ratio": round(ratio, 2),
                "score": round(log_likelihood(count, n_now, seen_before, n_before), 2),
            }
        )
    rows.sort(key=lambda row: (-row["score"], -row["now"], row["term"]))
    rows = rows[:top]
    for row in rows:
        row["examples"] = [
            {"id": doc.id, "number": doc.number, "title": doc.title}
            for doc, terms in zip(current, current_terms, strict=True)
            if row["term"] in terms
        ][:EXAMPLES_PER_TERM]
    return rows


def rising_categories(
    current: dict[Any, int],
    baseline: Sequence[dict[Any, int]],
    *,
    elapsed_share: float = 1.0,
    min_count: int = MIN_CATEGORY_COUNT,
    p_value: float = CATEGORY_P_VALUE,
    min_ratio: float = CATEGORY_MIN_RATIO,
) -> list[dict[str, Any]]:
    """Each category of `current` (key → count) against the mean of the `baseline` periods'
    counts, scaled by the share of the current period already elapsed; most surprising first.

    A category is flagged when it has at least `min_count` complaints, at least `min_ratio`
    times the expected number, and a Poisson tail probability below `p_value`. The expected
    number has a floor of 0.5 so a first complaint in a quiet category is not a spike.
    """
    # Imported here: scipy takes a second to import and web workers import this module.
    from scipy.stats import poisson

    periods = max(1, len(baseline))
    rows = []
    for key, count in current.items():
        mean = sum(period.get(key, 0) for period in baseline) / periods
        expected = max(mean * elapsed_share, 0.5)
        tail = float(poisson.sf(count - 1, expected))
        ratio = count / expected
        rows.append(
            {
                "key": key,
                "count": count,
                "baseline_mean": round(mean, 2),
                "expected": round(expected, 2),
                "ratio": round(ratio, 2),
                "z": round((count - expected) / math.sqrt(expected), 2),
                "p_value": round(tail, 5),
                "flagged": count >= min_count and ratio >= min_ratio and tail < p_value,
            }
        )
    rows.sort(key=lambda row: (row["p_value"], -row["count"]))
    return rows


def count_by(keys: Iterable[Any]) -> dict[Any, int]:
    return dict(Counter(keys))
