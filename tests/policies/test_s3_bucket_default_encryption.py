"""Scenario table for s3_bucket_default_encryption (numbers cite the rule's docstring; S9 cites
../shared/reference/scenarios.md)."""

import pytest

from orgwarden.model.encryption import BucketEncryption
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies.s3_bucket_default_encryption import SPEC, evaluate

REF = ResourceRef(
    resource_type="AwsS3Bucket",
    resource_id="customer-data-prod",
    account_id="111122223333",
    region="eu-west-1",
)
ORG_KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
TEAM_KEY = "arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555"


def bucket(
    algorithm: str | None, key: str | None = None, required: str | None = None
) -> BucketEncryption:
    return BucketEncryption(
        ref=REF, algorithm=algorithm, kms_key_id=key, required_kms_key_id=required
    )


CASES = [
    ("1: SSE-S3, no key configured", bucket("AES256"), Status.PASSED, ["AES256 (SSE-S3)"]),
    (
        "2: no default encryption (S9)",
        bucket(None),
        Status.FAILED,
        ["customer-data-prod has no default encryption", "to SSE-S3", "not re-encrypted"],
    ),
    (
        "3: no default encryption, key configured (S9)",
        bucket(None, required=ORG_KEY),
        Status.FAILED,
        [f"SSE-KMS with key {ORG_KEY}"],
    ),
    (
        "4: SSE-S3 but the policy requires KMS",
        bucket("AES256", required=ORG_KEY),
        Status.FAILED,
        ["requires SSE-KMS", ORG_KEY],
    ),
    (
        "5: the configured key",
        bucket("aws:kms", ORG_KEY, required=ORG_KEY),
        Status.PASSED,
        [ORG_KEY],
    ),
    (
        "5: a team's own key",
        bucket("aws:kms", TEAM_KEY, required=ORG_KEY),
        Status.PASSED,
        [TEAM_KEY],
    ),
    (
        "5: DSSE-KMS with the AWS managed key",
        bucket("aws:kms:dsse", required=ORG_KEY),
        Status.PASSED,
        ["aws:kms:dsse", "aws/s3"],
    ),
    ("5: SSE-KMS without a requirement", bucket("aws:kms", TEAM_KEY), Status.PASSED, [TEAM_KEY]),
]


@pytest.mark.parametrize(
    ("state", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_scenarios(state: BucketEncryption, expected: Status, words: list[str]) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_s3_17_is_not_claimed_for_a_rule_that_passes_sse_s3() -> None:
    assert "aws-fsbp S3.17" not in SPEC.related_requirements()
    assert evaluate(bucket("AES256")).status is Status.PASSED
