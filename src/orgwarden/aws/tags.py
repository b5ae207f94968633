"""Reading a resource's tags, for exemption tags. Read only when a verdict is FAILED, so a
compliant resource costs no extra call."""

from collections.abc import Callable

from botocore.exceptions import ClientError

from orgwarden.aws.ec2_instances import describe_instance, instance_tags
from orgwarden.aws.errors import AccessDenied, ResourceGone, error_code, is_access_denied
from orgwarden.aws.member import MemberContext

TagReader = Callable[[MemberContext], dict[str, str]]


def _pairs(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or []}


def _bucket(ctx: MemberContext) -> dict[str, str]:
    try:
        # The same request as the tag rule's: within an event it is read once for both.
        answer = ctx.client("s3").get_bucket_tagging(
            Bucket=ctx.ref.resource_id, ExpectedBucketOwner=ctx.ref.account_id
        )
    except ClientError as error:
        if error_code(error) == "NoSuchTagSet":
            return {}
        raise
    return _pairs(answer.get("TagSet"))


def _instance(ctx: MemberContext) -> dict[str, str]:
    # An instance's tags come with its description, which its rules read in the same event.
    return instance_tags(describe_instance(ctx.client("ec2"), ctx.ref, ctx.principal))


def _volume(ctx: MemberContext) -> dict[str, str]:
    volumes = ctx.client("ec2").describe_volumes(VolumeIds=[ctx.ref.resource_id])["Volumes"]
    return _pairs(volumes[0].get("Tags") if volumes else [])


def _rds(ctx: MemberContext) -> dict[str, str]:
    return _pairs(ctx.client("rds").list_tags_for_resource(ResourceName=ctx.ref.arn)["TagList"])


def _lambda(ctx: MemberContext) -> dict[str, str]:
    tags: dict[str, str] = ctx.client("lambda").list_tags(Resource=ctx.ref.arn).get("Tags", {})
    return tags


def _dynamodb(ctx: MemberContext) -> dict[str, str]:
    pages = (
        ctx.client("dynamodb")
        .get_paginator("list_tags_of_resource")
        .paginate(ResourceArn=ctx.ref.arn)
    )
    return {t["Key"]: t["Value"] for page in pages for t in page.get("Tags", [])}


TAG_READERS: dict[str, tuple[str, TagReader]] = {
    "AwsS3Bucket": ("s3:GetBucketTagging", _bucket),
    "AwsEc2Instance": ("ec2:DescribeInstances", _instance),
    "AwsEc2Volume": ("ec2:DescribeVolumes", _volume),
    "AwsRdsDbInstance": ("rds:ListTagsForResource", _rds),
    "AwsLambdaFunction": ("lambda:ListTags", _lambda),
    "AwsDynamoDbTable": ("dynamodb:ListTagsOfResource", _dynamodb),
}
TAG_READ_PERMISSIONS = tuple(sorted({permission for permission, _ in TAG_READERS.values()}))


def read_tags(ctx: MemberContext) -> dict[str, str]:
    """The resource's tags; {} for types that carry none (accounts, GuardDuty subjects)."""
    entry = TAG_READERS.get(ctx.ref.resource_type)
    if entry is None:
        return {}
    permission, reader = entry
    try:
        return reader(ctx)
    except ClientError as error:
        if is_access_denied(error):
            raise AccessDenied(permission, ctx.principal, str(error)) from error
        if error_code(error) in (
            "NoSuchBucket",
            "InvalidInstanceID.NotFound",
            "InvalidVolume.NotFound",
            "DBInstanceNotFound",
            "ResourceNotFoundException",
        ):
            raise ResourceGone(f"{ctx.ref.resource_id} no longer exists") from error
        raise
