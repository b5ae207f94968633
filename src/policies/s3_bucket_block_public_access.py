"""A bucket's own S3 Block Public Access settings must all be on.

This is the bucket-level control (FSBP S3.8): it judges the bucket's own settings, not whether the
bucket is public now (that is `s3_bucket_public_access`). Account-level settings can cover a
bucket whose own settings are off, but they can be switched off for the whole account in one
call, so the bucket still fails; the reason says whether the account covers it meanwhile, and the
finding's severity drops to LOW while it does.

Scenarios:
  1. all four bucket settings on                            -> PASSED (account not read)
  2. no bucket configuration (a new bucket, or
     DeleteBucketPublicAccessBlock), account not covering   -> FAILED HIGH, remediation
     s3_block_bucket_public_access
  3. some bucket settings off                               -> FAILED, names the settings off
  4. bucket settings off, account-level all four on         -> FAILED LOW, says the account
     covers the bucket for now
"""

from orgwarden.model.public_access import flags_off
from orgwarden.model.resources import BucketAccess
from orgwarden.model.spec import CloudTrail, ConfigItem, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="s3_bucket_block_public_access",
    title="S3 buckets have all four Block Public Access settings on",
    description=(
        "The bucket's own Block Public Access settings are all on, so neither a bucket policy nor "
        "an ACL can make it public, whatever the account-level settings become."
    ),
    resource_type="AwsS3Bucket",
    reads="s3_bucket_block_public_access",
    severity=Severity.HIGH,
    triggers=(
        *(
            CloudTrail(service="s3", event_name=name, ids="requestParameters.bucketName")
            for name in (
                "CreateBucket",
                "DeleteBucketPublicAccessBlock",
                "DeletePublicAccessBlock",
                "PutBucketPublicAccessBlock",
                "PutPublicAccessBlock",
            )
        ),
        ConfigItem(config_type="AWS::S3::Bucket"),
    ),
    controls={"aws-fsbp": ("S3.8",), "cis-aws-3.0": ("2.1.4",)},
    remediation="s3_block_bucket_public_access",
    recommendation=(
        "Turn on all four Block Public Access settings for the bucket (S3 console > bucket > "
        "Permissions > Block public access). Serve public content through CloudFront with origin "
        "access control, or record an exemption with an owner and an expiry."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html"
    ),
)


def evaluate(bucket: BucketAccess) -> Verdict:
    off = flags_off(bucket.bucket_block)
    facts = {
        "bucket_block": bucket.bucket_block.as_api() if bucket.bucket_block else None,
        "account_block": bucket.account_block.as_api() if bucket.account_block else None,
        "settings_off": off,
    }
    if not off:
        return Verdict(
            status=Status.PASSED,
            reason="All four Block Public Access settings are on for the bucket.",
            facts=facts,
        )
    name = bucket.ref.resource_id
    what = (
        "has no Block Public Access settings of its own"
        if bucket.bucket_block is None
        else f"has Block Public Access partly off ({', '.join(off)})"
    )
    covered = bool(bucket.account_block and bucket.account_block.fully_on)
    meanwhile = (
        "The account-level settings cover it for now, but they can be switched off for the "
        "whole account in one call."
        if covered
        else "Nothing at account level stops a policy or an ACL from making it public."
    )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"Bucket {name} {what}. {meanwhile} Turn all four settings on for the bucket "
            "(s3 PutPublicAccessBlock), or record an exemption if it serves public content "
            "on purpose."
        ),
        facts={**facts, "covered_by_account": covered},
        severity=Severity.LOW if covered else None,
    )
