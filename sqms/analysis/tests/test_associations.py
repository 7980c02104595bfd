"""Apriori and rule metrics against a hand computation, and a stored run over tickets."""

import datetime

import pytest
from django.utils import timezone

from sqms.analysis import services
from sqms.analysis.associations import association_rules, frequent_itemsets, products_in
from sqms.analysis.tests.helpers import category, insert, ticket

# Six complaints; counts by hand: a=5, b=4, c=4, ab=3, ac=3, bc=3, abc=2.
BASKETS = [{"a", "b", "c"}, {"a", "b"}, {"a", "c"}, {"b", "c"}, {"a", "b", "c"}, {"a"}]


def _rule(rules, antecedent, consequent):
    return next(r for r in rules if r.antecedent == antecedent and r.consequent == consequent)


def test_frequent_itemsets_equal_the_hand_count() -> None:
    found = frequent_itemsets(BASKETS, min_support=0.3)
    assert found == {
        frozenset("a"): 5,
        frozenset("b"): 4,
        frozenset("c"): 4,
        frozenset("ab"): 3,
        frozenset("ac"): 3,
        frozenset("bc"): 3,
        frozenset("abc"): 2,
    }
    # 2/6 < 0.4: the triple is not frequent, the pairs (3/6) are.
    assert frozenset("abc") not in frequent_itemsets(BASKETS, min_support=0.4)
    assert frequent_itemsets(BASKETS, min_support=0.3, max_size=2).keys() == {
        frozenset(x) for x in ("a", "b", "c", "ab", "ac", "bc")
    }


def test_rule_metrics_equal_the_hand_computation() -> None:
    rules = association_rules(frequent_itemsets(BASKETS, min_support=0.3), 6, min_confidence=0.0)
    a_b = _rule(rules, ("a",), ("b",))
    assert (a_b.count, a_b.support, a_b.confidence) == (3, 0.5, 0.6)
    assert a_b.lift == pytest.approx(0.6 / (4 / 6))  # 0.9
    b_c = _rule(rules, ("b",), ("c",))
    assert b_c.confidence == 0.75 and b_c.lift == pytest.approx(1.125)
    ab_c = _rule(rules, ("a", "b"), ("c",))
    assert ab_c.support == pytest.approx(1 / 3)
    assert ab_c.confidence == pytest.approx(2 / 3) and ab_c.lift == pytest.approx(1.0)
    c_ab = _rule(rules, ("c",), ("a", "b"))
    assert c_ab.confidence == 0.5 and c_ab.lift == pytest.approx(1.0)
    assert len(rules) == 12  # 3 pairs × 2 directions + 6 splits of the triple
    assert rules[0].lift == max(r.lift for r in rules)
    strict = association_rules(frequent_itemsets(BASKETS, min_support=0.3), 6, min_confidence=0.7)
    assert {(r.antecedent, r.consequent) for r in strict} == {
        (("b",), ("c",)),  # 3/4
        (("c",), ("b",)),  # 3/4
        (("b",), ("a",)),  # 3/4
        (("c",), ("a",)),  # 3/4
    }


def test_implied_consequents_are_left_out() -> None:
    baskets = [{"leaf", "parent", "x"}, {"leaf", "parent"}, {"parent", "x"}]
    rules = association_rules(
        frequent_itemsets(baskets, min_support=0.3),
        3,
        min_confidence=0.0,
        implied={"leaf": {"parent"}},
    )
    assert not any(r.antecedent == ("leaf",) and r.consequent == ("parent",) for r in rules)
    assert any(r.antecedent == ("parent",) and r.consequent == ("leaf",) for r in rules)


def test_products_are_found_in_texts() -> None:
    assert products_in("家里宽带断网，IPTV 也看不了") == {"宽带", "IPTV"}
    assert products_in("5G套餐流量扣费") == {"5G", "套餐", "流量", "话费"}
    assert products_in("") == set()


@pytest.mark.django_db
def test_compute_associations_stores_rules(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.hq)
    network = category("NETWORK", "网络质量")
    broadband = category("BROADBAND", "宽带故障", network)
    billing = category("BILLING", "资费")
    today = timezone.localdate()
    day = today - datetime.timedelta(days=3)
    rows = [
        ticket(org.hall1, manager, day, channel="phone", title="宽带断网", category=broadband)
        for _ in range(6)
    ]
    rows += [
        ticket(org.hall1, manager, day, channel="counter", title="话费扣费有误", category=billing)
        for _ in range(4)
    ]
    rows += [ticket(org.hall2, manager, day, title="宽带", kind="consultation") for _ in range(5)]
    insert(rows)
    run = services.compute_associations(actor=manager, unit=org.branch1, min_support=0.2)
    assert run.transaction_count == 10  # complaints of branch 1 only
    rules = {(tuple(r.antecedent), tuple(r.consequent)): r for r in run.rules.all()}
    broadband_phone = rules[(("category:BROADBAND",), ("channel:phone",))]
    assert broadband_phone.confidence == 1.0
    assert broadband_phone.lift == pytest.approx(1 / 0.6)
    assert (("product:宽带",), ("category:NETWORK",)) in rules
    # A leaf type always implies its parent: no rule says so.
    assert (("category:BROADBAND",), ("category:NETWORK",)) not in rules
    assert run.labels["category:BROADBAND"] == {"zh": "宽带故障", "en": "Broadband"}
    assert run.labels["channel:phone"]["zh"] == "电话"
