"""Tag reads for the required-tags rules, and the fix that records who created an untagged
resource, both made as the type's registry entry describes: the tags through the read the
exemption check shares (`orgwarden.aws.tags`), the created-by tag with the entry's tag write."""

from collections.abc import Callable
from typing import Any

from orgwarden.aws.ec2_instances import first_launched
from orgwarden.aws.member import Change, Grant, MemberContext, Reader, Remediation
from orgwarden.aws.tags import DESCRIPTIONS, add_tags, described_tags, read_tags
from orgwarden.model.resource_types import (
    CREATE_EVENTS,
    RESOURCE_TYPES,
    TAGGABLE_TYPES,
    TagCall,
    Tags,
)
from orgwarden.model.tags import CREATED_BY_TAG, TaggedResource

# AWS's limit on a tag value: a longer principal ARN is not shortened (that would invent one).
MAX_TAG_VALUE = 256

Lifecycle = Callable[[MemberContext, dict[str, Any]], dict[str, Any]]


def _instance(ctx: MemberContext, instance: dict[str, Any]) -> dict[str, Any]:
    return {
        "state": instance.get("State", {}).get("Name"),
        "created_at": first_launched(instance),
        "grace_period_hours": ctx.policy.tag_policy.grace_period_hours,
    }


def _volume(ctx: MemberContext, volume: dict[str, Any]) -> dict[str, Any]:
    return {"state": volume.get("State"), "created_at": volume.get("CreateTime")}


def _db_instance(ctx: MemberContext, db: dict[str, Any]) -> dict[str, Any]:
    return {"state": db.get("DBInstanceStatus"), "created_at": db.get("InstanceCreateTime")}


# What a required-tags rule knows of a type beyond its tags (its lifecycle state, when it was
# created), from the description its tags come with. Other types are judged by their tags.
LIFECYCLES: dict[str, Lifecycle] = {
    "AwsEc2Instance": _instance,
    "AwsEc2Volume": _volume,
    "AwsRdsDbInstance": _db_instance,
}


def _tags_of(resource_type: str) -> Tags:
    tags = RESOURCE_TYPES[resource_type].tags
    if tags is None:
        raise ValueError(f"{resource_type} has no tags")
    return tags


def _read(ctx: MemberContext) -> TaggedResource:
    """The rule's input: the tags, the tag policy for this account, the time and the creator."""
    resource_type = ctx.ref.resource_type
    lifecycle = LIFECYCLES.get(resource_type)
    extra: dict[str, Any] = {}
    if lifecycle is None:
        tags = read_tags(ctx)
    else:
        description = DESCRIPTIONS[resource_type](ctx)
        tags = described_tags(RESOURCE_TYPES[resource_type], description)
        extra = lifecycle(ctx, description)
    policy = ctx.policy.tag_policy
    cause = ctx.cause
    created = cause is not None and cause.event_name in CREATE_EVENTS[resource_type]
    return TaggedResource(
        ref=ctx.ref,
        tags=tags,
        required=policy.required_for(ctx.ref.account_id, ctx.ous),
        in_scope=resource_type in policy.resource_types,
        now=ctx.now,
        creator=cause.principal_arn if created and cause is not None else None,
        **extra,
    )


def _plan_created_by(state: TaggedResource) -> dict[str, Any]:
    if state.owner:
        return {"api": None, "no_change": f"{CREATED_BY_TAG} is already {state.owner}"}
    if not state.creator:
        return {"api": None, "no_change": "the event does not name the creator: nothing to tag"}
    if len(state.creator) > MAX_TAG_VALUE:
        return {"api": None, "no_change": "the creator's ARN is longer than a tag value may be"}
    return {
        "api": _tags_of(state.ref.resource_type).write.permission,
        "resource": state.ref.arn,
        "tags": {CREATED_BY_TAG: state.creator},
    }


def _apply_created_by(ctx: MemberContext, state: TaggedResource) -> Change:
    before = {CREATED_BY_TAG: state.owner}
    plan = _plan_created_by(state)
    if plan["api"] is None or state.creator is None:
        return Change(before=before, after=before)
    add_tags(ctx, {CREATED_BY_TAG: state.creator})
    return Change(before=before, after={CREATED_BY_TAG: state.creator})


def _owner_recorded(state: TaggedResource) -> bool:
    """The fix's post-condition: the owner is on the resource, unless no one can be named."""
    return state.owner is not None or _plan_created_by(state)["api"] is None


def _fix_permissions() -> tuple[str, ...]:
    """Every type's tag write, and the read of a set that its write replaces."""
    needed: set[str] = set()
    for tags in (_tags_of(name) for name in TAGGABLE_TYPES):
        needed.add(tags.write.permission)
        if tags.write.replaces and isinstance(tags.read, TagCall):
            needed.add(tags.read.permission)
    return tuple(sorted(needed))


def _fix_grants() -> tuple[Grant, ...]:
    """Each tag write only on its type's resources and, where IAM can say which tag keys a
    request carries, only with the created-by key. A write that replaces the whole set
    (S3's PutBucketTagging) sends every key the resource has: it is limited by resource only."""
    grants: list[Grant] = []
    for tags in (_tags_of(name) for name in TAGGABLE_TYPES):
        write = tags.write
        if write.iam_resource_type is None:
            raise ValueError(f"{write.permission} names no resource type to be granted on")
        conditions = (
            {}
            if write.replaces
            else {
                "ForAllValues:StringEquals": {"aws:TagKeys": (CREATED_BY_TAG,)},
                "Null": {"aws:TagKeys": "false"},
            }
        )
        grants.append(Grant(write.permission, conditions, (write.iam_resource_type,)))
    merged: dict[tuple[str, str], Grant] = {}
    for grant in grants:
        # One grant per action and conditions, on every type it writes (EC2 instances, volumes).
        key = (grant.action, repr(sorted(grant.conditions.items())))
        known = merged.get(key)
        types = tuple(sorted({*(known.resource_types if known else ()), *grant.resource_types}))
        merged[key] = Grant(grant.action, grant.conditions, types)
    return tuple(merged.values())


# One reader per taggable type, under the name its required-tags rule reads.
READERS = tuple(
    Reader(
        name=_tags_of(name).reader,
        permissions=(RESOURCE_TYPES[name].tag_read_permission,),
        read=_read,
    )
    for name in TAGGABLE_TYPES
)
REMEDIATIONS = (
    # Tag created-by=<principal of the create call>; never any other tag or value. Missing
    # tags stay missing (their values cannot be guessed): the finding stays FAILED.
    Remediation(
        name="tag_created_by",
        permissions=_fix_permissions(),
        plan=_plan_created_by,
        apply=_apply_created_by,
        holds=_owner_recorded,
        grants=_fix_grants(),
    ),
)
