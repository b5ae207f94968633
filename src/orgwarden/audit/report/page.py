"""The compliance report as files: one self-contained HTML page (plotly charts, plotly.js
embedded once, no network) and a CSV of the per-control and per-account rows.

Everything taken from evidence is escaped by Jinja2's autoescaping in the page; in the charts it
travels as JSON that plotly writes with `</` escaped, and plotly.js draws it as text.
"""

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
from markupsafe import Markup

from orgwarden.audit.report.figures import ComplianceReport, Posture
from orgwarden.audit.rows import spreadsheet_safe

FRAMEWORK_TITLES = {
    "cis-aws-3.0": "CIS Amazon Web Services Foundations Benchmark v3.0.0",
    "aws-fsbp": "AWS Foundational Security Best Practices",
}
STATUS_COLOURS = {
    "passed": "#2e7d32",
    "failed": "#c62828",
    "warning": "#ef6c00",
    "not available": "#9e9e9e",
}
CSV_COLUMNS = (
    "scope",
    "id",
    "passed",
    "failed",
    "warning",
    "not_available",
    "percent_compliant",
)

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def write_report(report: ComplianceReport, out_dir: Path) -> tuple[Path, Path]:
    """Write `compliance-<framework>.html` and `.csv` into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"compliance-{report.framework}.html"
    csv_path = out_dir / f"compliance-{report.framework}.csv"
    html_path.write_text(render_html(report), encoding="utf-8")
    csv_path.write_text(render_csv(report), encoding="utf-8", newline="")
    return html_path, csv_path


def render_csv(report: ComplianceReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for scope, rows in (("control", report.controls), ("account", report.accounts)):
        for row in rows:
            writer.writerow(
                (
                    scope,
                    spreadsheet_safe(row.name),
                    row.passed,
                    row.failed,
                    row.warning,
                    row.not_available,
                    format_percent(row.percent_compliant, unit=""),
                )
            )
    return buffer.getvalue()


def render_html(report: ComplianceReport) -> str:
    charts = {
        "posture-by-control": _posture_chart(report.controls, "Control"),
        "posture-by-account": _posture_chart(report.accounts, "Account"),
        "open-by-age": _age_chart(report),
        "time-to-remediate": _remediation_chart(report),
        "trend": _trend_chart(report),
    }
    # plotly.js goes into the page once, with the first chart; the others refer to it.
    embedded = {
        name: Markup(  # noqa: S704 - plotly's own output: its JSON escapes "</"
            figure.to_html(
                full_html=False,
                include_plotlyjs=index == 0,
                div_id=f"chart-{name}",
                config={"displaylogo": False, "responsive": True},
            )
        )
        for index, (name, figure) in enumerate(charts.items())
    }
    template = _templates.get_template("page.html.j2")
    return template.render(
        report=report,
        title=FRAMEWORK_TITLES[report.framework],
        charts=embedded,
        duration=format_duration,
        percent=format_percent,
        seconds=_seconds,
    )


def format_percent(value: float | None, unit: str = "%") -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "n/a"
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _seconds(value: timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds():.3f}"


def _posture_chart(rows: tuple[Posture, ...], axis: str) -> Any:
    names = [row.name for row in rows]
    figure = go.Figure()
    for label, counts in (
        ("passed", [row.passed for row in rows]),
        ("failed", [row.failed for row in rows]),
        ("warning", [row.warning for row in rows]),
        ("not available", [row.not_available for row in rows]),
    ):
        figure.add_bar(
            name=label, y=names, x=counts, orientation="h", marker_color=STATUS_COLOURS[label]
        )
    figure.update_layout(
        barmode="stack",
        xaxis_title="findings (latest state)",
        yaxis={"title": axis, "type": "category", "autorange": "reversed"},
        height=max(260, 60 + 28 * len(rows)),
    )
    return _styled(figure)


def _age_chart(report: ComplianceReport) -> Any:
    figure = go.Figure()
    figure.add_bar(
        name="open findings",
        x=[label for label, _ in report.age_buckets],
        y=[count for _, count in report.age_buckets],
        marker_color=STATUS_COLOURS["failed"],
    )
    figure.update_layout(
        xaxis={"title": "open for", "type": "category"}, yaxis_title="open findings", height=300
    )
    return _styled(figure)


def _remediation_chart(report: ComplianceReport) -> Any:
    rules = report.time_to_remediate_by_rule
    figure = go.Figure()
    for label, values in (
        ("median", [_hours(s.median) for s in rules]),
        ("p90", [_hours(s.p90) for s in rules]),
    ):
        figure.add_bar(name=label, x=[s.name for s in rules], y=values)
    figure.update_layout(
        barmode="group",
        xaxis={"title": "rule", "type": "category"},
        yaxis_title="hours from FAILED to PASSED",
        height=340,
    )
    return _styled(figure)


def _trend_chart(report: ComplianceReport) -> Any:
    days = [point.day.isoformat() for point in report.trend]
    figure = go.Figure()
    figure.add_scatter(
        name="% compliant",
        x=days,
        y=[point.counts.percent_compliant for point in report.trend],
        mode="lines+markers",
        line_color=STATUS_COLOURS["passed"],
    )
    figure.add_scatter(
        name="open findings",
        x=days,
        y=[point.open_count for point in report.trend],
        mode="lines",
        yaxis="y2",
        line_color=STATUS_COLOURS["failed"],
    )
    figure.update_layout(
        xaxis={"title": "day (UTC)", "type": "date"},
        yaxis={"title": "% compliant", "range": [0, 100]},
        yaxis2={
            "title": "open findings",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "tickformat": "d",
        },
        height=340,
    )
    return _styled(figure)


def _styled(figure: Any) -> Any:
    if not any(len(trace.x or ()) for trace in figure.data):
        # Empty axes would show a meaningless range (plotly's default dates start in 2000).
        figure.add_annotation(
            text="no findings", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
    figure.update_layout(
        template="plotly_white",
        margin={"l": 60, "r": 60, "t": 20, "b": 50},
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
    )
    return figure


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 3)
