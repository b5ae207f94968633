"""An event is a unit of work with one read cache, as a sweep task is: the rules a new bucket
triggers (and their exemption checks) read each of its facts once, a fix forgets what it
declares it changes so its verification reads that again, and the next event reads afresh.
Member-account reads are counted with a botocore hook, so an added read fails a test."""

import uuid
from collections import Counter
from typing import Any

import pytest

from orgwarden.model.spec import Mode, Status
from orgwarden_harness.simulated_drift import create_bucket
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import ApiCalls, Configure, hook_new_clients
from tests.orgwarden.engine.test_evaluator import evaluator, run

BUCKET_RULES = (
    "s3_bucket_public_access",
    "s3_bucket_block_public_access",
    "s3_bucket_default_encryption",
    "s3_bucket_required_tags",
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> ApiCalls:
    counted = ApiCalls()
    hook_new_clients(monkeypatch, "before-call.*.*", counted)
    return counted


def s3_calls(calls: ApiCalls) -> Counter[str]:
    counted = Counter(c for c in calls.calls if c.startswith(("S3.", "S3 Control.")))
    calls.calls.clear()
    return counted


def new_bucket(sim: SimulatedOrganization) -> dict[str, Any]:
    member = sim.accounts["analytics-prod"].account_id
    return create_bucket(sim, member, f"reads-{uuid.uuid4().hex[:12]}-{member}")


def test_an_event_reads_each_fact_once_for_all_its_rules_and_the_next_event_reads_afresh(
    lambda_env: Configure, calls: ApiCalls
) -> None:
    sim = lambda_env()
    event = new_bucket(sim)
    ev = evaluator(Mode.DETECT, rules=BUCKET_RULES)
    calls.calls.clear()

    outcomes = run(ev, event)

    assert {o.rule_id for o in outcomes} == set(BUCKET_RULES)
    assert sum(o.status is Status.FAILED for o in outcomes) == 3  # each checks exemption tags
    once_each = {
        "S3.GetPublicAccessBlock": 1,
        "S3 Control.GetPublicAccessBlock": 1,
        "S3.GetBucketPolicy": 1,
        "S3.GetBucketAcl": 1,
        "S3.GetBucketEncryption": 1,
        "S3.GetBucketTagging": 1,
    }
    assert s3_calls(calls) == once_each
    run(ev, {**event, "id": str(uuid.uuid4())})  # the same bucket, another event
    assert s3_calls(calls) == once_each


def test_an_event_s_fixes_forget_what_they_change_so_each_is_verified_by_a_fresh_read(
    lambda_env: Configure, calls: ApiCalls
) -> None:
    sim = lambda_env()
    event = new_bucket(sim)
    ev = evaluator(Mode.ENFORCE, rules=BUCKET_RULES)
    calls.calls.clear()

    outcomes = run(ev, event)

    fixed = {o.rule_id for o in outcomes if o.remediation_outcome == "verified"}
    assert fixed == set(BUCKET_RULES) - {"s3_bucket_public_access"}
    # Block Public Access and encryption: read, and read again after their fix; the policy,
    # the ACL and the account's settings are not changed by either fix, so read once. The tags:
    # read for the rule, read afresh by the fix itself (as the remediation role, just before
    # writing the whole set back), and read again after it.
    assert s3_calls(calls) == {
        "S3.GetPublicAccessBlock": 2,
        "S3 Control.GetPublicAccessBlock": 1,
        "S3.GetBucketPolicy": 1,
        "S3.GetBucketAcl": 1,
        "S3.GetBucketEncryption": 2,
        "S3.GetBucketTagging": 3,
        "S3.PutPublicAccessBlock": 1,
        "S3.PutBucketEncryption": 1,
        "S3.PutBucketTagging": 1,
    }
