"""Events for the root usage, tampering and GuardDuty incidents, shaped as AWS delivers them, for
the simulated organization (the demo and the end-to-end tests).

moto records no sign-ins and has no GuardDuty findings API: these builders write the events
the way CloudTrail and GuardDuty would (tests/events/ holds recorded-shape fixtures of each).
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization, cloudtrail_event

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def _iso(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def root_signin_event(
    account_id: str,
    *,
    mfa_used: str = "No",
    result: str = "Success",
    source_ip: str = "203.0.113.50",
    at: datetime | None = None,
    detail_type: str = "AWS Console Sign In via CloudTrail",
) -> dict[str, Any]:
    """A root console sign-in, as delivered on the us-east-1 default bus."""
    moment = _iso(at)
    detail: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "Root",
            "principalId": account_id,
            "arn": f"arn:aws:iam::{account_id}:root",
            "accountId": account_id,
            "accessKeyId": "",
        },
        "eventTime": moment,
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": HOME_REGION,
        "sourceIPAddress": source_ip,
        "userAgent": BROWSER,
        "requestParameters": None,
        "responseElements": {"ConsoleLogin": result},
        "additionalEventData": {
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": mfa_used,
        },
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }
    if result == "Failure":
        detail["errorMessage"] = "Failed authentication"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.signin",
        "account": account_id,
        "time": moment,
        "region": HOME_REGION,
        "resources": [],
        "detail": detail,
    }


def tampering_event(
    account_id: str, service: str, event_name: str, request_parameters: dict[str, Any]
) -> dict[str, Any]:
    """A member's principal switching a guard off (scenario 18)."""
    return cloudtrail_event(
        event_name=event_name,
        account_id=account_id,
        region=HOME_REGION,
        request_parameters=request_parameters,
        principal_arn=f"arn:aws:sts::{account_id}:assumed-role/PlatformAdmin/mallory",
        source_ip="198.51.100.23",
        service=service,
    )


def instance_resource(instance_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Instance",
        "instanceDetails": {"instanceId": instance_id, "instanceState": "running"},
    }


def access_key_resource(access_key_id: str, user_name: str, user_type: str = "IAMUser") -> dict:
    return {
        "resourceType": "AccessKey",
        "accessKeyDetails": {
            "accessKeyId": access_key_id,
            "principalId": "AIDA4EXAMPLEUSERID12",
            "userType": user_type,
            "userName": user_name,
        },
    }


def bucket_resource(bucket: str) -> dict[str, Any]:
    return {
        "resourceType": "S3Bucket",
        "s3BucketDetails": [
            {"arn": f"arn:aws:s3:::{bucket}", "name": bucket, "type": "Destination"}
        ],
    }


def guardduty_finding_event(
    account_id: str,
    finding_type: str,
    resource: dict[str, Any],
    *,
    severity: float = 8.0,
    finding_id: str | None = None,
    count: int = 1,
    updated_at: datetime | None = None,
    resource_role: str = "ACTOR",
    region: str = HOME_REGION,
) -> dict[str, Any]:
    """A GuardDuty finding as EventBridge delivers it. GuardDuty sends the same finding again
    (same id) with a growing `service.count` and a later `updatedAt` while activity goes on."""
    finding_id = finding_id or uuid.uuid4().hex
    detector = "12abc34d567e8fa901bc2d34e56789f0"
    finding_arn = f"arn:aws:guardduty:{region}:{account_id}:detector/{detector}/finding/"
    finding_arn += finding_id
    updated = updated_at or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": account_id,
        "time": _iso(updated),
        "region": region,
        "resources": [],
        "detail": {
            "schemaVersion": "2.0",
            "accountId": account_id,
            "region": region,
            "partition": "aws",
            "id": finding_id,
            "arn": finding_arn,
            "type": finding_type,
            "resource": resource,
            "service": {
                "serviceName": "guardduty",
                "detectorId": detector,
                "resourceRole": resource_role,
                "eventFirstSeen": "2026-11-21T05:12:40.000Z",
                "eventLastSeen": updated.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "archived": False,
                "count": count,
            },
            "severity": severity,
            "createdAt": "2026-11-21T05:20:19.337Z",
            "updatedAt": updated.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "title": f"{finding_type} reported by GuardDuty.",
            "description": f"GuardDuty detected {finding_type}.",
        },
    }


def launch_instance(sim: SimulatedOrganization, account_id: str) -> str:
    """A running instance in the account's default VPC (with its root volume)."""
    ec2 = sim.session(account_id).client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    answer = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    instance_id: str = answer["Instances"][0]["InstanceId"]
    return instance_id
