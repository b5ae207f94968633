"""S3 adapter against moto's server: what is read, what is skipped, what errors mean."""

import json
from collections.abc import Iterator

import pytest

from orgwarden.aws import s3
from orgwarden.aws.errors import ResourceGone
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.model.resources import PublicAccessBlock, ResourceRef
from orgwarden.model.spec import Status
from policies.s3_bucket_public_access import evaluate
from tests.conftest import ApiCalls, member_context

BLOCK = REMEDIATIONS["s3_block_bucket_public_access"]


def bucket_access(sessions: Sessions, ref: ResourceRef, role: str) -> s3.BucketAccess:
    access: s3.BucketAccess = READERS["s3_bucket_access"].read(member_context(sessions, ref, role))
    return access


READ = "OrgwardenRead"
PUBLIC = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::{b}/*",
        }
    ],
}


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


@pytest.fixture
def calls(sessions: Sessions) -> Iterator[ApiCalls]:
    counter = ApiCalls()
    sessions._base.events.register("before-call.*.*", counter)
    return counter


def make_bucket(
    sessions: Sessions, account_id: str, name: str, policy: dict | None = None
) -> ResourceRef:
    client = sessions.client("s3", account_id=account_id, role_name="setup", region="us-east-1")
    client.create_bucket(Bucket=name)
    if policy:
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy).replace("{b}", name))
    return ResourceRef(
        resource_type="AwsS3Bucket", resource_id=name, account_id=account_id, region="us-east-1"
    )


def test_a_public_policy_decides_without_the_acl(sessions: Sessions, account_id: str) -> None:
    ref = make_bucket(sessions, account_id, f"public-{account_id}", PUBLIC)
    state = bucket_access(sessions, ref, READ)
    assert state.bucket_block is None
    assert state.account_block is None
    assert state.policy is not None
    assert state.policy["Statement"][0]["Sid"] == "PublicRead"
    assert state.acl is None  # rule scenario 11: the ACL cannot change a FAILED verdict
    verdict = evaluate(state)
    assert verdict.status is Status.FAILED
    assert "ACL was not read" in verdict.reason


def test_a_bucket_without_a_public_policy_is_read_in_full(
    sessions: Sessions, account_id: str
) -> None:
    ref = make_bucket(sessions, account_id, f"private-{account_id}")
    state = bucket_access(sessions, ref, READ)
    assert state.bucket_block is None
    assert state.account_block is None
    assert state.policy is None
    assert state.acl
    assert state.acl[0].permission == "FULL_CONTROL"
    assert evaluate(state).status is Status.PASSED


def test_a_blocked_bucket_costs_one_read(sessions: Sessions, account_id: str) -> None:
    ref = make_bucket(sessions, account_id, f"blocked-{account_id}", PUBLIC)
    s3_client = sessions.client("s3", account_id=account_id, role_name=READ, region="us-east-1")
    s3_client.put_public_access_block(
        Bucket=ref.resource_id, PublicAccessBlockConfiguration=PublicAccessBlock.all_on().as_api()
    )
    control = sessions.client(
        "s3control", account_id=account_id, role_name=READ, region="us-east-1"
    )
    counter = ApiCalls()
    s3_client.meta.events.register("before-call.*.*", counter)
    control.meta.events.register("before-call.*.*", counter)
    state = bucket_access(sessions, ref, READ)
    assert counter.calls == ["S3.GetPublicAccessBlock"]
    assert state.policy is None
    assert evaluate(state).status is Status.PASSED


def test_account_block_public_access_is_read_through_s3_control(
    sessions: Sessions, account_id: str
) -> None:
    ref = make_bucket(sessions, account_id, f"acct-blocked-{account_id}", PUBLIC)
    control = sessions.client(
        "s3control", account_id=account_id, role_name=READ, region="us-east-1"
    )
    control.put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration=PublicAccessBlock.all_on().as_api()
    )
    state = bucket_access(sessions, ref, READ)
    assert state.account_block == PublicAccessBlock.all_on()
    assert state.policy is None  # all four on at account level: nothing else can make it public
    assert "account level" in evaluate(state).reason


def test_a_missing_bucket_is_gone(sessions: Sessions, account_id: str) -> None:
    ref = ResourceRef(
        resource_type="AwsS3Bucket",
        resource_id=f"never-created-{account_id}",
        account_id=account_id,
        region="us-east-1",
    )
    with pytest.raises(ResourceGone):
        bucket_access(sessions, ref, READ)


def test_the_fix_blocks_public_access_and_leaves_the_policy(
    sessions: Sessions, account_id: str
) -> None:
    ref = make_bucket(sessions, account_id, f"fixme-{account_id}", PUBLIC)
    state = bucket_access(sessions, ref, READ)
    change = BLOCK.apply(member_context(sessions, ref, "OrgwardenRemediation"), state)
    assert change.before is None
    assert change.after == PublicAccessBlock.all_on().as_api()
    after = bucket_access(sessions, ref, READ)
    assert after.bucket_block == PublicAccessBlock.all_on()
    client = sessions.client("s3", account_id=account_id, role_name=READ, region="us-east-1")
    assert "PublicRead" in client.get_bucket_policy(Bucket=ref.resource_id)["Policy"]


def test_the_plan_names_the_exact_change(sessions: Sessions, account_id: str) -> None:
    ref = make_bucket(sessions, account_id, f"plan-{account_id}", PUBLIC)
    plan = BLOCK.plan(bucket_access(sessions, ref, READ))
    assert plan == {
        "api": "s3:PutPublicAccessBlock",
        "bucket": ref.resource_id,
        "PublicAccessBlockConfiguration": PublicAccessBlock.all_on().as_api(),
    }


def test_put_bucket_block_names_the_expected_owner(sessions: Sessions, account_id: str) -> None:
    ref = make_bucket(sessions, account_id, f"owner-{account_id}", None)
    client = sessions.client("s3", account_id=account_id, role_name=READ, region="us-east-1")
    seen: list[dict] = []
    client.meta.events.register(
        "provide-client-params.s3.PutPublicAccessBlock",
        lambda params, **_: seen.append(dict(params)),
    )
    s3.put_bucket_block(client, ref, "role", PublicAccessBlock.all_on())
    assert seen[0]["ExpectedBucketOwner"] == account_id
