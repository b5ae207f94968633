"""The GuardDuty rules' verdicts against AWS's own documents, case by case.

Each case names the document it comes from and quotes the sentence that decides it:

- DETAILS: Amazon GuardDuty User Guide, "Finding details".
- IAM_TYPES: Amazon GuardDuty User Guide, "GuardDuty IAM finding types".
- ROOT_USAGE: Amazon GuardDuty User Guide, "Policy finding types",
  Policy:IAMUser/RootCredentialUsage.
- SEVERITY: Amazon GuardDuty User Guide, "Severity levels of GuardDuty findings".
- ACCESS_KEYS: AWS Knowledge Center, "Why did GuardDuty generate a finding for an IAM access key
  ID that I can't find?" (AKIA long-term keys, ASIA temporary credentials).

A finding shaped as GuardDuty delivers it (tests/events/guardduty) is routed by the catalogue,
its key's state read by orgwarden's reader, and judged by the rule's `evaluate`.
"""

import json
from typing import Any

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.decision import Act
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.spec import Severity, Status
from orgwarden.model.threats import severity_label
from policies import guardduty_iam_credential_misuse, load_catalogue
from tests.conftest import EVENTS, member_context
from tests.policies.guardduty_cases import act_in_enforce, ref

DETAILS = "Amazon GuardDuty User Guide, Finding details"
RESOURCE_TYPES = (
    "The first is the resource type, which can be Instance, AccessKey, S3Bucket, Kubernetes "
    "cluster, ECS cluster, Container, RDSDBInstance, or Lambda."
)
IAM_ALWAYS_ACCESS_KEY = (
    "The following findings are specific to IAM entities and access keys and always have a "
    "Resource Type of AccessKey."
)
ROOT_API = "An API was invoked using root credentials."
TEMPORARY = (
    "IAM access key IDs that begin with AKIA are long-term credentials; access key IDs that "
    "begin with ASIA are temporary credentials."
)
SEVERITY_BANDS = "High: 7.0-8.9; Medium: 4.0-6.9; Low: 1.0-3.9; Critical: 9.0-10.0"


def finding(
    user_type: str, key: str, user_name: str | None, finding_type: str | None = None
) -> tuple[Any, dict[str, Any]]:
    raw = json.loads((EVENTS / "guardduty" / "UnauthorizedAccess-IAMUser.json").read_text())
    details: dict[str, Any] = {
        "accessKeyId": key,
        "principalId": "AIDA4EXAMPLE",
        "userType": user_type,
    }
    if user_name is not None:
        details["userName"] = user_name
    raw["detail"]["resource"]["accessKeyDetails"] = details
    if finding_type:
        raw["detail"]["type"] = finding_type
    event, parsed = parse_event(json.dumps(raw))
    return event, parsed


def routed(event: Any, raw: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for match in load_catalogue().matches(event, raw["detail"]):
        found.setdefault(match.rule.spec.id, []).append(match.resource_id)
    return found


# IAM_TYPES: IAM_ALWAYS_ACCESS_KEY, whoever holds the key. userType is what tells the holder
# apart; ACCESS_KEYS: TEMPORARY tells a long-term key from a session's.
NOT_AN_IAM_USER = [
    # Root's own long-term key: only root can deactivate it.
    ("Root", "AKIA4EXAMPLEROOTKEY1", None),
    # A root console session's temporary credentials.
    ("Root", "ASIA4EXAMPLEROOTSES1", None),
    # A federated user's session (GetFederationToken): temporary, no IAM key to deactivate.
    ("Federated", "ASIA4EXAMPLEFEDERAT1", "ci-deploy"),
]


@pytest.mark.parametrize(("user_type", "key", "user_name"), NOT_AN_IAM_USER)
def test_a_key_that_is_not_an_iam_user_s_is_failed_and_never_deactivated(
    user_type: str, key: str, user_name: str | None
) -> None:
    event, raw = finding(user_type, key, user_name)
    assert routed(event, raw) == {"guardduty_iam_credential_misuse": [key]}
    r = ref("AwsIamAccessKey", key)
    # No AWS call is made for these: nothing of theirs is readable as an IAM user's key.
    state = READERS["guardduty_access_key"].read(
        member_context(Sessions(), r, "OrgwardenRead", payload=event.detail)
    )
    assert state.status is None
    verdict = guardduty_iam_credential_misuse.evaluate(state)
    # Contained would be a lie: the key is neither inactive nor gone.
    assert verdict.status is Status.FAILED
    assert act_in_enforce(guardduty_iam_credential_misuse, verdict) is Act.REPORT
    if user_type == "Root":
        assert "only the root user" in verdict.reason
    if user_type == "Federated":
        # A federated user's session is ended where it was issued, not by revoking a role.
        assert "identity provider" in verdict.reason


def test_root_credential_usage_is_recorded_on_the_account() -> None:
    # ROOT_USAGE: ROOT_API. Not a misuse of a key by someone else: no response rule claims it,
    # so it is recorded (and root_user_activity reports the call itself).
    event, raw = finding("Root", "ASIA4EXAMPLEROOTSES1", None, "Policy:IAMUser/RootCredentialUsage")
    assert set(routed(event, raw)) == {"guardduty_finding_recorded"}


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (1.0, Severity.LOW),
        (3.9, Severity.LOW),
        (4.0, Severity.MEDIUM),
        (6.9, Severity.MEDIUM),
        (7.0, Severity.HIGH),
        (8.9, Severity.HIGH),
        (9.0, Severity.CRITICAL),
        (10.0, Severity.CRITICAL),
    ],
)
def test_severity_bands(value: float, label: Severity) -> None:
    # SEVERITY: SEVERITY_BANDS.
    assert severity_label(value) is label


@pytest.mark.parametrize(
    ("fixture", "resource_type"),
    [
        ("Backdoor-EC2.json", "Instance"),
        ("CryptoCurrency-EC2.json", "Instance"),
        ("Policy-S3.json", "S3Bucket"),
        ("UnauthorizedAccess-IAMUser.json", "AccessKey"),
    ],
)
def test_the_fixtures_carry_documented_resource_types(fixture: str, resource_type: str) -> None:
    # DETAILS: RESOURCE_TYPES.
    raw = json.loads((EVENTS / "guardduty" / fixture).read_text())
    assert raw["detail"]["resource"]["resourceType"] == resource_type
