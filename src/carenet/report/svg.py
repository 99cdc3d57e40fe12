"""Altair charts to inline SVG with vl-convert: the page holds finished drawings, so it opens offline.

vl-convert embeds the Vega engine and renders in-process; no browser, no network and no
JavaScript in the page. The SVG's root gets a ``role="img"`` and an accessible title so screen
readers (and tests) can tell one chart from another.
"""

from __future__ import annotations

import html
import re

import altair as alt
import vl_convert

from carenet.report.data import ReportError

_SVG_OPEN = re.compile(r"<svg\b")


def chart_svg(chart: alt.TopLevelMixin, title: str) -> str:
    """The chart as an SVG element (a string), labelled with ``title``."""
    try:
        svg = vl_convert.vegalite_to_svg(chart.to_dict())
    except Exception as exc:  # vl-convert reports spec or rendering errors as plain exceptions
        raise ReportError(f"could not draw the chart {title!r}: {exc}") from exc
    label = html.escape(title, quote=True)
    return _SVG_OPEN.sub(f'<svg role="img" aria-label="{label}"', svg, count=1)


__all__ = ["chart_svg"]
