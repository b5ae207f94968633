"""Clients for member accounts, through roles assumed per account and cached until near expiry."""

import os
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from orgwarden.aws.errors import AccessDenied, is_access_denied

# Refresh assumed credentials this long before they expire, so no call runs on a dying token.
REFRESH_MARGIN = timedelta(minutes=5)
SESSION_NAME = "orgwarden"


def client_config() -> Config:
    return Config(
        # Standard retries plus client-side rate limiting, so a throttled member account slows
        # us down instead of burning the retry budget.
        retries={"mode": "adaptive", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=20,
    )


def _strip_account_host(request: Any, **_: Any) -> None:
    """S3 Control puts the account id in the host name (`<account>.host`). A local endpoint
    (moto's server) has no such names, so the label is dropped; real endpoints never see this."""
    request.url = _ACCOUNT_LABEL.sub(r"\1", request.url, count=1)


_ACCOUNT_LABEL = re.compile(r"^(https?://)\d{12}\.")


@dataclass
class _Credentials:
    # aws_access_key_id, aws_secret_access_key, aws_session_token; never in a repr
    keys: dict[str, str] = field(repr=False)
    expires: datetime


class Sessions:
    """Hands out boto3 clients acting as one of orgwarden's roles in a member account.

    Assumed-role credentials are cached per (account, role) and clients per (account, role,
    region, service); a warm Lambda therefore makes one AssumeRole per role and account. Every
    client comes from the one base session, given the role's credentials, so each service's
    model is loaded once: a session per role would load them again, about 20 MB per member
    account and role.
    """

    def __init__(self, base: boto3.Session | None = None, partition: str = "aws") -> None:
        self._base = base or boto3.Session()
        self._partition = partition
        self._endpoint_url = os.environ.get("AWS_ENDPOINT_URL")
        self._config = client_config()
        self._credentials: dict[tuple[str, str], _Credentials] = {}
        self._clients: dict[tuple[str, str, str, str], Any] = {}
        self._lock = threading.Lock()
        self._sts: Any = None

    @classmethod
    def from_profile(cls, profile: str | None, region: str | None) -> "Sessions":
        """Sessions whose own credentials come from a named profile (the CLI's --profile)."""
        return cls(boto3.Session(profile_name=profile, region_name=region))

    @property
    def home_region(self) -> str:
        return self._base.region_name or "us-east-1"

    def role_arn(self, account_id: str, role_name: str) -> str:
        return f"arn:{self._partition}:iam::{account_id}:role/{role_name}"

    def client(self, service: str, *, account_id: str, role_name: str, region: str) -> Any:
        """A client for `service` in `account_id`/`region`, acting as `role_name`."""
        with self._lock:
            credentials = self._assumed(account_id, role_name)
            key = (account_id, role_name, region, service)
            cached = self._clients.get(key)
            if cached is None or cached[0] is not credentials:
                client = self._base.client(
                    service, region_name=region, config=self._config, **credentials.keys
                )
                if service == "s3control" and self._endpoint_url:
                    client.meta.events.register("before-send.s3-control", _strip_account_host)
                cached = (credentials, client)
                self._clients[key] = cached
            return cached[1]

    def home_client(self, service: str, region: str | None = None) -> Any:
        """A client in the service's own (security tooling) account, with its own credentials."""
        return self._base.client(service, region_name=region, config=self._config)

    def assumed_client(self, service: str, role_arn: str, region: str | None = None) -> Any:
        """A client acting as a role given by ARN (e.g. an Organizations reader)."""
        account_id, _, role_name = role_arn.split(":", 4)[4].partition(":role/")
        return self.client(
            service, account_id=account_id, role_name=role_name, region=region or "us-east-1"
        )

    def _assumed(self, account_id: str, role_name: str) -> _Credentials:
        key = (account_id, role_name)
        now = datetime.now(UTC)
        cached = self._credentials.get(key)
        if cached and cached.expires - REFRESH_MARGIN > now:
            return cached
        role_arn = self.role_arn(account_id, role_name)
        if self._sts is None:
            self._sts = self._base.client("sts", config=self._config)
        try:
            answer = self._sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)
        except ClientError as error:
            if is_access_denied(error):
                raise AccessDenied("sts:AssumeRole", role_arn, str(error)) from error
            raise
        creds = answer["Credentials"]
        assumed = _Credentials(
            keys={
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            },
            expires=creds["Expiration"],
        )
        self._credentials[key] = assumed
        return assumed
