"""Tag reads for the required-tags rules (one cheap read per resource type), and the fix that
records who created an untagged resource."""

from collections.abc import Callable
from typing import Any

from orgwarden.aws.ec2_instances import first_launched, instance_of, instance_tags, tag_pairs
from orgwarden.aws.encryption import describe_db_instance, describe_volume
from orgwarden.aws.errors import translated
from orgwarden.aws.member import Change, MemberContext, Reader, Remediation
from orgwarden.model.tags import CREATED_BY_TAG, TaggedResource

# The call that creates each type: only its principal is recorded as the creator.
CREATE_EVENTS = {
    "AwsEc2Instance": "RunInstances",
    "AwsEc2Volume": "CreateVolume",
    "AwsS3Bucket": "CreateBucket",
    "AwsRdsDbInstance": "CreateDBInstance",
    "AwsLambdaFunction": "CreateFunction20150331",
    "AwsDynamoDbTable": "CreateTable",
}
# AWS's limit on a tag value: a longer principal ARN is not shortened (that would invent one).
MAX_TAG_VALUE = 256


def _tagged(ctx: MemberContext, tags: dict[str, str], **extra: Any) -> TaggedResource:
    """The rule's input: the tags, the tag policy for this account, the time and the creator."""
    policy = ctx.policy.tag_policy
    cause = ctx.cause
    created = cause is not None and cause.event_name == CREATE_EVENTS[ctx.ref.resource_type]
    return TaggedResource(
        ref=ctx.ref,
        tags=tags,
        required=policy.required_for(ctx.ref.account_id, ctx.ous),
        in_scope=ctx.ref.resource_type in policy.resource_types,
        now=ctx.now,
        creator=cause.principal_arn if created and cause is not None else None,
        **extra,
    )


def _read_instance(ctx: MemberContext) -> TaggedResource:
    instance = instance_of(ctx)
    return _tagged(
        ctx,
        instance_tags(instance),
        state=instance.get("State", {}).get("Name"),
        created_at=first_launched(instance),
        grace_period_hours=ctx.policy.tag_policy.grace_period_hours,
    )


def _read_volume(ctx: MemberContext) -> TaggedResource:
    volume = describe_volume(ctx)
    tags = tag_pairs(volume.get("Tags"))
    return _tagged(ctx, tags, state=volume.get("State"), created_at=volume.get("CreateTime"))


def _bucket_tags(ctx: MemberContext) -> dict[str, str]:
    s3 = ctx.client("s3")
    try:
        with translated("s3:GetBucketTagging", ctx.principal, ("NoSuchBucket",)):
            tag_set = s3.get_bucket_tagging(
                Bucket=ctx.ref.resource_id, ExpectedBucketOwner=ctx.ref.account_id
            )["TagSet"]
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchTagSet":
            return {}
        raise
    return {t["Key"]: t["Value"] for t in tag_set}


def bucket_tags(ctx: MemberContext) -> dict[str, str]:
    """The bucket's tags, read once per sweep task (the tag rule and exemption checks share it)."""
    return ctx.once("s3:GetBucketTagging", lambda: _bucket_tags(ctx))


def _read_bucket(ctx: MemberContext) -> TaggedResource:
    return _tagged(ctx, bucket_tags(ctx))


def _read_db_instance(ctx: MemberContext) -> TaggedResource:
    db = describe_db_instance(ctx)
    return _tagged(
        ctx,
        tag_pairs(db.get("TagList")),
        state=db.get("DBInstanceStatus"),
        created_at=db.get("InstanceCreateTime"),
    )


def _read_function(ctx: MemberContext) -> TaggedResource:
    with translated("lambda:GetFunction", ctx.principal, ("ResourceNotFoundException",)):
        function = ctx.client("lambda").get_function(FunctionName=ctx.ref.resource_id)
    return _tagged(ctx, dict(function.get("Tags", {})))


def _read_table(ctx: MemberContext) -> TaggedResource:
    dynamodb = ctx.client("dynamodb")
    tags: dict[str, str] = {}
    request: dict[str, str] = {"ResourceArn": ctx.ref.arn}
    # ListTagsOfResource pages with NextToken and has no paginator in botocore.
    with translated("dynamodb:ListTagsOfResource", ctx.principal, ("ResourceNotFoundException",)):
        while True:
            page = dynamodb.list_tags_of_resource(**request)
            tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return _tagged(ctx, tags)


def _tag_ec2(ctx: MemberContext, value: str) -> None:
    with translated("ec2:CreateTags", ctx.principal):
        ctx.client("ec2").create_tags(
            Resources=[ctx.ref.resource_id], Tags=[{"Key": CREATED_BY_TAG, "Value": value}]
        )


def _tag_bucket(ctx: MemberContext, value: str) -> None:
    # PutBucketTagging replaces the whole set: read it again just before writing it back.
    tags = {**_bucket_tags(ctx), CREATED_BY_TAG: value}
    with translated("s3:PutBucketTagging", ctx.principal, ("NoSuchBucket",)):
        ctx.client("s3").put_bucket_tagging(
            Bucket=ctx.ref.resource_id,
            ExpectedBucketOwner=ctx.ref.account_id,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
        )


def _tag_db_instance(ctx: MemberContext, value: str) -> None:
    with translated("rds:AddTagsToResource", ctx.principal, ("DBInstanceNotFound",)):
        ctx.client("rds").add_tags_to_resource(
            ResourceName=ctx.ref.arn, Tags=[{"Key": CREATED_BY_TAG, "Value": value}]
        )


def _tag_function(ctx: MemberContext, value: str) -> None:
    with translated("lambda:TagResource", ctx.principal, ("ResourceNotFoundException",)):
        ctx.client("lambda").tag_resource(Resource=ctx.ref.arn, Tags={CREATED_BY_TAG: value})


def _tag_table(ctx: MemberContext, value: str) -> None:
    with translated("dynamodb:TagResource", ctx.principal, ("ResourceNotFoundException",)):
        ctx.client("dynamodb").tag_resource(
            ResourceArn=ctx.ref.arn, Tags=[{"Key": CREATED_BY_TAG, "Value": value}]
        )


# Per resource type: the tagging call (for the plan) and how to make it.
TAGGERS: dict[str, tuple[str, Callable[[MemberContext, str], None]]] = {
    "AwsEc2Instance": ("ec2:CreateTags", _tag_ec2),
    "AwsEc2Volume": ("ec2:CreateTags", _tag_ec2),
    "AwsS3Bucket": ("s3:PutBucketTagging", _tag_bucket),
    "AwsRdsDbInstance": ("rds:AddTagsToResource", _tag_db_instance),
    "AwsLambdaFunction": ("lambda:TagResource", _tag_function),
    "AwsDynamoDbTable": ("dynamodb:TagResource", _tag_table),
}


def _plan_created_by(state: TaggedResource) -> dict[str, Any]:
    if state.owner:
        return {"api": None, "no_change": f"{CREATED_BY_TAG} is already {state.owner}"}
    if not state.creator:
        return {"api": None, "no_change": "the event does not name the creator: nothing to tag"}
    if len(state.creator) > MAX_TAG_VALUE:
        return {"api": None, "no_change": "the creator's ARN is longer than a tag value may be"}
    return {
        "api": TAGGERS[state.ref.resource_type][0],
        "resource": state.ref.arn,
        "tags": {CREATED_BY_TAG: state.creator},
    }


def _apply_created_by(ctx: MemberContext, state: TaggedResource) -> Change:
    before = {CREATED_BY_TAG: state.owner}
    plan = _plan_created_by(state)
    if plan["api"] is None or state.creator is None:
        return Change(before=before, after=before)
    TAGGERS[state.ref.resource_type][1](ctx, state.creator)
    return Change(before=before, after={CREATED_BY_TAG: state.creator})


def _owner_recorded(state: TaggedResource) -> bool:
    """The fix's post-condition: the owner is on the resource, unless no one can be named."""
    return state.owner is not None or _plan_created_by(state)["api"] is None


def _reader(name: str, permission: str, read: Callable[[MemberContext], TaggedResource]) -> Reader:
    return Reader(name=name, permissions=(permission,), read=read)


READERS = (
    _reader("ec2_instance_tags", "ec2:DescribeInstances", _read_instance),
    _reader("ebs_volume_tags", "ec2:DescribeVolumes", _read_volume),
    _reader("s3_bucket_tags", "s3:GetBucketTagging", _read_bucket),
    _reader("rds_instance_tags", "rds:DescribeDBInstances", _read_db_instance),
    _reader("lambda_function_tags", "lambda:GetFunction", _read_function),
    _reader("dynamodb_table_tags", "dynamodb:ListTagsOfResource", _read_table),
)
REMEDIATIONS = (
    # Tag created-by=<principal of the create call>; never any other tag or value. Missing
    # tags stay missing (their values cannot be guessed): the finding stays FAILED.
    Remediation(
        name="tag_created_by",
        permissions=(
            "ec2:CreateTags",
            "s3:GetBucketTagging",
            "s3:PutBucketTagging",
            "rds:AddTagsToResource",
            "lambda:TagResource",
            "dynamodb:TagResource",
        ),
        plan=_plan_created_by,
        apply=_apply_created_by,
        holds=_owner_recorded,
    ),
)
