"""The additive measures every rollup row carries, and the fixed histogram buckets.

Durations are whole minutes (the service desk stores business or calendar minutes per SLA
policy); a histogram bucket i holds the values in [EDGES[i-1], EDGES[i]) (bucket 0: below
EDGES[0]; the last bucket: EDGES[-1] and more). Quantiles read from the histograms are exact
to one bucket.
"""

import math

# Upper edges (exclusive) of the duration buckets, in minutes.
EDGES: tuple[int, ...] = (1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 45, 60, 120, 240, 480, 1440, 2880)
BUCKETS = len(EDGES) + 1

# Histograms: prefix → the duration they bucket.
HISTOGRAMS = {"resp_h": "response", "res_h": "resolve"}

COUNTS: tuple[str, ...] = (
    "tickets",  # registered
    "responded",  # with a first-response time
    "response_minutes",  # sum of first-response times
    "response_ontime",  # responded by the response due time
    "resolved",  # with a resolution
    "resolve_minutes",  # sum of resolution times
    "resolve_ontime",  # resolved by the resolve due time
    "business_handled",  # business requests resolved
    "business_minutes",  # their handling minutes
    "business_ontime",  # handled within BUSINESS_LIMIT minutes
    "service_errors",  # resolved and flagged as a service error
    "first_contact_resolved",  # resolved by the first-contact owner, never moved or reopened
    "reopened",  # reopened at least once
    "complaints",  # complaints registered
    "complaints_handled",  # of which resolved or closed
    "complaints_due",  # complaints due (resolve-by time) that day — by due day, not registration
    "complaints_due_handled",  # of which resolved or closed
    "visits",  # counter visits that were called
    "wait_seconds",  # sum of their waiting times (arrival → call)
    "survey_answers",  # reserved for the surveys source
    "survey_satisfied",
    "nps_answers",
    "nps_promoters",
    "nps_detractors",
    "inspections",
    "inspection_points",
)

BUSINESS_LIMIT = 20


def histogram_fields(prefix: str) -> list[str]:
    return [f"{prefix}{i}" for i in range(BUCKETS)]


def all_measures() -> list[str]:
    names = list(COUNTS)
    for prefix in HISTOGRAMS:
        names += histogram_fields(prefix)
    return names


def bucket_of(minutes: int) -> int:
    for i, edge in enumerate(EDGES):
        if minutes < edge:
            return i
    return len(EDGES)


def bucket_bounds(i: int) -> tuple[int, int | None]:
    low = 0 if i == 0 else EDGES[i - 1]
    high = EDGES[i] if i < len(EDGES) else None
    return low, high


def quantile_from_histogram(counts: list[int], q: float) -> float | None:
    """The q-quantile (nearest rank) as the upper edge of the bucket holding it (the lower
    edge for the open last bucket); None without values."""
    total = sum(counts)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total - 1e-9))
    seen = 0
    for i, n in enumerate(counts):
        seen += n
        if seen >= rank:
            low, high = bucket_bounds(i)
            return float(high if high is not None else low)
    return None
