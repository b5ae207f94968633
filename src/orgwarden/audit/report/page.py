"""The compliance report as files: one self-contained HTML page (plotly charts, plotly.js
embedded once, no network) and a CSV of every requirement and account.

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

from orgwarden.audit.report.figures import (
    DEFINITIONS,
    ELSEWHERE,
    FAILING,
    MANUAL,
    NO_EVIDENCE,
    PASSING,
    ComplianceReport,
    Posture,
)
from orgwarden.audit.rows import episode_row, spreadsheet_safe

STATUS_COLOURS = {
    "passed": "#2e7d32",
    "failed": "#c62828",
    "warning": "#ef6c00",
    "not available": "#9e9e9e",
}
REQUIREMENT_COLOURS = {
    PASSING: "#2e7d32",
    FAILING: "#c62828",
    NO_EVIDENCE: "#9e9e9e",
    ELSEWHERE: "#5c6bc0",
    MANUAL: "#8d6e63",
}
CSV_COLUMNS = (
    "scope",
    "id",
    "title",
    "status",
    "rules",
    "passed",
    "failed",
    "warning",
    "not_available",
    "percent_compliant",
    "judged_by",
)

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class OutputExists(Exception):
    """A report file is already there and overwriting was not asked for."""


def report_paths(framework_id: str, out_dir: Path) -> tuple[Path, Path]:
    return (
        out_dir / f"compliance-{framework_id}.html",
        out_dir / f"compliance-{framework_id}.csv",
    )


def write_report(
    report: ComplianceReport, out_dir: Path, *, source: str = "", force: bool = True
) -> tuple[Path, Path]:
    """Write `compliance-<framework>.html` and `.csv` into `out_dir`; return their paths.
    Without `force`, an existing file is left alone and OutputExists raised."""
    html_path, csv_path = report_paths(report.framework.id, out_dir)
    if not force:
        for path in (html_path, csv_path):
            if path.exists():
                raise OutputExists(f"{path} exists: remove it, choose another --out, or --force")
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render_html(report, source=source), encoding="utf-8")
    csv_path.write_text(render_csv(report), encoding="utf-8", newline="")
    return html_path, csv_path


def render_csv(report: ComplianceReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.requirements:
        counts = row.posture
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    "requirement",
                    row.requirement.id,
                    row.requirement.title,
                    row.status,
                    ";".join(row.requirement.rules),
                    counts.passed,
                    counts.failed,
                    counts.warning,
                    counts.not_available,
                    format_percent(counts.percent_compliant, unit=""),
                    row.where or ("orgwarden" if row.requirement.rules else ""),
                )
            ]
        )
    for account, counts in report.accounts:
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    "account",
                    account.account_id,
                    account.label,
                    "",
                    "",
                    counts.passed,
                    counts.failed,
                    counts.warning,
                    counts.not_available,
                    format_percent(counts.percent_compliant, unit=""),
                    "",
                )
            ]
        )
    return buffer.getvalue()


def render_html(report: ComplianceReport, *, source: str = "") -> str:
    judged_rows = [r for r in report.requirements if r.requirement.rules]
    charts = {
        "requirements": _requirements_chart(report),
        "posture-by-requirement": _posture_chart([r.posture for r in judged_rows], "requirement"),
        "posture-by-account": _posture_chart(
            [counts for _, counts in report.accounts],
            "account",
            labels=[a.label for a, _ in report.accounts],
        ),
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
        title=report.framework.title,
        source=source,
        definitions=DEFINITIONS,
        charts=embedded,
        duration=format_duration,
        percent=format_percent,
        seconds=_seconds,
        episode_rows=[episode_row(e, report.generated_at) for e in report.episodes],
        open_rows=[episode_row(f.episode, report.generated_at) for f in report.open_findings],
        account_labels={a.account_id: a.label for a, _ in report.accounts},
    )


def format_percent(value: float | None, unit: str = "%") -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "n/a"
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _seconds(value: timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds():.3f}"


def _requirements_chart(report: ComplianceReport) -> Any:
    counts = [(status, n) for status, n in report.requirement_counts if n]
    figure = go.Figure()
    for status, n in counts:
        figure.add_bar(
            name=status,
            y=["requirements"],
            x=[n],
            orientation="h",
            marker_color=REQUIREMENT_COLOURS[status],
        )
    figure.update_layout(barmode="stack", xaxis_title="requirements", height=200)
    return _styled(figure, has_data=bool(counts))


def _posture_chart(rows: list[Posture], axis: str, labels: list[str] | None = None) -> Any:
    names = labels or [row.name for row in rows]
    figure = go.Figure()
    for label, values in (
        ("passed", [row.passed for row in rows]),
        ("failed", [row.failed for row in rows]),
        ("warning", [row.warning for row in rows]),
        ("not available", [row.not_available for row in rows]),
    ):
        figure.add_bar(
            name=label, y=names, x=values, orientation="h", marker_color=STATUS_COLOURS[label]
        )
    figure.update_layout(
        barmode="stack",
        xaxis_title="findings (latest state)",
        yaxis={"title": axis, "type": "category", "autorange": "reversed", "automargin": True},
        height=max(260, 60 + 28 * len(rows)),
    )
    return _styled(figure, has_data=any(row.total for row in rows))


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
    return _styled(figure, has_data=bool(report.open_findings))


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
        xaxis={"title": "rule", "type": "category", "automargin": True},
        yaxis={"title": "hours from opening to closing", "rangemode": "tozero"},
        height=340,
    )
    return _styled(figure, has_data=bool(rules))


def _trend_chart(report: ComplianceReport) -> Any:
    figure = go.Figure()
    figure.add_scatter(
        name="open findings",
        x=[point.day.isoformat() for point in report.trend],
        y=[point.open_count for point in report.trend],
        mode="lines+markers",
        line_color=STATUS_COLOURS["failed"],
    )
    figure.update_layout(
        xaxis={"title": "day (UTC)", "type": "date"},
        yaxis={"title": "open findings", "rangemode": "tozero", "tickformat": "d"},
        height=300,
    )
    return _styled(figure, has_data=bool(report.trend))


def _styled(figure: Any, *, has_data: bool) -> Any:
    if not has_data:
        # Empty axes would show a meaningless range (-1 to 1, or dates from 2000): say so.
        figure.data = ()
        figure.add_annotation(
            text="no data",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 16},
        )
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        figure.update_layout(height=160)
    figure.update_layout(
        template="plotly_white",
        autosize=True,
        margin={"l": 60, "r": 30, "t": 20, "b": 50},
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
    )
    return figure


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 3)
