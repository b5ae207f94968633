"""Clients for member accounts, through roles assumed per account and cached until near expiry.

A client answers every call it is given: sharing what was read within a unit of work is the
unit's `ReadCache` (`orgwarden.aws.read_cache`), which readers reach through
`MemberContext.once`, not a layer beneath botocore.
"""

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from orgwarden.aws.errors import translated

# Refresh assumed credentials this long before they expire, so no call runs on a dying token.
REFRESH_MARGIN = timedelta(minutes=5)
SESSION_NAME = "orgwarden"
# Role credentials (with their clients) kept per container, least recently used dropped first:
# enough for the accounts of an event batch or of a run of sweep tasks (which come account by
# account), few enough that a container sweeping a thousand accounts stays within its memory.
# A client takes about 0.7 MB even with the service models shared, and a sweep task's read
# role uses a dozen.
MAX_ROLE_SESSIONS = 32
MAX_CLIENTS = 96


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
    # boto3's aws_access_key_id, aws_secret_access_key, aws_session_token; never in a repr
    keys: dict[str, str] = field(repr=False)
    expires: datetime
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)  # by (region, service)


class Sessions:
    """Hands out boto3 clients acting as one of orgwarden's roles in a member account.

    Assumed-role credentials are cached per (account, role) and clients per (account, role,
    region, service); a warm Lambda therefore makes one AssumeRole per role and account (of
    the last `MAX_ROLE_SESSIONS` used). Every client is made by the one base session, whatever
    its credentials, so each service's model is loaded once per container, not once per role.
    """

    def __init__(self, base: boto3.Session | None = None, partition: str = "aws") -> None:
        self._base = base or boto3.Session()
        self._partition = partition
        self._endpoint_url = os.environ.get("AWS_ENDPOINT_URL")
        self._config = client_config()
        self._credentials: OrderedDict[tuple[str, str], _Credentials] = OrderedDict()
        self._home: dict[tuple[str, str], Any] = {}
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
            client = credentials.clients.get((region, service))
            if client is None:
                client = self._base.client(
                    service, region_name=region, config=self._config, **credentials.keys
                )
                if service == "s3control" and self._endpoint_url:
                    client.meta.events.register("before-send.s3-control", _strip_account_host)
                credentials.clients[(region, service)] = client
                self._trim()
            return client

    def home_client(self, service: str, region: str | None = None) -> Any:
        """A client in the service's own (security tooling) account, with its own credentials;
        one per service and region (the evidence store and the idempotency layer share one)."""
        with self._lock:
            key = (service, region or "")
            if key not in self._home:
                self._home[key] = self._base.client(
                    service, region_name=region, config=self._config
                )
            return self._home[key]

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
            self._credentials.move_to_end(key)
            return cached
        role_arn = self.role_arn(account_id, role_name)
        if self._sts is None:
            self._sts = self._base.client("sts", config=self._config)
        with translated("sts:AssumeRole", role_arn):
            answer = self._sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)
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
        self._credentials.move_to_end(key)
        self._trim()
        return assumed

    def _trim(self) -> None:
        """Drop the least recently used credentials and their clients beyond the bounds (never
        the last one)."""
        clients = sum(len(entry.clients) for entry in self._credentials.values())
        while len(self._credentials) > 1 and (
            len(self._credentials) > MAX_ROLE_SESSIONS or clients > MAX_CLIENTS
        ):
            _, dropped = self._credentials.popitem(last=False)
            clients -= len(dropped.clients)
