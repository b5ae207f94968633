"""Buckets and instances with a chosen configuration in a simulated member account, for the
sweep's tests and its benchmark: state as the sweep finds it, with no event behind it."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orgwarden.aws.sessions import Sessions
from orgwarden_harness.demo import public_read_policy
from orgwarden_harness.instance_drift import AMI
from orgwarden_harness.simulated_drift import ALL_ON
from orgwarden_harness.simulation import ACCESS_ROLE, HOME_REGION, SimulatedOrganization

FULL_TAGS = {"app": "checkout", "env": "prod", "team": "payments", "cost-center": "cc-1042"}


@dataclass(frozen=True)
class BucketSetup:
    """How a bucket is configured: its policy, its own Block Public Access, default encryption
    (S3 has given every bucket SSE-S3 since 2023; moto gives none unless asked) and tags."""

    policy: Mapping[str, Any] | None = None
    block: Mapping[str, bool] | None = field(default_factory=lambda: dict(ALL_ON))
    encrypted: bool = True
    tags: Mapping[str, str] = field(default_factory=lambda: dict(FULL_TAGS))
    public_acl: bool = False


def create_bucket(
    sim: SimulatedOrganization, account_id: str, name: str, setup: BucketSetup, region: str
) -> None:
    s3 = sim.session(account_id, region).client("s3")
    where = {} if region == HOME_REGION else {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": where} if where else {}))
    if setup.block is not None:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict(setup.block))
    if setup.policy is not None:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(setup.policy))
    if setup.public_acl:
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
    if setup.encrypted:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    if setup.tags:
        s3.put_bucket_tagging(
            Bucket=name,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in setup.tags.items()]},
        )


def public_bucket(name: str) -> BucketSetup:
    """A bucket made public by its policy, with no Block Public Access of its own."""
    return BucketSetup(policy=public_read_policy(name), block=None)


def launch_instances(
    sim: SimulatedOrganization,
    account_id: str,
    region: str,
    count: int,
    *,
    tags: Mapping[str, str] | None = None,
    http_tokens: str = "required",
    http_endpoint: str = "enabled",
) -> list[str]:
    """`count` instances alike, in one RunInstances call; their ids."""
    ec2 = sim.session(account_id, region).client("ec2")
    request: dict[str, Any] = {
        "ImageId": AMI,
        "InstanceType": "t3.micro",
        "MetadataOptions": {"HttpTokens": http_tokens, "HttpEndpoint": http_endpoint},
    }
    if tags:
        request["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    reservation = ec2.run_instances(MinCount=count, MaxCount=count, **request)
    return [instance["InstanceId"] for instance in reservation["Instances"]]


def block_account(sim: SimulatedOrganization, account_id: str) -> None:
    """Turn on all four of the account's Block Public Access settings (moto starts with none)."""
    # Through Sessions, whose client finds S3 Control's account-prefixed host on moto's server.
    control = Sessions().client(
        "s3control", account_id=account_id, role_name=ACCESS_ROLE, region=HOME_REGION
    )
    control.put_public_access_block(AccountId=account_id, PublicAccessBlockConfiguration=ALL_ON)


def enable_security_hub(sim: SimulatedOrganization, account_id: str, region: str) -> None:
    """Security Hub in another region of a member (the member stack enables the home one)."""
    hub = sim.session(account_id, region).client("securityhub")
    hub.enable_security_hub(EnableDefaultStandards=False)
