"""The report's files, read as text: escaping, self-containment, the CSV rows."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orgwarden.audit.report.figures import build_report
from orgwarden.audit.report.page import format_duration, render_csv, render_html, write_report
from orgwarden.model.spec import Status

from .history import generated_history, record

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOSTILE = '<img src=x onerror="alert(1)">'


def hostile_report() -> str:
    records = [
        record(
            HOSTILE,
            NOW - timedelta(days=2),
            Status.FAILED,
            rule="</script><script>alert(2)</script>",
            controls=("aws-fsbp EC2.8 <b>bold</b>",),
            resource_type="AwsEc2Instance",
        )
    ]
    return render_html(build_report(records, "aws-fsbp", NOW))


def test_everything_from_the_evidence_is_escaped() -> None:
    page = hostile_report()
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "<script>alert(2)" not in page
    assert "<b>bold</b>" not in page
    assert "EC2.8 &lt;b&gt;bold&lt;/b&gt;" in page


def test_the_page_is_self_contained_with_plotly_embedded_once() -> None:
    page = render_html(build_report(generated_history(NOW), "aws-fsbp", NOW))
    assert len(re.findall(r"plotly\.js v\d+\.\d+\.\d+", page)) == 1
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "Content-Security-Policy" in page
    for figure in ("summary", "posture-by-control", "posture-by-account", "open-by-age"):
        assert f'data-figure="{figure}"' in page
    for chart in ("posture-by-control", "posture-by-account", "open-by-age", "trend"):
        assert f'id="chart-{chart}"' in page
    assert 'id="chart-time-to-remediate"' in page


def test_the_csv_has_one_row_per_control_and_per_account() -> None:
    report = build_report(generated_history(NOW), "cis-aws-3.0", NOW)
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [r["id"] for r in rows if r["scope"] == "control"] == [c.name for c in report.controls]
    assert [r["id"] for r in rows if r["scope"] == "account"] == [a.name for a in report.accounts]
    for row, posture in zip(rows, report.controls + report.accounts, strict=True):
        assert int(row["passed"]) == posture.passed
        assert int(row["failed"]) == posture.failed
        assert int(row["not_available"]) == posture.not_available
        assert posture.percent_compliant is not None
        assert float(row["percent_compliant"]) == round(posture.percent_compliant, 1)


def test_the_files_are_written_side_by_side(tmp_path: Path) -> None:
    report = build_report(generated_history(NOW), "aws-fsbp", NOW)
    html_path, csv_path = write_report(report, tmp_path / "out")
    assert html_path.name == "compliance-aws-fsbp.html"
    assert csv_path.parent == html_path.parent
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert csv_path.read_text(encoding="utf-8").startswith("scope,id,passed,failed")


def test_durations_read_in_a_fitting_unit() -> None:
    assert format_duration(None) == "n/a"
    assert format_duration(timedelta(seconds=20.04)) == "20.0 s"
    assert format_duration(timedelta(minutes=90)) == "1.5 h"
    assert format_duration(timedelta(minutes=12)) == "12.0 min"
    assert format_duration(timedelta(days=3, hours=12)) == "3.5 d"


def test_an_empty_framework_says_so_instead_of_drawing_empty_axes() -> None:
    page = render_html(build_report([], "cis-aws-3.0", NOW))
    # posture by control and by account, time to remediate, trend (age buckets always exist)
    assert page.count('"text":"no findings"') == 4
    assert page.count("No findings of this framework in the evidence.") == 2
