"""A resource's tags, read and written with the calls its type's registry entry describes.

Reading is the one read that the required-tags rules and the exemption check share. A type whose
tags are part of its description (instances, volumes, RDS instances) reads them with that
description, which the rules read anyway (or the sweep's listing supplied); any other type makes
its tag call once per unit of work, as the fact named by the call's IAM action
(`MemberContext.once`), so a rule's reader and an exemption check after it cost one call.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from orgwarden.aws.ec2_instances import instance_of, tag_pairs
from orgwarden.aws.encryption import describe_db_instance, describe_volume
from orgwarden.aws.errors import call
from orgwarden.aws.member import MemberContext
from orgwarden.model.resource_types import (
    RESOURCE_TYPES,
    DescribedTags,
    ResourceType,
    TagCall,
    TagShape,
)

Description = Callable[[MemberContext], dict[str, Any]]

# The description of one resource (read once per unit of work, or taken from a listing), by
# type: for the types whose entry says their tags are part of it.
DESCRIPTIONS: dict[str, Description] = {
    "AwsEc2Instance": instance_of,
    "AwsEc2Volume": describe_volume,
    "AwsRdsDbInstance": describe_db_instance,
}
TAG_READ_PERMISSIONS = tuple(
    sorted({entry.tag_read_permission for entry in RESOURCE_TYPES.values() if entry.tags})
)


def tags_from(value: Any, shape: TagShape) -> dict[str, str]:
    """Tags as a dict, from an API's map or list of {Key, Value} pairs."""
    if shape == "map":
        return dict(value or {})
    return tag_pairs(value)


def as_shape(tags: Mapping[str, str], shape: TagShape) -> Any:
    """Tags as an API takes them."""
    if shape == "map":
        return dict(tags)
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tag_request(
    ctx: MemberContext, tag_call: TagCall, tags: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The request of `tag_call` for the resource of `ctx`; for a write, with `tags` where
    the call takes them."""
    name = ctx.ref.arn if tag_call.by_arn else ctx.ref.resource_id
    request: dict[str, Any] = {tag_call.identifier: [name] if tag_call.as_list else name}
    if tag_call.owner:
        request[tag_call.owner] = ctx.ref.account_id
    if tags is not None:
        *outer, field = tag_call.tags.split(".")
        holder = request
        for key in outer:
            holder = holder.setdefault(key, {})
        holder[field] = as_shape(tags, tag_call.shape)
    return request


def _at(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def fetch_tags(ctx: MemberContext, read: TagCall) -> dict[str, str]:
    """The tags as `read` reports them now, every page (never a shared answer: a write that
    replaces the whole set reads them just before)."""
    client = ctx.client(read.service)
    request = tag_request(ctx, read)

    def pages() -> Iterable[Mapping[str, Any]]:
        if client.can_paginate(read.operation):
            return list(client.get_paginator(read.operation).paginate(**request))
        return [getattr(client, read.operation)(**request)]

    found = call(read.permission, ctx.principal, pages, absent=read.absent, gone=read.gone)
    tags: dict[str, str] = {}
    for page in found or ():
        tags.update(tags_from(_at(page, read.tags), read.shape))
    return tags


def described_tags(entry: ResourceType, description: Mapping[str, Any]) -> dict[str, str]:
    """The tags in a description of a type whose tags are part of it."""
    read = entry.tags.read if entry.tags else None
    if not isinstance(read, DescribedTags):
        raise TypeError(f"{entry.name}'s tags are not part of its description")
    return tags_from(description.get(read.field), read.shape)


def read_tags(ctx: MemberContext) -> dict[str, str]:
    """The resource's tags; {} for types that carry none (accounts, GuardDuty subjects)."""
    entry = RESOURCE_TYPES.get(ctx.ref.resource_type)
    if entry is None or entry.tags is None:
        return {}
    read = entry.tags.read
    if isinstance(read, DescribedTags):
        return described_tags(entry, DESCRIPTIONS[entry.name](ctx))
    return ctx.once(read.permission, lambda: fetch_tags(ctx, read))


def add_tags(ctx: MemberContext, tags: Mapping[str, str]) -> None:
    """Add `tags` to the resource with its type's tag write; no other tag changes."""
    entry = RESOURCE_TYPES[ctx.ref.resource_type]
    if entry.tags is None:
        raise TypeError(f"{entry.name} carries no tags")
    write, read = entry.tags.write, entry.tags.read
    if write.replaces and isinstance(read, TagCall):
        # The call replaces the whole set: read it again just before writing it back.
        tags = {**fetch_tags(ctx, read), **tags}
    request = tag_request(ctx, write, tags)
    client = ctx.client(write.service)
    call(
        write.permission,
        ctx.principal,
        lambda: getattr(client, write.operation)(**request),
        gone=write.gone,
    )
