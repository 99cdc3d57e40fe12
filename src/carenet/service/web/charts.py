"""Inline SVG charts (no script, no network): an XmR chart as NHS England's "Making Data Count" draws it."""

from __future__ import annotations

from markupsafe import Markup, escape

from carenet.service.scorecard.logic import Chart

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 640, 220, 56, 16, 16, 36
COLOURS = {"common_cause": "#425563", "special_cause_improvement": "#005eb8", "special_cause_concern": "#d5281b",
           "special_cause_neutral_high": "#7c2855", "special_cause_neutral_low": "#7c2855"}
"""Point colours: grey for common cause, NHS blue for improvement, red for concern, purple for neutral signals."""


def _fmt(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"


def xmr_svg(chart: Chart, title: str) -> Markup:
    """The chart as an accessible inline SVG (role img, a title and a description of its signals)."""
    values = chart.values
    low = min(min(values), chart.lower)
    high = max(max(values), chart.upper)
    span = (high - low) or 1.0
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return PAD_LEFT + (plot_w * i / max(len(values) - 1, 1))

    def y(v: float) -> float:
        return PAD_TOP + plot_h * (1 - (v - low) / span)

    signals = "; ".join(f"{k.replace('_', ' ')} at points {', '.join(map(str, v))}" for k, v in chart.signals.items())
    desc = (f"{len(values)} points from {chart.periods[0]:%d %b %Y} to {chart.periods[-1]:%d %b %Y}; mean "
            f"{_fmt(chart.mean)}, process limits {_fmt(chart.lower)} to {_fmt(chart.upper)}; "
            f"{signals or 'no special-cause variation'}.")
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-labelledby="t-{id(chart)} d-{id(chart)}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="t-{id(chart)}">{escape(title)}</title><desc id="d-{id(chart)}">{escape(desc)}</desc>',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>']
    for value, style in ((chart.upper, "4 3"), (chart.lower, "4 3"), (chart.mean, "")):
        dash = f' stroke-dasharray="{style}"' if style else ""
        parts.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'stroke="#768692" stroke-width="1.5"{dash}/>')
        parts.append(f'<text x="{PAD_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#212b32">{escape(_fmt(value))}</text>')
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#425563" stroke-width="2"/>')
    for i, (v, kind) in enumerate(zip(values, chart.point_types, strict=True)):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{COLOURS.get(kind, "#425563")}"/>')
    for i in sorted({0, len(values) - 1}):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11" fill="#212b32">'
                     f'{chart.periods[i]:%d %b}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["xmr_svg"]
