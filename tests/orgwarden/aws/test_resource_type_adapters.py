"""The adapters interpret every registry entry, and nothing the registry does not declare: each
tag call, tag field and listing named by an entry exists in the service's API model (botocore's,
no network), its IAM action is the call's, and the type-specific adapters (descriptions,
lifecycles, collectors) are keyed by exactly the types whose entries need them."""

from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from orgwarden.aws.inventory import COLLECTORS
from orgwarden.aws.member import MemberContext
from orgwarden.aws.read_cache import ReadCache
from orgwarden.aws.readers import READERS
from orgwarden.aws.sessions import Sessions
from orgwarden.aws.tagging import LIFECYCLES
from orgwarden.aws.tags import DESCRIPTIONS, TAG_READ_PERMISSIONS, read_tags
from orgwarden.engine.policy import default_policy
from orgwarden.model.resource_types import (
    RESOURCE_TYPES,
    TAGGABLE_TYPES,
    DescribedTags,
    TagCall,
)
from orgwarden.model.resources import ResourceRef

BOTOCORE = botocore.session.get_session()
# IAM actions named otherwise than the API call they allow.
RENAMED = {"s3:ListAllMyBuckets": "ListBuckets"}
EXAMPLE_IDS = {
    "AwsEc2Instance": "i-0a1b2c3d4e5f60718",
    "AwsEc2Volume": "vol-0a1b2c3d4e5f60718",
    "AwsS3Bucket": "customer-data-prod",
    "AwsRdsDbInstance": "payments-db",
    "AwsLambdaFunction": "checkout-api",
    "AwsDynamoDbTable": "orders",
}


def operation(service: str, method: str, permission: str) -> Any:
    """The API model of `service`.`method`, checked to be what `permission` allows."""
    model = BOTOCORE.get_service_model(service)
    by_method = {xform_name(name): name for name in model.operation_names}
    assert method in by_method, f"{service} has no {method}"
    name = by_method[method]
    prefix, _, action = permission.partition(":")
    assert prefix == model.signing_name, permission
    assert RENAMED.get(permission, action) == name, f"{permission} is not the action of {name}"
    return model.operation_model(name)


def member(shape: Any, path: str) -> Any:
    for key in path.split("."):
        assert key in shape.members, f"{shape.name} has no {key}"
        shape = shape.members[key]
    return shape


def assert_tags_shape(shape: Any, tag_call: TagCall | DescribedTags) -> None:
    if tag_call.shape == "map":
        assert shape.type_name == "map"
    else:
        assert shape.type_name == "list"
        assert {"Key", "Value"} <= set(shape.member.members)


def listing_item(resource_type: str) -> Any:
    listing = RESOURCE_TYPES[resource_type].listing
    assert listing is not None
    shape = operation(listing.service, listing.operation, listing.permission).output_shape
    for key in listing.items:
        shape = member(shape, key)
        assert shape.type_name == "list"
        shape = shape.member
    return shape


def test_the_type_specific_adapters_are_keyed_by_what_the_registry_declares() -> None:
    listed = {name for name, entry in RESOURCE_TYPES.items() if entry.listing}
    assert set(COLLECTORS) == listed
    described = {
        name
        for name, entry in RESOURCE_TYPES.items()
        if entry.tags and isinstance(entry.tags.read, DescribedTags)
    }
    assert set(DESCRIPTIONS) == described
    assert set(LIFECYCLES) <= described  # a lifecycle is read from the description
    assert (
        tuple(sorted({RESOURCE_TYPES[name].tag_read_permission for name in TAGGABLE_TYPES}))
        == TAG_READ_PERMISSIONS
    )
    for name in TAGGABLE_TYPES:
        tags = RESOURCE_TYPES[name].tags
        assert tags is not None
        assert READERS[tags.reader].permissions == (RESOURCE_TYPES[name].tag_read_permission,)


@pytest.mark.parametrize("resource_type", TAGGABLE_TYPES)
def test_tag_calls_exist_as_described(resource_type: str) -> None:
    tags = RESOURCE_TYPES[resource_type].tags
    assert tags is not None
    calls = [(tags.write, "input")]
    if isinstance(tags.read, TagCall):
        calls.append((tags.read, "output"))
    else:
        assert_tags_shape(member(listing_item(resource_type), tags.read.field), tags.read)
    for tag_call, where in calls:
        model = operation(tag_call.service, tag_call.operation, tag_call.permission)
        request = model.input_shape
        identifier = member(request, tag_call.identifier)
        assert (identifier.type_name == "list") == tag_call.as_list
        if tag_call.owner:
            member(request, tag_call.owner)
        answer = request if where == "input" else model.output_shape
        assert_tags_shape(member(answer, tag_call.tags), tag_call)


@pytest.mark.parametrize("resource_type", sorted(COLLECTORS))
def test_listings_exist_as_described(resource_type: str) -> None:
    listing = RESOURCE_TYPES[resource_type].listing
    assert listing is not None
    model = operation(listing.service, listing.operation, listing.permission)
    paginator = BOTOCORE.get_paginator_model(listing.service).get_paginator(model.name)
    if listing.page_size:
        assert "limit_key" in paginator
    item = listing_item(resource_type)
    if listing.id_field is None:
        assert item.type_name == "string"
    else:
        member(item, listing.id_field)
    if listing.region_field:
        member(item, listing.region_field)
    if listing.filters or listing.named_filter:
        member(model.input_shape, "Filters")


class NoCalls(Sessions):
    def client(self, service: str, *, account_id: str, role_name: str, region: str) -> Any:
        raise AssertionError(f"a {service} call was made: the fact was known")


@pytest.mark.parametrize("resource_type", TAGGABLE_TYPES)
def test_tags_are_read_as_the_fact_the_entry_names(resource_type: str) -> None:
    """Known facts answer the read (so a listing's page or an earlier read is reused): a type's
    tags come from the fact named by its tag read's IAM action."""
    entry = RESOURCE_TYPES[resource_type]
    tags = entry.tags
    assert tags is not None
    ref = ResourceRef(
        resource_type=resource_type,
        resource_id=EXAMPLE_IDS[resource_type],
        account_id="111122223333",
        region="eu-west-1",
    )
    reads = ReadCache()
    if isinstance(tags.read, DescribedTags):
        reads.know(
            entry.tag_read_permission, ref.arn, {tags.read.field: [{"Key": "app", "Value": "x"}]}
        )
    else:
        reads.know(entry.tag_read_permission, ref.arn, {"app": "x"})
    ctx = MemberContext(
        sessions=NoCalls(),
        ref=ref,
        role_name="OrgwardenRead",
        policy=default_policy(),
        now=datetime.now(UTC),
        reads=reads,
    )
    assert read_tags(ctx) == {"app": "x"}
    assert READERS[tags.reader].read(ctx).tags == {"app": "x"}
