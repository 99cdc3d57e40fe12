"""The HTML report: a self-contained page a practice manager can read, built from plain tables.

API: :class:`ReportData` (the input tables), ``render_html(data) -> str``, ``write_report(data, path)``,
:class:`ReportError`. Charts are Altair specifications drawn to inline SVG by vl-convert, so the page
needs no network and no script.
"""

from carenet.report.data import COLUMNS, ReportData, ReportError
from carenet.report.page import render_html, write_report
from carenet.report.summary import HEADLINES

__all__ = ["COLUMNS", "HEADLINES", "ReportData", "ReportError", "render_html", "write_report"]
