"""Tag readers and the created-by fix against moto's server, one resource type at a time."""

import dataclasses
import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from orgwarden.aws.errors import ResourceGone
from orgwarden.aws.member import MemberContext
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.policy import default_policy
from orgwarden.model.events import EventContext
from orgwarden.model.policy_file import PolicyFile
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from orgwarden.model.tags import TaggedResource
from policies.required_tags import required_tags_verdict
from tests.conftest import member_context

ACCOUNT = "310987654321"  # one account for the module: tests keep apart by resource names
REGION = "us-east-1"
READ, FIX = "OrgwardenRead", "OrgwardenRemediation"
CREATOR = f"arn:aws:sts::{ACCOUNT}:assumed-role/DeveloperAccess/jane.doe@example.com"
FIX_TAGS = REMEDIATIONS["tag_created_by"]
INCOMPLETE = {"app": "checkout", "env": "production"}


@pytest.fixture(scope="module")
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def client(sessions: Sessions, service: str) -> Any:
    return sessions.client(service, account_id=ACCOUNT, role_name="setup", region=REGION)


def make_instance(sessions: Sessions, name: str) -> str:
    tags = [{"Key": k, "Value": v} for k, v in INCOMPLETE.items()]
    instance = client(sessions, "ec2").run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]
    return str(instance["InstanceId"])


def make_volume(sessions: Sessions, name: str) -> str:
    tags = [{"Key": k, "Value": v} for k, v in INCOMPLETE.items()]
    return str(
        client(sessions, "ec2").create_volume(
            AvailabilityZone="us-east-1a",
            Size=10,
            TagSpecifications=[{"ResourceType": "volume", "Tags": tags}],
        )["VolumeId"]
    )


def make_bucket(sessions: Sessions, name: str) -> str:
    s3 = client(sessions, "s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(
        Bucket=name,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in INCOMPLETE.items()]},
    )
    return name


def make_db_instance(sessions: Sessions, name: str) -> str:
    client(sessions, "rds").create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="payments",
        MasterUserPassword="not-a-secret-0",
        AllocatedStorage=20,
        Tags=[{"Key": k, "Value": v} for k, v in INCOMPLETE.items()],
    )
    return name


def make_function(sessions: Sessions, name: str) -> str:
    role = client(sessions, "iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "def handler(event, context):\n    return None\n")
    client(sessions, "lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
        Tags=INCOMPLETE,
    )
    return name


def make_table(sessions: Sessions, name: str) -> str:
    client(sessions, "dynamodb").create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in INCOMPLETE.items()],
    )
    return name


# reader, ASFF type, how to make one with INCOMPLETE tags, a name, the create call's name
KINDS: list[tuple[str, str, Callable[[Sessions, str], str], str, str]] = [
    ("ec2_instance_tags", "AwsEc2Instance", make_instance, "-", "RunInstances"),
    ("ebs_volume_tags", "AwsEc2Volume", make_volume, "-", "CreateVolume"),
    ("s3_bucket_tags", "AwsS3Bucket", make_bucket, "tags-bucket-310987654321", "CreateBucket"),
    ("rds_instance_tags", "AwsRdsDbInstance", make_db_instance, "payments-db", "CreateDBInstance"),
    (
        "lambda_function_tags",
        "AwsLambdaFunction",
        make_function,
        "checkout-api",
        "CreateFunction20150331",
    ),
    ("dynamodb_table_tags", "AwsDynamoDbTable", make_table, "orders", "CreateTable"),
]


def cause(event_name: str, principal: str | None = CREATOR) -> EventContext:
    return EventContext(
        event_id="3d0f5a4e-8c2b-4e91-b7a6-52c1e0d9f801",
        event_name=event_name,
        event_time=datetime(2026, 11, 22, 11, 0, tzinfo=UTC),
        principal_arn=principal,
        principal_type="AssumedRole",
        source_ip="203.0.113.24",
        user_agent="aws-cli/2.22.4",
    )


def context(
    sessions: Sessions,
    ref: ResourceRef,
    role: str,
    event: EventContext | None = None,
    ous: tuple[str, ...] = (),
    policy: PolicyFile | None = None,
) -> MemberContext:
    return dataclasses.replace(
        member_context(sessions, ref, role), cause=event, ous=ous, policy=policy or default_policy()
    )


def read(reader: str, ctx: MemberContext) -> TaggedResource:
    state: TaggedResource = READERS[reader].read(ctx)
    return state


@pytest.mark.parametrize(
    ("reader", "resource_type", "make", "name", "create_event"),
    KINDS,
    ids=[k[0] for k in KINDS],
)
def test_scenario_12_an_untagged_resource_gets_created_by_from_its_create_call(
    sessions: Sessions,
    reader: str,
    resource_type: str,
    make: Callable[[Sessions, str], str],
    name: str,
    create_event: str,
) -> None:
    resource_id = make(sessions, name)
    ref = ResourceRef(
        resource_type=resource_type, resource_id=resource_id, account_id=ACCOUNT, region=REGION
    )
    event = cause(create_event)
    state = read(reader, context(sessions, ref, READ, event))
    assert state.tags == INCOMPLETE
    assert state.creator == CREATOR
    verdict = required_tags_verdict(state)
    assert verdict.status is Status.FAILED
    assert "missing team, cost-center" in verdict.reason
    assert "env='production'" in verdict.reason  # scenario 13: values are checked
    assert FIX_TAGS.holds is not None
    assert not FIX_TAGS.holds(state)

    plan = FIX_TAGS.plan(state)
    assert plan["tags"] == {"created-by": CREATOR}
    assert plan["resource"] == ref.arn
    change = FIX_TAGS.apply(context(sessions, ref, FIX, event), state)
    assert change.before == {"created-by": None}
    assert change.after == {"created-by": CREATOR}

    after = read(reader, context(sessions, ref, READ, event))
    assert after.tags == {**INCOMPLETE, "created-by": CREATOR}  # nothing else touched
    assert FIX_TAGS.holds(after)
    # Idempotent: a second run changes nothing.
    again = FIX_TAGS.apply(context(sessions, ref, FIX, event), after)
    assert again.before == again.after == {"created-by": CREATOR}


def test_a_tag_change_event_does_not_name_a_creator(sessions: Sessions) -> None:
    ref = ResourceRef(
        resource_type="AwsEc2Instance",
        resource_id=make_instance(sessions, "-"),
        account_id=ACCOUNT,
        region=REGION,
    )
    state = read("ec2_instance_tags", context(sessions, ref, READ, cause("DeleteTags")))
    assert state.creator is None
    assert FIX_TAGS.plan(state)["api"] is None
    change = FIX_TAGS.apply(context(sessions, ref, FIX), state)
    assert change.before == change.after == {"created-by": None}
    assert "created-by" not in read("ec2_instance_tags", context(sessions, ref, READ)).tags
    assert FIX_TAGS.holds is not None
    assert FIX_TAGS.holds(state)


def test_the_instance_reader_knows_its_first_launch_and_the_grace_period(
    sessions: Sessions,
) -> None:
    ref = ResourceRef(
        resource_type="AwsEc2Instance",
        resource_id=make_instance(sessions, "-"),
        account_id=ACCOUNT,
        region=REGION,
    )
    ctx = context(sessions, ref, READ)
    state = read("ec2_instance_tags", ctx)
    assert state.state == "running"
    assert state.created_at is not None
    assert state.created_at <= ctx.now
    assert state.grace_period_hours == 24
    assert state.now == ctx.now


def test_scenario_7_the_tag_policy_for_the_accounts_ou_applies(sessions: Sessions) -> None:
    policy = default_policy().model_copy(deep=True)
    tag_policy = policy.tag_policy.model_validate(
        {
            **policy.tag_policy.model_dump(),
            "overrides": [{"scope": {"ou": "Sandbox"}, "required": [{"key": "app"}]}],
        }
    )
    policy = policy.model_copy(update={"tag_policy": tag_policy})
    bucket = make_bucket(sessions, "tags-sandbox-310987654321")
    ref = ResourceRef(
        resource_type="AwsS3Bucket", resource_id=bucket, account_id=ACCOUNT, region=REGION
    )
    in_sandbox = read(
        "s3_bucket_tags", context(sessions, ref, READ, ous=("Sandbox",), policy=policy)
    )
    assert required_tags_verdict(in_sandbox).status is Status.PASSED
    elsewhere = read("s3_bucket_tags", context(sessions, ref, READ, ous=("Prod",), policy=policy))
    assert required_tags_verdict(elsewhere).status is Status.FAILED


def test_an_untagged_bucket_reads_as_no_tags_and_keeps_them_when_tagged(
    sessions: Sessions,
) -> None:
    bucket = "tags-bare-310987654321"
    client(sessions, "s3").create_bucket(Bucket=bucket)
    ref = ResourceRef(
        resource_type="AwsS3Bucket", resource_id=bucket, account_id=ACCOUNT, region=REGION
    )
    event = cause("CreateBucket")
    state = read("s3_bucket_tags", context(sessions, ref, READ, event))
    assert state.tags == {}
    FIX_TAGS.apply(context(sessions, ref, FIX, event), state)
    assert read("s3_bucket_tags", context(sessions, ref, READ)).tags == {"created-by": CREATOR}


@pytest.mark.parametrize(
    ("reader", "resource_type", "resource_id"),
    [
        ("ec2_instance_tags", "AwsEc2Instance", "i-0123456789abcdef0"),
        ("ebs_volume_tags", "AwsEc2Volume", "vol-0123456789abcdef0"),
        ("s3_bucket_tags", "AwsS3Bucket", "never-created-310987654321"),
        ("rds_instance_tags", "AwsRdsDbInstance", "never-created"),
        ("lambda_function_tags", "AwsLambdaFunction", "never-created"),
        ("dynamodb_table_tags", "AwsDynamoDbTable", "never-created"),
    ],
)
def test_a_missing_resource_is_gone(
    sessions: Sessions, reader: str, resource_type: str, resource_id: str
) -> None:
    ref = ResourceRef(
        resource_type=resource_type, resource_id=resource_id, account_id=ACCOUNT, region=REGION
    )
    with pytest.raises(ResourceGone):
        read(reader, context(sessions, ref, READ))
