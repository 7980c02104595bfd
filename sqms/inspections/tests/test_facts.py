"""The inspection score indicator (质检得分) from the rollups equals a direct computation over
the inspections, by unit and by inspected staff member."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from sqms.inspections import services
from sqms.inspections.models import Inspection
from sqms.inspections.services import ScoreInput
from sqms.inspections.tests.conftest import hall_version, mystery_version
from sqms.quality import rollups
from sqms.quality.indicators import SliceFilter, grouped_measures, values_for
from sqms.quality.periods import Period
from sqms.quality.sources import local_zone

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 5)


def _done(
    unit: Any, inspector: Any, staff: Any, day_offset: int, fail_items: int, version: Any
) -> Inspection:
    performed = datetime.datetime.combine(
        DAY + datetime.timedelta(days=day_offset), datetime.time(23, 30), tzinfo=local_zone()
    )
    inspection = services.create_inspection(
        actor=inspector,
        version=version,
        org_unit=unit,
        inspected_staff=staff,
        performed_at=performed,
    )
    scores = {}
    for index, item in enumerate(version.items.order_by("pk")):
        scores[item.pk] = ScoreInput(score=0 if index < fail_items else item.top_score)
    services.record_scores(inspection, actor=inspector, scores=scores)
    services.submit_inspection(inspection, actor=inspector)
    inspection.refresh_from_db()
    return inspection


def _mean(inspections: list[Inspection]) -> float | None:
    if not inspections:
        return None
    points = sum(
        int(Decimal(i.score or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for i in inspections
    )
    return points / len(inspections)


def test_inspection_score_indicator_equals_direct_mean(
    org: Any, inspector: Any, make_user: Any
) -> None:
    clerk1 = make_user("agent", unit=org.hall1)
    clerk2 = make_user("agent", unit=org.hall2)
    made = [
        _done(org.hall1, inspector, clerk1, 0, 1, hall_version()),
        _done(org.hall1, inspector, clerk1, 1, 4, hall_version()),
        _done(org.counter1, inspector, None, 2, 0, mystery_version()),
        _done(org.hall2, inspector, clerk2, 2, 7, hall_version()),
    ]
    # An open inspection does not count.
    services.create_inspection(
        actor=inspector,
        version=hall_version(),
        org_unit=org.hall1,
        performed_at=made[0].performed_at,
    )
    rollups.recompute_days(DAY, DAY + datetime.timedelta(days=3))
    period = Period(DAY, DAY + datetime.timedelta(days=3))
    for unit, staff in ((org.hq, None), (org.branch1, None), (org.hall2, None), (org.hq, clerk1)):
        measures = grouped_measures(
            period, SliceFilter(unit=unit, staff_id=staff.pk if staff else None)
        )[None]
        value = values_for(measures, ["inspection_score"])["inspection_score"]
        expected = [
            i
            for i in made
            if i.org_unit.path.startswith(unit.path)
            and (staff is None or i.inspected_staff_id == staff.pk)
        ]
        assert measures["inspections"] == len(expected)
        assert value.value == pytest.approx(_mean(expected))


def test_the_local_day_counts(org: Any, inspector: Any) -> None:
    """23:30 local on the 5th is the 5th, though it is the 5th 15:30 UTC."""
    _done(org.hall1, inspector, None, 0, 0, hall_version())
    rollups.recompute_days(DAY, DAY)
    period = Period(DAY, DAY)
    measures = grouped_measures(period, SliceFilter(unit=org.hq))[None]
    assert measures["inspections"] == 1 and measures["inspection_points"] == 100
