"""End to end on moto's server for the remaining public-S3 rules: a member deletes the account's
Block Public Access settings; the event goes through the template's rule, the queue and the real
handler; the settings are re-applied and re-read, and the finding is in the member account's
Security Hub (scenario 6). Account-wide settings are changed in an account of their own."""

from typing import Any

import pytest

from orgwarden_harness.simulated_drift import (
    ALL_ON,
    PLATFORM_ENGINEER,
    account_public_access_block,
    add_member_account,
    create_bucket,
    delete_account_public_access_block,
)
from orgwarden_harness.simulation import Account, SimulatedOrganization
from tests.conftest import Configure

ACCOUNT_RULE = "s3_account_public_access_block"
BUCKET_RULE = "s3_bucket_block_public_access"


@pytest.fixture(scope="module")
def media_prod(organization: SimulatedOrganization) -> Account:
    return add_member_account(organization, "media-prod")


def run(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, Any]:
    sim.deliver(event)
    messages = sim.take()
    assert len(messages) == 1, "the template's rule did not route the event to the queue"
    return sim.invoke_evaluator(messages)


def test_scenario_6_account_block_public_access_switched_off_is_reapplied(
    lambda_env: Configure, media_prod: Account
) -> None:
    sim = lambda_env({ACCOUNT_RULE: "enforce"})
    member = media_prod.account_id
    event = delete_account_public_access_block(sim, member)
    assert account_public_access_block(sim, member) is None

    assert run(sim, event) == {"batchItemFailures": []}

    assert account_public_access_block(sim, member) == ALL_ON  # re-read: the fix holds
    finding_id = f"orgwarden/{ACCOUNT_RULE}/{member}/us-east-1/{member}"
    finding = sim.findings(member)[finding_id]
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["Compliance"]["RelatedRequirements"] == ["aws-fsbp S3.1", "cis-aws-3.0 2.1.4"]
    assert finding["Resources"][0]["Type"] == "AwsAccount"
    fields = finding["ProductFields"]
    assert fields["orgwarden/governance/DetectedStatus"] == "FAILED"
    assert fields["orgwarden/governance/RemediationOutcome"] == "verified"
    (record,) = sim.evidence().history(finding_id)
    assert "no S3 Block Public Access configuration" in record.detected_reason
    assert record.cause is not None
    assert record.cause.principal_arn == PLATFORM_ENGINEER.format(account=member)
    assert record.cause.event_name == "DeleteAccountPublicAccessBlock"
    assert record.action is not None
    assert record.action.before is None
    assert record.action.after == ALL_ON
    assert record.action.actor == f"arn:aws:iam::{member}:role/OrgwardenRemediation"


def test_a_new_bucket_without_its_own_settings_is_reported_in_detect_mode(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({})  # the shipped default: detect
    member = sim.accounts["analytics-prod"].account_id
    bucket = f"e2e-open-settings-{member}"
    run(sim, create_bucket(sim, member, bucket))

    assert sim.bucket_block(member, bucket) is None  # detect: nothing changed
    finding = sim.findings(member)[f"orgwarden/{BUCKET_RULE}/{member}/us-east-1/{bucket}"]
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Severity"]["Label"] == "HIGH"
    assert f"Bucket {bucket} has no Block Public Access settings" in finding["Description"]
