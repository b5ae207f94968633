"""The handler with SQS batches: a rejected event is parked with its reason, a transient
failure is retried, and one that outlasts the retries is parked; siblings are processed."""

import dataclasses
import json
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from orgwarden.aws import readers
from orgwarden.aws.member import Change, MemberContext, Reader
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.engine import dead_letters
from orgwarden.engine.dead_letters import DeadLetterReason
from orgwarden_harness.demo import make_drift, public_read_policy
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import Configure


@pytest.fixture
def sim(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env({"s3_bucket_public_access": "enforce"})


def test_rejected_events_are_parked_with_their_reason_and_their_siblings_go_on(
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

    # Retrying cannot mend them: parked at once, so the batch reports no failure.
    assert answer["batchItemFailures"] == []
    parked = {
        letter.original_message_id: letter
        for letter in map(dead_letters.read, sim.dead_letters())
        if letter.original_message_id in by_bucket.values()
    }
    bad = parked[by_bucket[f"batch-bad-{member}"]]
    assert bad.reason is DeadLetterReason.MALFORMED
    assert "detail.recipientAccountId" in bad.detail
    assert bad.event_id == broken["detail"]["eventID"]
    assert json.loads(bad.body)["detail"]["recipientAccountId"] == 12345  # the body, unchanged
    invalid = parked[by_bucket["../../etc/passwd"]]
    assert invalid.reason is DeadLetterReason.INVALID_IDENTIFIER
    assert "not a valid S3 bucket name" in invalid.detail
    assert invalid.receive_count == 1
    assert by_bucket[f"batch-good-{member}"] not in parked
    s3 = sim.session(member).client("s3")
    assert (
        s3.get_public_access_block(Bucket=f"batch-good-{member}")["PublicAccessBlockConfiguration"][
            "BlockPublicPolicy"
        ]
        is True
    )
    reasons = [r.reason for r in caplog.records if r.getMessage() == "event rejected"]
    assert len(reasons) == 2
    assert sim.receive() == []  # nothing left to redeliver


def test_a_transient_failure_stays_on_the_queue_for_redelivery(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = sim.accounts["sandbox-dev"].account_id
    bucket = f"redrive-{member}"
    real = readers.READERS["s3_bucket_access"]

    def unreachable(ctx: MemberContext) -> Any:
        raise EndpointConnectionError(endpoint_url="https://s3.us-east-1.amazonaws.com")

    monkeypatch.setitem(
        readers.READERS, real.name, Reader(real.name, real.permissions, unreachable)
    )
    sim.deliver(make_drift(sim, "sandbox-dev", bucket, public_read_policy(bucket)))
    (message,) = sim.receive()

    answer = sim.invoke_evaluator([message])

    assert answer["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
    # Not deleted and not parked: made visible again it is redelivered.
    sqs = sim.session(sim.tooling.account_id).client("sqs")
    sqs.change_message_visibility(
        QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    assert message["MessageId"] not in {
        dead_letters.read(m).original_message_id for m in sim.dead_letters()
    }
    monkeypatch.setitem(readers.READERS, real.name, real)  # the endpoint is back
    (again,) = sim.receive()
    assert again["MessageId"] == message["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert sim.invoke_evaluator([again])["batchItemFailures"] == []
    assert sim.bucket_block(member, bucket) is not None


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
        if attempts == max_receives:  # the last allowed receive: parked, with the reason
            assert answer["batchItemFailures"] == []
            break
        assert answer["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
        sqs.change_message_visibility(
            QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
        message = next((m for m in sim.receive() if m["MessageId"] == message["MessageId"]), None)

    assert attempts == max_receives  # every delivery tried the fix again
    assert message["MessageId"] not in {m["MessageId"] for m in sim.receive()}  # deleted
    parked = [
        letter
        for letter in map(dead_letters.read, sim.dead_letters())
        if json.loads(letter.body)["detail"]["requestParameters"]["bucketName"] == bucket
    ]
    assert len(parked) == 1  # visible in the DLQ (whose depth alarms), not lost, not twice
    (letter,) = parked
    assert letter.reason is DeadLetterReason.RETRIES_EXHAUSTED
    assert letter.error == "RemediationNotVerified"
    assert letter.receive_count == max_receives
    finding = sim.findings(member)[f"orgwarden/s3_bucket_public_access/{member}/us-east-1/{bucket}"]
    assert finding["Compliance"]["Status"] == "FAILED"
    assert "not-verified" in finding["ProductFields"]["orgwarden/governance/RemediationOutcome"]


def test_each_body_is_parsed_once_whether_it_is_evaluated_or_parked(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One message model, parsed once: routing, the log and the dead-letter attributes all
    use the parsed message (before, a parked body was parsed again for its event id)."""
    from orgwarden.engine import messages as message_module

    member = sim.accounts["sandbox-dev"].account_id
    good = make_drift(
        sim, "sandbox-dev", f"once-good-{member}", public_read_policy(f"once-good-{member}")
    )
    broken = make_drift(
        sim, "sandbox-dev", f"once-bad-{member}", public_read_policy(f"once-bad-{member}")
    )
    broken["detail"]["recipientAccountId"] = 12345
    for event in (good, broken):
        sim.deliver(event)
    received = sim.receive()
    bodies = {m["Body"] for m in received}
    assert len(bodies) == 2
    parsed: list[str] = []
    real_from_json, real_loads = message_module.from_json, json.loads

    def counting_from_json(data: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(data.decode() if isinstance(data, bytes) else data)
        return real_from_json(data, *args, **kwargs)

    def counting_loads(data: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(data.decode() if isinstance(data, bytes) else data)
        return real_loads(data, *args, **kwargs)

    monkeypatch.setattr(message_module, "from_json", counting_from_json)
    monkeypatch.setattr(json, "loads", counting_loads)

    answer = sim.invoke_evaluator(received)

    monkeypatch.undo()
    assert answer["batchItemFailures"] == []
    assert sorted(p for p in parsed if p in bodies) == sorted(bodies)
    letters = [dead_letters.read(m) for m in sim.dead_letters()]
    (parked,) = [d for d in letters if d.event_id == broken["detail"]["eventID"]]
    assert parked.reason is DeadLetterReason.MALFORMED
