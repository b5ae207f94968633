"""Scenario tables for the GuardDuty rules: guardduty_ec2_compromise,
guardduty_iam_credential_misuse, guardduty_s3_threat, guardduty_finding_recorded (numbers cite
the rules' docstrings; S16, S17 cite scenarios.md), the severity mapping and the routing."""

from datetime import UTC, datetime
from typing import Any

import pytest

from orgwarden.engine.decision import Act, Guards, decide
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.resources import PublicAccessBlock, ResourceRef
from orgwarden.model.spec import Mode, Severity, Status, Verdict
from orgwarden.model.threats import (
    AccessKeyContainment,
    BucketContainment,
    GuardDutyFindingFacts,
    InstanceContainment,
    NetworkInterface,
    RecordedFinding,
    severity_label,
)
from policies import (
    guardduty_ec2_compromise,
    guardduty_finding_recorded,
    guardduty_iam_credential_misuse,
    guardduty_s3_threat,
    load_catalogue,
)
from tests.conftest import EVENTS

ACCOUNT = "111122223333"
QUARANTINE = "sg-0quarantine0000001"


def finding(
    severity: float = 8.0, count: int = 1, role: str | None = "ACTOR"
) -> GuardDutyFindingFacts:
    return GuardDutyFindingFacts(
        finding_id="4ec5a1f0b2d3c4e5f6a7b8c9d0e1f2a3",
        finding_type="CryptoCurrency:EC2/BitcoinTool.B!DNS",
        severity=severity,
        title="Bitcoin-related domain name queried",
        count=count,
        resource_role=role,
        created_at=datetime(2026, 11, 21, 5, 20, tzinfo=UTC),
        updated_at=datetime(2026, 11, 21, 5, 33, tzinfo=UTC),
        first_seen=None,
        last_seen=None,
    )


def ref(resource_type: str, resource_id: str) -> ResourceRef:
    return ResourceRef(
        resource_type=resource_type, resource_id=resource_id, account_id=ACCOUNT, region="eu-west-1"
    )


def instance(**fields: Any) -> InstanceContainment:
    base: dict[str, Any] = {
        "ref": ref("AwsEc2Instance", "i-0a1b2c3d4e5f60718"),
        "finding": finding(),
        "state": "running",
        "vpc_id": "vpc-0a1b2c3d4e5f60718",
        "interfaces": (NetworkInterface(interface_id="eni-1", group_ids=("sg-web",)),),
        "volume_ids": ("vol-1",),
        "quarantine_group_name": "orgwarden-quarantine",
        "quarantine_group_id": None,
        "quarantine_tag": None,
    }
    return InstanceContainment.model_validate(base | fields)


ISOLATED = (NetworkInterface(interface_id="eni-1", group_ids=(QUARANTINE,)),)


def act_in_enforce(module: Any, verdict: Verdict) -> Act:
    return decide(module.SPEC, verdict, Guards(mode=Mode.ENFORCE)).act


@pytest.mark.parametrize(
    ("scenario", "state", "status", "act"),
    [
        (1, instance(), Status.FAILED, Act.REMEDIATE),
        (
            2,
            instance(interfaces=ISOLATED, quarantine_group_id=QUARANTINE, quarantine_tag="4ec5"),
            Status.PASSED,
            Act.NOTHING,
        ),
        (
            3,
            instance(
                finding=finding(count=7),
                interfaces=ISOLATED,
                quarantine_group_id=QUARANTINE,
                quarantine_tag="4ec5",
            ),
            Status.PASSED,
            Act.NOTHING,
        ),
        (4, instance(state="terminated"), Status.PASSED, Act.NOTHING),
        (5, instance(finding=finding(role="TARGET")), Status.FAILED, Act.REPORT),
        (6, instance(vpc_id=None, interfaces=()), Status.FAILED, Act.REPORT),
        (
            7,
            instance(interfaces=ISOLATED, quarantine_group_id=QUARANTINE),
            Status.FAILED,
            Act.REMEDIATE,
        ),
    ],
)
def test_guardduty_ec2_compromise_scenarios(
    scenario: int, state: InstanceContainment, status: Status, act: Act
) -> None:
    verdict = guardduty_ec2_compromise.evaluate(state)
    assert verdict.status is status, (scenario, verdict.reason)
    assert act_in_enforce(guardduty_ec2_compromise, verdict) is act, scenario
    assert verdict.severity is Severity.HIGH  # the finding's own 8.0
    assert verdict.facts["guardduty_finding_id"] == "4ec5a1f0b2d3c4e5f6a7b8c9d0e1f2a3"


def key(
    status: Any = "Active", user_type: str = "IAMUser", key_id: str = "AKIA4EXAMPLEKEY12345"
) -> AccessKeyContainment:
    return AccessKeyContainment(
        ref=ref("AwsIamAccessKey", key_id),
        finding=finding(severity=5.0),
        user_type=user_type,
        user_name="ci-deploy",
        status=status,
    )


@pytest.mark.parametrize(
    ("scenario", "state", "status", "act"),
    [
        (1, key(), Status.FAILED, Act.REMEDIATE),
        (2, key("Inactive"), Status.PASSED, Act.NOTHING),
        (3, key("Absent"), Status.PASSED, Act.NOTHING),
        (5, key(None, user_type="Root"), Status.FAILED, Act.REPORT),
        (
            6,
            key(None, user_type="AssumedRole", key_id="ASIA4EXAMPLEKEY12345"),
            Status.FAILED,
            Act.REPORT,
        ),
    ],
)
def test_guardduty_iam_credential_misuse_scenarios(
    scenario: int, state: AccessKeyContainment, status: Status, act: Act
) -> None:
    verdict = guardduty_iam_credential_misuse.evaluate(state)
    assert verdict.status is status, (scenario, verdict.reason)
    assert act_in_enforce(guardduty_iam_credential_misuse, verdict) is act, scenario
    assert verdict.severity is Severity.MEDIUM  # the finding's own 5.0


@pytest.mark.parametrize(
    ("scenario", "block", "status"),
    [
        (1, None, Status.FAILED),
        (1, PublicAccessBlock(block_public_acls=True), Status.FAILED),
        (2, PublicAccessBlock.all_on(), Status.PASSED),
    ],
)
def test_guardduty_s3_threat_scenarios(
    scenario: int, block: PublicAccessBlock | None, status: Status
) -> None:
    state = BucketContainment(
        ref=ref("AwsS3Bucket", "customer-data-prod"),
        bucket_block=block,
        account_block=None,
        finding=finding(severity=2.0),
    )
    verdict = guardduty_s3_threat.evaluate(state)
    assert verdict.status is status, scenario
    assert verdict.severity is Severity.LOW


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.0, Severity.INFORMATIONAL),
        (1.0, Severity.LOW),
        (2.0, Severity.LOW),
        (3.9, Severity.LOW),
        (4.0, Severity.MEDIUM),
        (5.0, Severity.MEDIUM),
        (6.9, Severity.MEDIUM),
        (7.0, Severity.HIGH),
        (8.0, Severity.HIGH),
        (8.9, Severity.HIGH),
        (9.0, Severity.CRITICAL),
        (9.5, Severity.CRITICAL),
        (10.0, Severity.CRITICAL),
    ],
)
def test_guardduty_severity_maps_to_the_documented_bands(value: float, label: Severity) -> None:
    assert severity_label(value) is label


@pytest.mark.parametrize(
    ("severity", "label"), [(2.0, "LOW"), (5.0, "MEDIUM"), (8.0, "HIGH"), (9.5, "CRITICAL")]
)
def test_guardduty_finding_recorded_scenarios(severity: float, label: str) -> None:
    state = RecordedFinding(
        ref=ref("AwsAccount", ACCOUNT), finding=finding(severity=severity), resource_type="Instance"
    )
    verdict = guardduty_finding_recorded.evaluate(state)
    assert verdict.status is Status.FAILED
    assert verdict.severity is not None
    assert verdict.severity.value == label
    assert "CryptoCurrency:EC2/BitcoinTool.B!DNS" in verdict.reason
    assert guardduty_finding_recorded.SPEC.remediation is None


def routes(fixture: str, finding_type: str | None = None) -> dict[str, list[Any]]:
    event, raw = parse_event((EVENTS / "guardduty" / fixture).read_text())
    if finding_type:
        raw["detail"]["type"] = finding_type
        event, raw = parse_event(__import__("json").dumps(raw))
    found: dict[str, list[Any]] = {}
    for match in load_catalogue().matches(event, raw["detail"]):
        found.setdefault(match.rule.spec.id, []).append(match.resource_id)
    return found


@pytest.mark.parametrize(
    ("fixture", "finding_type", "expected"),
    [
        ("CryptoCurrency-EC2.json", None, {"guardduty_ec2_compromise": ["i-0a1b2c3d4e5f60718"]}),
        ("Backdoor-EC2.json", None, {"guardduty_ec2_compromise": ["i-0a1b2c3d4e5f60718"]}),
        (
            "Backdoor-EC2.json",
            "Trojan:EC2/DropPoint",
            {"guardduty_ec2_compromise": ["i-0a1b2c3d4e5f60718"]},
        ),
        (
            "UnauthorizedAccess-IAMUser.json",
            None,
            {"guardduty_iam_credential_misuse": ["AKIA4EXAMPLEKEY12345"]},
        ),
        (
            "UnauthorizedAccess-IAMUser.json",
            "CredentialAccess:IAMUser/AnomalousBehavior",
            {"guardduty_iam_credential_misuse": ["AKIA4EXAMPLEKEY12345"]},
        ),
        ("Policy-S3.json", None, {"guardduty_s3_threat": ["customer-data-prod"]}),
        ("unknown-type.json", None, {"guardduty_finding_recorded": [ACCOUNT]}),
        # A type no response rule claims is recorded, never dropped.
        (
            "UnauthorizedAccess-IAMUser.json",
            "Recon:IAMUser/MaliciousIPCaller",
            {"guardduty_finding_recorded": [ACCOUNT]},
        ),
        (
            "Backdoor-EC2.json",
            "Execution:Runtime/NewBinaryExecuted",
            {"guardduty_finding_recorded": [ACCOUNT]},
        ),
    ],
)
def test_guardduty_findings_route_by_type(
    fixture: str, finding_type: str | None, expected: dict[str, list[Any]]
) -> None:
    assert routes(fixture, finding_type) == expected
