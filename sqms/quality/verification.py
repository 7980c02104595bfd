"""The ticket and visit indicators computed straight from the raw records, without rollups, and
their comparison with what the rollups answer: the oracle of the rollup tests (hypothesis) and
of the soak bench's "rollups equal raw computation" check."""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqms.quality.indicators import IndicatorValue
from sqms.quality.measures import bucket_of

# The limits of the on-time indicators, in minutes (inclusive).
BUSINESS_LIMIT_MINUTES = 20


def direct_values(
    tickets: Sequence[Any], visits: Sequence[Any], due: Sequence[Any]
) -> dict[str, Any]:
    """Every ticket- and visit-based indicator straight from the records of a slice: `tickets`
    created in the period, `visits` arrived in it, `due` the tickets whose resolve-by time falls
    in it. Keys starting with "_" hold the sorted times the quantiles are taken from."""

    def rate(part: int, whole: int) -> float | None:
        return None if not whole else 100 * part / whole

    responded = [t for t in tickets if t.response_minutes is not None]
    resolved = [t for t in tickets if t.resolved_at is not None]
    business = [t for t in resolved if t.kind == "business" and t.resolve_minutes is not None]
    complaints = [t for t in due if t.kind == "complaint"]
    called = [v for v in visits if v.called_at is not None]
    response_times = sorted(t.response_minutes for t in responded)
    handling_times = sorted(t.resolve_minutes for t in business)
    return {
        "complaint_handling_rate": rate(
            sum(1 for t in complaints if t.resolved_at or t.closed_at), len(complaints)
        ),
        "response_ontime_rate": rate(
            sum(1 for t in responded if t.responded_at <= t.response_due_at), len(responded)
        ),
        "avg_response_minutes": (
            sum(response_times) / len(response_times) if response_times else None
        ),
        "business_ontime_rate": rate(
            sum(1 for t in business if t.resolve_minutes <= BUSINESS_LIMIT_MINUTES), len(business)
        ),
        "avg_handling_minutes": (
            sum(handling_times) / len(handling_times) if handling_times else None
        ),
        "service_error_rate": rate(sum(1 for t in resolved if t.service_error), len(resolved)),
        "sla_rate": rate(
            sum(1 for t in resolved if t.resolved_at <= t.resolve_due_at), len(resolved)
        ),
        "fcr_rate": rate(
            sum(
                1
                for t in resolved
                if t.resolved_by_id == t.first_contact_owner_id
                and t.reassignment_count == 0
                and t.reopen_count == 0
            ),
            len(resolved),
        ),
        "reopen_rate": rate(sum(1 for t in tickets if t.reopen_count > 0), len(resolved)),
        "avg_wait_minutes": (
            sum((v.called_at - v.arrived_at).total_seconds() for v in called) / len(called) / 60
            if called
            else None
        ),
        "_response_times": response_times,
        "_handling_times": handling_times,
    }


def nearest_rank(values: Sequence[int], q: float) -> int:
    return values[max(1, math.ceil(q * len(values) - 1e-9)) - 1]


def differences(rolled: Mapping[str, IndicatorValue], direct: Mapping[str, Any]) -> list[str]:
    """Where the rollups' values disagree with the direct computation (empty: they agree).
    Quantiles come from histograms, so p50/p90 need only fall in the true value's bucket."""
    found = []
    for code, expected in direct.items():
        if code.startswith("_"):
            continue
        got = rolled[code].value
        if expected is None:
            if got is not None:
                found.append(f"{code}: rollups {got}, records none")
        elif got is None or not math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-6):
            found.append(f"{code}: rollups {got}, records {expected}")
    for code, times in (
        ("avg_response_minutes", direct["_response_times"]),
        ("avg_handling_minutes", direct["_handling_times"]),
    ):
        for q, got in ((0.5, rolled[code].p50), (0.9, rolled[code].p90)):
            if not times:
                if got is not None:
                    found.append(f"{code} p{int(q * 100)}: rollups {got}, records none")
                continue
            true = nearest_rank(times, q)
            # The histogram answers with its bucket's edge: same bucket as the true value.
            reported_bucket = bucket_of(int(got) - 1) if got is not None and got > 0 else 0
            if got is None or bucket_of(true) not in (reported_bucket, bucket_of(int(got))):
                found.append(f"{code} p{int(q * 100)}: rollups {got}, records {true}")
    return found
