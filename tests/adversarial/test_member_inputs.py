"""An administrator of one member account against what orgwarden does with text they write:
tag values matched against the policy's patterns, and evidence an auditor prints or opens in a
spreadsheet. And the organization's own answer about membership, read fail-closed."""

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgwarden.audit import cli
from orgwarden.audit import findings_cli as audit_cli
from orgwarden.aws.organization import Directory
from orgwarden.engine.policy import DEFAULT_PATH
from orgwarden.model.events import EventContext
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.policy_file import PolicyFileError, load_policy_file
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Severity, Status
from orgwarden_harness.instance_drift import launch_instance
from orgwarden_harness.simulation import HOME_REGION, MANAGEMENT_ACCOUNT, SimulatedOrganization
from tests.conftest import Configure

# A pattern a platform team may well write for "lowercase words joined by hyphens"; with
# backtracking, matching it against a value that almost fits takes time exponential in its length
# (0.06 s at 20 characters, 4.9 s at 26 with Python's `re`).
NESTED = "([a-z0-9]+-?)+"
HOSTILE_VALUE = "a" * 48 + "!"


def policy_with_pattern(tmp_path: Path, pattern: str) -> Path:
    text = DEFAULT_PATH.read_text().replace(
        "    - key: cost-center\n", f"    - key: cost-center\n      pattern: '{pattern}'\n"
    )
    assert pattern in text
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_a_member_s_tag_value_is_matched_in_linear_time_and_judged(
    lambda_env: Configure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the bus, queue and handler: a launch tagged with a value built to make a
    backtracking engine run for ever is judged, FAILED, naming the pattern."""
    from orgwarden.engine.runtime import event_service

    monkeypatch.setenv("ORGWARDEN_POLICY_FILE", str(policy_with_pattern(tmp_path, NESTED)))
    sim = lambda_env({})
    event_service.cache_clear()
    tags = {"app": "checkout", "env": "dev", "team": "payments", "cost-center": HOSTILE_VALUE}
    instance_id, event = launch_instance(sim, "sandbox-dev", tags=tags)
    member = sim.accounts["sandbox-dev"].account_id

    sim.deliver(event)
    messages = sim.take()
    assert messages
    assert sim.invoke_evaluator(messages) == {"batchItemFailures": []}

    finding_id = f"orgwarden/ec2_instance_required_tags/{member}/{HOME_REGION}/{instance_id}"
    (record,) = sim.evidence().history(finding_id)
    assert record.detected_status is Status.FAILED
    assert f"a value matching {NESTED}" in record.detected_reason


@pytest.mark.parametrize(
    "pattern",
    [
        r"(cc)-\1",  # a backreference: no linear-time engine can match it
        r"cc-(?=[0-9])[0-9]+",  # lookahead
    ],
)
def test_a_tag_pattern_that_needs_backtracking_is_refused_at_load_naming_its_line(
    tmp_path: Path, pattern: str
) -> None:
    path = policy_with_pattern(tmp_path, pattern)
    with pytest.raises(PolicyFileError) as refused:
        load_policy_file(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "pattern:" in text)
    assert f"policy.yaml:{line}:" in str(refused.value)
    assert "not accepted by RE2" in str(refused.value)


# ---------------------------------------------------------------- what the auditor reads

# Each short enough to print on one line of a table cell.
MARKUP_PARTS = ("[/bold]", "[link=https://a.example]x[/link]", "[red]")
MARKUP = " ".join(MARKUP_PARTS)
FORMULA = '=HYPERLINK("https://attacker.example/","evidence")'


def hostile_record(account: str) -> EvidenceRecord:
    """An evaluation whose text comes from the member: a reason quoting a tag value, a
    principal, a source address and a user agent (CloudTrail copies these from the call)."""
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return EvidenceRecord(
        finding_id=f"orgwarden/ec2_instance_required_tags/{account}/{HOME_REGION}/i-0abcdef1234567890",
        rule_id="ec2_instance_required_tags",
        controls=["aws-rts EC2.38"],
        resource=ResourceRef(
            resource_type="AwsEc2Instance",
            resource_id="i-0abcdef1234567890",
            account_id=account,
            region=HOME_REGION,
        ),
        status=Status.FAILED,
        detected_status=Status.FAILED,
        severity=Severity.LOW,
        detected_reason=f"tag env is {MARKUP}",
        reason=FORMULA,
        observed_at=at,
        cause=EventContext(
            event_id="a1b2c3d4-0000-4000-8000-000000000001",
            event_name="CreateTags",
            event_time=at,
            principal_arn=f"arn:aws:sts::{account}:assumed-role/[bold]Admin[/bold]/x",
            principal_type="AssumedRole",
            source_ip="@SUM(1+1)",
            user_agent="-2+3",
        ),
        mode=Mode.DETECT,
        decision="report",
        decision_reason="rule is in detect mode",
        first_observed_at=at,
    )


@pytest.fixture
def hostile_source(organization: SimulatedOrganization) -> tuple[audit_cli.EvidenceSource, str]:
    account = organization.accounts["sandbox-dev"].account_id
    store = organization.evidence()
    record = hostile_record(account)
    store.put(record)
    source = audit_cli.EvidenceSource(
        store=store,
        organizations=organization.session(MANAGEMENT_ACCOUNT).client("organizations"),
        description="the session's simulated organization",
    )
    return source, record.finding_id


def run_findings(source: audit_cli.EvidenceSource, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = audit_cli.run(cli.parser().parse_args(["findings", *argv]), out, err, source)
    return code, out.getvalue(), err.getvalue()


def test_findings_show_prints_markup_in_the_evidence_as_written(
    hostile_source: tuple[audit_cli.EvidenceSource, str],
) -> None:
    source, finding_id = hostile_source
    code, out, err = run_findings(source, "show", finding_id)
    assert code == 0, err
    for part in MARKUP_PARTS:
        assert part in out
    assert "[bold]Admin[/bold]" in out


def test_the_episode_table_prints_markup_in_the_evidence_as_written(
    hostile_source: tuple[audit_cli.EvidenceSource, str],
) -> None:
    source, _ = hostile_source
    code, out, err = run_findings(source, "--resource", "i-0abcdef1234567890")
    assert code == 0, err
    assert "[bold]Admin[/bold]" in out


def test_csv_cells_that_begin_like_a_formula_are_kept_as_text(
    hostile_source: tuple[audit_cli.EvidenceSource, str],
) -> None:
    """OWASP, "CSV Injection": cells beginning with =, +, -, @ (or a tab or carriage return)
    are formulas to a spreadsheet; each is prefixed with a single quote."""
    source, finding_id = hostile_source
    for argv in (("show", finding_id), ("--resource", "i-0abcdef1234567890")):
        code, out, err = run_findings(source, *argv, "--output", "csv")
        assert code == 0, err
        cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], argv
    code, out, _ = run_findings(source, "show", finding_id, "--output", "csv")
    assert "'" + FORMULA in {cell for row in csv.reader(io.StringIO(out)) for cell in row}
    # JSON is data, not a spreadsheet: it keeps the text as recorded.
    code, out, _ = run_findings(source, "show", finding_id, "--output", "json")
    assert json.loads(out)[0]["reason"] == FORMULA


# ---------------------------------------------------------------- membership


class DescribeAccountOnly:
    """Organizations answering DescribeAccount with a given account shape. moto returns both
    `Status` and `State`; AWS retires `Status` (AWS Organizations API reference, DescribeAccount's
    `Account`: "The Status parameter in the API response will be retired on September 9, 2026
    ... use the State parameter instead of Status"), so the shapes AWS documents are played
    here."""

    def __init__(self, account: dict[str, Any]) -> None:
        self.account = account

    def describe_account(self, AccountId: str) -> dict[str, Any]:
        return {"Account": {"Id": AccountId, **self.account}}

    def get_paginator(self, name: str) -> Any:
        assert name == "list_accounts"
        account = {"Id": "111122223333", **self.account}
        return type("P", (), {"paginate": lambda _self: [{"Accounts": [account]}]})()


@pytest.mark.parametrize(
    ("shape", "member"),
    [
        ({"State": "ACTIVE"}, True),
        ({"State": "SUSPENDED"}, False),
        ({"State": "PENDING_CLOSURE"}, False),
        ({"State": "CLOSED"}, False),
        ({"State": "PENDING_ACTIVATION"}, False),
        ({"State": "SUSPENDED", "Status": "ACTIVE"}, False),  # State decides
        ({"Status": "ACTIVE"}, True),  # before State existed
        ({"Status": "SUSPENDED"}, False),
        ({}, False),  # neither: not known to be active, so not trusted
    ],
)
def test_membership_is_read_from_state_and_fails_closed(
    shape: dict[str, str], member: bool
) -> None:
    directory = Directory(lambda: DescribeAccountOnly(shape))
    assert directory.is_member("111122223333") is member
    assert directory.is_active_member("111122223333") is member
