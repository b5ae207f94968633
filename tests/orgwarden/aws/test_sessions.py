"""Role sessions: assumed once per (account, role), in the right account, denied precisely."""

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from orgwarden.aws.errors import AccessDenied
from orgwarden.aws.sessions import MAX_ROLE_SESSIONS, Sessions, forget_reads, reads_shared
from tests.conftest import ApiCalls


def test_credentials_are_assumed_once_per_account_and_role(
    moto_server: str, account_id: str
) -> None:
    sessions = Sessions()
    counter = ApiCalls()
    sessions._base.events.register("before-call.*.*", counter)
    for region in ("us-east-1", "eu-west-1"):
        for service in ("s3", "securityhub"):
            sessions.client(
                service, account_id=account_id, role_name="OrgwardenRead", region=region
            )
    sessions.client(
        "s3", account_id=account_id, role_name="OrgwardenFindingWriter", region="us-east-1"
    )
    assert counter.named("AssumeRole") == ["STS.AssumeRole", "STS.AssumeRole"]


def test_clients_act_in_the_member_account(moto_server: str, account_id: str) -> None:
    sessions = Sessions()
    sts = sessions.client(
        "sts", account_id=account_id, role_name="OrgwardenRead", region="us-east-1"
    )
    assert sts.get_caller_identity()["Account"] == account_id


def test_expiring_credentials_are_renewed(moto_server: str, account_id: str) -> None:
    sessions = Sessions()
    first = sessions.client(
        "s3", account_id=account_id, role_name="OrgwardenRead", region="us-east-1"
    )
    sessions._credentials[(account_id, "OrgwardenRead")].expires = datetime.now(UTC) + timedelta(
        minutes=1
    )
    second = sessions.client(
        "s3", account_id=account_id, role_name="OrgwardenRead", region="us-east-1"
    )
    assert first is not second


def test_a_denied_assume_role_names_the_role(moto_server: str) -> None:
    # moto lets any role be assumed, so the refusal comes from a stubbed STS client.
    sts = boto3.client("sts", region_name="us-east-1")
    stubber = Stubber(sts)
    stubber.add_client_error(
        "assume_role",
        service_error_code="AccessDenied",
        service_message="not authorized to perform: sts:AssumeRole",
        http_status_code=403,
    )
    sessions = Sessions()
    sessions._sts = sts
    with stubber, pytest.raises(AccessDenied) as raised:
        sessions.client(
            "s3", account_id="444455556666", role_name="OrgwardenRead", region="us-east-1"
        )
    assert raised.value.operation == "sts:AssumeRole"
    assert raised.value.principal == "arn:aws:iam::444455556666:role/OrgwardenRead"


def test_client_config_retries_and_times_out(moto_server: str, account_id: str) -> None:
    client: Any = Sessions().client(
        "s3", account_id=account_id, role_name="OrgwardenRead", region="us-east-1"
    )
    config = client.meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.connect_timeout == 5
    assert config.read_timeout == 20


def test_within_an_event_a_read_is_made_once_and_a_change_forgets_it(
    moto_server: str, account_id: str
) -> None:
    sessions = Sessions()
    s3 = sessions.client("s3", account_id=account_id, role_name="OrgwardenRead", region="us-east-1")
    s3.create_bucket(Bucket=f"shared-{account_id}")
    counter = ApiCalls()
    s3.meta.events.register("before-call.*.*", counter)

    def tags() -> str:
        try:
            s3.get_bucket_tagging(Bucket=f"shared-{account_id}")
        except s3.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])  # an absent tag set is an answer too
        return "tagged"

    assert [tags(), tags()] == ["NoSuchTagSet", "NoSuchTagSet"]
    assert len(counter.named("GetBucketTagging")) == 2  # outside an event: every read is made
    counter.calls.clear()
    with reads_shared():
        assert [tags(), tags()] == ["NoSuchTagSet", "NoSuchTagSet"]
        s3.get_bucket_location(Bucket=f"shared-{account_id}")  # other reads: their own answers
        assert len(counter.named("GetBucketTagging")) == 1
        s3.put_bucket_tagging(
            Bucket=f"shared-{account_id}", Tagging={"TagSet": [{"Key": "app", "Value": "x"}]}
        )
        assert tags() == "tagged"  # the change made the earlier answer stale: read again
        assert tags() == "tagged"
        assert len(counter.named("GetBucketTagging")) == 2
        forget_reads()
        tags()
        assert len(counter.named("GetBucketTagging")) == 3
    assert counter.named("GetBucketLocation") == ["S3.GetBucketLocation"]


def test_a_change_to_one_part_of_a_bucket_forgets_only_that_part(
    moto_server: str, account_id: str
) -> None:
    sessions = Sessions()
    s3 = sessions.client("s3", account_id=account_id, role_name="OrgwardenRead", region="us-east-1")
    fixer = sessions.client(
        "s3", account_id=account_id, role_name="OrgwardenRemediation", region="us-east-1"
    )
    bucket = f"parts-{account_id}"
    s3.create_bucket(Bucket=bucket)
    counter = ApiCalls()
    s3.meta.events.register("before-call.*.*", counter)

    def encryption() -> str:
        try:
            answer = s3.get_bucket_encryption(Bucket=bucket)
        except s3.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        rule = answer["ServerSideEncryptionConfiguration"]["Rules"][0]
        return str(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"])

    with reads_shared():
        s3.get_bucket_acl(Bucket=bucket)
        before = encryption()
        fixer.put_bucket_encryption(  # by another role's client: still this event's change
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
            },
        )
        after = encryption()
        s3.get_bucket_acl(Bucket=bucket)
        assert len(counter.named("GetBucketEncryption")) == 2  # the changed part: read again
        assert counter.named("GetBucketAcl") == ["S3.GetBucketAcl"]  # the other part: kept
        s3.put_bucket_acl(Bucket=bucket, ACL="private")  # not confined: forgets every S3 read
        s3.get_bucket_acl(Bucket=bucket)
        encryption()
    assert before != after == "aws:kms"
    assert len(counter.named("GetBucketAcl")) == 2
    assert len(counter.named("GetBucketEncryption")) == 3


def test_a_change_to_another_service_keeps_the_reads(moto_server: str, account_id: str) -> None:
    sessions = Sessions()
    s3 = sessions.client("s3", account_id=account_id, role_name="OrgwardenRead", region="us-east-1")
    hub = sessions.client(
        "securityhub", account_id=account_id, role_name="OrgwardenRead", region="us-east-1"
    )
    s3.create_bucket(Bucket=f"kept-{account_id}")
    counter = ApiCalls()
    s3.meta.events.register("before-call.*.*", counter)
    with reads_shared():
        s3.get_bucket_acl(Bucket=f"kept-{account_id}")
        hub.enable_security_hub()  # a change to Security Hub changes no bucket
        s3.get_bucket_acl(Bucket=f"kept-{account_id}")
    assert counter.named("GetBucketAcl") == ["S3.GetBucketAcl"]


def test_a_container_keeps_the_role_sessions_it_used_last_within_a_bound(
    moto_server: str,
) -> None:
    """A sweep walks hundreds of accounts through one container: it keeps the sessions (and
    their clients) of the last MAX_ROLE_SESSIONS (account, role) pairs, not all of them."""
    sessions = Sessions()
    counter = ApiCalls()
    sessions._base.events.register("before-call.*.*", counter)
    accounts = [f"{200000000000 + n}" for n in range(MAX_ROLE_SESSIONS + 3)]
    for account in accounts:
        sessions.client("s3", account_id=account, role_name="OrgwardenRead", region="us-east-1")
    assert len(sessions._credentials) == MAX_ROLE_SESSIONS
    assert len(counter.named("AssumeRole")) == len(accounts)
    # The most recent are still there (no new AssumeRole), the oldest were dropped.
    sessions.client("s3", account_id=accounts[-1], role_name="OrgwardenRead", region="us-east-1")
    assert len(counter.named("AssumeRole")) == len(accounts)
    sessions.client("s3", account_id=accounts[0], role_name="OrgwardenRead", region="us-east-1")
    assert len(counter.named("AssumeRole")) == len(accounts) + 1
