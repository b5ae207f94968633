"""Reading a resource's tags, for exemption tags. Read only when a verdict is FAILED, so a
compliant resource costs no extra call; in a sweep task the tags come from the read the rules
already made (the bucket's tagging, the instance's or volume's description)."""

from collections.abc import Callable

from botocore.exceptions import ClientError

from orgwarden.aws.ec2_instances import DESCRIBE_INSTANCES, instance_of, instance_tags, tag_pairs
from orgwarden.aws.encryption import (
    DESCRIBE_DB_INSTANCES,
    DESCRIBE_VOLUMES,
    describe_db_instance,
    describe_volume,
)
from orgwarden.aws.errors import AccessDenied, ResourceGone, error_code, is_access_denied
from orgwarden.aws.member import MemberContext
from orgwarden.aws.tagging import bucket_tags

TagReader = Callable[[MemberContext], dict[str, str]]


def _instance(ctx: MemberContext) -> dict[str, str]:
    return instance_tags(instance_of(ctx))


def _volume(ctx: MemberContext) -> dict[str, str]:
    return tag_pairs(describe_volume(ctx).get("Tags"))


def _rds(ctx: MemberContext) -> dict[str, str]:
    return tag_pairs(describe_db_instance(ctx).get("TagList"))


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
    "AwsS3Bucket": ("s3:GetBucketTagging", bucket_tags),
    "AwsEc2Instance": (DESCRIBE_INSTANCES, _instance),
    "AwsEc2Volume": (DESCRIBE_VOLUMES, _volume),
    "AwsRdsDbInstance": (DESCRIBE_DB_INSTANCES, _rds),
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
        if error_code(error) in ("ResourceNotFoundException",):
            raise ResourceGone(f"{ctx.ref.resource_id} no longer exists") from error
        raise
