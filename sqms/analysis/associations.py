"""Association analysis: which problem types, products, channels and units occur together in
complaints — frequent item sets by apriori and rules with support, confidence and lift.

A transaction is one ticket; its items are keys such as "category:BILLING", "channel:phone",
"unit:H1", "unit_kind:hall", "product:宽带". Apriori grows item sets level by level, keeping
only those whose every subset is frequent (a superset of an infrequent set cannot be frequent),
up to `max_size` items. A rule A → B from a frequent set S = A ∪ B has
support = n(S)/N, confidence = n(S)/n(A), lift = confidence / (n(B)/N).
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

MAX_SIZE = 3

# Product words found in complaint texts ("product" items); the key is the item's name.
PRODUCTS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in (
        ("宽带", r"宽带|光猫|光纤|断网|网速"),
        ("5G", r"5g"),
        ("套餐", r"套餐"),
        ("流量", r"流量"),
        ("IPTV", r"iptv|机顶盒|电视"),
        ("话费", r"话费|扣费|账单|资费"),
        ("携号转网", r"携号转网"),
        ("漫游", r"漫游"),
        ("固话", r"固话|座机"),
        ("发票", r"发票"),
        ("积分", r"积分"),
        ("手机信号", r"信号|基站"),
    )
}


def products_in(text: str) -> set[str]:
    return {name for name, pattern in PRODUCTS.items() if pattern.search(text or "")}


Itemset = frozenset[str]


def frequent_itemsets(
    transactions: Sequence[Iterable[str]], *, min_support: float, max_size: int = MAX_SIZE
) -> dict[Itemset, int]:
    """Every item set of at most `max_size` items in at least `min_support` of the
    transactions, with its count."""
    baskets = [frozenset(items) for items in transactions]
    n = len(baskets)
    if n == 0:
        return {}
    needed = min_support * n
    counts = Counter(item for basket in baskets for item in basket)
    level: dict[Itemset, int] = {
        frozenset([item]): count for item, count in counts.items() if count >= needed
    }
    found = dict(level)
    size = 1
    while level and size < max_size:
        size += 1
        previous = set(level)
        items = sorted({item for itemset in previous for item in itemset})
        candidates = set()
        for itemset in previous:
            for item in items:
                if item in itemset:
                    continue
                candidate = itemset | {item}
                # Apriori pruning: every subset one smaller must itself be frequent.
                if all(candidate - {drop} in previous for drop in candidate):
                    candidates.add(candidate)
        candidate_counts: Counter[Itemset] = Counter()
        for basket in baskets:
            if len(basket) < size:
                continue
            for candidate in candidates:
                if candidate <= basket:
                    candidate_counts[candidate] += 1
        level = {c: count for c, count in candidate_counts.items() if count >= needed}
        found.update(level)
    return found


@dataclass(frozen=True)
class Rule:
    antecedent: tuple[str, ...]
    consequent: tuple[str, ...]
    count: int
    support: float
    confidence: float
    lift: float


def association_rules(
    itemsets: Mapping[Itemset, int],
    n: int,
    *,
    min_confidence: float,
    implied: Mapping[str, set[str]] | None = None,
) -> list[Rule]:
    """Rules A → B from the frequent item sets, best lift first.

    `implied` maps an item to the items it implies by construction (a problem type to its
    parent types, a unit to its kind); a rule whose consequent is wholly implied by its
    antecedent says nothing and is left out.
    """
    implied = implied or {}
    rules = []
    for itemset, count in itemsets.items():
        if len(itemset) < 2:
            continue
        for size in range(1, len(itemset)):
            for antecedent in combinations(sorted(itemset), size):
                consequent = tuple(sorted(itemset - set(antecedent)))
                known = set().union(*(implied.get(item, set()) for item in antecedent))
                if set(consequent) <= known:
                    continue
                confidence = count / itemsets[frozenset(antecedent)]
                if confidence < min_confidence:
                    continue
                consequent_share = itemsets[frozenset(consequent)] / n
                rules.append(
                    Rule(
                        antecedent=antecedent,
                        consequent=consequent,
                        count=count,
                        support=count / n,
                        confidence=confidence,
                        lift=confidence / consequent_share,
                    )
                )
    rules.sort(key=lambda r: (-r.lift, -r.confidence, -r.support, r.antecedent, r.consequent))
    return rules
