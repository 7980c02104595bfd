"""Segmentation: deterministic under a seed, k recovered by silhouette, described in words."""

import datetime

import numpy as np
import pytest
from django.utils import timezone, translation

from sqms.analysis import segments, services
from sqms.analysis.choices import SatisfactionSource
from sqms.analysis.models import CustomerSegment
from sqms.analysis.tests.helpers import customers, insert, ticket
from sqms.core.errors import DomainError


def _blobs(seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[4, 0, 0, 0, 0, 0], [0, 4, 0, 0, 0, 0], [0, 0, 4, 0, 0, 0]], dtype=float)
    return np.vstack([centre + rng.normal(0, 0.3, size=(40, 6)) for centre in centres])


def test_k_is_recovered_on_well_separated_clusters() -> None:
    result = segments.cluster(segments.standardise(_blobs()), seed=1)
    assert result.k == 3
    assert set(result.silhouette) == set(range(2, 9))
    assert result.silhouette[3] == max(result.silhouette.values())
    assert sorted(np.bincount(result.labels)) == [40, 40, 40]


def test_segmentation_is_deterministic_under_a_seed() -> None:
    data = segments.standardise(_blobs() + np.random.default_rng(9).normal(0, 1.5, (120, 6)))
    first = segments.cluster(data, seed=7)
    second = segments.cluster(data, seed=7)
    assert first.labels == second.labels
    assert first.silhouette == second.silhouette
    assert first.centroids == second.centroids


def test_descriptions_from_centroids() -> None:
    z = {"contacts": 1.4, "complaints": 0.9, "recency": -0.7, "value": 0.6, "tenure": 0.1}
    parts = segments.describe(z)
    assert parts == ["contacts+", "complaints+", "recency-"]
    with translation.override("zh-hans"):
        assert segments.description(parts) == "高频联系·投诉多·近期联系"
    with translation.override("en"):
        assert segments.description(parts) == "frequent contact·many complaints·recent contact"
        assert segments.description([]) == "typical customers"
    assert segments.describe({"contacts": 0.2, "value": -0.3}) == []


@pytest.mark.django_db
def test_compute_segments_over_customers(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.hq)
    quiet = customers(org.hall1, 20, segment="mass", age_days=900)
    loud = customers(org.hall1, 12, segment="gold", age_days=120)
    customers(org.hall2, 5)  # another branch: not in the run
    today = timezone.localdate()
    rows = []
    for customer in loud:
        for i in range(6):
            rows.append(
                ticket(
                    org.hall1,
                    manager,
                    today - datetime.timedelta(days=2 + i),
                    customer=customer,
                    resolved=i % 2 == 0,
                )
            )
    for customer in quiet[:5]:
        rows.append(
            ticket(
                org.hall1,
                manager,
                today - datetime.timedelta(days=200),
                kind="consultation",
                customer=customer,
                resolved=True,
            )
        )
    insert(rows)
    run = services.compute_segments(actor=manager, unit=org.branch1, seed=5)
    assert run.customer_count == 32
    assert run.satisfaction_source == SatisfactionSource.MISSING
    assert str(run.k) in run.silhouette and run.silhouette[str(run.k)] == max(
        run.silhouette.values()
    )
    members = dict(CustomerSegment.objects.filter(run=run).values_list("customer_id", "segment"))
    assert len(members) == 32
    loud_segments = {members[c.pk] for c in loud}
    assert len(loud_segments) == 1
    assert loud_segments.isdisjoint({members[c.pk] for c in quiet})
    loud_segment = loud_segments.pop()
    loud_row = next(s for s in run.segments if s["segment"] == loud_segment)
    assert "complaints+" in loud_row["parts"] or "contacts+" in loud_row["parts"]
    # Same data, same seed: same segments.
    again = services.compute_segments(actor=manager, unit=org.branch1, seed=5)
    assert dict(
        CustomerSegment.objects.filter(run=again).values_list("customer_id", "segment")
    ) == (members)
    indicators = {row["segment"]: row for row in services.segment_indicators(run)}
    loud_indicators = indicators[members[loud[0].pk]]
    assert loud_indicators["tickets"] == 72
    assert loud_indicators["complaint_rate"] == 100.0
    assert loud_indicators["on_time_rate"] == 100.0
    assert loud_indicators["description"]


@pytest.mark.django_db
def test_too_few_customers_are_refused(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.hq)
    customers(org.hall2, 3)
    with pytest.raises(DomainError) as refused:
        services.compute_segments(actor=manager, unit=org.branch2)
    assert refused.value.field == "org_unit"


@pytest.mark.django_db
def test_satisfaction_comes_from_survey_answers(org, make_user) -> None:
    from django.apps import apps

    if not apps.is_installed("sqms.surveys"):
        pytest.skip("the surveys app is not installed")
    version = apps.get_model("surveys", "SurveyVersion").objects.first()
    if version is None:
        pytest.skip("no survey template version to answer")
    response_model = apps.get_model("surveys", "SurveyResponse")
    manager = make_user("quality_manager", unit=org.hq)
    happy = customers(org.hall1, 8)
    unhappy = customers(org.hall1, 8)
    now = timezone.now()
    response_model.objects.bulk_create(
        [
            response_model(
                version=version,
                org_unit=org.hall1,
                customer=customer,
                completed_at=now,
                overall=5 if customer in happy else 1,
            )
            for customer in happy + unhappy
        ]
    )
    run = services.compute_segments(actor=manager, unit=org.branch1, seed=1)
    assert run.satisfaction_source == SatisfactionSource.SURVEYS
    assert run.k == 2
    means = sorted(segment["means"]["satisfaction"] for segment in run.segments)
    assert means == [1.0, 5.0]
    assert {p for s in run.segments for p in s["parts"]} >= {"satisfaction+", "satisfaction-"}
