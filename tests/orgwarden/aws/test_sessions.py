"""Role sessions: assumed once per (account, role), in the right account, denied precisely."""

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from orgwarden.aws.errors import AccessDenied
from orgwarden.aws.sessions import Sessions
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
