"""The CLI's manners: where the evidence comes from is the user's choice, never a quiet
fallback; a user's mistake is one line on stderr and exit status 2, never a traceback.

The AWS CLI's named profiles are chosen with the --profile option or the AWS_PROFILE
environment variable (AWS CLI user guide, "Configuration and credential file settings"), and
botocore refuses a profile neither file defines: "The config profile (...) could not be found".
orgwarden follows both: an exported profile is the one used, or the command says why it cannot.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orgwarden.audit import cli
from policies import load_catalogue


@pytest.fixture
def no_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An environment with no AWS configuration, credentials or instance metadata."""
    empty = tmp_path / "empty"
    empty.write_text("")
    for key in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return empty


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.usefixtures("no_aws")
@pytest.mark.parametrize("command", [["findings"], ["report", "--out", "never-written"]])
def test_an_exported_profile_is_used_or_refused_never_replaced_by_the_demo(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "audit-readonly")
    assert cli.main(command) == 2
    line = one_line_error(capsys)
    assert "'audit-readonly' (AWS_PROFILE) is not in the AWS config or credentials files" in line
    assert not Path("never-written").exists()


@pytest.mark.usefixtures("no_aws")
def test_an_unknown_named_profile_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["findings", "--profile", "nope"]) == 2
    assert "'nope' (--profile) is not in the AWS config" in one_line_error(capsys)


@pytest.mark.usefixtures("no_aws")
def test_no_credentials_is_one_line_and_names_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["findings", "--rule", "s3_bucket_public_access"]) == 2
    line = one_line_error(capsys)
    assert "no AWS credentials" in line
    assert "--demo" in line


def test_an_unknown_region_is_one_line_with_a_suggestion(
    no_aws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    assert cli.main(["findings", "--region", "us-easst-1"]) == 2
    assert "unknown AWS region 'us-easst-1'; did you mean 'us-east-1'?" in one_line_error(capsys)
    assert cli.main(["scan", "--region", "eu-west-1", "--region", "eu-wset-1"]) == 2
    assert "unknown AWS region 'eu-wset-1'" in one_line_error(capsys)


def test_demo_and_a_deployed_stack_are_not_mixed(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["findings", "--demo", "--profile", "prod"]) == 2
    assert "--demo reads the simulated organization: it takes no --profile" in one_line_error(
        capsys
    )
    assert cli.main(["scan", "--demo", "--region", "us-east-1"]) == 2
    assert "it takes no --profile, --region or --journal" in one_line_error(capsys)


def test_an_existing_report_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "compliance-aws-fsbp.html"
    existing.write_text("signed last quarter")
    assert cli.main(["report", "--framework", "aws-fsbp", "--out", str(tmp_path)]) == 2
    assert f"{existing} exists" in one_line_error(capsys)
    assert existing.read_text() == "signed last quarter"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("orgwarden ")


def test_rules_lists_the_catalogue_and_shows_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules", "--output", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == sorted(load_catalogue().rules)
    assert cli.main(["rules", "show", "s3_bucket_public_access", "-o", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["severity"] == "CRITICAL"
    assert shown["controls"] == ["aws-fsbp S3.2", "aws-fsbp S3.3"]
    assert shown["fix"] == ["s3_block_bucket_public_access"]
    assert "s3:GetBucketPolicy" in shown["permissions"]["read"]
    assert "s3:PutBucketPublicAccessBlock" in shown["permissions"]["fix"]
    assert any("PutBucketPolicy" in t for t in shown["triggers"])
    assert cli.main(["rules", "show", "s3_bucket_public_access"]) == 0
    table = capsys.readouterr().out
    assert max(len(line) for line in table.splitlines()) <= 80
    with pytest.raises(SystemExit) as stopped:
        cli.main(["rules", "show", "root_mfa_enabed"])
    assert stopped.value.code == 2
    assert "did you mean 'root_mfa_enabled'?" in capsys.readouterr().err


def test_scan_fail_on_gates_a_pipeline() -> None:
    # Its own process: the demo starts its own moto server and organization.
    done = subprocess.run(
        [sys.executable, "-m", "orgwarden.audit.cli", "scan", "--demo", "--fail-on", "HIGH"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == cli.EXIT_OPEN_FINDINGS, done.stderr
    assert "of severity HIGH or above left open" in done.stderr
    assert "Traceback" not in done.stderr
