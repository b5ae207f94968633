"""Scenario table for guardduty_finding_recorded (numbers cite the rule's docstring): the
severity bands every GuardDuty rule uses, and the routing of unclaimed finding types to it."""

from typing import Any

import pytest

from orgwarden.model.spec import Severity, Status
from orgwarden.model.threats import RecordedFinding, severity_label
from policies import guardduty_finding_recorded
from tests.policies.guardduty_cases import ACCOUNT, finding, ref, routes


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


@pytest.mark.parametrize(
    ("fixture", "finding_type", "expected"),
    [
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
