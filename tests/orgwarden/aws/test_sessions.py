"""Role sessions: assumed once per (account, role), in the right account, denied precisely."""

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from orgwarden.aws.errors import AccessDenied
from orgwarden.aws.sessions import MAX_ROLE_SESSIONS, Sessions
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


def test_a_client_answers_every_read_itself(moto_server: str, account_id: str) -> None:
    """Sharing reads is the unit of work's read cache (tests/orgwarden/aws/test_read_cache.py),
    not a layer beneath botocore: the same read twice is two calls."""
    sessions = Sessions()
    s3 = sessions.client("s3", account_id=account_id, role_name="OrgwardenRead", region="us-east-1")
    s3.create_bucket(Bucket=f"direct-{account_id}")
    counter = ApiCalls()
    s3.meta.events.register("before-call.*.*", counter)
    for _ in range(2):
        s3.get_bucket_acl(Bucket=f"direct-{account_id}")
    assert counter.named("GetBucketAcl") == ["S3.GetBucketAcl"] * 2


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
