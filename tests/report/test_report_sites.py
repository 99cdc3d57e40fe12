"""The report's "How the practices compare": the comparator's funnel plots and every model's practices beyond
chance, drawn from the rows the measures give."""

from __future__ import annotations

import pandas as pd
from report_sample import MODELS, scorecard

from carenet.measures.funnel import proportion_funnel
from carenet.measures.segments import Period
from carenet.measures.sites import SiteComparison
from carenet.report import ReportData, render_html


def _rows(model: str, same_day: list[int]) -> pd.DataFrame:
    funnel = proportion_funnel(["Z1", "Z2", "Z3", "Z4"], same_day, [400, 400, 400, 400])
    period = Period(pd.Timestamp("2025-01-01").date(), pd.Timestamp("2025-12-31").date())
    table = SiteComparison("practice", period, {"share_same_day": funnel}).to_arrow().to_pandas()
    return table.assign(model=model)


def test_the_section_draws_the_comparators_funnel_and_names_each_models_outliers() -> None:
    # traditional: 160 / 1600 overall (p0 0.1): Z4 at 70 / 400 = 0.175 is beyond 0.1 + 3.09 × 0.015 = 0.146
    sites = pd.concat([_rows("traditional", [30, 30, 30, 70]), _rows("micro_teams", [40, 40, 40, 40])])
    page = render_html(ReportData(title="t", models=MODELS, scorecard=scorecard(), sites=sites))
    section = page[page.index('<section id="sites">'):]
    section = section[:section.index("</section>")]
    assert "How the practices compare: Traditional partnership, first replication" in section
    assert 'data-chart="funnel-share_same_day"' in section and "<svg" in section
    assert "Beyond the 99.8% limits: Z4 above 99.8% on seen the same day" in section
    assert "<th>Multidisciplinary micro-teams</th><td>none</td>" in section
    assert 'href="#sites"' in page


def test_without_rows_there_is_no_section() -> None:
    page = render_html(ReportData(title="t", models=MODELS, scorecard=scorecard()))
    assert 'id="sites"' not in page
