"""The root rules' verdicts against AWS's own documents, case by case.

- SIGN_IN: AWS CloudTrail User Guide, "AWS Management Console sign-in events" (the root user's
  example records: successful sign-in without MFA, with MFA, failed sign-in).
- SUMMARY: IAM API Reference, "GetAccountSummary", SummaryMap keys AccountMFAEnabled and
  AccountAccessKeysPresent.

A sign-in event shaped as the guide's examples is parsed, routed by the catalogue, read by the
root reader and judged; the account summary is judged as GetAccountSummary returns it.
"""

import json
from typing import Any

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.root import RootCredentials
from orgwarden.model.spec import Status
from policies import load_catalogue, root_access_keys_absent, root_mfa_enabled, root_user_activity
from tests.conftest import EVENTS, member_context
from tests.policies.guard_cases import REF

SIGN_IN = "AWS CloudTrail User Guide, AWS Management Console sign-in events"
ALL_SIGN_INS = (
    "All IAM user and root user sign-in events, as well as all federated user sign-in events, "
    "generate records in CloudTrail log files."
)
ROOT_REGION = "If you sign in as the root user, CloudTrail records the event in us-east-1."
MFA_ENABLED = (
    "AccountMFAEnabled - 1 if the root account has an MFA device assigned to it, 0 otherwise"
)
KEYS_PRESENT = "AccountAccessKeysPresent - 1 if the root account has an access key, 0 otherwise"


def sign_in(result: str, mfa: str, **extra: Any) -> tuple[Any, dict[str, Any]]:
    raw = json.loads((EVENTS / "signin" / "ConsoleLogin-root.json").read_text())
    raw["detail"]["responseElements"] = {"ConsoleLogin": result}
    raw["detail"]["additionalEventData"]["MFAUsed"] = mfa
    raw["detail"].update(extra)
    return parse_event(json.dumps(raw))


@pytest.mark.parametrize(
    ("case", "result", "mfa", "extra", "in_reason"),
    [
        ("root user, successful sign-in without MFA", "Success", "No", {}, "without MFA"),
        (
            "root user, successful sign-in with MFA",
            "Success",
            "Yes",
            {},
            "with MFA",
        ),
        (
            "root user, failed sign-in",
            "Failure",
            "No",
            {"errorMessage": "Failed authentication"},
            "Failed root console sign-in attempt",
        ),
    ],
)
def test_every_documented_root_sign_in_is_one_failed_finding(
    case: str, result: str, mfa: str, extra: dict[str, Any], in_reason: str
) -> None:
    # SIGN_IN: ALL_SIGN_INS; ROOT_REGION.
    event, raw = sign_in(result, mfa, **extra)
    (match,) = [
        m
        for m in load_catalogue().matches(event, raw["detail"])
        if m.rule.spec.id == "root_user_activity"
    ]
    assert match.region == "us-east-1"
    state = READERS["root_action"].read(
        member_context(Sessions(), REF, "OrgwardenRead", payload=match.payload)
    )
    verdict = root_user_activity.evaluate(state)
    assert verdict.status is Status.FAILED, case
    assert in_reason in verdict.reason, case
    assert verdict.facts["mfa_used"] == mfa
    assert verdict.facts["login_result"] == result


@pytest.mark.parametrize(
    ("mfa", "keys", "mfa_status", "keys_status"),
    [
        (1, 0, Status.PASSED, Status.PASSED),
        (0, 0, Status.FAILED, Status.PASSED),
        (1, 1, Status.PASSED, Status.FAILED),
        (0, 1, Status.FAILED, Status.FAILED),
    ],
)
def test_the_account_summary_flags(
    mfa: int, keys: int, mfa_status: Status, keys_status: Status
) -> None:
    # SUMMARY: MFA_ENABLED; KEYS_PRESENT.
    state = RootCredentials(ref=REF, access_keys_present=bool(keys), mfa_enabled=bool(mfa))
    assert root_mfa_enabled.evaluate(state).status is mfa_status
    assert root_access_keys_absent.evaluate(state).status is keys_status
