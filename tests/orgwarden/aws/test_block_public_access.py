"""Block Public Access adapter (account and bucket settings) against moto's server."""

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.model.public_access import AccountPublicAccess
from orgwarden.model.resources import BucketAccess, PublicAccessBlock, ResourceRef
from orgwarden.model.spec import Status
from policies import s3_account_public_access_block, s3_bucket_block_public_access
from tests.conftest import ApiCalls, member_context

READ = "OrgwardenRead"
FIX = "OrgwardenRemediation"
ACCOUNT_FIX = REMEDIATIONS["s3_block_account_public_access"]
BUCKET_FIX = REMEDIATIONS["s3_block_bucket_public_access"]


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def account_ref(account_id: str) -> ResourceRef:
    return ResourceRef(
        resource_type="AwsAccount",
        resource_id=account_id,
        account_id=account_id,
        region="us-east-1",
    )


def read_account(sessions: Sessions, ref: ResourceRef) -> AccountPublicAccess:
    state: AccountPublicAccess = READERS["s3_account_public_access"].read(
        member_context(sessions, ref, READ)
    )
    return state


def read_bucket(sessions: Sessions, ref: ResourceRef) -> BucketAccess:
    state: BucketAccess = READERS["s3_bucket_block_public_access"].read(
        member_context(sessions, ref, READ)
    )
    return state


def control(sessions: Sessions, account_id: str) -> object:
    return sessions.client("s3control", account_id=account_id, role_name=READ, region="us-east-1")


def test_an_account_without_settings_reads_as_none_and_fails(
    sessions: Sessions, account_id: str
) -> None:
    state = read_account(sessions, account_ref(account_id))
    assert state.block is None
    assert s3_account_public_access_block.evaluate(state).status is Status.FAILED


def test_partial_account_settings_are_read_flag_by_flag(
    sessions: Sessions, account_id: str
) -> None:
    client = sessions.client("s3control", account_id=account_id, role_name=READ, region="us-east-1")
    partial = PublicAccessBlock(block_public_acls=True, ignore_public_acls=True)
    client.put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration=partial.as_api()
    )
    assert read_account(sessions, account_ref(account_id)).block == partial


def test_the_account_fix_turns_all_four_on_and_reports_the_before(
    sessions: Sessions, account_id: str
) -> None:
    ref = account_ref(account_id)
    client = sessions.client("s3control", account_id=account_id, role_name=READ, region="us-east-1")
    client.put_public_access_block(
        AccountId=account_id,
        PublicAccessBlockConfiguration=PublicAccessBlock(block_public_acls=True).as_api(),
    )
    state = read_account(sessions, ref)
    assert ACCOUNT_FIX.plan(state) == {
        "api": "s3control:PutPublicAccessBlock",
        "account": account_id,
        "PublicAccessBlockConfiguration": PublicAccessBlock.all_on().as_api(),
    }
    change = ACCOUNT_FIX.apply(member_context(sessions, ref, FIX), state)
    assert change.before == PublicAccessBlock(block_public_acls=True).as_api()
    after = read_account(sessions, ref)
    assert after.block == PublicAccessBlock.all_on()
    assert s3_account_public_access_block.evaluate(after).status is Status.PASSED


def test_the_account_fix_touches_only_its_own_account(sessions: Sessions, account_id: str) -> None:
    other = f"{(int(account_id) + 1) % 10**12:012d}"
    ACCOUNT_FIX.apply(
        member_context(sessions, account_ref(account_id), FIX),
        AccountPublicAccess(ref=account_ref(account_id), block=None),
    )
    assert read_account(sessions, account_ref(other)).block is None


def make_bucket(sessions: Sessions, account_id: str, name: str) -> ResourceRef:
    client = sessions.client("s3", account_id=account_id, role_name="setup", region="us-east-1")
    client.create_bucket(Bucket=name)
    return ResourceRef(
        resource_type="AwsS3Bucket", resource_id=name, account_id=account_id, region="us-east-1"
    )


def test_a_blocked_bucket_costs_one_read(sessions: Sessions, account_id: str) -> None:
    ref = make_bucket(sessions, account_id, f"blocked-{account_id}")
    s3 = sessions.client("s3", account_id=account_id, role_name=READ, region="us-east-1")
    s3.put_public_access_block(
        Bucket=ref.resource_id, PublicAccessBlockConfiguration=PublicAccessBlock.all_on().as_api()
    )
    counter = ApiCalls()
    s3.meta.events.register("before-call.*.*", counter)
    control_client = sessions.client(
        "s3control", account_id=account_id, role_name=READ, region="us-east-1"
    )
    control_client.meta.events.register("before-call.*.*", counter)
    state = read_bucket(sessions, ref)
    assert counter.calls == ["S3.GetPublicAccessBlock"]
    assert s3_bucket_block_public_access.evaluate(state).status is Status.PASSED


def test_a_new_bucket_fails_and_the_shared_bucket_fix_makes_it_pass(
    sessions: Sessions, account_id: str
) -> None:
    ref = make_bucket(sessions, account_id, f"new-{account_id}")
    state = read_bucket(sessions, ref)
    assert state.bucket_block is None
    assert state.account_block is None
    assert s3_bucket_block_public_access.evaluate(state).status is Status.FAILED
    BUCKET_FIX.apply(member_context(sessions, ref, FIX), state)
    after = read_bucket(sessions, ref)
    assert after.bucket_block == PublicAccessBlock.all_on()
    assert s3_bucket_block_public_access.evaluate(after).status is Status.PASSED


def test_the_account_settings_are_read_when_the_bucket_is_open(
    sessions: Sessions, account_id: str
) -> None:
    ref = make_bucket(sessions, account_id, f"covered-{account_id}")
    client = sessions.client("s3control", account_id=account_id, role_name=READ, region="us-east-1")
    client.put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration=PublicAccessBlock.all_on().as_api()
    )
    state = read_bucket(sessions, ref)
    assert state.account_block == PublicAccessBlock.all_on()
    verdict = s3_bucket_block_public_access.evaluate(state)
    assert verdict.status is Status.FAILED
    assert verdict.facts["covered_by_account"] is True
