"""The periodic sweep over the simulated organization on moto's server: the producer's tasks,
the tasks run through the real evaluator handler, a denied account, and the scan's summary.

moto does not enforce IAM, so a member account whose read role denies us is represented by
`AccountDenyingSessions`, a Sessions that raises AccessDenied where AssumeRole would fail.
"""

import hashlib
import json
import uuid
from collections.abc import Sequence
from io import StringIO
from typing import Any

import boto3
import pytest
from rich.console import Console

from handlers.evaluator import handler
from orgwarden.audit.scan import scan, summary_table
from orgwarden.aws.errors import AccessDenied
from orgwarden.aws.inventory import ACCOUNT, COLLECTORS
from orgwarden.aws.organization import Directory
from orgwarden.aws.sessions import Sessions
from orgwarden.engine import dead_letters
from orgwarden.engine.dead_letters import DeadLetterReason
from orgwarden.engine.messages import AccountSweep, RejectedEvent, SweepTask, parse_message
from orgwarden.engine.runtime import build_evaluator, event_service, organization_directory
from orgwarden.engine.settings import Settings
from orgwarden.engine.sweep import Producer, plan, run_task, sweep_rules
from orgwarden.model.events import CloudTrailEvent
from orgwarden.model.spec import Status
from orgwarden_harness.simulation import (
    ACCESS_ROLE,
    HOME_REGION,
    MANAGEMENT_ACCOUNT,
    QUEUE_NAME,
    LambdaContext,
    SimulatedOrganization,
)
from policies import load_catalogue
from tests.conftest import EVENTS, Configure, evaluator_as_deployed

OTHER_REGION = "eu-west-1"


def management_directory() -> Directory:
    # moto keeps each account's Organizations view apart: list as the management account.
    return Directory(lambda: boto3.client("organizations", region_name=HOME_REGION))


def test_the_sweep_judges_state_rules_only_and_can_list_each_of_their_types() -> None:
    rules = sweep_rules(load_catalogue())
    swept = {rule.spec.id for group in rules.values() for rule in group}
    # Account-wide state no event announces.
    assert {"ebs_encryption_by_default", "root_access_keys_absent"} <= swept
    # Resource state that events also announce: the sweep catches a lost event.
    assert {"s3_bucket_public_access", "ebs_volume_encrypted", "rds_storage_encrypted"} <= swept
    # Occurrences (a root login, a GuardDuty finding) cannot be found by listing.
    assert not swept & {"root_user_activity", "guardduty_finding_recorded", "guardduty_s3_threat"}
    assert set(rules) - {ACCOUNT} == set(COLLECTORS)


def active_accounts(sim: SimulatedOrganization) -> set[str]:
    """The organization's ACTIVE accounts, read as the management account."""
    pages = sim.session(MANAGEMENT_ACCOUNT).client("organizations").get_paginator("list_accounts")
    return {
        a["Id"] for page in pages.paginate() for a in page["Accounts"] if a["Status"] == "ACTIVE"
    }


def drain(sqs: Any, queue_url: str) -> list[Any]:
    """Every task on a queue, each received once and deleted."""
    received = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in batch:
            task = parse_message(message["Body"]).message
            assert isinstance(task, SweepTask | AccountSweep)
            received.append(task)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return received


def test_the_producer_queues_one_task_per_account_which_expands_per_region_and_type(
    organization: SimulatedOrganization, lambda_env: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = organization
    sqs = sim.session(sim.tooling.account_id).client("sqs")
    queue_url = sqs.create_queue(QueueName=f"sweep-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    catalogue = load_catalogue()
    producer = Producer(
        directory=management_directory(),
        sqs=sqs,
        queue_url=queue_url,
        regions=(HOME_REGION, OTHER_REGION),
        home_region=HOME_REGION,
        catalogue=catalogue,
    )
    tasks = producer.run("test-sweep")

    # One task per ACTIVE account of the organization (other tests add members as they go).
    queued = drain(sqs, queue_url)
    assert all(isinstance(t, AccountSweep) for t in queued)
    assert sorted(t.account_id for t in queued) == sorted(active_accounts(sim))
    assert len(queued) == len(tasks)

    # The evaluator expands an account's task onto the queue: one task per region, for every
    # type.
    lambda_env()
    monkeypatch.setenv("ORGWARDEN_EVALUATION_QUEUE_URL", queue_url)
    event_service.cache_clear()
    member = sim.accounts["payments-prod"].account_id
    (mine,) = [t for t in queued if t.account_id == member]
    answer = handler(records([mine.model_dump_json()]), LambdaContext())
    assert answer == {"batchItemFailures": []}
    received = drain(sqs, queue_url)
    types = set(sweep_rules(catalogue))
    by_region = {t.region: set(t.resource_types) for t in received if t.account_id == member}
    assert len(received) == 2
    assert by_region[HOME_REGION] == types
    # ListBuckets is global: buckets are swept once, from the home region.
    assert by_region[OTHER_REGION] == types - {"AwsS3Bucket"}
    assert len(types) > 5


def records(bodies: list[str]) -> dict[str, Any]:
    """An SQS batch as Lambda's event source mapping hands it to the evaluator."""
    queue_arn = f"arn:aws:sqs:{HOME_REGION}:000000000000:{QUEUE_NAME}"
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": HOME_REGION,
            }
            for body in bodies
        ]
    }


def test_sweep_tasks_through_the_evaluator_find_periodic_and_resource_drift(
    lambda_env: Configure,
) -> None:
    sim = lambda_env()
    account = sim.accounts["sandbox-dev"].account_id
    session = sim.session(account)
    # Account-wide state with no event: EBS default encryption off, no account-level BPA.
    session.client("ec2").disable_ebs_encryption_by_default()
    # Through Sessions: it adapts S3 Control's account-in-host-name to the local endpoint.
    s3control = Sessions().client(
        "s3control", account_id=account, role_name=ACCESS_ROLE, region=HOME_REGION
    )
    s3control.delete_public_access_block(AccountId=account)
    volume = session.client("ec2").create_volume(AvailabilityZone=f"{HOME_REGION}a", Size=1)
    bucket = f"swept-{uuid.uuid4().hex[:10]}-{account}"
    session.client("s3").create_bucket(Bucket=bucket)

    # The types asserted on below (each task lists and judges everything of its type).
    types = (ACCOUNT, "AwsEc2Volume", "AwsS3Bucket")
    tasks = plan("t1", [account], [HOME_REGION], HOME_REGION, types)
    bodies = [task.model_dump_json() for task in tasks]
    broken = json.dumps({"kind": "sweep", "sweep_id": "t1", "account_id": "12"})
    answer = handler(records([*bodies, broken]), LambdaContext())

    # The malformed task is parked in the DLQ with its reason; the others are run.
    assert answer["batchItemFailures"] == []
    parked = [dead_letters.read(m) for m in sim.dead_letters()]
    assert [p.reason for p in parked if p.body == broken] == [DeadLetterReason.MALFORMED]
    findings = sim.findings(account)
    evidence = sim.evidence()

    def finding(rule: str, resource: str) -> dict[str, Any]:
        return findings[f"orgwarden/{rule}/{account}/{HOME_REGION}/{resource}"]

    for rule in ("ebs_encryption_by_default", "s3_account_public_access_block"):
        assert finding(rule, account)["Compliance"]["Status"] == "FAILED"
    assert finding("ebs_volume_encrypted", volume["VolumeId"])["Compliance"]["Status"] == "FAILED"
    assert finding("s3_bucket_block_public_access", bucket)["Compliance"]["Status"] == "FAILED"
    assert finding("s3_bucket_public_access", bucket)["Compliance"]["Status"] == "PASSED"
    (record,) = evidence.history(
        f"orgwarden/ebs_volume_encrypted/{account}/{HOME_REGION}/{volume['VolumeId']}"
    )
    assert record.cause is None  # found by the sweep, not caused by an event


def refuse(tasks: Sequence[SweepTask]) -> None:
    raise AssertionError(f"nothing should be handed on here: {tasks}")


def test_a_malformed_sweep_task_is_rejected_and_an_event_is_not_a_task() -> None:
    with pytest.raises(RejectedEvent, match="sweep task rejected: account_id") as bad:
        parse_message(json.dumps({"kind": "sweep", "sweep_id": "x", "account_id": "1"}))
    assert bad.value.reason is DeadLetterReason.MALFORMED
    with pytest.raises(RejectedEvent, match="sweep task rejected: regions"):
        parse_message(
            json.dumps(
                {
                    "kind": "sweep-account",
                    "sweep_id": "x",
                    "account_id": "123456789012",
                    "regions": [],
                    "home_region": HOME_REGION,
                }
            )
        )
    event = parse_message((EVENTS / "cloudtrail/s3/PutBucketPolicy.json").read_text())
    assert isinstance(event.message, CloudTrailEvent)
    # A body that is neither is rejected as an event, the queue's usual message.
    with pytest.raises(RejectedEvent, match="event <no id> rejected"):
        parse_message(json.dumps({"version": "0", "detail": {}}))
    with pytest.raises(RejectedEvent, match="body is not JSON"):
        parse_message("not json")


class AccountDenyingSessions(Sessions):
    def __init__(self, denied_account: str) -> None:
        super().__init__()
        self.denied_account = denied_account

    def client(self, service: str, *, account_id: str, role_name: str, region: str) -> Any:
        if account_id == self.denied_account and role_name == "OrgwardenRead":
            raise AccessDenied(
                "sts:AssumeRole", self.role_arn(account_id, role_name), "AccessDenied"
            )
        return super().client(service, account_id=account_id, role_name=role_name, region=region)


def test_an_account_whose_read_role_is_denied_is_not_available_not_empty(
    lambda_env: Configure,
) -> None:
    sim = lambda_env()
    account = sim.accounts["analytics-prod"].account_id
    sessions = AccountDenyingSessions(account)
    evaluator = evaluator_as_deployed(sessions=sessions)
    bucket_rules = sweep_rules(evaluator.catalogue)["AwsS3Bucket"]

    listed = run_task(
        evaluator,
        SweepTask(
            sweep_id="d", account_id=account, region=HOME_REGION, resource_types=("AwsS3Bucket",)
        ),
        hand_on=refuse,
    ).outcomes
    read = run_task(
        evaluator,
        SweepTask(sweep_id="d", account_id=account, region=HOME_REGION, resource_types=(ACCOUNT,)),
        hand_on=refuse,
    ).outcomes

    assert {o.rule_id for o in listed} == {r.spec.id for r in bucket_rules}
    assert {o.status for o in [*listed, *read]} == {Status.NOT_AVAILABLE}
    findings = sim.findings(account)
    for outcome in listed:
        reason = findings[outcome.finding_id]["Compliance"]["StatusReasons"][0]["Description"]
        assert "Cannot list the account's AwsS3Bucket resources" in reason
        assert outcome.resource_id == account  # the finding is about the account we cannot see


def test_a_task_for_an_account_outside_the_organization_is_rejected(
    lambda_env: Configure,
) -> None:
    sim = lambda_env()
    sessions = Sessions()
    settings = Settings()  # type: ignore[call-arg]
    evaluator = build_evaluator(settings, sessions)
    assert evaluator.directory is not None
    stranger = SweepTask(
        sweep_id="s", account_id="999999999999", region=HOME_REGION, resource_types=(ACCOUNT,)
    )
    with pytest.raises(RejectedEvent, match="not an active member"):
        run_task(evaluator, stranger, hand_on=refuse)
    assert sim.tooling.account_id in evaluator.directory.active_accounts()


def test_the_scan_summary_counts_each_rule_by_status(lambda_env: Configure) -> None:
    sim = lambda_env()
    account = sim.accounts["payments-prod"].account_id
    sim.session(account).client("ec2").disable_ebs_encryption_by_default()
    evaluator = build_evaluator(Settings(), Sessions())  # type: ignore[call-arg]
    quiet = Console(file=StringIO())
    result = scan(evaluator, [HOME_REGION], HOME_REGION, quiet, only=[account])

    assert result.accounts == [account]
    assert not result.failed_tasks
    assert result.by_rule["root_access_keys_absent"][Status.PASSED] == 1
    assert result.by_rule["ebs_encryption_by_default"][Status.FAILED] == 1
    out = Console(file=StringIO(), width=120)
    out.print(summary_table(result))
    text = out.file.getvalue()  # type: ignore[attr-defined]
    row = next(line for line in text.splitlines() if "ebs_encryption_by_default" in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells == ["ebs_encryption_by_default", "0", "1", "0", "0"]
    assert "1 account(s)" in text


def test_the_directory_of_the_runtime_lists_through_the_organization_role(
    organization: SimulatedOrganization,
) -> None:
    role = f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/{ACCESS_ROLE}"
    accounts = organization_directory(Sessions(), role).active_accounts()
    assert set(accounts) == active_accounts(organization)
    assert {MANAGEMENT_ACCOUNT, *(a.account_id for a in organization.accounts.values())} <= set(
        accounts
    )
