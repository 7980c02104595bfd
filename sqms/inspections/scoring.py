"""The scoring formula of a checklist: weighted score %, N/A excluded, critical items.

Each scored item earns weight × score / top score (top score: 1 for pass/fail, N for a 0–N
scale); the score % is the earned weight over the weight of the items not marked N/A. A
critical item fails when it earns less than half its points (a pass/fail item: a fail), and a
failed critical item fails the whole inspection whatever its score; otherwise the inspection
passes when its score reaches the version's threshold.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqms.inspections.choices import Scoring

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ScoredItem:
    weight: int
    top_score: int
    score: int | None  # None: not scored (yet)
    not_applicable: bool = False
    critical: bool = False


@dataclass(frozen=True)
class Result:
    score: Decimal | None  # None when every item is N/A
    passed: bool | None
    critical_failed: bool
    missing: int  # items neither scored nor N/A


def item_fails(item: ScoredItem) -> bool:
    return (
        not item.not_applicable
        and item.score is not None
        and Decimal(item.score) * 2 < Decimal(item.top_score)
    )


def compute(items: Iterable[ScoredItem], threshold: Decimal) -> Result:
    earned = Decimal(0)
    possible = Decimal(0)
    missing = 0
    critical_failed = False
    for item in items:
        if item.not_applicable:
            continue
        if item.score is None:
            missing += 1
            continue
        earned += Decimal(item.weight) * Decimal(item.score) / Decimal(item.top_score)
        possible += Decimal(item.weight)
        if item.critical and item_fails(item):
            critical_failed = True
    if not possible:
        return Result(None, None if not critical_failed else False, critical_failed, missing)
    score = (earned * HUNDRED / possible).quantize(CENT, rounding=ROUND_HALF_UP)
    passed = not critical_failed and score >= threshold
    return Result(score, passed, critical_failed, missing)


def scored_items(scores: Iterable[Any], items: Iterable[Any]) -> list[ScoredItem]:
    """ScoredItems of a version's `items` from score rows (item_id, score, not_applicable)."""
    by_item = {row.item_id: row for row in scores}
    result = []
    for item in items:
        row = by_item.get(item.pk)
        top = 1 if item.scoring == Scoring.PASS_FAIL else item.max_score
        result.append(
            ScoredItem(
                weight=item.weight,
                top_score=top,
                score=None if row is None else row.score,
                not_applicable=bool(row and row.not_applicable),
                critical=item.critical,
            )
        )
    return result
