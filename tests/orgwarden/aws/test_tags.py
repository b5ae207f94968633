"""Reading tags on moto's server: the required-tags rule's reader and the exemption check read a
Lambda function's or a DynamoDB table's tags with one call (the same fact, read once), and a
type whose tags come with its description makes no tag call of its own."""

import dataclasses
from collections.abc import Callable

import pytest

from orgwarden.aws.member import MemberContext
from orgwarden.aws.read_cache import ReadCache
from orgwarden.aws.readers import READERS
from orgwarden.aws.sessions import Sessions
from orgwarden.aws.tags import read_tags
from orgwarden.model.resources import ResourceRef
from tests.conftest import ApiCalls, member_context
from tests.orgwarden.aws.test_tagging import (
    ACCOUNT,
    INCOMPLETE,
    READ,
    REGION,
    make_function,
    make_table,
    make_volume,
)


@pytest.fixture(scope="module")
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def counted(sessions: Sessions, service: str) -> ApiCalls:
    """The calls the read role's `service` client makes from here on."""
    calls = ApiCalls()
    client = sessions.client(service, account_id=ACCOUNT, role_name=READ, region=REGION)
    client.meta.events.register("before-call.*.*", calls)
    return calls


def shared(sessions: Sessions, ref: ResourceRef) -> MemberContext:
    """The read role's context in one unit of work (a sweep task's shared reads)."""
    return dataclasses.replace(member_context(sessions, ref, READ), reads=ReadCache())


@pytest.mark.parametrize(
    ("resource_type", "make", "name", "reader", "service", "call"),
    [
        (
            "AwsLambdaFunction",
            make_function,
            "read-once-api",
            "lambda_function_tags",
            "lambda",
            "Lambda.ListTags",
        ),
        (
            "AwsDynamoDbTable",
            make_table,
            "read-once-orders",
            "dynamodb_table_tags",
            "dynamodb",
            "DynamoDB.ListTagsOfResource",
        ),
    ],
)
def test_the_rule_and_the_exemption_check_read_the_tags_with_one_call(
    sessions: Sessions,
    resource_type: str,
    make: Callable[[Sessions, str], str],
    name: str,
    reader: str,
    service: str,
    call: str,
) -> None:
    ref = ResourceRef(
        resource_type=resource_type,
        resource_id=make(sessions, name),
        account_id=ACCOUNT,
        region=REGION,
    )
    ctx = shared(sessions, ref)
    calls = counted(sessions, service)

    assert READERS[reader].read(ctx).tags == INCOMPLETE  # the rule's input
    assert read_tags(ctx) == INCOMPLETE  # the exemption check's

    assert calls.calls == [call]


def test_a_volume_s_tags_come_with_its_description(sessions: Sessions) -> None:
    ref = ResourceRef(
        resource_type="AwsEc2Volume",
        resource_id=make_volume(sessions, "-"),
        account_id=ACCOUNT,
        region=REGION,
    )
    ctx = shared(sessions, ref)
    calls = counted(sessions, "ec2")

    assert READERS["ebs_volume_tags"].read(ctx).tags == INCOMPLETE
    assert read_tags(ctx) == INCOMPLETE

    assert calls.calls == ["EC2.DescribeVolumes"]


def test_types_without_tags_read_none(sessions: Sessions) -> None:
    ref = ResourceRef(
        resource_type="AwsAccount", resource_id=ACCOUNT, account_id=ACCOUNT, region=REGION
    )
    assert read_tags(member_context(sessions, ref, READ)) == {}
