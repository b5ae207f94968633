"""S3 buckets must have default encryption; SSE-KMS when the policy file names a KMS key.

Since January 2023 S3 gives every new bucket SSE-S3 and `DeleteBucketEncryption` falls back to
it, so in the commercial partitions a bucket without any default encryption is rare; the
requirement that bites is the organization's own: when `remediation.s3_kms_key_id` is set in the
policy file, SSE-S3 is not enough and SSE-KMS (or DSSE-KMS) is required.

Controls: no FSBP or CIS v3.0 control requires what this rule requires by default. FSBP S3.17
requires KMS, but this rule passes SSE-S3 unless a key is configured, so mapping S3.17 would report
S3.17 as PASSED for buckets that fail it (S3.4, plain default encryption, is retired). The rule
maps NIST SP 800-53 r5 SC-28 (protection of information at rest), which any default encryption
meets.

Any KMS key passes the KMS requirement: a team's own key is its choice, and replacing it would
change who can read new objects; the configured key is only what the fix applies.

Scenarios:
  1. SSE-S3, no key configured                             -> PASSED
  2. no default encryption, no key configured              -> FAILED, remediation
     s3_enable_bucket_default_encryption sets SSE-S3 (S9)
  3. no default encryption, key configured                 -> FAILED, the fix sets SSE-KMS with
     the configured key (S9)
  4. SSE-S3, key configured                                -> FAILED, names the required key
  5. SSE-KMS or DSSE-KMS with any key, key configured      -> PASSED, names the key in use
"""

from orgwarden.model.encryption import BucketEncryption
from orgwarden.model.spec import CloudTrail, ConfigItem, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="s3_bucket_default_encryption",
    title="S3 buckets encrypt new objects by default (SSE-KMS where the policy requires it)",
    description=(
        "The bucket has a default encryption configuration; when the policy file names a KMS key "
        "(remediation.s3_kms_key_id) the default is SSE-KMS."
    ),
    resource_type="AwsS3Bucket",
    reads="s3_bucket_encryption",
    severity=Severity.MEDIUM,
    triggers=(
        *(
            CloudTrail(service="s3", event_name=name, ids="requestParameters.bucketName")
            for name in ("CreateBucket", "DeleteBucketEncryption", "PutBucketEncryption")
        ),
        ConfigItem(config_type="AWS::S3::Bucket"),
    ),
    controls={"nist-800-53-r5": ("SC-28",)},
    remediation="s3_enable_bucket_default_encryption",
    recommendation=(
        "Set default encryption on the bucket: SSE-KMS with the organization's key where the "
        "policy requires it, SSE-S3 otherwise. Existing objects keep their encryption: re-encrypt "
        "them with S3 Batch Operations (copy in place) if they must use the key too."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html"
    ),
)


def evaluate(bucket: BucketEncryption) -> Verdict:
    facts = {
        "algorithm": bucket.algorithm,
        "kms_key_id": bucket.kms_key_id,
        "bucket_key_enabled": bucket.bucket_key_enabled,
        "required_kms_key_id": bucket.required_kms_key_id,
    }
    name = bucket.ref.resource_id
    required = bucket.required_kms_key_id
    if bucket.algorithm is None:
        target = f"SSE-KMS with key {required}" if required else "SSE-S3"
        return Verdict(
            status=Status.FAILED,
            reason=(
                f"Bucket {name} has no default encryption: objects uploaded without encryption "
                f"headers are stored unencrypted by this configuration. Set default encryption to "
                f"{target} (s3 PutBucketEncryption); objects already stored are not re-encrypted."
            ),
            facts=facts,
        )
    if bucket.uses_kms:
        key = bucket.kms_key_id or "the AWS managed key aws/s3"
        return Verdict(
            status=Status.PASSED,
            reason=f"Bucket {name} encrypts new objects with {bucket.algorithm} using {key}.",
            facts=facts,
        )
    if required:
        return Verdict(
            status=Status.FAILED,
            reason=(
                f"Bucket {name} uses {bucket.algorithm} (SSE-S3), but the organization's policy "
                f"requires SSE-KMS: set default encryption to SSE-KMS with key {required} "
                "(s3 PutBucketEncryption). New objects will use the key; objects already stored "
                "keep SSE-S3 until copied in place."
            ),
            facts=facts,
        )
    return Verdict(
        status=Status.PASSED,
        reason=f"Bucket {name} encrypts new objects with {bucket.algorithm} (SSE-S3).",
        facts=facts,
    )
