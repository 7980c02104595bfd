"""The scoring formula by hand-computed examples: weights, N/A, scales, critical items."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from sqms.inspections.scoring import ScoredItem, compute

T80 = Decimal("80")


def test_weighted_pass_fail_items() -> None:
    # weights 2, 1, 1: the weight-1 item fails → 3 of 4 points = 75.00%.
    result = compute([ScoredItem(2, 1, 1), ScoredItem(1, 1, 0), ScoredItem(1, 1, 1)], T80)
    assert result.score == Decimal("75.00")
    assert result.passed is False
    assert not result.critical_failed


def test_scale_items_earn_their_share_of_the_weight() -> None:
    # 3/5 of weight 3 = 1.8, 5/5 of weight 2 = 2 → 3.8 / 5 = 76%.
    result = compute([ScoredItem(3, 5, 3), ScoredItem(2, 5, 5)], Decimal("75"))
    assert result.score == Decimal("76.00")
    assert result.passed is True


def test_not_applicable_items_are_left_out() -> None:
    # Without the N/A item: 2 of 3 points = 66.67%; it would be 2 of 5 if counted as a fail.
    items = [
        ScoredItem(2, 1, 1),
        ScoredItem(1, 1, 0),
        ScoredItem(2, 1, None, not_applicable=True),
    ]
    result = compute(items, Decimal("60"))
    assert result.score == Decimal("66.67")
    assert result.passed is True
    assert result.missing == 0


def test_a_failed_critical_item_fails_whatever_the_score() -> None:
    items = [ScoredItem(10, 1, 1), ScoredItem(1, 1, 0, critical=True)]
    result = compute(items, T80)
    assert result.score == Decimal("90.91")  # 10 / 11
    assert result.critical_failed
    assert result.passed is False


def test_a_critical_scale_item_fails_below_half_its_points() -> None:
    assert compute([ScoredItem(1, 5, 2, critical=True)], Decimal("0")).critical_failed
    assert not compute([ScoredItem(1, 5, 3, critical=True)], Decimal("0")).critical_failed


def test_the_threshold_is_inclusive_and_unscored_items_are_counted_missing() -> None:
    result = compute([ScoredItem(4, 1, 1), ScoredItem(1, 1, 0), ScoredItem(1, 1, None)], T80)
    assert result.score == Decimal("80.00")
    assert result.passed is True
    assert result.missing == 1


def test_everything_not_applicable_has_no_score() -> None:
    result = compute([ScoredItem(1, 1, None, not_applicable=True)], T80)
    assert result.score is None and result.passed is None


@given(
    st.lists(
        st.tuples(st.integers(1, 10), st.integers(1, 5), st.integers(0, 5), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_score_is_the_weighted_mean_of_applicable_items(rows: list) -> None:
    items = [ScoredItem(w, top, min(s, top), not_applicable=na) for w, top, s, na in rows]
    applicable = [i for i in items if not i.not_applicable]
    result = compute(items, T80)
    if not applicable:
        assert result.score is None
        return
    earned = sum((Decimal(i.weight) * (i.score or 0) / i.top_score for i in applicable), Decimal(0))
    expected = earned * 100 / sum(i.weight for i in applicable)
    assert result.score is not None
    assert abs(result.score - expected) <= Decimal("0.005")
    assert Decimal(0) <= result.score <= Decimal(100)
