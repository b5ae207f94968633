"""Scenario table for guardduty_iam_credential_misuse (numbers cite the rule's docstring; S16,
S17 cite ../shared/reference/scenarios.md) and the routing of IAM findings to it."""

from typing import Any

import pytest

from orgwarden.engine.decision import Act
from orgwarden.model.spec import Severity, Status
from orgwarden.model.threats import AccessKeyContainment
from policies import guardduty_iam_credential_misuse
from tests.policies.guardduty_cases import act_in_enforce, finding, ref, routes


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
    ("fixture", "finding_type", "expected"),
    [
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
    ],
)
def test_guardduty_findings_route_by_type(
    fixture: str, finding_type: str | None, expected: dict[str, list[Any]]
) -> None:
    assert routes(fixture, finding_type) == expected
