"""Scenario table for guardduty_iam_credential_misuse (numbers cite the rule's docstring; S16,
S17 cite ../shared/reference/scenarios.md) and the routing of IAM findings to it."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orgwarden.aws.threats import revoked_before
from orgwarden.engine.decision import Act, Guards, decide
from orgwarden.model.principals import ArnPattern, identity_of
from orgwarden.model.spec import Mode, Severity, Status
from orgwarden.model.threats import AccessKeyContainment, RoleSessions
from policies import guardduty_iam_credential_misuse
from tests.policies.guardduty_cases import ACCOUNT, act_in_enforce, finding, ref, routes


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


# IAM API reference, AccessKey: AccessKeyId "Length Constraints: Minimum length of 16. Maximum
# length of 128." A session key of 28 characters, as STS may issue.
SESSION_KEY = "ASIA4EXAMPLESESSIONKEY123456"
# The finding's `updatedAt` (guardduty_cases.finding): the last activity GuardDuty reports.
SEEN = finding().updated_at


def session(
    role_name: str = "web-instance",
    path: str = "/",
    revoked: Any = None,
    key_id: str = SESSION_KEY,
) -> AccessKeyContainment:
    """The key of a role session stolen from an instance (userType AssumedRole)."""
    return AccessKeyContainment(
        ref=ref("AwsIamAccessKey", key_id),
        finding=finding(severity=5.0),
        user_type="AssumedRole",
        user_name=role_name,
        status=None,
        role=RoleSessions(
            arn=f"arn:aws:iam::{ACCOUNT}:role{path}{role_name}",
            name=role_name,
            path=path,
            revoked_before=revoked,
        ),
    )


@pytest.mark.parametrize(
    ("scenario", "state", "status", "act"),
    [
        (1, key(), Status.FAILED, Act.REMEDIATE),
        (2, key("Inactive"), Status.PASSED, Act.NOTHING),
        (3, key("Absent"), Status.PASSED, Act.NOTHING),
        (5, key(None, user_type="Root"), Status.FAILED, Act.REPORT),
        # A session key whose role could not be read (gone): nothing to revoke.
        (
            8,
            key(None, user_type="AssumedRole", key_id="ASIA4EXAMPLEKEY12345"),
            Status.FAILED,
            Act.REPORT,
        ),
        (6, session(), Status.FAILED, Act.REMEDIATE),
        (6, session(revoked=SEEN - timedelta(hours=1)), Status.FAILED, Act.REMEDIATE),
        (7, session(revoked=SEEN), Status.PASSED, Act.NOTHING),
        (7, session(revoked=SEEN + timedelta(minutes=3)), Status.PASSED, Act.NOTHING),
        # IAM user guide: "You cannot revoke the session for a service-linked role."
        (
            8,
            session("AWSServiceRoleForECS", path="/aws-service-role/ecs.amazonaws.com/"),
            Status.FAILED,
            Act.REPORT,
        ),
        (10, key(key_id="AKIA4EXAMPLEKEY1234567890"), Status.FAILED, Act.REMEDIATE),
    ],
)
def test_guardduty_iam_credential_misuse_scenarios(
    scenario: int, state: AccessKeyContainment, status: Status, act: Act
) -> None:
    verdict = guardduty_iam_credential_misuse.evaluate(state)
    assert verdict.status is status, (scenario, verdict.reason)
    assert act_in_enforce(guardduty_iam_credential_misuse, verdict) is act, scenario
    assert verdict.severity is Severity.MEDIUM  # the finding's own 5.0


def test_scenario_6_a_stolen_role_session_asks_to_revoke_the_role_s_sessions() -> None:
    """IAM user guide, "Revoking IAM role temporary security credentials": "you can immediately
    revoke all permissions to the role's credentials issued before a certain point in time"."""
    verdict = guardduty_iam_credential_misuse.evaluate(session())
    assert verdict.remediation == "iam_revoke_role_sessions"
    assert verdict.acts_on == f"arn:aws:iam::{ACCOUNT}:role/web-instance"
    assert "revoked" in verdict.reason


@pytest.mark.parametrize(
    ("role_arn", "guards", "reason"),
    [
        (
            f"arn:aws:iam::{ACCOUNT}:role/OrgwardenRemediation",
            {"own_roles": (f"arn:aws:iam::{ACCOUNT}:role/OrgwardenRemediation",)},
            "orgwarden's own role",
        ),
        (
            f"arn:aws:iam::{ACCOUNT}:role/emergency/OrgwardenBreakGlass",
            {"break_glass": (ArnPattern("arn:aws:iam::*:role/emergency/OrgwardenBreakGlass"),)},
            "break-glass",
        ),
    ],
)
def test_scenario_9_the_sessions_of_orgwarden_s_or_break_glass_roles_are_never_revoked(
    role_arn: str, guards: dict[str, Any], reason: str
) -> None:
    name = role_arn.rsplit("/", 1)[1]
    path = role_arn.split(":role", 1)[1].removesuffix(name)
    verdict = guardduty_iam_credential_misuse.evaluate(session(name, path=path))
    assert verdict.status is Status.FAILED
    target = identity_of(verdict.acts_on)
    decision = decide(
        guardduty_iam_credential_misuse.SPEC,
        verdict,
        Guards(mode=Mode.ENFORCE, target=target, resource_account=ACCOUNT, **guards),
    )
    assert decision.act is Act.REPORT
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        # The policy the IAM user guide shows for "Revoke active sessions".
        (
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2014-05-07T23:47:00Z"}},
                },
            },
            datetime(2014, 5, 7, 23, 47, tzinfo=UTC),
        ),
        # A deny narrowed by another condition does not revoke every session.
        (
            {
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {
                            "DateLessThan": {"aws:TokenIssueTime": "2099-01-01T00:00:00Z"},
                            "IpAddress": {"aws:SourceIp": "192.0.2.1/32"},
                        },
                    }
                ]
            },
            None,
        ),
        # ... nor a deny of some actions only.
        (
            {
                "Statement": {
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2099-01-01T00:00:00Z"}},
                }
            },
            None,
        ),
        (None, None),
    ],
)
def test_only_a_whole_deny_on_token_issue_time_counts_as_revoked(
    document: Any, expected: datetime | None
) -> None:
    assert revoked_before(document) == expected


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
