"""`orgwarden report --demo`: the report of the demo's real evidence says what the demo left
behind (an unencrypted RDS instance FAILED, a root sign-in without MFA), lists every
requirement of both frameworks, and counts episodes as `orgwarden findings` does."""

import csv
import re
from pathlib import Path

import pytest

from orgwarden.audit.cli import main
from orgwarden.audit.frameworks import load_framework
from orgwarden_harness.demo import OPEN_FOR

from .conftest import DemoReport


def rows(report: DemoReport, framework: str) -> list[dict[str, str]]:
    with (report.out / f"compliance-{framework}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_headline_names_the_failures_the_demo_left(demo_report: DemoReport) -> None:
    assert "reading the simulated organization" in demo_report.stderr
    fsbp, cis = (
        next(line for line in demo_report.stdout.splitlines() if line.startswith(f"{f}:"))
        for f in ("aws-fsbp", "cis-aws-3.0")
    )
    # FSBP: the unencrypted RDS instance (RDS.3) stays FAILED: not "100% compliant, 0 open".
    assert "100.0% compliant" not in fsbp
    assert re.search(r"\(1 failing, \d+ passing", fsbp), fsbp
    assert ", 1 failed, 1 open" in fsbp
    # CIS v3.0.0: the RDS instance (2.3.1) and the root sign-in without MFA (1.7).
    assert re.search(r"\(2 failing, \d+ passing", cis), cis
    assert ", 2 failed, 2 open" in cis
    cis_rows = {r["id"]: r for r in rows(demo_report, "cis-aws-3.0") if r["scope"] == "requirement"}
    assert cis_rows["1.7"]["status"] == cis_rows["2.3.1"]["status"] == "failing"
    fsbp_rows = {r["id"]: r for r in rows(demo_report, "aws-fsbp") if r["scope"] == "requirement"}
    assert fsbp_rows["RDS.3"]["status"] == "failing"
    assert fsbp_rows["S3.2"]["status"] == "passing"


@pytest.mark.parametrize("framework", ["aws-fsbp", "cis-aws-3.0"])
def test_every_requirement_is_in_the_csv(demo_report: DemoReport, framework: str) -> None:
    listed = [r["id"] for r in rows(demo_report, framework) if r["scope"] == "requirement"]
    assert listed == [r.id for r in load_framework(framework).requirements]
    accounts = [r for r in rows(demo_report, framework) if r["scope"] == "account"]
    # accounts by id, name and OU
    assert any("payments-prod (Workloads/Prod)" in a["title"] for a in accounts)


def test_time_to_remediate_counts_the_episode_as_findings_does(demo_report: DemoReport) -> None:
    page = (demo_report.out / "compliance-aws-fsbp.html").read_text(encoding="utf-8")
    # The sandbox bucket was public for 72 hours (`orgwarden findings` prints 72h 0m): the
    # report's episode row says the same, not the fraction of a second between evaluations.
    lasted = re.search(
        r'<tr data-row="orgwarden/s3_bucket_public_access/\d+/us-east-1/build-artifacts-\d+\|'
        r'.*?data-col="lasted" data-value="(\d+)">([^<]*)<',
        page,
        re.S,
    )
    assert lasted, "the sandbox bucket's episode is not on the page"
    assert int(lasted.group(1)) == OPEN_FOR.total_seconds()
    assert lasted.group(2) == "72h 0m"
    assert "DeveloperAccess/jane.doe" in page  # who caused it
    assert "PlatformAdmin/sam.lee" in page  # who closed it


def test_report_refuses_an_unknown_framework(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--framework", "nist-800-53"])
    assert stopped.value.code == 2
    assert "invalid choice: 'nist-800-53'" in capsys.readouterr().err


def test_the_report_files_are_where_it_says(demo_report: DemoReport) -> None:
    for framework in ("aws-fsbp", "cis-aws-3.0"):
        assert f"{demo_report.out / f'compliance-{framework}.html'}" in demo_report.stdout
        assert Path(demo_report.out / f"compliance-{framework}.csv").exists()
