"""`orgwarden report` against the embedded demo: a fresh process builds the simulated
organization, plays the demo's incidents through the evaluator and reports their evidence."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orgwarden.audit.cli import main

SRC = Path(__file__).resolve().parents[4] / "src"


def test_report_on_the_demo_writes_the_page_and_the_csv(tmp_path: Path) -> None:
    # A process of its own: the command starts its own moto server and organization, which
    # this session's moto state (shared by every in-process server) would already hold.
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key, None)
    command = ["report", "--framework", "aws-fsbp", "--out", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "orgwarden.audit.cli", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # The demo's three buckets: one closed by its owner after 72 hours (its Block Public Access
    # call also judged by the S3.8 rule), one fixed and verified, the deny-only one untouched.
    assert "aws-fsbp: 4 finding(s) from 5 evidence record(s), 100.0% compliant, 0 open" in (
        done.stdout
    )
    rows = list(csv.DictReader((tmp_path / "compliance-aws-fsbp.csv").open()))
    controls = {r["id"]: r for r in rows if r["scope"] == "control"}
    assert set(controls) == {"S3.2", "S3.3", "S3.8"}
    assert (controls["S3.2"]["passed"], controls["S3.2"]["failed"]) == ("3", "0")
    accounts = [r for r in rows if r["scope"] == "account"]
    assert len(accounts) == 2
    assert {a["percent_compliant"] for a in accounts} == {"100.0"}
    page = (tmp_path / "compliance-aws-fsbp.html").read_text(encoding="utf-8")
    # the owner's fix after 72 hours and orgwarden's verified fix: two remediation episodes
    assert "the PASSED one that closed it; 2 episode(s)" in page


def test_report_refuses_an_unknown_framework(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--framework", "nist-800-53"])
    assert stopped.value.code == 2
    assert "invalid choice: 'nist-800-53'" in capsys.readouterr().err
