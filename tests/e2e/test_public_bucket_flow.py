"""End to end on moto's server: a member makes a bucket public; the event goes through the
template's rule, the queue and the real handler; the bucket is blocked, the finding is in the
member account's Security Hub, and the evidence names who did it (scenarios 1, 2, 4, 20)."""

import json
from typing import Any

import pytest

from orgwarden_harness.demo import deny_insecure_transport_policy, make_drift, public_read_policy
from orgwarden_harness.simulated_drift import add_member_account
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import Configure

RULE = "s3_bucket_public_access"
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def policy_of(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.fixture
def enforce(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env({RULE: "enforce"})


def run(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, Any]:
    sim.deliver(event)
    messages = sim.take()
    assert len(messages) == 1, "the template's rule did not route the event to the queue"
    return sim.invoke_evaluator(messages)


def test_scenario_1_a_public_bucket_is_blocked_verified_and_reported(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["payments-prod"].account_id
    bucket = f"e2e-customer-data-{member}"
    event = make_drift(sim, "payments-prod", bucket, public_read_policy(bucket))

    assert run(sim, event) == {"batchItemFailures": []}

    assert sim.bucket_block(member, bucket) == ALL_BLOCKED

    finding_id = f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"
    finding = sim.findings(member)[finding_id]
    assert finding["AwsAccountId"] == member
    assert (
        finding["ProductArn"] == f"arn:aws:securityhub:us-east-1:{member}:product/{member}/default"
    )
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["Compliance"]["RelatedRequirements"] == ["aws-fsbp S3.2", "aws-fsbp S3.3"]
    assert finding["Resources"][0]["Id"] == f"arn:aws:s3:::{bucket}"
    assert "TemporaryPublicReadForLoadTest" in finding["Description"]
    fields = finding["ProductFields"]
    assert fields["orgwarden/governance/DetectedStatus"] == "FAILED"
    assert fields["orgwarden/governance/RemediationOutcome"] == "verified"
    assert fields["orgwarden/governance/CauseEventId"] == event["detail"]["eventID"]
    # Imported from the member account, not the tooling account (aws-facts 2).
    assert finding_id not in sim.findings(sim.tooling.account_id)

    (record,) = sim.evidence().history(finding_id)
    assert record.detected_status.value == "FAILED"
    assert record.status.value == "PASSED"
    assert "TemporaryPublicReadForLoadTest" in record.detected_reason
    assert record.cause is not None
    # Scenario 2: who made it public, from where, when, by which event.
    assert (
        record.cause.principal_arn
        == f"arn:aws:sts::{member}:assumed-role/DeveloperAccess/jane.doe@example.com"
    )
    assert record.cause.source_ip == "203.0.113.24"
    assert record.cause.event_name == "PutBucketPolicy"
    assert record.cause.event_id == event["detail"]["eventID"]
    assert record.action is not None
    assert record.action.outcome == "verified"
    assert record.action.before is None
    assert record.action.actor == f"arn:aws:iam::{member}:role/OrgwardenRemediation"


def test_scenario_4_a_deny_only_policy_is_not_flagged_and_not_touched(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    bucket = f"e2e-logs-{member}"
    run(sim, make_drift(sim, "analytics-prod", bucket, deny_insecure_transport_policy(bucket)))

    assert sim.bucket_block(member, bucket) is None
    finding = sim.findings(member)[f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"]
    assert finding["Compliance"]["Status"] == "PASSED"
    (record,) = sim.evidence().history(finding["Id"])
    assert record.action is None


def test_detect_mode_reports_and_changes_nothing(lambda_env: Configure) -> None:
    sim = lambda_env({})  # the rule's default mode: detect
    member = sim.accounts["sandbox-dev"].account_id
    bucket = f"e2e-detect-{member}"
    run(sim, make_drift(sim, "sandbox-dev", bucket, public_read_policy(bucket)))

    assert sim.bucket_block(member, bucket) is None
    finding = sim.findings(member)[f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"]
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Severity"]["Label"] == "CRITICAL"
    (record,) = sim.evidence().history(finding["Id"])
    assert record.action is not None
    assert record.action.outcome == "not-attempted"


def test_scenario_20_the_same_event_delivered_twice_is_processed_once(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["payments-prod"].account_id
    bucket = f"e2e-twice-{member}"
    event = make_drift(sim, "payments-prod", bucket, public_read_policy(bucket))
    sim.deliver(event)
    sim.deliver(event)  # at-least-once: EventBridge may deliver the same event again
    messages = sim.take()
    assert len(messages) == 2
    assert {json.loads(m["Body"])["detail"]["eventID"] for m in messages} == {
        event["detail"]["eventID"]
    }
    # The two deliveries carry different envelope ids only if EventBridge re-sent them; the
    # idempotency key is the envelope id, so give both the original id, as a redelivery has.
    for message in messages:
        body = json.loads(message["Body"])
        body["id"] = event["id"]
        message["Body"] = json.dumps(body)
    assert sim.invoke_evaluator(messages) == {"batchItemFailures": []}

    (record,) = sim.evidence().history(f"orgwarden/{RULE}/{member}/us-east-1/{bucket}")
    assert record.action is not None
    assert record.action.outcome == "verified"


def test_scenario_2_the_evidence_keeps_who_made_it_public_and_when_it_was_first_seen(
    lambda_env: Configure,
) -> None:
    sim = lambda_env()  # detect: the bucket stays public, as in a breach found days later
    member = sim.accounts["analytics-prod"].account_id
    bucket = f"e2e-breach-clock-{member}"
    event = make_drift(sim, "analytics-prod", bucket, public_read_policy(bucket))
    assert run(sim, event) == {"batchItemFailures": []}
    finding_id = f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"
    finding = sim.findings(member)[finding_id]
    fields = finding["ProductFields"]
    assert fields["orgwarden/governance/CausePrincipal"].endswith(
        "DeveloperAccess/jane.doe@example.com"
    )
    assert fields["orgwarden/governance/CauseSourceIp"] == "203.0.113.24"
    assert fields["orgwarden/governance/CauseEventName"] == "PutBucketPolicy"
    assert fields["orgwarden/governance/CauseEventId"] == event["detail"]["eventID"]
    assert fields["orgwarden/governance/CauseEventTime"].startswith(
        event["detail"]["eventTime"][:19]
    )
    # The breach clock starts at discovery: the first observation is kept on later updates.
    (record,) = sim.evidence().history(finding_id)
    assert finding["FirstObservedAt"] == finding["CreatedAt"]
    assert record.first_observed_at is not None
    assert finding["Compliance"]["Status"] == "FAILED"


def test_scenario_12_a_federated_principal_is_public_and_blocked(
    enforce: SimulatedOrganization,
) -> None:
    # S3 User Guide, "Blocking public access to your Amazon S3 storage", "The meaning of
    # 'public'": "Under these rules, the following example policies are considered public",
    # the first being {"Principal": {"Federated": "graph.facebook.com"}, "Action":
    # "s3:PutObject", "Effect": "Allow"}.
    sim = enforce
    member = sim.accounts["payments-prod"].account_id
    bucket = f"e2e-federated-{member}"
    policy = policy_of(
        {
            "Sid": "WebIdentityUploads",
            "Effect": "Allow",
            "Principal": {"Federated": "graph.facebook.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )
    assert run(sim, make_drift(sim, "payments-prod", bucket, policy)) == {"batchItemFailures": []}

    assert sim.bucket_block(member, bucket) == ALL_BLOCKED
    finding_id = f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"
    (record,) = sim.evidence().history(finding_id)
    assert record.detected_status.value == "FAILED"
    assert "WebIdentityUploads" in record.detected_reason
    assert "Federated:graph.facebook.com" in record.detected_reason
    assert record.action is not None
    assert record.action.outcome == "verified"


def test_scenario_14_a_bucket_delegating_to_its_access_points_is_left_alone(
    enforce: SimulatedOrganization,
) -> None:
    # S3 User Guide, "Configuring IAM policies for using access points", "Delegating access
    # control to access points": "The following example bucket policy allows full access to all
    # access points owned by the bucket owner's account." The meaning of "public" lists
    # s3:DataAccessPointAccount among the keys whose fixed value makes a policy non-public.
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    bucket = f"e2e-access-points-{member}"
    policy = policy_of(
        {
            "Sid": "DelegateToAccessPoints",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"StringEquals": {"s3:DataAccessPointAccount": member}},
        }
    )
    assert run(sim, make_drift(sim, "analytics-prod", bucket, policy)) == {"batchItemFailures": []}

    assert sim.bucket_block(member, bucket) is None
    finding = sim.findings(member)[f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"]
    assert finding["Compliance"]["Status"] == "PASSED"
    (record,) = sim.evidence().history(finding["Id"])
    assert record.action is None


def _vpce_confined_policy(bucket: str) -> dict[str, Any]:
    """Public read confined to one VPC endpoint: not public by S3's definition."""
    return policy_of(
        {
            "Sid": "ReadFromOurEndpoint",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        }
    )


def test_scenario_16_s3_s_own_judgement_is_asked_and_agrees_it_is_not_public(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    bucket = f"e2e-vpce-confined-{member}"
    event = make_drift(sim, "analytics-prod", bucket, _vpce_confined_policy(bucket))

    assert run(sim, event) == {"batchItemFailures": []}

    assert sim.bucket_block(member, bucket) is None
    (record,) = sim.evidence().history(f"orgwarden/{RULE}/{member}/us-east-1/{bucket}")
    assert record.status.value == "PASSED"


def test_scenario_16_a_policy_s3_calls_public_is_failed_and_blocked(
    enforce: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A member of its own: the fix must not meet the rate limit other tests' fixes fill.
    """S3's GetBucketPolicyStatus is the judgement Block Public Access is built on. moto's is
    cruder than AWS's (any statement with a Condition is non-public), so this plays AWS calling
    public a policy orgwarden's reading passes: an honest stand-in for the branch moto cannot
    reach, replacing moto's answer only."""
    import moto.s3.responses  # moto.s server runs in this process

    monkeypatch.setattr(moto.s3.responses, "bucket_policy_is_public", lambda policy: True)
    sim = enforce
    account = add_member_account(sim, "s3-second-opinion")
    sim.accounts[account.name] = account
    member = account.account_id
    bucket = f"e2e-aws-says-public-{member}"
    try:
        event = make_drift(sim, account.name, bucket, _vpce_confined_policy(bucket))
    finally:
        del sim.accounts[account.name]

    assert run(sim, event) == {"batchItemFailures": []}

    assert sim.bucket_block(member, bucket) == ALL_BLOCKED
    (record,) = sim.evidence().history(f"orgwarden/{RULE}/{member}/us-east-1/{bucket}")
    assert record.detected_status.value == "FAILED"
    assert "GetBucketPolicyStatus" in record.detected_reason
    assert record.facts["policy_status_public"] is True
