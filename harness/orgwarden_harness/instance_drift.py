"""Instance drift on the simulated organization: a developer launches an instance, and the
CloudTrail event for it. Shared by the end-to-end tests and the demo."""

from typing import Any

from orgwarden_harness.simulation import (
    DEVELOPER,
    HOME_REGION,
    SimulatedOrganization,
    cloudtrail_event,
)

AMI = "ami-12c6146b"  # one of moto's built-in AMIs


def launch_instance(
    sim: SimulatedOrganization,
    account_name: str,
    *,
    tags: dict[str, str] | None = None,
    metadata_options: dict[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Run one instance in the account; returns its id and CloudTrail's RunInstances event."""
    account = sim.accounts[account_name]
    ec2 = sim.session(account.account_id).client("ec2")
    request: dict[str, Any] = {"ImageId": AMI, "InstanceType": "t3.micro"}
    if tags:
        request["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    if metadata_options:
        request["MetadataOptions"] = metadata_options
    instance = ec2.run_instances(MinCount=1, MaxCount=1, **request)["Instances"][0]
    event = cloudtrail_event(
        service="ec2",
        event_name="RunInstances",
        account_id=account.account_id,
        region=HOME_REGION,
        request_parameters={
            "instancesSet": {"items": [{"imageId": AMI, "minCount": 1, "maxCount": 1}]},
            "instanceType": "t3.micro",
        },
        principal_arn=DEVELOPER.format(account=account.account_id),
    )
    event["detail"]["responseElements"] = {
        "reservationId": "r-0d4e5f6a7b8c9d0e1",
        "ownerId": account.account_id,
        "instancesSet": {
            "items": [
                {
                    "instanceId": instance["InstanceId"],
                    "imageId": AMI,
                    "instanceState": {"code": 0, "name": "pending"},
                    "instanceType": "t3.micro",
                }
            ]
        },
    }
    return instance["InstanceId"], event
