"""Training: better than the majority class by a clear margin, nothing without enough data,
versions with the activation rule, and only untampered files of our own ever loaded."""

from typing import Any

import pytest

from sqms.insight import suggest, training
from sqms.insight.choices import Purpose
from sqms.insight.models import TextModel
from sqms.insight.tests.conftest import BROADBAND_TEXT, corpus_samples

# Measured on the 3,000-text corpus (seed 5; held-out 600): category macro-F1 0.85 against
# the majority baseline's 0.02 (one class of twelve), priority macro-F1 0.80 against 0.15.
# The corpus gives 8 % of labels to a neighbouring type (agents' slips), which caps a perfect
# model near 0.9. The thresholds leave room for solver and platform noise while still
# failing a model that learnt little: a broken feature union falls to about 0.3.
CATEGORY_MIN_MACRO_F1 = 0.75
PRIORITY_MIN_MACRO_F1 = 0.60


def test_category_model_beats_majority_baseline(fitted: Any) -> None:
    metrics = fitted[Purpose.CATEGORY].metrics
    assert metrics["macro_f1"] >= CATEGORY_MIN_MACRO_F1
    assert metrics["macro_f1"] - metrics["baseline_macro_f1"] >= 0.5
    assert metrics["accuracy"] - metrics["baseline_accuracy"] >= 0.5
    assert len(metrics["per_class"]) == 12
    assert metrics["confused_pairs"][0]["count"] >= 1
    assert fitted[Purpose.CATEGORY].n_test == 600


def test_priority_model_beats_majority_baseline(fitted: Any) -> None:
    metrics = fitted[Purpose.PRIORITY].metrics
    assert metrics["macro_f1"] >= PRIORITY_MIN_MACRO_F1
    assert metrics["macro_f1"] > metrics["baseline_macro_f1"] + 0.3


@pytest.mark.django_db
def test_too_little_data_means_no_model_and_no_suggestion(org: Any, make_user: Any) -> None:
    result = training.train(corpus_samples(150, seed=1))
    assert not result.trained
    assert {r.purpose for r in result.results} == {Purpose.CATEGORY, Purpose.PRIORITY}
    assert all("Not enough" in r.insufficient for r in result.results)
    assert not TextModel.objects.exists()
    agent = make_user("agent")
    assert suggest.suggest(BROADBAND_TEXT, agent).empty


@pytest.mark.django_db
def test_one_class_is_not_enough() -> None:
    samples = corpus_samples(400, seed=1)
    for sample in samples:
        sample.category = "other"
    result = training.train(samples, purposes=[Purpose.CATEGORY])
    assert not result.trained
    assert "classes" in result.results[0].insufficient


@pytest.mark.django_db
def test_training_from_tickets_uses_resolved_ones_only(org: Any, make_user: Any) -> None:
    from sqms.servicedesk import services as desk

    agent = make_user("agent")
    desk.register_ticket(actor=agent, kind="fault", channel="phone", title="宽带断网")
    assert training.ticket_samples() == []


def _store(f1: float, *, force: bool = False) -> TextModel:
    return training.store(
        {"purpose": "category"},
        purpose=Purpose.CATEGORY,
        labels=["a", "b"],
        metrics={"macro_f1": f1, "accuracy": f1},
        n_train=100,
        n_test=25,
        force=force,
    )


@pytest.mark.django_db
def test_versions_and_activation_rule(make_user: Any) -> None:
    first = _store(0.80)
    assert (first.version, first.is_active) == (1, True)
    within_margin = _store(0.79)
    assert (within_margin.version, within_margin.is_active) == (2, True)
    first.refresh_from_db()
    assert not first.is_active
    worse = _store(0.70)
    assert (worse.version, worse.is_active) == (3, False)
    assert "Not activated" in worse.activation_note
    assert TextModel.objects.active(Purpose.CATEGORY) == within_margin
    forced = _store(0.50, force=True)
    assert forced.is_active and "forced" in forced.activation_note
    assert TextModel.objects.filter(purpose=Purpose.CATEGORY, is_active=True).count() == 1
    back = training.activate(within_margin, actor=make_user("quality_manager"))
    assert back.is_active and TextModel.objects.active(Purpose.CATEGORY) == back


@pytest.mark.django_db
def test_stored_file_is_checked_before_loading(install_models: Any, model_dir: Any) -> None:
    models = install_models()
    model = models[Purpose.CATEGORY]
    assert model.sha256 and (model_dir / model.file_name).is_file()
    assert suggest.load(model) is not None
    suggest.clear_cache()
    path = model_dir / model.file_name
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert suggest.load(model) is None
    # A row pointing outside the models directory is never loaded either.
    outside = TextModel(pk=99, file_name="../evil.joblib", sha256=model.sha256)
    (model_dir.parent / "evil.joblib").write_bytes(b"x")
    assert suggest.load(outside) is None


@pytest.mark.django_db
def test_missing_file_gives_no_suggestion(
    install_models: Any, model_dir: Any, make_user: Any
) -> None:
    for model in install_models().values():
        (model_dir / model.file_name).unlink()
    assert suggest.suggest(BROADBAND_TEXT, make_user("agent")).empty
