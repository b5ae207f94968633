"""The ledger: a mixed stream through the governance bus, the real queue and the real handler on
moto's server; every event received ends evaluated or dead-lettered with its reason.

The stream: valid events of four families (public and deny-only bucket policies, a root
sign-in, a GuardDuty finding), a duplicate delivery, a failed call that changes nothing, a
malformed event, a bad identifier, an event naming no resource, an account outside the
organization, a bucket whose reads time out on every receive, and one whose reads are
throttled for longer than botocore's retries last.
"""

import uuid
from typing import Any

import pytest

from orgwarden.engine.dead_letters import DeadLetterReason, read
from orgwarden_harness.demo import deny_insecure_transport_policy, make_drift, public_read_policy
from orgwarden_harness.incidents import (
    guardduty_finding_event,
    instance_resource,
    root_signin_event,
)
from orgwarden_harness.ledger import dead_letter_key, received_keys, reconcile
from orgwarden_harness.simulation import (
    DEVELOPER,
    HOME_REGION,
    SimulatedOrganization,
    cloudtrail_event,
)
from tests.reliability import faults

RULE = "s3_bucket_public_access"
OUTSIDER = "999988887777"


def key(event: dict[str, Any]) -> str:
    return str(event["detail"]["eventID"])


def test_every_event_received_ends_evaluated_or_dead_lettered_with_a_reason(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    account = "analytics-prod"
    member = sim.accounts[account].account_id
    run = uuid.uuid4().hex[:8]

    def bucket(name: str) -> str:
        return f"ledger-{name}-{run}-{member}"

    public = make_drift(sim, account, bucket("public"), public_read_policy(bucket("public")))
    private = make_drift(
        sim, account, bucket("deny"), deny_insecure_transport_policy(bucket("deny"))
    )
    root = root_signin_event(member)
    threat = guardduty_finding_event(
        member, "Recon:EC2/PortProbeUnprotectedPort", instance_resource("i-0abc12345def67890")
    )
    failed_call = cloudtrail_event(
        event_name="PutBucketPolicy",
        account_id=member,
        region=HOME_REGION,
        request_parameters={"bucketName": bucket("denied")},
        principal_arn=DEVELOPER.format(account=member),
        error_code="AccessDenied",
    )
    malformed = make_drift(sim, account, bucket("bad"), public_read_policy(bucket("bad")))
    malformed["detail"]["recipientAccountId"] = 12345  # a producer changed the field's type
    bad_id = make_drift(sim, account, bucket("id"), public_read_policy(bucket("id")))
    bad_id["detail"]["requestParameters"]["bucketName"] = "../../etc/passwd"
    no_resource = make_drift(sim, account, bucket("none"), public_read_policy(bucket("none")))
    no_resource["detail"]["requestParameters"] = {"policy": [""]}
    outsider = make_drift(sim, account, bucket("out"), public_read_policy(bucket("out")))
    outsider["detail"]["recipientAccountId"] = OUTSIDER
    timing_out = make_drift(sim, account, bucket("timeout"), public_read_policy(bucket("timeout")))
    throttled = make_drift(
        sim, account, bucket("throttled"), public_read_policy(bucket("throttled"))
    )

    # Reads of one bucket time out for ever; another's are throttled eight times in a row: more
    # than the six attempts botocore makes per call (adaptive mode, 5 retries), so the first
    # receive fails and the second gets through after two more throttles.
    timeouts = wire.add("s3.*", faults.raising("ReadTimeoutError"), url_has=bucket("timeout"))
    throttles = wire.add(
        "s3.*",
        faults.xml_error(503, "SlowDown", "Please reduce your request rate."),
        times=8,
        url_has=bucket("throttled"),
    )

    stream = [
        public,
        private,
        root,
        threat,
        failed_call,
        malformed,
        bad_id,
        no_resource,
        outsider,
        timing_out,
        throttled,
        public,  # delivered twice: the same CloudTrail record
    ]
    for event in stream:
        sim.deliver(event)

    received = sim.drain_queue()
    letters = sim.dead_letters()
    balance = reconcile(
        received_keys(received), sim.evaluated_event_ids(), letters, silent={key(failed_call)}
    )

    assert balance.balanced, balance.summary()
    assert balance.missing == frozenset()
    # GuardDuty and sign-in events are known by their envelope ids, which EventBridge assigns.
    assert len(balance.received) == len(stream) - 1  # the duplicate is one event
    assert balance.evaluated >= {key(public), key(private), key(root), key(throttled)}
    assert len(balance.evaluated) == 5  # and the GuardDuty finding
    assert balance.silent == {key(failed_call)}
    assert balance.dead_lettered == {
        key(malformed): {DeadLetterReason.MALFORMED},
        key(bad_id): {DeadLetterReason.INVALID_IDENTIFIER},
        key(no_resource): {DeadLetterReason.MISSING_RESOURCE},
        key(outsider): {DeadLetterReason.UNTRUSTED_ACCOUNT},
        key(timing_out): {DeadLetterReason.RETRIES_EXHAUSTED},
    }
    assert balance.partially_evaluated == frozenset()
    # 12 deliveries, 4 more receives of the bucket that times out, 1 of the throttled one.
    assert balance.messages == len(stream) + (sim.max_receive_count - 1) + 1

    (timed_out,) = [
        letter for letter in map(read, letters) if dead_letter_key(letter) == key(timing_out)
    ]
    assert timed_out.error == "ReadTimeoutError"
    assert timeouts.hits == 6 * sim.max_receive_count  # botocore's 6 attempts per receive
    assert throttles.hits == 8
    assert timed_out.receive_count == sim.max_receive_count
    # botocore backed off between its attempts, longer each time (up to its cap).
    assert len(wire.backoff) >= 5 * sim.max_receive_count + 7
    assert max(wire.backoff) > 0

    # One fix per public bucket, though one was delivered twice and the other retried.
    fixes = [url for operation, url in wire.sent if operation == "s3.PutPublicAccessBlock"]
    assert sorted(bucket_of(url) for url in fixes) == sorted(
        [bucket("public"), bucket("throttled")]
    )
    evidence = sim.evidence()
    fid = f"orgwarden/{RULE}/{member}/{HOME_REGION}/{bucket('public')}"
    assert len(evidence.history(fid)) == 1  # the duplicate was not evaluated again
    timeouts.times = timeouts.hits  # the endpoint is back
    assert sim.bucket_block(member, bucket("timeout")) is None  # never read, never changed


def bucket_of(url: str) -> str:
    """The bucket of a path-style S3 URL (moto's server is addressed by IP)."""
    return url.split("://", 1)[1].split("/")[1].split("?", maxsplit=1)[0]
