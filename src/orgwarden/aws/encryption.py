"""Encryption reads and fixes: S3 bucket default encryption, EBS encryption by default, EBS
volumes and RDS instance storage.

Volumes and RDS instances have no fix here: neither can be encrypted in place (the fix is a copy
and a cut-over, which only the owner can schedule).
"""

from collections.abc import Callable
from typing import Any

from orgwarden.aws.errors import ResourceGone, call
from orgwarden.aws.member import Change, MemberContext, Reader, Remediation
from orgwarden.aws.s3 import BUCKET_GONE
from orgwarden.model.encryption import (
    BucketEncryption,
    DbStorageEncryption,
    EbsDefaultEncryption,
    VolumeEncryption,
)

NO_ENCRYPTION = "ServerSideEncryptionConfigurationNotFoundError"
NO_VOLUME = "InvalidVolume.NotFound"
VOLUME_GONE = (NO_VOLUME, "InvalidVolume.Malformed")
DESCRIBE_VOLUMES = "ec2:DescribeVolumes"
DESCRIBE_DB_INSTANCES = "rds:DescribeDBInstances"
GET_BUCKET_ENCRYPTION = "s3:GetEncryptionConfiguration"
GET_EBS_DEFAULT = "ec2:GetEbsEncryptionByDefault"
NO_DB_INSTANCE = "DBInstanceNotFound"
SSE_S3 = "AES256"
SSE_KMS = "aws:kms"


def _read_bucket_encryption(ctx: MemberContext) -> BucketEncryption:
    s3 = ctx.client("s3")
    found = ctx.once(
        GET_BUCKET_ENCRYPTION,
        lambda: call(
            GET_BUCKET_ENCRYPTION,
            ctx.principal,
            lambda: s3.get_bucket_encryption(
                Bucket=ctx.ref.resource_id, ExpectedBucketOwner=ctx.ref.account_id
            )["ServerSideEncryptionConfiguration"],
            absent=(NO_ENCRYPTION,),
            gone=BUCKET_GONE,
        ),
    )
    required = ctx.policy.remediation.s3_kms_key_id
    rules = (found or {}).get("Rules") or []
    if not rules:
        return BucketEncryption(ref=ctx.ref, algorithm=None, required_kms_key_id=required)
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    return BucketEncryption(
        ref=ctx.ref,
        algorithm=default.get("SSEAlgorithm"),
        kms_key_id=default.get("KMSMasterKeyID"),
        bucket_key_enabled=bool(rules[0].get("BucketKeyEnabled", False)),
        required_kms_key_id=required,
    )


def bucket_encryption_target(state: BucketEncryption) -> dict[str, Any]:
    """The default encryption the fix sets: SSE-KMS with the configured key, else SSE-S3."""
    if state.required_kms_key_id:
        return {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": SSE_KMS,
                        "KMSMasterKeyID": state.required_kms_key_id,
                    },
                    # An S3 Bucket Key cuts KMS requests (and their cost) by orders of magnitude.
                    "BucketKeyEnabled": True,
                }
            ]
        }
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": SSE_S3}}]}


def _plan_bucket_encryption(state: BucketEncryption) -> dict[str, Any]:
    return {
        "api": "s3:PutBucketEncryption",
        "bucket": state.ref.resource_id,
        "ServerSideEncryptionConfiguration": bucket_encryption_target(state),
    }


def _apply_bucket_encryption(ctx: MemberContext, state: BucketEncryption) -> Change:
    target = bucket_encryption_target(state)
    s3 = ctx.client("s3")
    call(
        "s3:PutEncryptionConfiguration",
        ctx.principal,
        lambda: s3.put_bucket_encryption(
            Bucket=ctx.ref.resource_id,
            ServerSideEncryptionConfiguration=target,
            ExpectedBucketOwner=ctx.ref.account_id,
        ),
        gone=BUCKET_GONE,
    )
    before = None
    if state.algorithm:
        before = {"SSEAlgorithm": state.algorithm, "KMSMasterKeyID": state.kms_key_id}
    return Change(before=before, after=target)


def _read_ebs_default(ctx: MemberContext) -> EbsDefaultEncryption:
    ec2 = ctx.client("ec2")
    found = ctx.once(
        GET_EBS_DEFAULT,
        lambda: call(GET_EBS_DEFAULT, ctx.principal, ec2.get_ebs_encryption_by_default),
    )
    return EbsDefaultEncryption(
        ref=ctx.ref, enabled=bool(found and found["EbsEncryptionByDefault"])
    )


def _plan_ebs_default(state: EbsDefaultEncryption) -> dict[str, Any]:
    return {
        "api": "ec2:EnableEbsEncryptionByDefault",
        "account": state.ref.account_id,
        "region": state.ref.region,
    }


def _apply_ebs_default(ctx: MemberContext, state: EbsDefaultEncryption) -> Change:
    ec2 = ctx.client("ec2")
    call("ec2:EnableEbsEncryptionByDefault", ctx.principal, ec2.enable_ebs_encryption_by_default)
    return Change(
        before={"EbsEncryptionByDefault": state.enabled}, after={"EbsEncryptionByDefault": True}
    )


def _describe_one(
    ctx: MemberContext, operation: str, request: Callable[[], list[Any]], gone: tuple[str, ...]
) -> dict[str, Any]:
    """The one resource a Describe call answers for `ctx` (read once per unit of work, or taken
    from a sweep task's listing); ResourceGone when it is not (or no longer) there."""

    def read() -> dict[str, Any]:
        found = call(operation, ctx.principal, request, gone=gone)
        if not found:
            raise ResourceGone(f"{operation}: {ctx.ref.resource_id} not listed")
        resource: dict[str, Any] = found[0]
        return resource

    return ctx.once(operation, read)


def describe_volume(ctx: MemberContext) -> dict[str, Any]:
    return _describe_one(
        ctx,
        DESCRIBE_VOLUMES,
        lambda: ctx.client("ec2").describe_volumes(VolumeIds=[ctx.ref.resource_id])["Volumes"],
        VOLUME_GONE,
    )


def _read_volume(ctx: MemberContext) -> VolumeEncryption:
    volume = describe_volume(ctx)
    return VolumeEncryption(
        ref=ctx.ref,
        encrypted=bool(volume.get("Encrypted", False)),
        kms_key_id=volume.get("KmsKeyId"),
        state=volume.get("State", "unknown"),
        size_gib=int(volume.get("Size", 0)),
        attached_to=tuple(
            a["InstanceId"] for a in volume.get("Attachments", []) if a.get("InstanceId")
        ),
    )


def describe_db_instance(ctx: MemberContext) -> dict[str, Any]:
    return _describe_one(
        ctx,
        DESCRIBE_DB_INSTANCES,
        lambda: ctx.client("rds").describe_db_instances(DBInstanceIdentifier=ctx.ref.resource_id)[
            "DBInstances"
        ],
        (NO_DB_INSTANCE,),
    )


def _read_db_instance(ctx: MemberContext) -> DbStorageEncryption:
    instance = describe_db_instance(ctx)
    return DbStorageEncryption(
        ref=ctx.ref,
        encrypted=bool(instance.get("StorageEncrypted", False)),
        kms_key_id=instance.get("KmsKeyId"),
        engine=instance.get("Engine", "unknown"),
        status=instance.get("DBInstanceStatus", "unknown"),
    )


READERS = (
    Reader(
        name="s3_bucket_encryption",
        permissions=("s3:GetEncryptionConfiguration",),
        read=_read_bucket_encryption,
    ),
    Reader(
        name="ebs_default_encryption",
        permissions=("ec2:GetEbsEncryptionByDefault",),
        read=_read_ebs_default,
    ),
    Reader(name="ebs_volume", permissions=("ec2:DescribeVolumes",), read=_read_volume),
    Reader(
        name="rds_db_instance", permissions=("rds:DescribeDBInstances",), read=_read_db_instance
    ),
)
REMEDIATIONS = (
    # Set the bucket's default encryption (new objects only; existing objects are not rewritten).
    Remediation(
        name="s3_enable_bucket_default_encryption",
        permissions=("s3:PutEncryptionConfiguration",),
        plan=_plan_bucket_encryption,
        apply=_apply_bucket_encryption,
        changes=(GET_BUCKET_ENCRYPTION,),
    ),
    # Encrypt every new volume in the account and region (existing volumes are unchanged).
    Remediation(
        name="ec2_enable_ebs_encryption_by_default",
        permissions=("ec2:EnableEbsEncryptionByDefault",),
        plan=_plan_ebs_default,
        apply=_apply_ebs_default,
        changes=(GET_EBS_DEFAULT,),
    ),
)
