"""The report's files, read as text: escaping, self-containment, every requirement, the CSV."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markupsafe import escape

from orgwarden.audit.report.figures import DEFINITIONS, AccountInfo
from orgwarden.audit.report.page import (
    OutputExists,
    format_duration,
    render_csv,
    render_html,
    write_report,
)
from orgwarden.model.spec import Status

from .history import record, report_of

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOSTILE = '<img src=x onerror="alert(1)">'


def some_history() -> list:  # type: ignore[type-arg]
    day = timedelta(days=1)
    return [
        record("bucket-a", NOW - 3 * day, Status.FAILED, changed_at=NOW - 4 * day),
        record("bucket-a", NOW - 2 * day, Status.PASSED, changed_at=NOW - 2 * day),
        record("bucket-b", NOW - day, Status.FAILED, changed_at=NOW - day),
        record(
            "orders",
            NOW - day,
            Status.FAILED,
            rule="rds_storage_encrypted",
            resource_type="AwsRdsDbInstance",
            account="222222222222",
        ),
    ]


def test_everything_from_the_evidence_is_escaped() -> None:
    records = [
        record(
            HOSTILE,
            NOW - timedelta(days=2),
            Status.FAILED,
            changed_at=NOW,
            by="</script><script>alert(2)</script>",
        )
    ]
    names = {"111111111111": AccountInfo("111111111111", "<b>bold</b>", "Workloads/<i>x</i>")}
    report, _ = report_of(records, "aws-fsbp", NOW, accounts=names)
    page = render_html(report, source="table <evil>")
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "<script>alert(2)" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "table &lt;evil&gt;" in page


def test_the_page_is_self_contained_and_states_its_definitions() -> None:
    report, _ = report_of(some_history(), "aws-fsbp", NOW)
    page = render_html(report)
    assert len(re.findall(r"plotly\.js v\d+\.\d+\.\d+", page)) == 1
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "Content-Security-Policy" in page
    assert str(escape(DEFINITIONS)) in page
    assert "@media print" in page


def test_every_requirement_is_a_row_of_the_page_and_the_csv() -> None:
    report, _ = report_of(some_history(), "cis-aws-3.0", NOW)
    page = render_html(report)
    listed = re.findall(r'<tr data-row="([^"]+)" data-status="([^"]+)"', page)
    assert [r for r, _ in listed] == [r.requirement.id for r in report.requirements]
    assert len(listed) == 62
    assert ("2.3.1", "failing") in listed
    assert ("1.1", "manual") in listed
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    requirements = [r for r in rows if r["scope"] == "requirement"]
    assert [r["id"] for r in requirements] == [r.requirement.id for r in report.requirements]
    (rds,) = [r for r in requirements if r["id"] == "2.3.1"]
    assert (rds["status"], rds["failed"], rds["rules"]) == ("failing", "1", "rds_storage_encrypted")
    accounts = [r for r in rows if r["scope"] == "account"]
    assert [a["id"] for a in accounts] == ["222222222222"]  # CIS: only the RDS finding counts


def test_the_files_are_written_side_by_side_and_not_over_an_existing_one(tmp_path: Path) -> None:
    report, _ = report_of(some_history(), "aws-fsbp", NOW)
    html_path, csv_path = write_report(report, tmp_path / "out", force=False)
    assert html_path.name == "compliance-aws-fsbp.html"
    assert csv_path.parent == html_path.parent
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputExists, match="exists"):
        write_report(report, tmp_path / "out", force=False)
    write_report(report, tmp_path / "out", force=True)


def test_durations_read_in_a_fitting_unit() -> None:
    assert format_duration(None) == "n/a"
    assert format_duration(timedelta(seconds=20.04)) == "20 s"
    assert format_duration(timedelta(minutes=90)) == "1.5 h"
    assert format_duration(timedelta(minutes=12)) == "12.0 min"
    assert format_duration(timedelta(days=3, hours=12)) == "3.5 d"


def test_empty_charts_say_no_data_instead_of_drawing_empty_axes() -> None:
    report, _ = report_of([], "cis-aws-3.0", NOW)
    page = render_html(report)
    # findings by requirement, by account, open by age, time to remediate, trend
    assert page.count('"text":"no data"') == 5
    assert "No findings of this framework in the evidence." in page
    assert "No open findings." in page
