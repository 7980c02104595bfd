"""Small SVG charts drawn on the server: sparklines for the dashboard and the report's charts
(WeasyPrint renders SVG; no browser, no JavaScript)."""

from collections.abc import Sequence
from xml.sax.saxutils import escape


def sparkline(
    values: Sequence[float | None], *, width: int = 120, height: int = 28, colour: str = "#0d6efd"
) -> str:
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return f'<svg width="{width}" height="{height}" role="img" aria-hidden="true"></svg>'
    low = min(v for _i, v in points)
    high = max(v for _i, v in points)
    span = (high - low) or 1.0
    step = (width - 4) / max(1, len(values) - 1)
    coords = " ".join(
        f"{2 + i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in points
    )
    last_x, last_v = points[-1]
    cy = height - 2 - (last_v - low) / span * (height - 4)
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'class="sparkline" aria-hidden="true">'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/>'
        f'<circle cx="{2 + last_x * step:.1f}" cy="{cy:.1f}" r="2" fill="{colour}"/></svg>'
    )


def _tag(name: str, text: str = "", **attrs: object) -> str:
    """An SVG element; numbers rounded to 0.1, attribute names with - for _."""
    rendered = " ".join(
        f'{k.replace("_", "-")}="{v:.1f}"'
        if isinstance(v, float)
        else f'{k.replace("_", "-")}="{v}"'
        for k, v in attrs.items()
    )
    return f"<{name} {rendered}>{text}</{name}>" if text else f"<{name} {rendered}/>"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    width: int = 640,
    height: int = 220,
    target: float | None = None,
    title: str = "",
    font: str = "Noto Sans CJK SC, sans-serif",
) -> str:
    """Vertical bars with value labels and an optional dashed target line."""
    left, right, top, bottom = 40, 10, 24, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    high = max([*known, target or 0, 1.0])
    n = max(1, len(values))
    slot = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(font)}" font-size="10">'
    ]
    if title:
        parts.append(
            f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'
        )
    base = top + plot_h
    parts.append(_tag("line", x1=left, y1=base, x2=width - right, y2=base, stroke="#666"))
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        if value is not None:
            h = value / high * plot_h
            parts.append(_tag("rect", x=x, y=base - h, width=w, height=h, fill="#4e79a7"))
            parts.append(
                _tag("text", f"{value:.1f}", x=x + w / 2, y=base - h - 3, text_anchor="middle")
            )
        parts.append(
            _tag("text", escape(label[:12]), x=x + w / 2, y=base + 14, text_anchor="middle")
        )
    if target is not None:
        y = base - target / high * plot_h
        parts.append(
            _tag(
                "line",
                x1=left,
                y1=y,
                x2=width - right,
                y2=y,
                stroke="#dc3545",
                stroke_dasharray="4 3",
            )
        )
    parts.append("</svg>")
    return "".join(parts)
