"""The labelled corpus: deterministic, varied, covering every seeded leaf problem type."""

import random
import time

from sqms.insight import corpus
from sqms.servicedesk.seeds import CATEGORIES


def leaf_codes() -> set[str]:
    codes: set[str] = set()
    for code, _name, _en, children in CATEGORIES:
        if children:
            codes.update(child[0] for child in children)
        else:
            codes.add(code)
    return codes


def test_same_seed_same_texts_other_seed_other_texts() -> None:
    assert corpus.labelled_texts(200, seed=3) == corpus.labelled_texts(200, seed=3)
    assert corpus.labelled_texts(200, seed=3) != corpus.labelled_texts(200, seed=4)
    assert corpus.text_for("weak_signal", random.Random(1)) == corpus.text_for(
        "weak_signal", random.Random(1)
    )


def test_every_leaf_type_has_many_templates_and_appears() -> None:
    assert set(corpus.CATEGORY_TEXTS) == leaf_codes()
    for templates in corpus.CATEGORY_TEXTS.values():
        assert len(templates["bodies"]) >= 15
        assert len(templates["titles"]) >= 10
    texts = corpus.labelled_texts(3000, seed=1)
    assert {t.category_code for t in texts} == leaf_codes()
    assert {t.priority for t in texts} == {1, 2, 3, 4}
    assert {"complaint", "consultation", "business", "fault"} <= {t.kind for t in texts}
    # Varied: almost no two descriptions alike.
    assert len({t.description for t in texts}) > 2900


def test_texts_are_filled_and_unknown_codes_write_like_other() -> None:
    rng = random.Random(2)
    for code in [*corpus.CATEGORY_CODES, "network", "no_such_code"]:
        title, description = corpus.text_for(code, rng)
        assert title and description
        assert "{" not in description and "}" not in description


def test_a_hundred_thousand_texts_take_seconds() -> None:
    started = time.perf_counter()
    corpus.labelled_texts(20_000, seed=9)
    # 20,000 in well under a second here; the bench runs 100,000.
    assert time.perf_counter() - started < 5
