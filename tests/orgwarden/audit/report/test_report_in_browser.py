"""The report as an auditor sees it: opened from disk in Debian's Chromium (driven by Playwright),
charts drawn by plotly.js, numbers on the page equal to the computed figures, no network.

`./dev test` installs Chromium when it is missing. Set ORGWARDEN_REPORT_SCREENSHOT to a path to
keep the screenshot (docs/images/report.png is made that way).
"""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from orgwarden.audit.report.figures import ComplianceReport, Posture, build_report
from orgwarden.audit.report.page import format_duration, format_percent, write_report

from .history import generated_history

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = ("posture-by-control", "posture-by-account", "open-by-age", "time-to-remediate", "trend")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    assert shutil.which("chromium") or os.path.exists(CHROMIUM), (
        "Chromium is missing: ./dev test installs it (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        yield page
        browser.close()


@pytest.fixture(scope="module")
def report() -> ComplianceReport:
    return build_report(generated_history(NOW), "aws-fsbp", NOW)


@pytest.fixture(scope="module")
def opened(
    browser_page: Page, report: ComplianceReport, tmp_path_factory: pytest.TempPathFactory
) -> Page:
    html_path, _ = write_report(report, tmp_path_factory.mktemp("report"))
    requests: list[str] = []
    browser_page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    browser_page.on("pageerror", lambda error: errors.append(str(error)))
    browser_page.goto(html_path.as_uri())
    for chart in CHARTS:
        browser_page.wait_for_selector(f"#chart-{chart} .main-svg", timeout=20_000)
    browser_page.wait_for_load_state("networkidle")
    assert requests == [html_path.as_uri()], "the page fetched something besides itself"
    assert errors == []
    return browser_page


def test_every_figure_is_on_the_page_with_its_chart_drawn(opened: Page) -> None:
    figures = opened.eval_on_selector_all(
        "[data-figure]", "nodes => nodes.map(n => n.dataset.figure)"
    )
    assert figures == ["summary", *CHARTS]
    for chart in CHARTS:
        # in the plotting area (not the legend) plotly draws bars and markers as .point, lines
        # as path.js-line
        plotted = f"#chart-{chart} .cartesianlayer"
        drawn = opened.locator(f"{plotted} .point, {plotted} path.js-line").count()
        assert drawn > 0, f"{chart} drew nothing"


def test_the_summary_shows_the_computed_figures(opened: Page, report: ComplianceReport) -> None:
    shown = opened.locator("[data-figure=summary] strong").all_inner_texts()
    assert shown == [
        format_percent(report.overall.percent_compliant),
        str(report.overall.total),
        str(len(report.open_findings)),
        format_duration(report.time_to_remediate.median),
        format_duration(report.time_to_remediate.p90),
    ]


@pytest.mark.parametrize("figure", ["posture-by-control", "posture-by-account"])
def test_posture_tables_and_charts_show_the_computed_counts(
    opened: Page, report: ComplianceReport, figure: str
) -> None:
    rows: tuple[Posture, ...] = report.controls if figure.endswith("control") else report.accounts
    assert rows, "the generated history must give this figure rows"
    table = table_cells(opened, figure)
    assert table == [
        [
            row.name,
            str(row.passed),
            str(row.failed),
            str(row.warning),
            str(row.not_available),
            format_percent(row.percent_compliant),
        ]
        for row in rows
    ]
    traces = chart_data(opened, figure)
    assert [t["name"] for t in traces] == ["passed", "failed", "warning", "not available"]
    assert all(t["y"] == [row.name for row in rows] for t in traces)
    assert traces[0]["x"] == [row.passed for row in rows]
    assert traces[1]["x"] == [row.failed for row in rows]
    assert traces[3]["x"] == [row.not_available for row in rows]


def test_open_findings_by_age_match(opened: Page, report: ComplianceReport) -> None:
    expected = [[label, str(count)] for label, count in report.age_buckets]
    assert table_cells(opened, "open-by-age") == expected
    assert sum(count for _, count in report.age_buckets) == len(report.open_findings) > 0
    [bars] = chart_data(opened, "open-by-age")
    assert bars["x"] == [label for label, _ in report.age_buckets]
    assert bars["y"] == [count for _, count in report.age_buckets]
    listed = opened.locator("[data-table=open-findings] tbody tr").count()
    assert listed == len(report.open_findings)


def test_time_to_remediate_matches(opened: Page, report: ComplianceReport) -> None:
    stats = (*report.time_to_remediate_by_rule, report.time_to_remediate)
    assert report.time_to_remediate.count > 0
    assert table_cells(opened, "time-to-remediate") == [
        [s.name, str(s.count), format_duration(s.median), format_duration(s.p90)] for s in stats
    ]
    median, p90 = chart_data(opened, "time-to-remediate")
    rules = report.time_to_remediate_by_rule
    assert median["x"] == [s.name for s in rules]
    assert median["y"] == pytest.approx([s.median.total_seconds() / 3600 for s in rules], abs=1e-3)  # type: ignore[union-attr]
    assert p90["y"] == pytest.approx([s.p90.total_seconds() / 3600 for s in rules], abs=1e-3)  # type: ignore[union-attr]


def test_the_trend_matches(opened: Page, report: ComplianceReport) -> None:
    compliant, still_open = chart_data(opened, "trend")
    assert compliant["x"] == [p.day.isoformat() for p in report.trend]
    assert compliant["y"] == pytest.approx([p.counts.percent_compliant for p in report.trend])
    assert still_open["y"] == [p.open_count for p in report.trend]
    assert len(report.trend) >= 59


def test_a_screenshot_of_the_report(opened: Page, tmp_path: Path) -> None:
    target = Path(os.environ.get("ORGWARDEN_REPORT_SCREENSHOT") or tmp_path / "report.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    image = opened.screenshot(path=target, full_page=True)
    assert image.startswith(b"\x89PNG")
    assert len(image) > 50_000  # a blank page is a few kilobytes


def table_cells(page: Page, figure: str) -> list[list[str]]:
    cells: list[list[str]] = page.eval_on_selector_all(
        f"table[data-table='{figure}'] tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
    )
    return cells


def chart_data(page: Page, figure: str) -> list[dict[str, Any]]:
    """The traces plotly.js drew, with their arrays as plain lists (plotly.py may send them
    base64-encoded; plotly.js keeps the decoded arrays in the graph div's _fullData)."""
    traces: list[dict[str, Any]] = page.evaluate(
        """id => document.getElementById(id)._fullData.map(t => ({
            name: t.name, x: Array.from(t.x ?? []), y: Array.from(t.y ?? []),
        }))""",
        f"chart-{figure}",
    )
    return traces
