"""The auditor's CLI as an auditor installs it: the wheel built from the project, installed with
only its `cli` extra into a fresh virtual environment outside the repository, run against the
central stack deployed by CloudFormation on moto's server, through a named AWS profile.

`findings`, `report` and `scan` run from the installed `orgwarden` command; moto, the harness
and the test tree are not importable there. The endpoint is moto's through AWS_ENDPOINT_URL
(the AWS SDKs' "global endpoint" setting), so nothing in the command line points at moto.
"""

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

from orgwarden_harness.simulation import MANAGEMENT_ACCOUNT, SimulatedOrganization
from tests.test_stacks_on_moto import (  # noqa: F401 - fixtures
    central_template,
    code_bucket,
    create,
    moto_event_bus_refs,
    stack_resources,
    upload_code,
    warnings_from_moto,
)

ROOT = Path(__file__).resolve().parents[1]
STACK = "orgwarden-audit"
PROFILE = "auditor"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `orgwarden` command of a fresh venv holding the wheel with its `cli` extra only."""
    uv = shutil.which("uv")
    assert uv, "uv is needed to build and install the wheel"
    place = tmp_path_factory.mktemp("installed")
    python = subprocess.run(
        [ROOT / "scripts/find-python313"], check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(
        [uv, "build", "--package", "orgwarden", "--wheel", "--out-dir", place / "dist"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = (place / "dist").glob("orgwarden-*.whl")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    subprocess.run(
        [uv, "venv", "--python", python, place / "venv"],
        cwd=place,
        check=True,
        env=env,
        capture_output=True,
    )
    venv_python = place / "venv/bin/python"
    done = subprocess.run(
        [uv, "pip", "install", "--python", venv_python, f"{wheel}[cli]"],
        cwd=place,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    absent = subprocess.run(
        [venv_python, "-c", "import moto"], cwd=place, capture_output=True, check=False
    )
    assert absent.returncode != 0, "moto is in the installed environment"
    return place / "venv/bin/orgwarden"


@pytest.fixture(scope="module")
def deployed(
    moto_server: str,
    organization: SimulatedOrganization,
    moto_event_bus_refs: None,  # noqa: F811
    central_template: dict[str, Any],  # noqa: F811
    code_bucket: str,  # noqa: F811
) -> dict[str, Any]:
    """The central stack, created by CloudFormation in the organization's management account
    (whose credentials read the organization's accounts and OUs)."""
    session = organization.session(MANAGEMENT_ACCOUNT)
    upload_code(session, code_bucket)
    cfn = session.client("cloudformation")
    outputs = create(
        cfn,
        STACK,
        json.dumps(central_template),
        {"OrganizationId": organization.organization_id},
    )
    resources = stack_resources(cfn, STACK)
    return {"session": session, "outputs": outputs, "resources": resources}


@pytest.fixture(scope="module")
def auditor_env(
    tmp_path_factory: pytest.TempPathFactory, moto_server: str, deployed: dict[str, Any]
) -> dict[str, str]:
    """An environment with one AWS profile, `auditor`, and nothing else of AWS's."""
    home = tmp_path_factory.mktemp("auditor-home")
    credentials = boto3.Session().get_credentials()
    assert credentials is not None
    (home / "config").write_text(f"[profile {PROFILE}]\nregion = us-east-1\n")
    (home / "credentials").write_text(
        f"[{PROFILE}]\naws_access_key_id = {credentials.access_key}\n"
        f"aws_secret_access_key = {credentials.secret_key}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ORGWARDEN_"))}
    env |= {
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": moto_server,
        "PYTHONPATH": "",
        "HOME": str(home),
    }
    return env


def run(
    command: Path, *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@warnings_from_moto
def test_the_installed_cli_scans_queries_and_reports_a_deployment(
    installed: Path,
    deployed: dict[str, Any],
    auditor_env: dict[str, str],
    organization: SimulatedOrganization,
    tmp_path: Path,
) -> None:
    resources = deployed["resources"]
    table = deployed["outputs"]["EvidenceTableName"]
    assert table == resources["EvidenceTable"]["PhysicalResourceId"]
    version = run(installed, "--version", env=auditor_env, cwd=tmp_path)
    assert version.returncode == 0
    assert version.stdout.startswith("orgwarden ")

    # scan: the stack's settings from its outputs and parameters (--stack-name)
    member = organization.accounts["payments-prod"].account_id
    scanned = run(
        installed,
        "scan",
        "--profile",
        PROFILE,
        "--stack-name",
        STACK,
        "--account",
        member,
        "--fail-on",
        "CRITICAL",
        env=auditor_env,
        cwd=tmp_path,
    )
    assert "Traceback" not in scanned.stderr, scanned.stderr
    # the member account has no CloudTrail trail: a CRITICAL finding left open gates the run
    assert scanned.returncode == 3, scanned.stderr
    assert "cloudtrail_logging_enabled" in scanned.stdout

    # findings: from the stack's evidence table, found by its output, via AWS_PROFILE
    found = run(
        installed,
        "findings",
        "--stack-name",
        STACK,
        "--account",
        member,
        "-o",
        "json",
        env=auditor_env | {"AWS_PROFILE": PROFILE},
        cwd=tmp_path,
    )
    assert found.returncode == 0, found.stderr
    episodes = json.loads(found.stdout)
    trail = [e for e in episodes if e["rule_id"] == "cloudtrail_logging_enabled"]
    assert trail
    assert trail[0]["account_id"] == member
    assert trail[0]["still_open"] is True

    # OCSF and ASFF from the installed command (py-ocsf-models comes with the cli extra)
    as_ocsf = run(
        installed,
        "findings",
        "--profile",
        PROFILE,
        "--stack-name",
        STACK,
        "--account",
        member,
        "--rule",
        "cloudtrail_logging_enabled",
        "-o",
        "ocsf",
        env=auditor_env,
        cwd=tmp_path,
    )
    assert as_ocsf.returncode == 0, as_ocsf.stderr
    (ocsf,) = json.loads(as_ocsf.stdout)
    assert (ocsf["class_uid"], ocsf["cloud"]["account"]["uid"]) == (2003, member)

    # The Security Lake export (pyarrow comes with the cli extra): one Parquet object in the
    # member's partition, holding that finding.
    lake = tmp_path / "lake"
    exported = run(
        installed,
        "findings",
        "--profile",
        PROFILE,
        "--stack-name",
        STACK,
        "--account",
        member,
        "--rule",
        "cloudtrail_logging_enabled",
        "-o",
        "security-lake",
        "--out",
        str(lake),
        env=auditor_env,
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    (parquet,) = lake.rglob("*.parquet")
    assert f"/accountId={member}/eventDay=" in str(parquet.relative_to(lake))
    read = subprocess.run(
        [
            installed.parent / "python",
            "-c",
            "import sys, pyarrow.parquet as pq; "
            "print(pq.read_table(sys.argv[1]).column('metadata').to_pylist()[0]['uid'])",
            parquet,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert read.stdout.strip() == ocsf["metadata"]["uid"]

    # report: every requirement, the scan's findings, named accounts
    out = tmp_path / "report"
    reported = run(
        installed,
        "report",
        "--profile",
        PROFILE,
        "--stack-name",
        STACK,
        "--out",
        str(out),
        env=auditor_env,
        cwd=tmp_path,
    )
    assert reported.returncode == 0, reported.stderr
    assert "aws-fsbp: 13/286 requirements judged" in reported.stdout
    assert "100.0% compliant" not in reported.stdout
    with (out / "compliance-cis-aws-3.0.csv").open(encoding="utf-8") as f:
        cis = {r["id"]: r for r in csv.DictReader(f) if r["scope"] == "requirement"}
    assert len(cis) == 62
    assert cis["3.1"]["status"] == "failing"  # CloudTrail: the scan's finding
    assert cis["1.1"]["status"] == "manual"
    page = (out / "compliance-aws-fsbp.html").read_text(encoding="utf-8")
    assert "payments-prod" in page  # the account by its name

    # the simulated organization is not installed: --demo says so in one line
    demo = run(installed, "findings", "--demo", env=auditor_env, cwd=tmp_path)
    assert demo.returncode == 2
    assert "not installed" in demo.stderr
    assert "Traceback" not in demo.stderr
