"""The embedded default: incidents in a simulated organization, end to end.

A developer in a sandbox account makes a bucket public while the rule only detects; its owner
closes it 72 hours later. A developer in a production account leaves a bucket policy that lets
anyone read customer data, which orgwarden fixes; another team adds a deny-only TLS policy to its
log bucket, which must not be touched. Every CloudTrail event goes through the template's
EventBridge rule to the queue and the real evaluator handler. `seed` plays them without printing
(the auditor's CLI queries the result); `run` shows what orgwarden decided, what it changed, the
finding in the member account's Security Hub and the evidence, then tours one violation of
every other rule family (encryption, IMDSv2, tags, root usage, tampering, GuardDuty).
"""

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TextIO

from orgwarden.model.resources import BPA_FLAGS
from orgwarden_harness.simulation import (
    DEVELOPER,
    HOME_REGION,
    SimulatedOrganization,
    build_organization,
    cloudtrail_event,
    moto_endpoint,
)

RULE = "s3_bucket_public_access"
# How long the sandbox bucket stays public before its owner closes it (scenario 2's breach clock).
OPEN_FOR = timedelta(hours=72)
OWNER = "arn:aws:sts::{account}:assumed-role/PlatformAdmin/sam.lee@example.com"


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
    sim: SimulatedOrganization,
    account_name: str,
    bucket: str,
    policy: dict[str, Any],
    at: datetime | None = None,
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
        event_time=at,
    )


def block_public_access(
    sim: SimulatedOrganization, account_name: str, bucket: str, at: datetime | None = None
) -> dict[str, Any]:
    """The bucket's owner turns on Block Public Access; returns CloudTrail's event for it."""
    account = sim.accounts[account_name]
    config = dict.fromkeys(BPA_FLAGS, True)
    sim.session(account.account_id).client("s3").put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=config
    )
    return cloudtrail_event(
        event_name="PutBucketPublicAccessBlock",
        account_id=account.account_id,
        region=HOME_REGION,
        request_parameters={"bucketName": bucket, "PublicAccessBlockConfiguration": config},
        principal_arn=OWNER.format(account=account.account_id),
        source_ip="198.51.100.7",
        event_time=at,
    )


@dataclass(frozen=True)
class Incident:
    """One story of the demo, played through the real event path."""

    story: str
    account_name: str
    bucket: str
    mode: str
    events: list[dict[str, Any]]
    routed: int  # messages the template's rule put on the queue
    failures: list[dict[str, Any]]  # the handler's batch item failures


def seed(sim: SimulatedOrganization, now: datetime | None = None) -> list[Incident]:
    """Play the demo's incidents through the template's rule, the queue and the real evaluator
    handler, without printing; the evidence table then holds their whole story."""
    now = now or datetime.now(UTC)
    payments = sim.accounts["payments-prod"].account_id
    sandbox = sim.accounts["sandbox-dev"].account_id
    incidents = []

    bucket = f"build-artifacts-{sandbox}"
    incidents.append(
        _play(
            sim,
            "a public build bucket, only detected (detect mode); its owner closes it 72 hours on",
            account_name="sandbox-dev",
            bucket=bucket,
            mode="detect",
            changes=[
                lambda: make_drift(
                    sim, "sandbox-dev", bucket, public_read_policy(bucket), at=now - OPEN_FOR
                ),
                lambda: block_public_access(sim, "sandbox-dev", bucket, at=now),
            ],
        )
    )
    for story, bucket, policy in (
        (
            "a load test's public-read policy left on customer data: must be fixed",
            f"payments-customer-data-{payments}",
            public_read_policy,
        ),
        (
            "a deny-only policy (TLS required): must not be flagged or touched",
            f"payments-access-logs-{payments}",
            deny_insecure_transport_policy,
        ),
    ):
        change = partial(make_drift, sim, "payments-prod", bucket, policy(bucket))
        incidents.append(
            _play(
                sim,
                story,
                account_name="payments-prod",
                bucket=bucket,
                mode="enforce",
                changes=[change],
            )
        )
    return incidents


def _play(
    sim: SimulatedOrganization,
    story: str,
    *,
    account_name: str,
    bucket: str,
    mode: str,
    changes: list[Callable[[], dict[str, Any]]],
) -> Incident:
    """Make each change in the member account, then deliver its event, one after the other."""
    routed, failures, events = 0, [], []
    with evaluator_environment(sim, {RULE: mode}):
        for change in changes:
            event = change()
            events.append(event)
            sim.deliver(event)
            messages = sim.receive()
            routed += len(messages)
            failures += sim.invoke_evaluator(messages)["batchItemFailures"]
    return Incident(story, account_name, bucket, mode, events, routed, failures)


@contextmanager
def evaluator_environment(sim: SimulatedOrganization, modes: dict[str, str]) -> Iterator[None]:
    """The evaluator function's environment for one mode, restored afterwards."""
    from orgwarden.engine.runtime import event_service  # noqa: PLC0415 - wiring built from this env

    wanted = sim.evaluator_environment(modes=modes)
    wanted.setdefault("POWERTOOLS_LOG_LEVEL", os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"))
    wanted.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    event_service.cache_clear()
    try:
        yield
    finally:
        event_service.cache_clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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
        for incident in seed(sim):
            say("")
            say(f"== {incident.story}")
            for event in incident.events:
                detail = event["detail"]
                say(f"   {detail['eventName']} on {incident.bucket} ({incident.account_name})")
                say(f"   by {detail['userIdentity']['arn']}")
                say(f"   from {detail['sourceIPAddress']} at {detail['eventTime']}")
                say(f"   event id {detail['eventID']}")
            say(
                f"   mode {incident.mode}; routed through the template's rule to the queue: "
                f"{incident.routed} message(s)"
            )
            say(f"   batch item failures: {incident.failures or 'none'}")
            _show_result(sim, say, incident.account_name, incident.bucket)
        say("")
        say("== one violation from every other rule family (enforce where a fix exists)")
        for story, account_id, event_id in tour(sim):
            say("")
            say(f"-- {story}")
            _show_findings_of(sim, say, account_id, event_id)
        say("")
        say("Ask the evidence as an auditor (each command plays the incidents again):")
        say("  orgwarden findings --demo --rule s3_bucket_public_access")
        say("  orgwarden report --demo")
    return 0


# Fixes the tour turns on; every other rule stays in its shipped default (detect).
TOUR_MODES = {
    "ebs_encryption_by_default": "enforce",
    "ec2_instance_imdsv2_required": "enforce",
    "ec2_instance_required_tags": "enforce",
    "guardduty_detector_enabled": "enforce",
    "guardduty_ec2_compromise": "enforce",
}


def tour(sim: SimulatedOrganization) -> list[tuple[str, str, str]]:
    """One incident per remaining family, through the template's rules, the queue and the
    handler: (story, account, the event id its findings name as their cause)."""
    # Loaded on use: they build drift in the simulated organization's accounts.
    from orgwarden_harness.incidents import (  # noqa: PLC0415
        guardduty_finding_event,
        instance_resource,
        root_signin_event,
        tampering_event,
    )
    from orgwarden_harness.instance_drift import launch_instance  # noqa: PLC0415
    from orgwarden_harness.simulated_drift import (  # noqa: PLC0415
        create_unencrypted_db_instance,
        disable_ebs_encryption_by_default,
    )

    analytics = sim.accounts["analytics-prod"].account_id
    payments = sim.accounts["payments-prod"].account_id
    detectors = sim.session(analytics).client("guardduty")
    detectors.delete_detector(DetectorId=detectors.create_detector(Enable=True)["DetectorId"])
    instance_id, launch = launch_instance(
        sim, "payments-prod", tags={"app": "checkout", "env": "production"}
    )
    miner, _ = launch_instance(sim, "analytics-prod", tags=REQUIRED_TAGS)
    stories = [
        (
            "encryption: EBS encryption by default switched off (fixed)",
            payments,
            disable_ebs_encryption_by_default(sim, payments),
        ),
        (
            "encryption: an unencrypted RDS instance (recommendation only, never destructive)",
            payments,
            create_unencrypted_db_instance(sim, payments, "orders-prod"),
        ),
        (
            f"IMDSv2 and tags: {instance_id} launched allowing IMDSv1, env=production, no team",
            payments,
            launch,
        ),
        (
            "root usage: a root console login without MFA",
            analytics,
            root_signin_event(analytics, mfa_used="No", source_ip="203.0.113.50"),
        ),
        (
            "tampering: the GuardDuty detector deleted (re-created)",
            analytics,
            tampering_event(analytics, "guardduty", "DeleteDetector", {"detectorId": "deleted"}),
        ),
        (
            f"GuardDuty: {miner} mining crypto (quarantined)",
            analytics,
            guardduty_finding_event(
                analytics, "CryptoCurrency:EC2/BitcoinTool.B!DNS", instance_resource(miner)
            ),
        ),
    ]
    with evaluator_environment(sim, TOUR_MODES):
        for _, _, event in stories:
            sim.deliver(event)
            messages = sim.receive()
            sim.invoke_evaluator(messages)
    return [
        # A GuardDuty finding's own id names our finding (EventBridge gives a new envelope id).
        (story, account, event["detail"].get("eventID") or event["detail"]["id"])
        for story, account, event in stories
    ]


REQUIRED_TAGS = {"app": "analytics", "env": "prod", "team": "data", "cost-center": "4100"}


def _show_findings_of(sim: SimulatedOrganization, say: Any, account_id: str, event_id: str) -> None:
    cause_key = "orgwarden/governance/CauseEventId"
    findings = [
        f
        for f in sim.findings(account_id).values()
        if f.get("ProductFields", {}).get(cause_key) == event_id or f"/{event_id}/" in f["Id"]
    ]
    if not findings:
        say("   no finding: see the evidence and the dead-letter queue")
    for finding in sorted(findings, key=lambda f: f["Id"]):
        fields = finding.get("ProductFields", {})
        outcome = fields.get("orgwarden/governance/RemediationOutcome")
        fix = (
            f"  fix {fields.get('orgwarden/governance/Remediation')}: {outcome}" if outcome else ""
        )
        say(f"   {finding['Id']}")
        say(
            f"     detected {fields.get('orgwarden/governance/DetectedStatus')} -> now "
            f"{finding['Compliance']['Status']} ({finding['Severity']['Label']}){fix}"
        )
        say(f"     {finding['Description'][:300]}")


def _show_result(sim: SimulatedOrganization, say: Any, account_name: str, bucket: str) -> None:
    account_id = sim.accounts[account_name].account_id
    finding_id = f"orgwarden/{RULE}/{account_id}/{HOME_REGION}/{bucket}"
    records = sim.evidence().history(finding_id)
    for record in records:
        say(f"   verdict: {record.detected_status.value}: {record.detected_reason}")
        if record.action:
            action = record.action
            say(f"   fix: {action.remediation} [{action.mode.value}] -> {action.outcome}")
            if action.outcome in ("applied", "verified", "not-verified"):
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
