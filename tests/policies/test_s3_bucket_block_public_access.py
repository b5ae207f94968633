"""Scenario table for s3_bucket_block_public_access (numbers cite the rule's docstring)."""

import pytest

from orgwarden.model.resources import BucketAccess, PublicAccessBlock, ResourceRef
from orgwarden.model.spec import Severity, Status
from policies.s3_bucket_block_public_access import evaluate

REF = ResourceRef(
    resource_type="AwsS3Bucket",
    resource_id="customer-data-prod",
    account_id="111122223333",
    region="eu-west-1",
)


def bucket(own: PublicAccessBlock | None, account: PublicAccessBlock | None = None) -> BucketAccess:
    return BucketAccess(ref=REF, bucket_block=own, account_block=account)


CASES = [
    # id, state, status, severity override, words in the reason
    ("1: all four on", bucket(PublicAccessBlock.all_on()), Status.PASSED, None, ["All four"]),
    (
        "2: no bucket configuration, account not covering",
        bucket(None),
        Status.FAILED,
        None,
        ["customer-data-prod has no Block Public Access settings", "Nothing at account level"],
    ),
    (
        "3: some bucket settings off",
        bucket(PublicAccessBlock(block_public_acls=True, ignore_public_acls=True)),
        Status.FAILED,
        None,
        ["partly off (BlockPublicPolicy, RestrictPublicBuckets)", "Turn all four"],
    ),
    (
        "4: account covers the bucket for now",
        bucket(None, PublicAccessBlock.all_on()),
        Status.FAILED,
        Severity.LOW,
        ["account-level settings cover it for now"],
    ),
    (
        "4: a partial account setting does not cover it",
        bucket(None, PublicAccessBlock(block_public_acls=True)),
        Status.FAILED,
        None,
        ["Nothing at account level"],
    ),
]


@pytest.mark.parametrize(
    ("state", "expected", "severity", "words"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_scenarios(
    state: BucketAccess, expected: Status, severity: Severity | None, words: list[str]
) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    assert verdict.severity is severity
    for word in words:
        assert word in verdict.reason
