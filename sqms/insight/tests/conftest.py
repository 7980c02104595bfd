"""Fixtures of the insight tests: models fitted once per session on the synthetic corpus,
stored per test (files under a temporary VAR_DIR) so each test has its own versions."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sqms.insight import corpus, suggest, training
from sqms.insight.models import TextModel
from sqms.insight.training import Fitted, Sample

CORPUS_SIZE = 3000
CORPUS_SEED = 5
BROADBAND_TEXT = "家里宽带从昨晚开始断网，光猫红灯一直闪"


def corpus_samples(n: int = CORPUS_SIZE, seed: int = CORPUS_SEED) -> list[Sample]:
    return [
        Sample(item.text, item.category_code, item.priority)
        for item in corpus.labelled_texts(n, seed=seed)
    ]


@pytest.fixture(scope="session")
def fitted() -> dict[str, Fitted]:
    """Category and priority models fitted on 3,000 corpus texts (about 3 s, once)."""
    models, refused = training.fit(corpus_samples())
    assert not refused
    return {item.purpose: item for item in models}


@pytest.fixture(autouse=True)
def model_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Each test writes its model files in its own directory and loads nothing cached."""
    from django.utils import translation

    settings.VAR_DIR = tmp_path
    suggest.clear_cache()
    # Messages are asserted in English, whatever an earlier (browser) test left active.
    with translation.override("en"):
        yield tmp_path / "models"
    suggest.clear_cache()


@pytest.fixture
def install_models(db: Any, fitted: dict[str, Fitted]) -> Callable[..., dict[str, TextModel]]:
    """install_models(index=...) stores the fitted models as active versions; `index`
    replaces the category model's similar-case index (ticket ids → texts)."""

    def install(index: dict[int, str] | None = None) -> dict[str, TextModel]:
        stored = {}
        for purpose, item in fitted.items():
            bundle = dict(item.bundle)
            if purpose == "category":
                bundle["index"] = build_index(bundle, index or {})
            stored[purpose] = training.store(
                bundle,
                purpose=purpose,
                labels=item.labels,
                metrics=item.metrics,
                n_train=item.n_train,
                n_test=item.n_test,
            )
        return stored

    return install


def build_index(bundle: dict[str, Any], texts: dict[int, str]) -> dict[str, Any]:
    import numpy as np

    from sqms.insight.features import normalise_rows
    from sqms.insight.training import word_columns

    features = bundle["pipeline"].named_steps["features"]
    columns = word_columns(features)
    ids = list(texts)
    matrix = features.transform([texts[i] for i in ids]) if ids else features.transform([""])[:0]
    return {
        "matrix": normalise_rows(matrix[:, :columns].astype(np.float32)),
        "ticket_ids": np.array(ids, dtype=np.int64),
        "columns": columns,
    }
