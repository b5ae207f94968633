"""`orgwarden findings` end to end against the embedded demo's incidents."""

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgwarden.audit import cli
from orgwarden.audit import findings_cli as audit_cli
from orgwarden.audit.rows import EPISODE_COLUMNS
from orgwarden_harness.demo import OPEN_FOR, seed
from orgwarden_harness.simulation import MANAGEMENT_ACCOUNT, SimulatedOrganization

RULE = "s3_bucket_public_access"
DEMO_BUCKETS: list[str] = []


@pytest.fixture(scope="module")
def demo(organization: SimulatedOrganization) -> audit_cli.EvidenceSource:
    """The demo's incidents, seeded once into the session's simulated organization."""
    seed(organization)
    DEMO_BUCKETS[:] = demo_buckets(organization)
    return audit_cli.EvidenceSource(
        store=organization.evidence(),
        organizations=organization.session(MANAGEMENT_ACCOUNT).client("organizations"),
        description="the session's simulated organization",
    )


def demo_buckets(sim: SimulatedOrganization) -> list[str]:
    """The demo's buckets: other tests leave findings in the same accounts of the session's
    organization, so list queries are narrowed to these."""
    sandbox = sim.accounts["sandbox-dev"].account_id
    payments = sim.accounts["payments-prod"].account_id
    return [
        f"build-artifacts-{sandbox}",
        f"payments-customer-data-{payments}",
        f"payments-access-logs-{payments}",
    ]


def findings(source: audit_cli.EvidenceSource, *argv: str) -> tuple[int, str, str]:
    if argv[:1] != ("show",) and "--resource" not in argv:
        argv = (*argv, *(arg for b in DEMO_BUCKETS for arg in ("--resource", b)))
    out, err = io.StringIO(), io.StringIO()
    code = audit_cli.run(cli.parser().parse_args(["findings", *argv]), out, err, source)
    return code, out.getvalue(), err.getvalue()


def rows(source: audit_cli.EvidenceSource, *argv: str) -> list[dict[str, Any]]:
    code, out, err = findings(source, *argv, "--output", "json")
    assert code == 0, err
    found: list[dict[str, Any]] = json.loads(out)
    return found


def test_with_demo_the_cli_answers_from_the_simulated_organization() -> None:
    # Its own process: moto's state is per process, and this one already has an organization.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orgwarden.audit.cli",
            "findings",
            "--demo",
            "--rule",
            RULE,
            "--since",
            "365d",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "simulated organization" in done.stderr
    by_bucket = {r["resource_id"].rsplit("-", 1)[0]: r for r in json.loads(done.stdout)}
    assert set(by_bucket) == {"build-artifacts", "payments-customer-data"}
    slow, fast = by_bucket["build-artifacts"], by_bucket["payments-customer-data"]
    assert slow["open_for_seconds"] == OPEN_FOR.total_seconds()
    assert "DeveloperAccess/jane.doe" in slow["opened_by"]
    assert slow["opened_event_name"] == "PutBucketPolicy"
    assert "PlatformAdmin/sam.lee" in slow["closed_by"]
    assert slow["closed_event_name"] == "PutBucketPublicAccessBlock"
    assert fast["closed_how"] == "remediated"
    assert fast["closed_mode"] == "enforce"
    assert fast["closed_by"].endswith(":role/OrgwardenRemediation")
    assert fast["open_for_seconds"] < 120


def test_an_ou_resolves_to_its_accounts(
    demo: audit_cli.EvidenceSource, organization: SimulatedOrganization
) -> None:
    dev = organization.accounts["sandbox-dev"].account_id
    assert {r["account_id"] for r in rows(demo, "--ou", "Workloads/Dev")} == {dev}
    assert {r["account_id"] for r in rows(demo, "--ou", "Dev")} == {dev}
    assert rows(demo, "--ou", "Security") == []
    workloads = {r["account_id"] for r in rows(demo, "--ou", "Workloads")}
    assert dev in workloads
    assert organization.accounts["payments-prod"].account_id in workloads


def test_filters_by_control_status_and_time(
    demo: audit_cli.EvidenceSource, organization: SimulatedOrganization
) -> None:
    dev = organization.accounts["sandbox-dev"].account_id
    (episode,) = rows(demo, "--account", dev, "--control", "S3.2")
    assert episode["resource_id"] == f"build-artifacts-{dev}"
    assert rows(demo, "--account", dev, "--control", "aws-fsbp S3.3") == [episode]
    assert rows(demo, "--account", dev, "--status", "FAILED") == []  # closed by its owner
    assert rows(demo, "--account", dev, "--status", "passed") == [episode]
    assert rows(demo, "--account", dev, "--since", "1h") == [episode]  # closed within the hour
    assert rows(demo, "--account", dev, "--from", "2020-01-01", "--to", "2020-12-31") == []


def test_csv_has_one_row_per_episode_with_every_column(
    demo: audit_cli.EvidenceSource, organization: SimulatedOrganization
) -> None:
    dev = organization.accounts["sandbox-dev"].account_id
    code, out, _ = findings(demo, "--account", dev, "--output", "csv")
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert tuple(reader.fieldnames or ()) == EPISODE_COLUMNS
    (row,) = list(reader)
    assert row["controls"] == "aws-fsbp S3.2;aws-fsbp S3.3"
    assert row["open_for"] == "72h 0m"


def test_the_table_answers_the_auditors_question(
    demo: audit_cli.EvidenceSource, organization: SimulatedOrganization
) -> None:
    dev = organization.accounts["sandbox-dev"].account_id
    code, out, _ = findings(demo, "--account", dev)
    assert code == 0
    for expected in ("1 episode(s)", "build-artifacts", "203.0.113.24", "198.51.100.7", "72h 0m"):
        assert expected in out
    # readable at 80 columns, each ARN whole on its line
    assert max(len(line) for line in out.splitlines()) <= 80
    assert any(
        line.strip().endswith("assumed-role/DeveloperAccess/jane.doe@example.com")
        for line in out.splitlines()
    )


def test_evidence_text_cannot_drive_the_terminal() -> None:
    # An OSC 8 hyperlink and a screen clear in a resource name an account administrator chose.
    hostile = "bucket\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\x1b[2J"
    row = {k: None for k in EPISODE_COLUMNS} | {
        "resource_id": hostile,
        "controls": ["aws-fsbp S3.2\x1b[31m"],
        "status": "FAILED",
        "open_for": "1h 0m",
    }
    out = io.StringIO()
    audit_cli._episode_blocks([row], out)
    assert "\x1b" not in out.getvalue()
    assert "\x07" not in out.getvalue()
    assert "bucket?]8;;https://evil.example?click" in out.getvalue()


def test_asff_export_is_one_finding_per_resource_first_observed_at_the_opening(
    demo: audit_cli.EvidenceSource, organization: SimulatedOrganization
) -> None:
    dev = organization.accounts["sandbox-dev"].account_id
    (episode,) = rows(demo, "--account", dev)
    code, out, _ = findings(demo, "--account", dev, "--output", "asff")
    assert code == 0
    (finding,) = json.loads(out)["Findings"]
    assert finding["Id"] == episode["finding_id"]
    assert finding["AwsAccountId"] == dev
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["FirstObservedAt"].startswith(episode["opened_at"].removesuffix("Z"))
    # What the Security Hub console shows ("Optional top-level ASFF attributes": CompanyName,
    # "The name of the company for the product that generated the finding"; AwsAccountName,
    # "The AWS account name that the finding applies to").
    assert (finding["CompanyName"], finding["ProductName"]) == ("orgwarden", "orgwarden")
    assert finding["AwsAccountName"] == "sandbox-dev"
    assert finding["GeneratorId"] == f"orgwarden/{RULE}"
    assert finding["Compliance"]["RelatedRequirements"] == ["aws-fsbp S3.2", "aws-fsbp S3.3"]


def test_show_prints_a_findings_full_history(
    demo: audit_cli.EvidenceSource, organization: SimulatedOrganization
) -> None:
    dev = organization.accounts["sandbox-dev"].account_id
    finding_id = f"orgwarden/{RULE}/{dev}/us-east-1/build-artifacts-{dev}"
    code, out, _ = findings(demo, "show", finding_id, "--output", "json")
    assert code == 0
    history = json.loads(out)
    assert [(h["detected_status"], h["cause"]["event_name"]) for h in history] == [
        ("FAILED", "PutBucketPolicy"),
        ("PASSED", "PutBucketPublicAccessBlock"),
    ]
    code, out, _ = findings(demo, "show", finding_id)
    assert code == 0
    assert "FAILED -> FAILED" in out
    assert "PASSED -> PASSED" in out
    code, _, err = findings(demo, "show", "orgwarden/none/000000000000/us-east-1/x")
    assert code == 1
    assert "no evidence" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "3x"], "not a duration"),
        (["--since", "0d"], "not a duration"),
        (["--from", "2026-13-01"], "not an ISO date"),
        (["--account", "12345"], "not a 12-digit AWS account id"),
        (["--rule", "s3_bucket_everything"], "no rule 's3_bucket_everything' in the catalogue"),
        (["--rule", "s3_bucket_public_acess"], "did you mean 's3_bucket_public_access'?"),
        (["--control", "S3.99"], "no rule maps to control 'S3.99'"),
        (["--severity", "urgent"], "not a severity"),
        (["--status", "open"], "not a status"),
        (["--output", "xml"], "invalid choice: 'xml'"),
        (["--since", "30d", "--from", "2026-01-01"], "not allowed with argument"),
    ],
)
def test_invalid_filter_values_exit_2_with_a_clear_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["findings", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_range_that_ends_before_it_starts_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["findings", "--from", "2026-06-01", "--to", "2026-01-01"]) == 2
    assert "starts" in capsys.readouterr().err


def test_an_unknown_or_ambiguous_ou_exits_2(demo: audit_cli.EvidenceSource) -> None:
    code, _, err = findings(demo, "--ou", "Marketing")
    assert code == 2
    assert "no OU 'Marketing'" in err
    assert "Workloads/Prod" in err


def test_ocsf_output_of_the_demo_validates_against_the_ocsf_schema(
    demo: audit_cli.EvidenceSource,
) -> None:
    import jsonschema
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.5.0")).get_class_schema(
        "compliance_finding", ["cloud"]
    )
    code, out, err = findings(demo, "--output", "ocsf")
    assert code == 0, err
    found = json.loads(out)
    assert len(found) == len(rows(demo)) == 2
    for finding in found:
        jsonschema.validate(finding, schema, cls=jsonschema.Draft202012Validator)


def test_security_lake_export_of_the_demo_holds_the_ocsf_findings_partitioned(
    demo: audit_cli.EvidenceSource, organization: SimulatedOrganization, tmp_path: Path
) -> None:
    # Amazon Security Lake user guide, "Collecting data from custom sources in Security Lake":
    # OCSF, in Parquet, one event class per source, below `region=/accountId=/eventDay=`.
    import jsonschema
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    from .test_security_lake import read_back

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.5.0")).get_class_schema(
        "compliance_finding", ["cloud"]
    )
    code, out, err = findings(demo, "--output", "security-lake", "--out", str(tmp_path))
    assert code == 0, err
    assert "OCSF Compliance Findings (COMPLIANCE_FINDING)" in out
    code, ocsf_out, err = findings(demo, "--output", "ocsf")
    assert code == 0, err
    expected = {f["metadata"]["uid"]: f for f in json.loads(ocsf_out)}
    objects = read_back(tmp_path)
    exported = [row for rows in objects.values() for row in rows]
    assert sorted(r["metadata"]["uid"] for r in exported) == sorted(expected)
    accounts = {organization.accounts[n].account_id for n in ("sandbox-dev", "payments-prod")}
    assert {r["cloud"]["account"]["uid"] for r in exported} == accounts
    for prefix, rows in objects.items():
        for row in rows:
            jsonschema.validate(row, schema, cls=jsonschema.Draft202012Validator)
            day = datetime.fromtimestamp(row["time"] / 1000, UTC).strftime("%Y%m%d")
            assert prefix == (
                f"ext/orgwarden/region={row['cloud']['region']}/"
                f"accountId={row['cloud']['account']['uid']}/eventDay={day}"
            )
            same = expected[row["metadata"]["uid"]]
            assert row["compliance"] == same["compliance"]
            assert row["finding_info"] == same["finding_info"]


def test_security_lake_export_needs_a_directory(
    demo: audit_cli.EvidenceSource, tmp_path: Path
) -> None:
    code, _, err = findings(demo, "--output", "security-lake")
    assert (code, err) == (2, "orgwarden findings: error: --output security-lake needs --out DIR\n")
    taken = tmp_path / "file"
    taken.write_text("")
    code, _, err = findings(demo, "--output", "security-lake", "--out", str(taken))
    assert code == 2
    assert "exists and is not a directory" in err
