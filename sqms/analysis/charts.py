"""Inline SVG charts of the analysis pages: a forecast with its intervals, the silhouette scores.

Drawn on the server like the quality app's charts (no JavaScript); the quality app's bar chart
has no interval bands, so the forecast chart is drawn here.
"""

from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from sqms.analysis.models import ForecastRun
from sqms.quality.charts import bar_chart

HISTORY_SHOWN = 42


def forecast_chart(run: ForecastRun, *, width: int = 760, height: int = 240) -> str:
    """The last six weeks of history (line) and the forecast (line) with 80% and 95% bands."""
    history = run.history[-HISTORY_SHOWN:]
    future = run.forecast
    if not history or not future:
        return ""
    left, right, top, bottom = 40, 10, 14, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(history) + len(future)
    high = max([v for _d, v in history] + [row["hi95"] for row in future] + [1.0])
    step = plot_w / max(1, n - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(value: float) -> float:
        return top + plot_h - value / high * plot_h

    offset = len(history)

    def band(low: str, up: str) -> str:
        upper = [f"{x(offset + i):.1f},{y(row[up]):.1f}" for i, row in enumerate(future)]
        lower = [
            f"{x(offset + i):.1f},{y(row[low]):.1f}" for i, row in reversed(list(enumerate(future)))
        ]
        return " ".join(upper + lower)

    past = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_d, v) in enumerate(history))
    ahead = " ".join(f"{x(offset + i):.1f},{y(row['mean']):.1f}" for i, row in enumerate(future))
    base = top + plot_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(_("Ticket volume forecast"))}" font-size="10" '
        f'data-testid="forecast-chart">',
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#666"/>',
        f'<polygon points="{band("lo95", "hi95")}" fill="#4e79a7" fill-opacity="0.15"/>',
        f'<polygon points="{band("lo80", "hi80")}" fill="#4e79a7" fill-opacity="0.3"/>',
        f'<polyline points="{past}" fill="none" stroke="#333" stroke-width="1.5"/>',
        f'<polyline points="{ahead}" fill="none" stroke="#4e79a7" stroke-width="2"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{high:.0f}</text>',
        f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>',
        f'<text x="{x(0):.1f}" y="{height - 8}">{escape(history[0][0])}</text>',
        f'<text x="{x(offset):.1f}" y="{height - 8}">{escape(future[0]["day"])}</text>',
        f'<text x="{x(n - 1):.1f}" y="{height - 8}" text-anchor="end">'
        f"{escape(future[-1]['day'])}</text>",
        "</svg>",
    ]
    return "".join(parts)


def silhouette_chart(scores: Sequence[tuple[int, float]], chosen: int) -> str:
    """Bars of the silhouette score per k (the chosen k is the highest)."""
    return bar_chart(
        [f"k={k}{' ✓' if k == chosen else ''}" for k, _v in scores],
        [v for _k, v in scores],
        width=420,
        height=180,
        title=_("Silhouette score by number of segments"),
    )
