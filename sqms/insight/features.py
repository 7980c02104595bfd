"""The text features of every insight model: TF-IDF of words (jieba) and of characters.

Module-level functions only, so a fitted pipeline pickles by reference to this module and a
stored model loads in any process of this code base.
"""

import itertools
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from sqms.core.chinese_text import words


def word_ngrams(text: str) -> list[str]:
    """Words and pairs of neighbouring words (uni- and bigrams)."""
    found = words(text)
    return found + [f"{a} {b}" for a, b in itertools.pairwise(found)]


def build_features(*, min_df: int = 2) -> Any:
    # scikit-learn is imported where it is used: every web worker imports this module (via the
    # URLconf), and the import takes a second.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    analyzer=word_ngrams, sublinear_tf=True, min_df=min_df, dtype=np.float32
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=(2, 3),
                    sublinear_tf=True,
                    min_df=min_df,
                    max_features=300_000,
                    lowercase=True,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def normalise_rows(matrix: Any) -> Any:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    from sklearn.preprocessing import normalize

    if matrix.shape[0] == 0:
        return matrix
    return normalize(matrix, norm="l2", copy=False)


def models_dir() -> Path:
    """Where trained models are stored."""
    return Path(settings.VAR_DIR) / "models"


def ticket_text(title: str, description: str) -> str:
    return f"{title or ''}\n{description or ''}".strip()
