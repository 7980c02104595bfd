"""Stored results of the analyses, so pages read them instead of computing."""

from sqms.analysis.models.results import (
    AssociationRule,
    AssociationRun,
    CustomerSegment,
    ForecastRun,
    HotspotReport,
    SegmentationRun,
)

__all__ = [
    "AssociationRule",
    "AssociationRun",
    "CustomerSegment",
    "ForecastRun",
    "HotspotReport",
    "SegmentationRun",
]
