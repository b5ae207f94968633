"""Reading a resource's tags, for exemption tags. Read only when a verdict is FAILED, so a
compliant resource costs no extra call."""

from collections.abc import Callable

from botocore.exceptions import ClientError

from orgwarden.aws.errors import AccessDenied, ResourceGone, error_code, is_access_denied
from orgwarden.aws.member import MemberContext

TagReader = Callable[[MemberContext], dict[str, str]]


def _pairs(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or []}


def _bucket(ctx: MemberContext) -> dict[str, str]:
    try:
        answer = ctx.client("s3").get_bucket_tagging(Bucket=ctx.ref.resource_id)
    except ClientError as error:
        if error_code(error) == "NoSuchTagSet":
            return {}
        raise
    return _pairs(answer.get("TagSet"))


def _ec2(ctx: MemberContext) -> dict[str, str]:
    pages = (
        ctx.client("ec2")
        .get_paginator("describe_tags")
        .paginate(Filters=[{"Name": "resource-id", "Values": [ctx.ref.resource_id]}])
    )
    return {t["Key"]: t.get("Value", "") for page in pages for t in page["Tags"]}


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
    "AwsEc2Instance": ("ec2:DescribeTags", _ec2),
    "AwsEc2Volume": ("ec2:DescribeTags", _ec2),
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
            "DBInstanceNotFound",
            "ResourceNotFoundException",
        ):
            raise ResourceGone(f"{ctx.ref.resource_id} no longer exists") from error
        raise
