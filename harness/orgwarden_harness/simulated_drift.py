"""Public-S3 and encryption drift in the simulated organization.

Each function makes one change in a member account on moto's server, as a person would, and
returns the EventBridge event CloudTrail would emit for it. The end-to-end tests and the demo
play these through the template's rules, the queue and the evaluator.
"""

from typing import Any

import boto3

from orgwarden.aws.sessions import Sessions
from orgwarden_harness.simulation import (
    ACCESS_ROLE,
    HOME_REGION,
    Account,
    SimulatedOrganization,
    cloudtrail_event,
    deploy_member,
)

PLATFORM_ENGINEER = "arn:aws:sts::{account}:assumed-role/PlatformAdmin/sam.lee@example.com"
ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def add_member_account(sim: SimulatedOrganization, name: str, ou: str = "Prod") -> Account:
    """A new member account with orgwarden's member roles and Security Hub, for account-wide
    settings that must not leak into other accounts' scenarios."""
    org = boto3.client("organizations", region_name=HOME_REGION)
    created = org.create_account(Email=f"{name}@example.com", AccountName=name)
    account = Account(name=name, account_id=created["CreateAccountStatus"]["AccountId"], ou=ou)
    deploy_member(sim, account.account_id)
    return account


def _event(
    account_id: str,
    region: str,
    name: str,
    *,
    service: str,
    request: dict[str, Any],
    response: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event = cloudtrail_event(
        event_name=name,
        account_id=account_id,
        region=region,
        request_parameters=request,
        principal_arn=PLATFORM_ENGINEER.format(account=account_id),
        service=service,
    )
    event["detail"]["responseElements"] = response
    return event


def _s3control(account_id: str, region: str) -> Any:
    # Through Sessions, whose client finds S3 Control's account-prefixed host on moto's server.
    return Sessions().client(
        "s3control", account_id=account_id, role_name=ACCESS_ROLE, region=region
    )


def delete_account_public_access_block(
    sim: SimulatedOrganization, account_id: str, region: str = HOME_REGION
) -> dict[str, Any]:
    """Scenario 6: the account had all four settings on; someone deletes them."""
    control = _s3control(account_id, region)
    control.put_public_access_block(AccountId=account_id, PublicAccessBlockConfiguration=ALL_ON)
    control.delete_public_access_block(AccountId=account_id)
    host = f"{account_id}.s3-control.{region}.amazonaws.com"
    return _event(
        account_id, region, "DeleteAccountPublicAccessBlock", service="s3", request={"Host": host}
    )


def account_public_access_block(
    sim: SimulatedOrganization, account_id: str, region: str = HOME_REGION
) -> dict[str, bool] | None:
    control = _s3control(account_id, region)
    try:
        found: dict[str, bool] = control.get_public_access_block(AccountId=account_id)[
            "PublicAccessBlockConfiguration"
        ]
    except control.exceptions.NoSuchPublicAccessBlockConfiguration:
        return None
    return found


def create_bucket(
    sim: SimulatedOrganization, account_id: str, bucket: str, region: str = HOME_REGION
) -> dict[str, Any]:
    """A new bucket: no Block Public Access settings of its own and (in moto, as in S3 before
    2023) no default encryption."""
    sim.session(account_id, region).client("s3").create_bucket(Bucket=bucket)
    return _event(account_id, region, "CreateBucket", service="s3", request={"bucketName": bucket})


def delete_bucket_default_encryption(
    sim: SimulatedOrganization, account_id: str, bucket: str, region: str = HOME_REGION
) -> dict[str, Any]:
    """Scenario 9: a bucket's default encryption removed (S3 since 2023 falls back to SSE-S3;
    moto, like S3 before, leaves none)."""
    s3 = sim.session(account_id, region).client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.delete_bucket_encryption(Bucket=bucket)
    return _event(
        account_id,
        region,
        "DeleteBucketEncryption",
        service="s3",
        request={"bucketName": bucket, "encryption": [""]},
    )


def disable_ebs_encryption_by_default(
    sim: SimulatedOrganization, account_id: str, region: str = HOME_REGION
) -> dict[str, Any]:
    """Scenario 8: encryption by default switched off in a region."""
    ec2 = sim.session(account_id, region).client("ec2")
    ec2.enable_ebs_encryption_by_default()
    ec2.disable_ebs_encryption_by_default()
    return _event(
        account_id,
        region,
        "DisableEbsEncryptionByDefault",
        service="ec2",
        request={"DisableEbsEncryptionByDefaultRequest": ""},
        response={"DisableEbsEncryptionByDefaultResponse": {"ebsEncryptionByDefault": False}},
    )


def create_unencrypted_volume(
    sim: SimulatedOrganization, account_id: str, region: str = HOME_REGION
) -> tuple[str, dict[str, Any]]:
    """Scenario 8: CreateVolume without encryption; returns the volume id and the event."""
    ec2 = sim.session(account_id, region).client("ec2")
    zone = f"{region}a"
    volume = ec2.create_volume(Size=100, AvailabilityZone=zone, VolumeType="gp3", Encrypted=False)
    event = _event(
        account_id,
        region,
        "CreateVolume",
        service="ec2",
        request={"size": 100, "zone": zone, "volumeType": "gp3", "encrypted": False},
        response={
            "volumeId": volume["VolumeId"],
            "size": "100",
            "zone": zone,
            "status": "creating",
            "volumeType": "gp3",
            "encrypted": False,
        },
    )
    return volume["VolumeId"], event


def create_unencrypted_db_instance(
    sim: SimulatedOrganization, account_id: str, name: str, region: str = HOME_REGION
) -> dict[str, Any]:
    """Scenario 7: CreateDBInstance with StorageEncrypted=false."""
    rds = sim.session(account_id, region).client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.m6g.large",
        Engine="postgres",
        MasterUsername="orders_admin",
        MasterUserPassword="simulated-only-password",  # moto: no real database
        AllocatedStorage=100,
        StorageEncrypted=False,
    )
    request = {
        "dBInstanceIdentifier": name,
        "dBInstanceClass": "db.m6g.large",
        "engine": "postgres",
        "allocatedStorage": 100,
        "storageEncrypted": False,
    }
    return _event(
        account_id, region, "CreateDBInstance", service="rds", request=request, response=request
    )
