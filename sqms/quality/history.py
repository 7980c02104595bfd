"""The demo organisation's service history, at any scale (`sqms demo --scale N`).

Two years of tickets for the demo halls, call-centre teams and counters, busy and quiet as a
real desk is: more on Mondays, fewer at weekends, quiet on public holidays (quietest over the
Spring Festival) and busy on the first working days after one. When the insight app is
installed each ticket carries a text written for its problem type, with its kind and priority
(sqms.insight.corpus), so the classifiers can be trained on it.

Rows are written in blocks of BLOCK tickets, each block in its own transaction and drawn from
its own random generator seeded by (seed, block number): the same seed gives the same history,
memory stays constant at any scale, and a run that was interrupted continues where the last
committed block ended.
"""

import bisect
import datetime
import itertools
import random
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.utils import timezone

from sqms.core.calendars import HOLIDAY, statutory_day_kind
from sqms.quality.sources import day_start
from sqms.quality.synthetic import CHANNELS, KINDS, TITLES, insert_tickets, outcome

PREFIX = "DEMO"
BLOCK = 5000
DAYS = 730
DEFAULT_SEED = 7

# Relative load by weekday (Monday first): halls open every day, fewer people come at weekends.
WEEKDAY_LOAD = (1.2, 1.0, 1.0, 1.0, 1.05, 0.8, 0.7)
HOLIDAY_LOAD = 0.55
SPRING_FESTIVAL_LOAD = 0.3
AFTER_HOLIDAY_LOAD = 1.45  # the backlog of a holiday arrives on the next working days
AFTER_HOLIDAY_DAYS = 3
SERVING = ("hall", "team", "call_centre", "counter")

Progress = Callable[[int, int], None]


def _holiday_name(day: datetime.date) -> str | None:
    import chinese_calendar

    if statutory_day_kind(day) != HOLIDAY:
        return None
    return chinese_calendar.get_holiday_detail(day)[1]


def day_weights(first_day: datetime.date, days: int) -> list[float]:
    """How busy each of `days` days from `first_day` is, relative to an ordinary Tuesday."""
    weights = []
    backlog = 0
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        weight = WEEKDAY_LOAD[day.weekday()]
        name = _holiday_name(day)
        if name is not None:
            weight = SPRING_FESTIVAL_LOAD if name == "Spring Festival" else HOLIDAY_LOAD
            backlog = AFTER_HOLIDAY_DAYS
        elif backlog and day.weekday() < 5:
            weight *= AFTER_HOLIDAY_LOAD
            backlog -= 1
        weights.append(weight)
    return weights


class Shape:
    """What every block needs: the units and their staff, the calendar, the problem types."""

    def __init__(
        self, *, first_day: datetime.date, days: int = DAYS, leaves: list[Any] | None = None
    ) -> None:
        from sqms.core.models import User
        from sqms.servicedesk.models import Category
        from sqms.servicedesk.seeds import MATRIX

        leaves = leaves if leaves is not None else demo_leaves()
        by_unit: dict[int, list[int]] = {}
        for unit_id, user_id in (
            User.objects.filter(org_unit__in=leaves)
            .order_by("org_unit_id", "pk")
            .values_list("org_unit_id", "pk")
        ):
            by_unit.setdefault(unit_id, []).append(user_id)
        everyone = [pk for pks in by_unit.values() for pk in pks] or list(
            User.objects.order_by("pk").values_list("pk", flat=True)[:1]
        )
        self.units = [(u.pk, by_unit.get(u.pk) or everyone) for u in leaves]
        self.first_day, self.days = first_day, days
        weights = day_weights(first_day, days)
        self.cumulative = list(itertools.accumulate(weights))
        self.categories = dict(Category.objects.values_list("code", "pk"))
        self.levels = {priority: pair for pair, priority in sorted(MATRIX.items(), reverse=True)}
        self.texts = _text_source()

    def day(self, rng: random.Random) -> datetime.date:
        offset = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.first_day + datetime.timedelta(days=min(offset, self.days - 1))


def demo_leaves() -> list[Any]:
    """The units of the demo organisation that serve customers."""
    from sqms.core import demo
    from sqms.core.models import OrgUnit

    company = OrgUnit.objects.get(code=demo.COMPANY_CODE)
    return list(
        OrgUnit.objects.filter(path__startswith=company.path, kind__in=SERVING).order_by("path")
    )


def _text_source() -> Callable[[random.Random], tuple[str, str, str, str, int]] | None:
    """(category code, kind, title, description, priority) drawn per ticket, when the insight
    app's corpus is there."""
    if not apps.is_installed("sqms.insight"):
        return None
    from sqms.insight import corpus

    codes = corpus.CATEGORY_CODES
    cumulative = list(itertools.accumulate(corpus.CATEGORY_WEIGHTS[c] for c in codes))

    def draw(rng: random.Random) -> tuple[str, str, str, str, int]:
        code = codes[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
        item = corpus.labelled_text(code, rng)
        return item.category_code, item.kind, item.title, item.description, item.priority

    return draw


def block_rows(shape: Shape, block: int, *, seed: int, now: datetime.datetime) -> Iterator[dict]:
    """The rows of one block, the same for the same (seed, block) whatever else was loaded."""
    rng = random.Random(f"{seed}:{block}")  # noqa: S311 - demo data, not security
    for index in range(block * BLOCK, (block + 1) * BLOCK):
        unit, staff = shape.units[rng.randrange(len(shape.units))]
        owner = staff[rng.randrange(len(staff))]
        day = shape.day(rng)
        # Halls open 8:30–19:30, busiest late in the morning.
        hour = rng.triangular(8.5, 19.5, 10.5)
        created = day_start(day) + datetime.timedelta(hours=hour)
        if created > now:  # later today: it happened at that hour yesterday
            created -= datetime.timedelta(days=1)
        row: dict[str, Any] = {
            "number": f"{PREFIX}{index:09d}",
            "channel": rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0],
            "org_unit_id": unit,
            "first_contact_owner_id": owner,
            "created_at": created,
        }
        if shape.texts is not None:
            code, kind, title, description, priority = shape.texts(rng)
            impact, urgency = shape.levels[priority]
            row.update(
                kind=kind,
                category_id=shape.categories.get(code),
                title=title[:200],
                description=description,
                priority=priority,
                impact=impact,
                urgency=urgency,
            )
        else:
            row.update(
                kind=rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0],
                title=TITLES[rng.randrange(len(TITLES))],
            )
        row.update(outcome(rng, row["kind"], created, owner, staff, now))
        yield row


def loaded() -> int:
    """How many history tickets are there (the index the next one gets)."""
    from sqms.servicedesk.models import Ticket

    # Numbers run DEMO000000000… (nine digits; "DEMO0" leaves out other demo prefixes such as
    # DEMOAN) and a prefix match is an index range scan, where a regex would read every ticket.
    return Ticket.objects.filter(number__startswith=f"{PREFIX}0").count()


def extend(
    target: int,
    *,
    seed: int = DEFAULT_SEED,
    first_day: datetime.date | None = None,
    leaves: list[Any] | None = None,
    progress: Progress | None = None,
) -> int:
    """Load history tickets for `leaves` (default: the demo organisation's serving units)
    until there are `target`; returns how many this call wrote."""
    start = loaded()
    if start >= target:
        return 0
    now = timezone.now()
    today = timezone.localdate()
    first_day = first_day or today - datetime.timedelta(days=DAYS - 1)
    days = max(1, min(DAYS, (today - first_day).days + 1))
    shape = Shape(first_day=first_day, days=days, leaves=leaves)
    written = 0
    for block in range(start // BLOCK, (target - 1) // BLOCK + 1):
        rows = (
            row
            for row in block_rows(shape, block, seed=seed, now=now)
            if start <= int(row["number"][len(PREFIX) :]) < target
        )
        # One block, one transaction: an interruption loses at most the block in progress.
        written += insert_tickets(rows, batch=BLOCK)
        if progress is not None:
            progress(start + written, target)
    return written
