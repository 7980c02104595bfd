"""Hot-spots: an injected term emerges, a rising problem type is flagged, periods are right."""

import datetime

import pytest

from sqms.analysis import hotspots, services
from sqms.analysis.hotspots import Document, emerging_terms, rising_categories
from sqms.analysis.tests.helpers import category, insert, ticket

BACKGROUND = ["营业厅排队时间过长", "话费账单有疑问", "手机信号差", "服务态度不好"]


def _docs(texts: list[str]) -> list[Document]:
    return [Document(i, f"SQ{i:014d}", text[:20], text) for i, text in enumerate(texts, 1)]


def test_an_injected_term_emerges_and_background_terms_do_not() -> None:
    previous = _docs(BACKGROUND * 10)
    current = _docs(BACKGROUND * 5 + ["携号转网被拒绝办理"] * 6)
    rows = emerging_terms(current, previous)
    top = {row["term"]: row for row in rows}
    # Only the injected text's words and word pairs emerge.
    assert set(top) <= {"携号转网", "拒绝", "办理", "携号转网 拒绝", "拒绝 办理"}
    assert top["携号转网"]["now"] == 6 and top["携号转网"]["before"] == 0
    assert top["携号转网"]["examples"][0]["number"].startswith("SQ")
    assert len(top["携号转网"]["examples"]) == hotspots.EXAMPLES_PER_TERM
    # Terms as frequent as before (relative to the tickets of each period) are not emerging.
    assert "排队" not in top and "话费" not in top


def test_a_term_below_the_minimum_count_is_ignored() -> None:
    rows = emerging_terms(_docs(["携号转网失败", "携号转网失败"]), _docs(BACKGROUND))
    assert rows == []


def test_log_likelihood_is_zero_for_equal_shares_and_grows_with_difference() -> None:
    assert hotspots.log_likelihood(5, 50, 10, 100) == pytest.approx(0.0)
    assert hotspots.log_likelihood(20, 50, 10, 100) > hotspots.log_likelihood(10, 50, 10, 100) > 0


def test_a_rising_category_is_flagged_and_a_steady_one_is_not() -> None:
    baseline = [{"billing": 10, "network": 2}, {"billing": 12, "network": 1}, {"billing": 8}]
    rows = {row["key"]: row for row in rising_categories({"billing": 11, "network": 9}, baseline)}
    assert rows["network"]["flagged"] and rows["network"]["expected"] == 1.0
    assert not rows["billing"]["flagged"]
    # Half the period elapsed: half the baseline is expected.
    half = rising_categories({"billing": 10}, baseline, elapsed_share=0.5)
    assert half[0]["expected"] == 5.0
    # Too few complaints to call a spike, however quiet the baseline.
    assert not rising_categories({"new": 2}, [{}])[0]["flagged"]


def test_periods() -> None:
    day = datetime.date(2026, 3, 18)  # a Wednesday
    week = hotspots.period_of("week", day)
    assert (week.start, week.end) == (datetime.date(2026, 3, 16), datetime.date(2026, 3, 22))
    month = hotspots.period_of("month", day)
    assert (month.start, month.end) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    before = hotspots.previous_periods("month", month, 3)
    assert [p.start for p in before] == [
        datetime.date(2026, 2, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2025, 12, 1),
    ]
    assert before[0].end == datetime.date(2026, 2, 28)


@pytest.mark.django_db
def test_compute_hotspots_over_tickets(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.hq)
    billing = category("BILLING", "资费")
    iptv = category("IPTV", "IPTV故障")
    rows = []
    for month in (6, 7, 8):
        for i in range(8):
            rows.append(
                ticket(
                    org.hall1,
                    manager,
                    datetime.date(2026, month, 3 + i),
                    category=billing,
                    title=BACKGROUND[i % 4],
                )
            )
        rows.append(
            ticket(
                org.hall1, manager, datetime.date(2026, month, 20), category=iptv, title="机顶盒"
            )
        )
    for i in range(8):
        rows.append(
            ticket(
                org.hall1,
                manager,
                datetime.date(2026, 9, 2 + i),
                category=billing,
                title=BACKGROUND[i % 4],
            )
        )
    for i in range(7):
        rows.append(
            ticket(
                org.call_centre,
                manager,
                datetime.date(2026, 9, 10 + i),
                category=iptv,
                title="IPTV 画面卡顿",
                description="电视看不了",
            )
        )
    # Outside the unit and not complaints: ignored.
    rows.append(ticket(org.hall2, manager, datetime.date(2026, 9, 5), title="IPTV 画面卡顿"))
    rows.append(
        ticket(
            org.hall1,
            manager,
            datetime.date(2026, 9, 5),
            kind="consultation",
            title="IPTV 画面卡顿",
        )
    )
    insert(rows)
    report = services.compute_hotspots(
        actor=manager, unit=org.branch1, period_kind="month", day=datetime.date(2026, 9, 15)
    )
    assert (report.period_start, report.period_end) == (
        datetime.date(2026, 9, 1),
        datetime.date(2026, 9, 30),
    )
    assert report.complaint_count == 15 and report.previous_count == 27
    terms = {row["term"]: row for row in report.terms}
    assert terms["卡顿"]["now"] == 7 and terms["卡顿"]["before"] == 0
    flagged = {row["code"] for row in report.flagged_categories}
    assert flagged == {"IPTV"}
    # Recomputing replaces the period's report instead of adding one.
    again = services.compute_hotspots(
        actor=manager, unit=org.branch1, period_kind="month", day=datetime.date(2026, 9, 1)
    )
    assert again.pk == report.pk
