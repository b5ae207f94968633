"""The report as an auditor sees it: the report of the demo's real evidence (every rule family)
opened from disk in Debian's Chromium (driven by Playwright), charts drawn by plotly.js, every
requirement of the framework listed, the numbers on the page equal to the CSV written with it,
and no request but the page itself.

`./dev test` installs Chromium when it is missing. Set ORGWARDEN_REPORT_SCREENSHOT to a path to
keep the screenshot (docs/images/report.png is made that way).
"""

import csv
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from orgwarden.audit.frameworks import load_framework

from .conftest import DemoReport

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
CHARTS = (
    "requirements",
    "posture-by-requirement",
    "posture-by-account",
    "open-by-age",
    "time-to-remediate",
    "trend",
)
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert shutil.which("chromium") or os.path.exists(CHROMIUM), (
        "Chromium is missing: ./dev test installs it (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_report(browser: Browser, html_path: Path) -> Page:
    page = browser.new_page(viewport=LAPTOP)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(html_path.as_uri())
    for chart in CHARTS:
        page.wait_for_selector(f"#chart-{chart} .main-svg", timeout=20_000)
    page.wait_for_load_state("networkidle")
    assert requests == [html_path.as_uri()], "the page fetched something besides itself"
    assert errors == []
    return page


@pytest.fixture(scope="module", params=["aws-fsbp", "cis-aws-3.0"])
def opened(
    request: pytest.FixtureRequest, browser: Browser, demo_report: DemoReport
) -> Iterator[tuple[str, Page, list[dict[str, str]]]]:
    framework: str = request.param
    page = open_report(browser, demo_report.out / f"compliance-{framework}.html")
    with (demo_report.out / f"compliance-{framework}.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    yield framework, page, rows
    page.close()


def test_every_requirement_of_the_framework_is_listed_with_its_status(
    opened: tuple[str, Page, list[dict[str, str]]],
) -> None:
    framework, page, rows = opened
    listed = page.eval_on_selector_all(
        "table[data-table=requirements] tbody tr",
        "rows => rows.map(r => [r.dataset.row, r.dataset.status])",
    )
    expected = [r.id for r in load_framework(framework).requirements]
    assert [row for row, _ in listed] == expected
    in_csv = [(r["id"], r["status"]) for r in rows if r["scope"] == "requirement"]
    assert [tuple(x) for x in listed] == in_csv
    shown = {
        status: int(value)
        for status, value in page.eval_on_selector_all(
            "[data-figure=summary] strong[data-status]",
            "nodes => nodes.map(n => [n.dataset.status, n.dataset.value])",
        )
    }
    counted: dict[str, int] = {}
    for _, status in in_csv:
        counted[status] = counted.get(status, 0) + 1
    assert {k: v for k, v in shown.items() if v} == counted
    assert sum(shown.values()) == len(expected)


def test_the_failing_requirements_are_those_of_the_open_episodes_in_the_evidence(
    opened: tuple[str, Page, list[dict[str, str]]], demo_findings: list[dict[str, Any]]
) -> None:
    """Independent of the report's own figures: the requirements the page calls failing are
    exactly those whose rules have an episode still open in `orgwarden findings`' answer."""
    framework, page, _ = opened
    listed = page.eval_on_selector_all(
        "table[data-table=requirements] tbody tr",
        "rows => rows.map(r => [r.dataset.row, r.dataset.status])",
    )
    failing_on_page = {row for row, status in listed if status == "failing"}
    prefix = f"{framework} "
    from_evidence = {
        control.removeprefix(prefix)
        for episode in demo_findings
        if episode["still_open"]
        for control in episode["controls"]
        if control.startswith(prefix)
    }
    assert failing_on_page == from_evidence
    assert failing_on_page  # the demo leaves findings open in both frameworks


def test_the_figures_equal_the_tables(opened: tuple[str, Page, list[dict[str, str]]]) -> None:
    _, page, rows = opened
    accounts = [r for r in rows if r["scope"] == "account"]
    failed = sum(int(a["failed"]) for a in accounts)
    summary = dict(
        page.eval_on_selector_all(
            "[data-figure=summary] div",
            "nodes => nodes.map(n => [n.firstChild.textContent.trim(),"
            " n.querySelector('strong').dataset.value])",
        )
    )
    assert int(summary["failed now"]) == failed > 0
    assert int(summary["findings"]) == sum(
        int(a[k]) for a in accounts for k in ("passed", "failed", "warning", "not_available")
    )
    open_rows = page.locator("table[data-table=open-findings] tbody tr").count()
    assert int(summary["open findings"]) == open_rows >= failed
    traces = chart_data(page, "posture-by-account")
    assert [t["name"] for t in traces] == ["passed", "failed", "warning", "not available"]
    assert traces[1]["x"] == [int(a["failed"]) for a in accounts]


def test_the_charts_are_drawn_or_say_no_data(
    opened: tuple[str, Page, list[dict[str, str]]],
) -> None:
    _, page, _ = opened
    for chart in CHARTS:
        plotted = f"#chart-{chart} .cartesianlayer"
        drawn = page.locator(f"{plotted} .point, {plotted} path.js-line").count()
        says = page.locator(f"#chart-{chart} .annotation-text").all_inner_texts()
        assert drawn > 0 or says == ["no data"], f"{chart} drew nothing and said nothing"


def test_the_page_fits_a_laptop_and_prints(
    opened: tuple[str, Page, list[dict[str, str]]], tmp_path: Path
) -> None:
    framework, page, _ = opened
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP["width"]
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    target = tmp_path / "report.png"
    if framework == "aws-fsbp" and os.environ.get("ORGWARDEN_REPORT_SCREENSHOT"):
        target = Path(os.environ["ORGWARDEN_REPORT_SCREENSHOT"])
    target.parent.mkdir(parents=True, exist_ok=True)
    image = page.screenshot(path=target, full_page=False)
    assert image.startswith(b"\x89PNG")
    assert len(image) > 50_000  # a blank page is a few kilobytes


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
