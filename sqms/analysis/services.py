"""Computing and storing the analyses: hot-spots, segments, associations and forecasts.

Each function gathers its data with a few grouped queries, calls the pure functions of
hotspots/segments/associations/forecasts, and stores the result in one transaction with an
audit event. The acting user needs the recompute permission and the unit in their scope; the
daily task acts as the system account.
"""

import datetime
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.analysis import associations, forecasts, hotspots, segments
from sqms.analysis.choices import PeriodKind
from sqms.analysis.models import (
    AssociationRule,
    AssociationRun,
    CustomerSegment,
    ForecastRun,
    HotspotReport,
    SegmentationRun,
)
from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_in_scope
from sqms.quality.sources import day_start
from sqms.servicedesk.choices import Channel, TicketKind

RECOMPUTE = "analysis.recompute_analysis"
# Keep this many runs of a kind per unit (and channel); older ones are deleted on recompute.
KEEP_RUNS = 5
ASSOCIATION_DAYS = 90


def _check(actor: Any, unit: OrgUnit) -> None:
    if not actor.has_perm(RECOMPUTE):
        raise PermissionDenied(_("You may not recompute analyses."))
    if not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")


def _audit(obj: Any, actor: Any, summary: dict[str, Any], *, created: bool = True) -> None:
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    audit.record(action, obj, actor=actor, after=summary)


def _tickets(unit: OrgUnit, first: datetime.date, last: datetime.date) -> Any:
    from sqms.servicedesk.models import Ticket

    return (
        Ticket.objects.filter(
            org_unit__path__startswith=unit.path,
            created_at__gte=day_start(first),
            created_at__lt=day_start(last + datetime.timedelta(days=1)),
        )
        .order_by()
        .only("id")
    )


# --- hot-spots --------------------------------------------------------------------------------


def compute_hotspots(
    *,
    actor: Any,
    unit: OrgUnit,
    period_kind: str = PeriodKind.MONTH,
    day: datetime.date | None = None,
    baseline_periods: int = 3,
) -> HotspotReport:
    """The hot-spot report of the period containing `day` (default today), replacing the
    stored one of that unit and period."""
    _check(actor, unit)
    if period_kind not in PeriodKind.values:
        raise DomainError(_("Unknown period."), field="period_kind")
    if not 1 <= baseline_periods <= 12:
        raise DomainError(_("Between 1 and 12 baseline periods."), field="baseline_periods")
    today = timezone.localdate()
    day = day or today
    period = hotspots.period_of(period_kind, day)
    before = hotspots.previous_periods(period_kind, period, baseline_periods)
    rows = list(
        _tickets(unit, before[-1].start, period.end)
        .filter(kind=TicketKind.COMPLAINT)
        .values_list("id", "number", "title", "description", "category_id", "created_at")
    )
    current_docs, previous_docs = [], []
    current_categories: list[Any] = []
    baseline_categories: list[list[Any]] = [[] for _period in before]
    zone = timezone.get_current_timezone()
    for pk, number, title, description, category_id, created in rows:
        local_day = created.astimezone(zone).date()
        doc = hotspots.Document(pk, number, title, f"{title} {description}")
        if local_day >= period.start:
            current_docs.append(doc)
            current_categories.append(category_id)
            continue
        previous_docs.append(doc)
        for i, earlier in enumerate(before):
            if earlier.start <= local_day <= earlier.end:
                baseline_categories[i].append(category_id)
    elapsed = 1.0
    if period.start <= today < period.end:
        elapsed = ((today - period.start).days + 1) / period.days
    categories = hotspots.rising_categories(
        hotspots.count_by(c for c in current_categories if c is not None),
        [hotspots.count_by(c for c in period if c is not None) for period in baseline_categories],
        elapsed_share=elapsed,
    )
    _label_categories(categories)
    with transaction.atomic():
        report, created = HotspotReport.objects.update_or_create(
            org_unit=unit,
            period_kind=period_kind,
            period_start=period.start,
            defaults={
                "period_end": period.end,
                "previous_periods": baseline_periods,
                "computed_at": timezone.now(),
                "complaint_count": len(current_docs),
                "previous_count": len(previous_docs),
                "terms": hotspots.emerging_terms(current_docs, previous_docs),
                "categories": categories,
                "created_by": actor if actor.is_authenticated else None,
            },
        )
        _audit(
            report,
            actor,
            {
                "period_start": period.start.isoformat(),
                "complaints": len(current_docs),
                "terms": len(report.terms),
                "flagged": len(report.flagged_categories),
            },
            created=created,
        )
    return report


def _label_categories(rows: list[dict[str, Any]]) -> None:
    from sqms.servicedesk.models import Category

    names = {
        c.pk: c
        for c in Category.objects.filter(pk__in=[row["key"] for row in rows]).only(
            "code", "name", "name_en"
        )
    }
    for row in rows:
        category = names.get(row.pop("key"))
        row["category_id"] = category.pk if category else None
        row["code"] = category.code if category else ""
        row["name"] = category.name if category else ""
        row["name_en"] = (category.name_en or category.name) if category else ""


# --- segmentation -----------------------------------------------------------------------------


def compute_segments(
    *, actor: Any, unit: OrgUnit, seed: int = 42, window_days: int = 365
) -> SegmentationRun:
    """Cluster the customers of `unit`'s subtree and store the run with every membership."""
    _check(actor, unit)
    if not 0 <= seed <= 2**31 - 1:
        raise DomainError(_("The seed must be a non-negative 32-bit number."), field="seed")
    table = segments.customer_features(unit, window_days=window_days)
    if len(table.customer_ids) < segments.MIN_CUSTOMERS:
        raise DomainError(
            _("At least %(n)s customers are needed to find segments.")
            % {"n": segments.MIN_CUSTOMERS},
            field="org_unit",
        )
    try:
        clustering = segments.cluster(segments.transform(table.raw), seed=seed)
    except ValueError as failed:
        raise DomainError(_("These customers do not fall into segments."), field="org_unit") from (
            failed
        )
    with transaction.atomic():
        run = SegmentationRun.objects.create(
            org_unit=unit,
            seed=seed,
            computed_at=timezone.now(),
            window_days=window_days,
            customer_count=len(table.customer_ids),
            k=clustering.k,
            silhouette={str(k): v for k, v in clustering.silhouette.items()},
            features=list(segments.FEATURES),
            segments=segments.summarise(table.raw, clustering),
            satisfaction_source=table.satisfaction_source,
            created_by=actor if actor.is_authenticated else None,
        )
        CustomerSegment.objects.bulk_create(
            [
                CustomerSegment(run=run, customer_id=pk, segment=label)
                for pk, label in zip(table.customer_ids, clustering.labels, strict=True)
            ],
            batch_size=2000,
        )
        _prune(SegmentationRun.objects.filter(org_unit=unit))
        _audit(run, actor, {"customers": run.customer_count, "k": run.k, "seed": seed})
    return run


def _prune(runs: Any) -> None:
    stale = list(runs.order_by("-computed_at", "-pk").values_list("pk", flat=True)[KEEP_RUNS:])
    if stale:
        runs.model.objects.filter(pk__in=stale).delete()


def segment_indicators(run: SegmentationRun) -> list[dict[str, Any]]:
    """Per segment of the run: customers, tickets, complaint rate, mean satisfaction and SLA
    on-time rate over the run's window — one grouped query over tickets joined to the
    memberships (quality's rollups have no segment key)."""
    from django.db.models import F, Q

    from sqms.servicedesk.models import Ticket

    since = run.computed_at - datetime.timedelta(days=run.window_days)
    rows: dict[int, Any] = {
        row["customer__analysis_segments__segment"]: row
        for row in Ticket.objects.filter(
            customer__analysis_segments__run=run, created_at__gte=since
        )
        .order_by()
        .values("customer__analysis_segments__segment")
        .annotate(
            tickets=Count("id"),
            complaints=Count("id", filter=Q(kind=TicketKind.COMPLAINT)),
            resolved=Count("id", filter=Q(resolved_at__isnull=False, resolve_due_at__isnull=False)),
            on_time=Count("id", filter=Q(resolved_at__lte=F("resolve_due_at"))),
        )
    }
    indicators = []
    for segment in run.segments:
        row = rows.get(segment["segment"], {})
        tickets = row.get("tickets", 0)
        resolved = row.get("resolved", 0)
        indicators.append(
            {
                **segment,
                "description": segments.description(segment["parts"]),
                "tickets": tickets,
                "tickets_per_customer": round(tickets / segment["size"], 2)
                if segment["size"]
                else None,
                "complaint_rate": round(100 * row.get("complaints", 0) / tickets, 1)
                if tickets
                else None,
                "on_time_rate": round(100 * row.get("on_time", 0) / resolved, 1)
                if resolved
                else None,
            }
        )
    return indicators


# --- associations -----------------------------------------------------------------------------


def compute_associations(
    *,
    actor: Any,
    unit: OrgUnit,
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    kinds: list[str] | None = None,
    min_support: float = 0.05,
    min_confidence: float = 0.3,
) -> AssociationRun:
    """Frequent item sets and rules of the tickets of the kinds (default complaints) created in
    [first, last] (default the last 90 days) in `unit`'s subtree."""
    from sqms.servicedesk.models import Category

    _check(actor, unit)
    last = last or timezone.localdate()
    first = first or last - datetime.timedelta(days=ASSOCIATION_DAYS - 1)
    kinds = kinds or [TicketKind.COMPLAINT]
    if first > last:
        raise DomainError(_("The period ends before it starts."), field="first")
    if not 0 < min_support <= 1:
        raise DomainError(_("Support is a share between 0 and 1."), field="min_support")
    if not 0 < min_confidence <= 1:
        raise DomainError(_("Confidence is a share between 0 and 1."), field="min_confidence")
    if any(kind not in TicketKind.values for kind in kinds):
        raise DomainError(_("Unknown ticket kind."), field="kinds")
    rows = list(
        _tickets(unit, first, last)
        .filter(kind__in=kinds)
        .values_list(
            "kind",
            "channel",
            "title",
            "description",
            "category__path",
            "org_unit__code",
            "org_unit__kind",
        )
    )
    paths = {path for *_rest, path, _code, _kind in rows if path}
    ancestors = {
        p[:i] for p in paths for i in range(Category.steplen, len(p) + 1, Category.steplen)
    }
    by_path = {
        c.path: c for c in Category.objects.filter(path__in=ancestors).only("path", "code", "name")
    }
    labels: dict[str, dict[str, str]] = {}
    implied: dict[str, set[str]] = {}
    transactions = []
    for kind, channel, title, description, path, unit_code, unit_kind in rows:
        items = {f"channel:{channel}", f"unit:{unit_code}", f"unit_kind:{unit_kind}"}
        implied[f"unit:{unit_code}"] = {f"unit_kind:{unit_kind}"}
        if len(kinds) > 1:
            items.add(f"kind:{kind}")
        if path:
            chain = [
                by_path[path[:i]]
                for i in range(Category.steplen, len(path) + 1, Category.steplen)
                if path[:i] in by_path
            ]
            keys = [f"category:{c.code}" for c in chain]
            items.update(keys)
            for i, key in enumerate(keys):
                implied.setdefault(key, set()).update(keys[:i])
        items.update(f"product:{p}" for p in associations.products_in(f"{title} {description}"))
        transactions.append(items)
    itemsets = associations.frequent_itemsets(transactions, min_support=min_support)
    rules = associations.association_rules(
        itemsets, len(transactions), min_confidence=min_confidence, implied=implied
    )
    used = {item for itemset in itemsets for item in itemset}
    for item in used:
        labels[item] = _item_labels(item, by_path)
    with transaction.atomic():
        run = AssociationRun.objects.create(
            org_unit=unit,
            period_start=first,
            period_end=last,
            kinds=list(kinds),
            min_support=min_support,
            min_confidence=min_confidence,
            computed_at=timezone.now(),
            transaction_count=len(transactions),
            itemset_count=len(itemsets),
            labels=labels,
            created_by=actor if actor.is_authenticated else None,
        )
        AssociationRule.objects.bulk_create(
            [
                AssociationRule(
                    run=run,
                    antecedent=list(rule.antecedent),
                    consequent=list(rule.consequent),
                    items_text=" ".join(
                        [*rule.antecedent, *rule.consequent]
                        + [labels[i]["zh"] + " " + labels[i]["en"] for i in rule.antecedent]
                        + [labels[i]["zh"] + " " + labels[i]["en"] for i in rule.consequent]
                    )[:500],
                    count=rule.count,
                    support=round(rule.support, 6),
                    confidence=round(rule.confidence, 6),
                    lift=round(rule.lift, 6),
                )
                for rule in rules
            ],
            batch_size=2000,
        )
        _prune(AssociationRun.objects.filter(org_unit=unit))
        _audit(
            run,
            actor,
            {"tickets": len(transactions), "itemsets": len(itemsets), "rules": len(rules)},
        )
    return run


def _item_labels(item: str, categories: dict[str, Any]) -> dict[str, str]:
    from sqms.core.choices import OrgUnitKind

    kind, _sep, value = item.partition(":")
    by_code = {c.code: c for c in categories.values()}
    labels = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            if kind == "channel":
                text = str(Channel(value).label) if value in Channel.values else value
            elif kind == "kind":
                text = str(TicketKind(value).label) if value in TicketKind.values else value
            elif kind == "unit_kind":
                text = str(OrgUnitKind(value).label) if value in OrgUnitKind.values else value
            elif kind == "category" and value in by_code:
                category = by_code[value]
                text = category.name if language == "zh-hans" else (category.name_en or "")
                text = text or category.name
            else:
                text = value
        labels["zh" if language == "zh-hans" else "en"] = text
    if kind == "unit":
        unit = OrgUnit.objects.filter(code=value).only("name", "name_en").first()
        if unit is not None:
            labels = {"zh": unit.name, "en": unit.name_en or unit.name}
    return labels


# --- forecasts --------------------------------------------------------------------------------


def daily_counts(
    unit: OrgUnit, first: datetime.date, last: datetime.date
) -> dict[str, dict[datetime.date, int]]:
    """Tickets per local day and channel in `unit`'s subtree (one grouped query)."""
    rows = (
        _tickets(unit, first, last)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "channel")
        .annotate(n=Count("id"))
    )
    counts: dict[str, dict[datetime.date, int]] = {}
    for row in rows:
        counts.setdefault(row["channel"], {})[row["day"]] = row["n"]
    return counts


MIN_CHANNEL_DAILY_MEAN = 0.5


def compute_forecasts(
    *,
    actor: Any,
    unit: OrgUnit,
    channels: list[str] | None = None,
    weeks: int = forecasts.HISTORY_WEEKS,
    horizon_days: int = forecasts.HORIZON_DAYS,
) -> list[ForecastRun]:
    """Forecast the unit's total volume and each channel's (`channels`, default every channel
    averaging a ticket every other day) from the last `weeks` complete weeks."""
    _check(actor, unit)
    if not 8 <= weeks <= 104:
        raise DomainError(_("Use between 8 and 104 weeks of history."), field="weeks")
    if not 7 <= horizon_days <= 91:
        raise DomainError(_("Forecast between 7 and 91 days ahead."), field="horizon_days")
    if channels and any(channel not in Channel.values for channel in channels):
        raise DomainError(_("Unknown channel."), field="channels")
    last = timezone.localdate() - datetime.timedelta(days=1)
    first = last - datetime.timedelta(days=weeks * 7 - 1)
    by_channel = daily_counts(unit, first, last)
    seen = [day for counts in by_channel.values() for day in counts]
    if seen:
        first = max(first, min(seen))
    days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    if not seen or len(days) < forecasts.MIN_HISTORY_DAYS:
        raise DomainError(
            _("At least %(n)s days of ticket history are needed for a forecast.")
            % {"n": forecasts.MIN_HISTORY_DAYS},
            field="org_unit",
        )
    total = {day: sum(counts.get(day, 0) for counts in by_channel.values()) for day in days}
    series: list[tuple[str, dict[datetime.date, int]]] = [("", total)]
    if channels is None:
        channels = sorted(
            channel
            for channel, counts in by_channel.items()
            if sum(counts.values()) / len(days) >= MIN_CHANNEL_DAILY_MEAN
        )
    series += [(channel, by_channel.get(channel, {})) for channel in channels]
    runs = []
    with transaction.atomic():
        for channel, counts in series:
            values = [counts.get(day, 0) for day in days]
            try:
                daily, weekly = forecasts.forecast(days, values, horizon=horizon_days)
                backtest = forecasts.backtest(days, values)
            except (ValueError, np.linalg.LinAlgError):
                continue
            run = ForecastRun.objects.create(
                org_unit=unit,
                channel=channel,
                computed_at=timezone.now(),
                method=forecasts.METHOD,
                history_start=days[0],
                history_end=days[-1],
                horizon_days=horizon_days,
                history=[[day.isoformat(), value] for day, value in zip(days, values, strict=True)],
                forecast=daily,
                weekly=weekly,
                backtest=backtest,
                created_by=actor if actor.is_authenticated else None,
            )
            _prune(ForecastRun.objects.filter(org_unit=unit, channel=channel))
            _audit(run, actor, {"channel": channel, "mae": backtest["mae"]})
            runs.append(run)
    if not runs:
        raise DomainError(_("No forecast could be fitted to this history."), field="org_unit")
    return runs
