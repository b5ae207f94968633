"""Faults on the wire, through the real queue and handler on moto's server: each ends in the
right status and nothing is lost.

- throttling: botocore backs off and retries; a burst longer than its retries fails the batch
  item, and SQS delivers it again;
- connection timeouts and unreachable endpoints: the same, as transient failures;
- AccessDenied on a member role or a read: NOT_AVAILABLE with the reason, not retried;
- NotFound right after a create: read again before the resource is called gone;
- a partial Security Hub import failure: the batch item is retried until imported.
"""

import uuid
from typing import Any

import pytest

from orgwarden.model.spec import Status
from orgwarden_harness.demo import make_drift, public_read_policy
from orgwarden_harness.ledger import Balance, received_keys, reconcile
from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization
from tests.reliability import faults

RULE = "s3_bucket_public_access"
ACCOUNT = "payments-prod"


def public_buckets(sim: SimulatedOrganization, count: int, label: str) -> list[dict[str, Any]]:
    member = sim.accounts[ACCOUNT].account_id
    names = [f"{label}-{i}-{uuid.uuid4().hex[:8]}-{member}" for i in range(count)]
    return [make_drift(sim, ACCOUNT, name, public_read_policy(name)) for name in names]


def bucket_of(event: dict[str, Any]) -> str:
    return str(event["detail"]["requestParameters"]["bucketName"])


def finding(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, Any]:
    member = sim.accounts[ACCOUNT].account_id
    return sim.findings(member)[f"orgwarden/{RULE}/{member}/{HOME_REGION}/{bucket_of(event)}"]


def run(sim: SimulatedOrganization, events: list[dict[str, Any]]) -> Balance:
    for event in events:
        sim.deliver(event)
    received = sim.drain_queue()
    balance = reconcile(received_keys(received), sim.evaluated_event_ids(), sim.dead_letters())
    assert balance.balanced, balance.summary()
    return balance


def fixes(wire: faults.WireFaults) -> list[str]:
    return [url for operation, url in wire.sent if operation == "s3.PutPublicAccessBlock"]


def test_a_throttling_burst_is_ridden_out_with_backoff_and_retried_batch_items(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    events = public_buckets(sim, 4, "burst")
    # The member account's S3 answers SlowDown to the next 15 calls, whichever bucket: one
    # call's six attempts are used up, the next event's too, and then the burst is over.
    burst = wire.add(
        "s3.*", faults.xml_error(503, "SlowDown", "Reduce your request rate."), times=15
    )

    balance = run(sim, events)

    assert burst.hits == 15
    assert len(balance.evaluated) == 4
    assert not balance.dead_lettered
    assert balance.messages > len(events)  # some were delivered again by SQS
    assert len(wire.backoff) >= 13  # botocore slept between attempts (recorded, not slept)
    assert all(0 <= pause <= 20 for pause in wire.backoff)  # within standard mode's cap
    assert sum(wire.limited) > 1  # and the adaptive limiter slowed the throttled client down
    assert len(fixes(wire)) == 4  # each bucket fixed once, retries included
    for event in events:
        assert finding(sim, event)["Compliance"]["Status"] == "PASSED"


@pytest.mark.parametrize("error", sorted(faults.CONNECTION_ERRORS))
def test_a_connection_failure_is_retried_and_then_evaluated(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch, error: str
) -> None:
    wire = faults.install(monkeypatch)
    (event,) = public_buckets(sim, 1, "conn")
    # Every attempt of the first receive fails; the endpoint is back for the second.
    down = wire.add("s3.*", faults.raising(error), times=6, url_has=bucket_of(event))

    balance = run(sim, [event])

    assert down.hits == 6
    assert balance.messages == 2  # one batch item failure, one redelivery
    assert balance.evaluated == {event["detail"]["eventID"]}
    assert len(wire.backoff) >= 5
    assert len(fixes(wire)) == 1
    assert finding(sim, event)["Compliance"]["Status"] == "PASSED"


def test_a_member_role_that_denies_assume_role_gives_not_available_and_no_retry(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    (event,) = public_buckets(sim, 1, "denied")
    member = sim.accounts[ACCOUNT].account_id
    wire.add(
        "sts.AssumeRole",
        faults.query_error(403, "AccessDenied", "not authorized to perform sts:AssumeRole"),
        url_has=f"{member}%3Arole%2FOrgwardenRead",
    )

    balance = run(sim, [event])

    assert balance.messages == 1  # a verdict, not a failure: never retried
    found = finding(sim, event)
    assert found["Compliance"]["Status"] == "NOT_AVAILABLE"
    reason = found["Compliance"]["StatusReasons"][0]["Description"]
    assert "sts:AssumeRole denied" in reason
    assert "OrgwardenRead" in reason
    assert fixes(wire) == []
    assert sim.bucket_block(member, bucket_of(event)) is None


def test_a_read_denied_by_the_member_gives_not_available_with_the_call_named(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    (event,) = public_buckets(sim, 1, "readdenied")
    wire.add(
        "s3.GetBucketPolicy",
        faults.xml_error(403, "AccessDenied", "Access Denied"),
        url_has=bucket_of(event),
    )

    balance = run(sim, [event])

    assert balance.messages == 1
    reason = finding(sim, event)["Compliance"]["StatusReasons"][0]["Description"]
    assert finding(sim, event)["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert "s3:GetBucketPolicy denied" in reason
    assert fixes(wire) == []


def test_not_found_right_after_a_create_is_read_again_not_called_gone(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    (event,) = public_buckets(sim, 1, "lagging")
    event["detail"]["eventName"] = "CreateBucket"  # a create: S3 may not show the bucket yet
    lag = wire.add(
        "s3.*",
        faults.xml_error(404, "NoSuchBucket", "The specified bucket does not exist"),
        times=2,
        url_has=bucket_of(event),
    )

    run(sim, [event])

    assert lag.hits == 2
    found = finding(sim, event)
    assert found["Compliance"]["Status"] == "PASSED"  # read, found public, fixed, verified
    assert len(fixes(wire)) == 1


def test_not_found_for_a_change_to_an_existing_bucket_is_not_applicable_at_once(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    (event,) = public_buckets(sim, 1, "gone")  # PutBucketPolicy: not a create
    gone = wire.add(
        "s3.*",
        faults.xml_error(404, "NoSuchBucket", "The specified bucket does not exist"),
        url_has=bucket_of(event),
    )

    balance = run(sim, [event])

    assert balance.messages == 1  # a verdict, not a failure
    assert gone.hits == 1  # read once: no re-reads for a bucket that existed before
    assert finding(sim, event)["RecordState"] == "ARCHIVED"  # Security Hub's word for gone
    member = sim.accounts[ACCOUNT].account_id
    fid = f"orgwarden/{RULE}/{member}/{HOME_REGION}/{bucket_of(event)}"
    (record,) = sim.evidence().history(fid)
    assert record.status is Status.NOT_APPLICABLE
    assert fixes(wire) == []


def test_a_partial_security_hub_import_failure_retries_the_item_until_imported(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    (event,) = public_buckets(sim, 1, "import")
    member = sim.accounts[ACCOUNT].account_id
    fid = f"orgwarden/{RULE}/{member}/{HOME_REGION}/{bucket_of(event)}"
    refused = {
        "FailedCount": 1,
        "SuccessCount": 0,
        "FailedFindings": [
            {"Id": fid, "ErrorCode": "InvalidInput", "ErrorMessage": "Finding is malformed"}
        ],
    }
    failing = wire.add("securityhub.BatchImportFindings", faults.json_answer(200, refused), times=1)

    balance = run(sim, [event])

    assert failing.hits == 1
    assert balance.messages == 2  # the item failed once, and was delivered again
    assert len(fixes(wire)) == 1  # the retry found the bucket fixed: no second fix
    assert finding(sim, event)["Compliance"]["Status"] == "PASSED"
    history = sim.evidence().history(fid)
    assert [r.action.outcome if r.action else None for r in history] == ["verified", None]
