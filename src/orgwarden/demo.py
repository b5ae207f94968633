"""The embedded default: a public-bucket incident in a simulated organization, end to end.

A developer in a production member account leaves a bucket policy that lets anyone read customer
data, and another team adds a deny-only TLS policy to its log bucket. Both CloudTrail events go
through the template's EventBridge rule to the queue and the real evaluator handler; the demo then
shows what orgwarden decided, what it changed, the finding in the member account's Security Hub
and the evidence record.
"""

import json
import os
import sys
from typing import Any, TextIO

from orgwarden.simulation import (
    HOME_REGION,
    SimulatedOrganization,
    build_organization,
    cloudtrail_event,
    moto_endpoint,
)

RULE = "s3_bucket_public_access"
DEVELOPER = "arn:aws:sts::{account}:assumed-role/DeveloperAccess/jane.doe@example.com"


def public_read_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TemporaryPublicReadForLoadTest",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def deny_insecure_transport_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def make_drift(
    sim: SimulatedOrganization, account_name: str, bucket: str, policy: dict[str, Any]
) -> dict[str, Any]:
    """A developer creates the bucket and puts the policy; returns CloudTrail's event for it."""
    account = sim.accounts[account_name]
    s3 = sim.session(account.account_id).client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return cloudtrail_event(
        event_name="PutBucketPolicy",
        account_id=account.account_id,
        region=HOME_REGION,
        request_parameters={"bucketName": bucket, "bucketPolicy": policy, "policy": [""]},
        principal_arn=DEVELOPER.format(account=account.account_id),
    )


def run(out: TextIO = sys.stdout) -> int:
    with moto_endpoint() as endpoint:
        say = _printer(out)
        say(f"moto server at {endpoint}; building the organization")
        sim = build_organization()
        for account in sim.accounts.values():
            say(f"  {account.name:<18} {account.account_id}  OU {account.ou}")
        say(f"governance bus {sim.bus_arn}")
        for name, pattern in sim.rules.items():
            # Root and GuardDuty patterns match by identity or detail-type, not by event name.
            names = pattern.get("detail", {}).get("eventName") or pattern["detail-type"]
            say(f"  rule {name}: {json.dumps(names)}")
        _configure(sim)
        cases = _cases(sim)
        for story, account_name, bucket, policy in cases:
            event = make_drift(sim, account_name, bucket, policy(bucket))
            say("")
            say(f"== {story}")
            say(f"   {event['detail']['eventName']} on {bucket} ({account_name})")
            say(f"   by {event['detail']['userIdentity']['arn']}")
            say(f"   from {event['detail']['sourceIPAddress']} at {event['detail']['eventTime']}")
            say(f"   event id {event['detail']['eventID']}")
            sim.deliver(event)
            messages = sim.receive()
            say(f"   routed through the template's rule to the queue: {len(messages)} message(s)")
            answer = sim.invoke_evaluator(messages)
            say(f"   batch item failures: {answer['batchItemFailures'] or 'none'}")
            _show_result(sim, say, account_name, bucket)
    return 0


def seed(sim: SimulatedOrganization) -> None:
    """Play the demo's incidents through the evaluator without printing: their evidence is
    what `orgwarden report` reads in the simulated organization."""
    _configure(sim)
    for _, account_name, bucket, policy in _cases(sim):
        sim.deliver(make_drift(sim, account_name, bucket, policy(bucket)))
        sim.invoke_evaluator(sim.receive())


def _configure(sim: SimulatedOrganization) -> None:
    os.environ.update(sim.evaluator_environment(modes={RULE: "enforce"}))
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


def _cases(sim: SimulatedOrganization) -> list[tuple[str, str, str, Any]]:
    """(story, account, bucket, policy maker) for each incident the demo plays."""
    payments = sim.accounts["payments-prod"].account_id
    return [
        (
            "a load test's public-read policy left on customer data: must be fixed",
            "payments-prod",
            f"payments-customer-data-{payments}",
            public_read_policy,
        ),
        (
            "a deny-only policy (TLS required): must not be flagged or touched",
            "payments-prod",
            f"payments-access-logs-{payments}",
            deny_insecure_transport_policy,
        ),
    ]


def _show_result(sim: SimulatedOrganization, say: Any, account_name: str, bucket: str) -> None:
    account_id = sim.accounts[account_name].account_id
    finding_id = f"orgwarden/{RULE}/{account_id}/{HOME_REGION}/{bucket}"
    records = sim.evidence().history(finding_id)
    for record in records:
        say(f"   verdict: {record.detected_status.value}: {record.detected_reason}")
        if record.action:
            action = record.action
            say(f"   fix: {action.remediation} [{action.mode.value}] -> {action.outcome}")
            before = json.dumps(action.before) if action.before else "no bucket setting"
            say(f"        before {before}")
            say(f"        after  {json.dumps(action.after)}")
        say(f"   final status: {record.status.value}: {record.reason}")
        if record.cause:
            cause = record.cause
            say(f"   evidence names the cause: {cause.principal_arn} from {cause.source_ip}")
    block = sim.bucket_block(account_id, bucket)
    say(f"   bucket Block Public Access now: {json.dumps(block) if block else 'not set'}")
    finding = sim.findings(account_id).get(finding_id)
    if finding:
        compliance = finding["Compliance"]
        controls = ", ".join(compliance["RelatedRequirements"])
        say(f"   Security Hub finding in account {finding['AwsAccountId']}")
        say(f"     ProductArn {finding['ProductArn']}")
        say(f"     Id {finding['Id']}")
        say(f"     Compliance {compliance['Status']}  Severity {finding['Severity']['Label']}")
        say(f"     RecordState {finding['RecordState']}  {controls}")
        fields = finding.get("ProductFields", {})
        cause_fields = {k.rsplit("/", 1)[-1]: v for k, v in fields.items() if "/Cause" in k}
        say(f"     cause {json.dumps(cause_fields)}")
    say(f"   evidence: {len(records)} record(s) under FINDING#{finding_id}")


def _printer(out: TextIO) -> Any:
    def say(line: str) -> None:
        print(line, file=out, flush=True)

    return say
