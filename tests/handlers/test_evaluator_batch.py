"""The handler with a mixed SQS batch: a broken event fails alone; its siblings are processed."""

import dataclasses
import json
from typing import Any

import pytest

from orgwarden.aws.member import Change, MemberContext
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.demo import make_drift, public_read_policy
from orgwarden.simulation import SimulatedOrganization
from tests.conftest import Configure


@pytest.fixture
def sim(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env({"s3_bucket_public_access": "enforce"})


def test_a_malformed_event_is_a_batch_item_failure_and_its_siblings_go_on(
    sim: SimulatedOrganization, caplog: pytest.LogCaptureFixture
) -> None:
    member = sim.accounts["sandbox-dev"].account_id
    good = make_drift(
        sim, "sandbox-dev", f"batch-good-{member}", public_read_policy(f"batch-good-{member}")
    )
    broken = make_drift(
        sim, "sandbox-dev", f"batch-bad-{member}", public_read_policy(f"batch-bad-{member}")
    )
    broken["detail"]["recipientAccountId"] = 12345  # a producer changed the field's type
    bad_id = make_drift(
        sim, "sandbox-dev", f"batch-id-{member}", public_read_policy(f"batch-id-{member}")
    )
    bad_id["detail"]["requestParameters"]["bucketName"] = "../../etc/passwd"
    for event in (broken, good, bad_id):
        sim.deliver(event)
    messages = sim.receive()
    assert len(messages) == 3
    by_bucket = {
        json.loads(m["Body"])["detail"]["requestParameters"]["bucketName"]: m["MessageId"]
        for m in messages
    }

    answer = sim.invoke_evaluator(messages)

    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    assert failed == {by_bucket[f"batch-bad-{member}"], by_bucket["../../etc/passwd"]}
    s3 = sim.session(member).client("s3")
    assert (
        s3.get_public_access_block(Bucket=f"batch-good-{member}")["PublicAccessBlockConfiguration"][
            "BlockPublicPolicy"
        ]
        is True
    )
    reasons = [r.reason for r in caplog.records if r.getMessage() == "event rejected"]
    assert len(reasons) == 2
    assert any("detail.recipientAccountId" in reason for reason in reasons)
    assert any("not a valid S3 bucket name" in reason for reason in reasons)


def test_failed_messages_stay_on_the_queue_for_redrive(sim: SimulatedOrganization) -> None:
    member = sim.accounts["sandbox-dev"].account_id
    bucket = f"redrive-{member}"
    sim.deliver(make_drift(sim, "sandbox-dev", bucket, public_read_policy(bucket)))
    (message,) = sim.receive()
    body = json.loads(message["Body"])
    del body["detail"]["eventName"]  # the producer dropped a field on the way
    message["Body"] = json.dumps(body)

    answer = sim.invoke_evaluator([message])

    assert answer["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
    # Not deleted: made visible again it is redelivered (and after maxReceiveCount the
    # redrive policy moves it to the dead-letter queue).
    sqs = sim.session(sim.tooling.account_id).client("sqs")
    sqs.change_message_visibility(
        QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    redelivered = {m["MessageId"] for m in sim.receive()}
    assert message["MessageId"] in redelivered


def test_a_fix_that_never_holds_is_retried_and_ends_in_the_dead_letter_queue(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix = REMEDIATIONS["s3_block_bucket_public_access"]

    def no_effect(ctx: MemberContext, state: Any) -> Change:
        return Change(before=None, after={"pretended": True})  # the change never lands

    monkeypatch.setitem(REMEDIATIONS, fix.name, dataclasses.replace(fix, apply=no_effect))
    member = sim.accounts["sandbox-dev"].account_id
    bucket = f"never-fixed-{member}"
    sim.deliver(make_drift(sim, "sandbox-dev", bucket, public_read_policy(bucket)))
    sqs = sim.session(sim.tooling.account_id).client("sqs")
    (message,) = sim.receive()
    max_receives = json.loads(
        sqs.get_queue_attributes(QueueUrl=sim.queue_url, AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )["maxReceiveCount"]

    attempts = 0
    while message is not None:
        attempts += 1
        answer = sim.invoke_evaluator([message])
        assert answer["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
        sqs.change_message_visibility(
            QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
        message = next((m for m in sim.receive() if m["MessageId"] == message["MessageId"]), None)

    assert attempts == max_receives  # every delivery tried the fix again
    parked = [
        m
        for m in sim.receive(sim.dlq_url)
        if json.loads(m["Body"])["detail"]["requestParameters"]["bucketName"] == bucket
    ]
    assert len(parked) == 1  # visible in the DLQ (whose depth alarms), not lost
    finding = sim.findings(member)[f"orgwarden/s3_bucket_public_access/{member}/us-east-1/{bucket}"]
    assert finding["Compliance"]["Status"] == "FAILED"
    assert "not-verified" in finding["ProductFields"]["orgwarden/governance/RemediationOutcome"]
