"""An administrator of one member account against what orgwarden believes of an event.

The attacker has full IAM in their own account and the bus policy's PutEvents on the governance
bus (every account of the organization has it). Each test plays one attack through the real
path: the template's bus rules on moto's EventBridge, the evaluation queue and the evaluator
handler, and checks both that nothing was done in the victim's account and why.

What EventBridge guarantees and moto does not: PutEvents refuses a `source` beginning with
`aws.` ("Amazon EventBridge User Guide", PutEvents: "the source can't start with aws."). moto
accepts one, so these tests give the attacker only what AWS gives: custom sources on PutEvents,
and `aws.*` events only through a forwarding rule of their own account, which EventBridge
delivers with the envelope's `account` set to theirs (`SimulatedOrganization.deliver(sender=)`).
"""

import json
from typing import Any

import pytest

from orgwarden.engine import dead_letters
from orgwarden.engine.dead_letters import DeadLetterReason
from orgwarden_harness.incidents import (
    guardduty_finding_event,
    instance_resource,
    root_signin_event,
)
from orgwarden_harness.incidents import launch_instance as running_instance
from orgwarden_harness.instance_drift import launch_instance
from orgwarden_harness.simulated_drift import add_member_account
from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization, cloudtrail_event
from tests.conftest import EVENTS, Configure

ATTACKER = "sandbox-dev"
VICTIM = "payments-prod"
GUARDDUTY = {"guardduty_ec2_compromise": "enforce"}


def sqs(sim: SimulatedOrganization) -> Any:
    return sim.session(sim.tooling.account_id).client("sqs")


def queue_directly(sim: SimulatedOrganization, body: str) -> None:
    """A message on the evaluation queue as if a bus rule had let it through: what the handler
    does with it, whatever the patterns."""
    sqs(sim).send_message(QueueUrl=sim.queue_url, MessageBody=body)


def parked(sim: SimulatedOrganization) -> dict[str, dead_letters.DeadLetter]:
    """The dead-letter queue's messages, by event id."""
    return {
        letter.event_id or letter.message_id: letter
        for letter in map(dead_letters.read, sim.dead_letters())
    }


def parked_about(sim: SimulatedOrganization, text: str) -> list[dead_letters.DeadLetter]:
    """The dead-letter queue's messages whose body holds `text` (an id the event carries)."""
    return [dead_letters.read(m) for m in sim.dead_letters() if text in m["Body"]]


def forged(event: dict[str, Any], source: str = "com.attacker.forged") -> dict[str, Any]:
    """The event as a member can send it with PutEvents: any source but an AWS one."""
    return {**event, "source": source}


def test_a_member_s_custom_source_root_sign_in_raises_no_root_finding(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({})
    attacker = sim.accounts[ATTACKER].account_id
    victim = sim.accounts[VICTIM].account_id
    event = forged(root_signin_event(victim, mfa_used="No", source_ip="198.51.100.66"))

    sim.deliver(event, sender=attacker)
    # The RootActivity rule admits AWS sources only (before: any source).
    assert sim.take() == []

    # Were a pattern to let it through, the handler refuses it by its source.
    queue_directly(sim, json.dumps({**event, "account": attacker, "id": "forged-root-signin"}))
    assert sim.drain_queue() != []
    letter = parked(sim)[event["detail"]["eventID"]]
    assert letter.reason is DeadLetterReason.UNTRUSTED_SOURCE
    assert "com.attacker.forged" in letter.detail
    event_id = event["detail"]["eventID"]
    assert not [f for f in sim.findings(victim) if f.endswith(f"/event/{event_id}")]
    assert event_id not in sim.evaluated_event_ids()


def test_a_forged_root_run_instances_does_not_tag_a_real_instance_with_a_victim_s_name(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({"ec2_instance_required_tags": "enforce"})
    attacker = sim.accounts[ATTACKER].account_id
    victim = sim.accounts[VICTIM].account_id
    instance_id = running_instance(sim, victim)
    text = (EVENTS / "root" / "RunInstances.json").read_text()
    event = json.loads(text.replace("111122223333", victim))
    event["detail"]["responseElements"] = {"instancesSet": {"items": [{"instanceId": instance_id}]}}
    event["detail"]["awsRegion"] = HOME_REGION
    event = forged(event, source="aws-ec2")  # one character from the real source

    sim.deliver(event, sender=attacker)
    assert sim.take() == []
    queue_directly(sim, json.dumps({**event, "account": victim, "id": "forged-root-launch"}))
    sim.drain_queue()

    letter = parked(sim)[event["detail"]["eventID"]]
    assert letter.reason is DeadLetterReason.UNTRUSTED_SOURCE
    tags = (
        sim.session(victim)
        .client("ec2")
        .describe_tags(Filters=[{"Name": "resource-id", "Values": [instance_id]}])["Tags"]
    )
    assert "created-by" not in {t["Key"] for t in tags}


def test_a_config_item_forwarded_by_one_member_about_another_s_instance_changes_nothing(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({"ec2_instance_imdsv2_required": "enforce"})
    attacker = sim.accounts[ATTACKER].account_id
    victim = sim.accounts[VICTIM].account_id
    instance_id, _ = launch_instance(sim, VICTIM)
    event = json.loads((EVENTS / "config" / "AWS-EC2-Instance.json").read_text())
    item = event["detail"]["configurationItem"]
    item.update(awsAccountId=victim, awsRegion=HOME_REGION, resourceId=instance_id)
    item["configuration"]["instanceId"] = instance_id

    # Through the attacker's own forwarding rule: an aws.config event, sent by their account.
    sim.deliver(event, sender=attacker)
    messages = sim.take()
    assert len(messages) == 1  # the ConfigItems rule routes it; the handler must judge it
    sim.invoke_evaluator(messages)

    (letter,) = parked_about(sim, instance_id)
    assert letter.reason is DeadLetterReason.UNTRUSTED_ACCOUNT
    assert f"delivered by account {attacker} but is about account {victim}" in letter.detail
    ec2 = sim.session(victim).client("ec2")
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    assert reservation["Instances"][0]["MetadataOptions"]["HttpTokens"] == "optional"


def _groups(sim: SimulatedOrganization, account: str, instance_id: str) -> list[str]:
    ec2 = sim.session(account).client("ec2")
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return sorted(g["GroupId"] for eni in instance["NetworkInterfaces"] for g in eni["Groups"])


def test_a_guardduty_finding_from_a_member_that_is_not_the_administrator_quarantines_nothing(
    lambda_env: Configure,
) -> None:
    sim = lambda_env(GUARDDUTY)
    attacker = sim.accounts[ATTACKER].account_id
    victim = sim.accounts[VICTIM].account_id
    instance_id = running_instance(sim, victim)
    before = _groups(sim, victim, instance_id)
    finding = guardduty_finding_event(
        victim, "Backdoor:EC2/C&CActivity.B!DNS", instance_resource(instance_id)
    )

    sim.deliver(finding, sender=attacker)
    messages = sim.take()
    assert len(messages) == 1
    sim.invoke_evaluator(messages)

    (letter,) = parked_about(sim, finding["detail"]["id"])
    assert letter.reason is DeadLetterReason.UNTRUSTED_ACCOUNT
    assert "only from the delegated administrator" in letter.detail
    assert _groups(sim, victim, instance_id) == before


def test_a_guardduty_finding_from_the_delegated_administrator_is_answered(
    lambda_env: Configure,
) -> None:
    """The control for the attack above: the simulated organization's GuardDuty administrator
    is the tooling account, whose findings about members are believed."""
    sim = lambda_env(GUARDDUTY)
    victim = sim.accounts[VICTIM].account_id
    instance_id = running_instance(sim, victim)
    before = _groups(sim, victim, instance_id)
    finding = guardduty_finding_event(
        victim, "Backdoor:EC2/C&CActivity.B!DNS", instance_resource(instance_id)
    )

    sim.deliver(finding, sender=sim.tooling.account_id)
    assert sim.invoke_evaluator(sim.take()) == {"batchItemFailures": []}

    assert _groups(sim, victim, instance_id) != before
    assert parked_about(sim, finding["detail"]["id"]) == []


# ---------------------------------------------------------------- who made the change


@pytest.fixture(scope="module")
def bucket_owner(organization: SimulatedOrganization) -> str:
    """A member of its own for the bucket attacks: each is answered with a fix, and the
    remediation rate limit (per account and rule) is not shared with other tests."""
    return add_member_account(organization, "adversarial-bucket-owner").account_id


def _public_bucket_event(
    sim: SimulatedOrganization, victim: str, bucket: str, user_identity: dict[str, Any]
) -> dict[str, Any]:
    """The victim's bucket made public, by the identity CloudTrail records."""
    s3 = sim.session(victim).client("s3")
    s3.create_bucket(Bucket=bucket)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    event = cloudtrail_event(
        event_name="PutBucketPolicy",
        account_id=victim,
        region=HOME_REGION,
        request_parameters={"bucketName": bucket, "bucketPolicy": policy, "policy": [""]},
        principal_arn="arn:aws:sts::111122223333:assumed-role/Placeholder/x",
    )
    event["detail"]["userIdentity"] = user_identity
    return event


def _assumed_role(account: str, role_path_and_name: str, session: str) -> dict[str, Any]:
    """An AssumedRole userIdentity as CloudTrail writes it ("CloudTrail userIdentity element":
    `arn` is the session, `sessionContext.sessionIssuer.arn` the role with its path)."""
    name = role_path_and_name.rsplit("/", 1)[-1]
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEROLEID:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
        "accountId": account,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEROLEID",
                "arn": f"arn:aws:iam::{account}:role/{role_path_and_name}",
                "accountId": account,
                "userName": name,
            },
            "attributes": {"creationDate": "2026-12-02T10:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def _judged(sim: SimulatedOrganization, victim: str, bucket: str, event: dict[str, Any]) -> Any:
    sim.deliver(event)
    assert sim.invoke_evaluator(sim.take()) == {"batchItemFailures": []}
    (record,) = sim.evidence().history(
        f"orgwarden/s3_bucket_public_access/{victim}/us-east-1/{bucket}"
    )
    return record


@pytest.fixture
def enforce_public(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env({"s3_bucket_public_access": "enforce"})


@pytest.mark.parametrize(
    ("case", "identity"),
    [
        (
            # IAM paths may hold any printable ASCII ("IAM identifiers": path "can contain any
            # ASCII character from the ! (\u0021) through the DEL character (\u007F)").
            "an IAM user whose path spells orgwarden's role",
            lambda victim: {
                "type": "IAMUser",
                "principalId": "AIDAEXAMPLEUSERID",
                "arn": f"arn:aws:iam::{victim}:user/x:role/OrgwardenRemediation",
                "accountId": victim,
                "userName": "OrgwardenRemediation",
            },
        ),
        (
            "a role named OrgwardenRemediation in an account outside the organization",
            lambda victim: _assumed_role("999988887777", "OrgwardenRemediation", "orgwarden"),
        ),
        (
            "a role named OrgwardenRemediation under a path of the member's own",
            lambda victim: _assumed_role(victim, "team/OrgwardenRemediation", "orgwarden"),
        ),
        (
            "a role named like break-glass in an account outside the organization",
            lambda victim: _assumed_role("999988887777", "OrgwardenBreakGlassAdmin", "oncall"),
        ),
    ],
)
def test_a_principal_that_only_looks_like_orgwarden_or_break_glass_is_answered(
    enforce_public: SimulatedOrganization, bucket_owner: str, case: str, identity: Any
) -> None:
    sim, victim = enforce_public, bucket_owner
    bucket = f"adv-lookalike-{abs(hash(case)) % 10**8}-{victim}"
    record = _judged(
        sim, victim, bucket, _public_bucket_event(sim, victim, bucket, identity(victim))
    )

    assert record.decision == "remediate", (case, record.decision_reason)
    assert sim.bucket_block(victim, bucket) is not None


def test_orgwarden_s_own_role_in_the_resource_s_account_is_still_not_answered(
    enforce_public: SimulatedOrganization, bucket_owner: str
) -> None:
    """The control: the loop guard holds for the role the member stack creates."""
    sim, victim = enforce_public, bucket_owner
    bucket = f"adv-own-role-{victim}"
    identity = _assumed_role(victim, "OrgwardenRemediation", "orgwarden")
    record = _judged(sim, victim, bucket, _public_bucket_event(sim, victim, bucket, identity))

    assert record.decision == "report"
    assert "made by orgwarden" in record.decision_reason
    assert sim.bucket_block(victim, bucket) is None


def test_break_glass_is_matched_on_the_role_behind_the_session_with_its_path(
    enforce_public: SimulatedOrganization, bucket_owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A responder role at a path: the session ARN carries no path, the session issuer does."""
    from orgwarden.engine.runtime import event_service

    monkeypatch.setenv("ORGWARDEN_BREAK_GLASS", '["arn:aws:iam::*:role/emergency/Responder*"]')
    event_service.cache_clear()
    sim, victim = enforce_public, bucket_owner
    bucket = f"adv-break-glass-path-{victim}"
    identity = _assumed_role(victim, "emergency/ResponderOnCall", "incident-4711")
    record = _judged(sim, victim, bucket, _public_bucket_event(sim, victim, bucket, identity))

    assert record.decision == "report"
    assert "break-glass" in record.decision_reason
    assert sim.bucket_block(victim, bucket) is None


def test_a_config_invocation_for_one_account_with_another_account_s_item_is_refused(
    lambda_env: Configure,
) -> None:
    """The Config rule function answers Config for the account whose rule invoked it (the
    invocation's `accountId`, "AWS Config Developer Guide", example events for custom rules)."""
    from orgwarden.engine.runtime import config_rule

    sim = lambda_env({})
    config_rule.cache_clear()
    attacker = sim.accounts[ATTACKER].account_id
    victim = sim.accounts[VICTIM].account_id
    item = {
        "configurationItemCaptureTime": "2026-12-01T00:00:00.000Z",
        "configurationItemStatus": "OK",
        "awsAccountId": victim,
        "awsRegion": HOME_REGION,
        "resourceType": "AWS::S3::Bucket",
        "resourceId": f"payments-data-{victim}",
        "tags": {},
    }
    invocation = {
        "invokingEvent": json.dumps(
            {"messageType": "ConfigurationItemChangeNotification", "configurationItem": item}
        ),
        "resultToken": "token",
        "configRuleArn": f"arn:aws:config:{HOME_REGION}:{attacker}:config-rule/config-rule-1",
        "accountId": attacker,
    }
    try:
        with pytest.raises(PermissionError, match=f"invoked for account {attacker}"):
            config_rule().handle(invocation)
    finally:
        config_rule.cache_clear()


# ---------------------------------------------------------------- shapes and sizes


def test_a_body_nested_sixty_thousand_levels_deep_is_parked_with_its_reason(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({})
    body = '{"id": "deep", "detail": ' + "[" * 60_000 + "]" * 60_000 + "}"
    queue_directly(sim, body)
    assert sim.drain_queue() != []

    (letter,) = [
        dead_letters.read(m) for m in sim.dead_letters() if m["Body"].startswith('{"id": "deep"')
    ]
    assert letter.reason is DeadLetterReason.MALFORMED
    assert "not JSON" in letter.detail or "nested too deeply" in letter.detail


def test_the_dead_letter_reader_reads_a_body_nested_too_deeply_for_json() -> None:
    message = {"MessageId": "m-1", "Body": "[" * 60_000 + "]" * 60_000}
    letter = dead_letters.read(message)
    assert letter.event_id is None
    assert letter.message_id == "m-1"


def test_moto_s_eventbridge_delivers_what_the_governance_bus_rules_match(
    organization: SimulatedOrganization,
) -> None:
    """The premise of the routing assertions above: the simulated bus routes by the template's
    patterns, so an event the RootActivity rule matches does reach the queue."""
    member = organization.accounts[ATTACKER].account_id
    event = root_signin_event(member, mfa_used="Yes")
    organization.deliver(event)
    messages = organization.take()
    assert [json.loads(m["Body"])["detail"]["eventID"] for m in messages] == [
        event["detail"]["eventID"]
    ]
