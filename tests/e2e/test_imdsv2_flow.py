"""End to end on moto's server: an instance launched allowing IMDSv1 goes through the template's
rule, the queue and the real handler; it is made to require IMDSv2, verified, and reported in
the member account (scenarios 10, 11)."""

from typing import Any

import pytest

from orgwarden_harness.instance_drift import launch_instance
from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization, cloudtrail_event
from tests.conftest import ApiCalls, Configure, hook_new_clients

RULE = "ec2_instance_imdsv2_required"
DEFAULTS_RULE = "ec2_metadata_defaults_imdsv2"


@pytest.fixture
def enforce(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env({RULE: "enforce", DEFAULTS_RULE: "enforce"})


def run(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, Any]:
    sim.deliver(event)
    messages = sim.take()
    assert len(messages) == 1, "the template's rule did not route the event to the queue"
    return sim.invoke_evaluator(messages)


def metadata_options(sim: SimulatedOrganization, account_id: str, instance_id: str) -> Any:
    ec2 = sim.session(account_id).client("ec2")
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return reservation["Instances"][0]["MetadataOptions"]


def test_scenario_10_an_instance_allowing_imdsv1_is_made_to_require_imdsv2(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["payments-prod"].account_id
    instance_id, event = launch_instance(sim, "payments-prod")
    assert metadata_options(sim, member, instance_id)["HttpTokens"] == "optional"

    assert run(sim, event) == {"batchItemFailures": []}

    assert metadata_options(sim, member, instance_id)["HttpTokens"] == "required"
    finding_id = f"orgwarden/{RULE}/{member}/{HOME_REGION}/{instance_id}"
    finding = sim.findings(member)[finding_id]
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["Compliance"]["RelatedRequirements"] == ["aws-fsbp EC2.8", "cis-aws-3.0 5.6"]
    assert finding["Resources"][0]["Id"] == (
        f"arn:aws:ec2:{HOME_REGION}:{member}:instance/{instance_id}"
    )
    (record,) = sim.evidence().history(finding_id)
    assert record.detected_status.value == "FAILED"
    assert record.action is not None
    assert record.action.outcome == "verified"
    assert record.action.before == {"HttpTokens": "optional", "HttpEndpoint": "enabled"}


def test_scenario_10_imds_disabled_is_compliant_and_untouched(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    instance_id, event = launch_instance(
        sim, "analytics-prod", metadata_options={"HttpEndpoint": "disabled"}
    )
    run(sim, event)
    assert metadata_options(sim, member, instance_id)["HttpTokens"] == "optional"
    finding = sim.findings(member)[f"orgwarden/{RULE}/{member}/{HOME_REGION}/{instance_id}"]
    assert finding["Compliance"]["Status"] == "PASSED"
    (record,) = sim.evidence().history(finding["Id"])
    assert record.action is None


def test_scenario_11_an_auto_scaling_instance_is_fixed_and_its_template_blamed(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["sandbox-dev"].account_id
    session = sim.session(member)
    template = session.client("ec2").create_launch_template(
        LaunchTemplateName="checkout-web",
        LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
    )["LaunchTemplate"]
    session.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="checkout-web",
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "1"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    (reservation,) = session.client("ec2").describe_instances(
        Filters=[{"Name": "tag:aws:autoscaling:groupName", "Values": ["checkout-web"]}]
    )["Reservations"]
    instance_id = reservation["Instances"][0]["InstanceId"]
    # Auto Scaling launches as its service-linked role; the event says so.
    event = cloudtrail_event(
        service="ec2",
        event_name="RunInstances",
        account_id=member,
        region=HOME_REGION,
        request_parameters={"launchTemplate": {"launchTemplateId": template["LaunchTemplateId"]}},
        principal_arn=f"arn:aws:sts::{member}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling",
    )
    event["detail"]["responseElements"] = {"instancesSet": {"items": [{"instanceId": instance_id}]}}

    assert run(sim, event) == {"batchItemFailures": []}

    assert metadata_options(sim, member, instance_id)["HttpTokens"] == "required"
    finding_id = f"orgwarden/{RULE}/{member}/{HOME_REGION}/{instance_id}"
    (record,) = sim.evidence().history(finding_id)
    assert record.detected_status.value == "FAILED"
    assert "Auto Scaling group checkout-web" in record.detected_reason
    assert template["LaunchTemplateId"] in record.detected_reason
    assert record.facts["root_cause"]["auto_scaling_group"] == "checkout-web"
    assert record.action is not None
    assert record.action.outcome == "verified"


def test_the_account_default_is_set_to_require_imdsv2(enforce: SimulatedOrganization) -> None:
    sim = enforce
    member = sim.accounts["analytics-prod"].account_id
    ec2 = sim.session(member).client("ec2")
    ec2.modify_instance_metadata_defaults(HttpTokens="optional")
    event = cloudtrail_event(
        service="ec2",
        event_name="ModifyInstanceMetadataDefaults",
        account_id=member,
        region=HOME_REGION,
        request_parameters={"ModifyInstanceMetadataDefaultsRequest": {"HttpTokens": "optional"}},
        principal_arn=f"arn:aws:sts::{member}:assumed-role/DeveloperAccess/jane.doe@example.com",
    )

    assert run(sim, event) == {"batchItemFailures": []}

    assert ec2.get_instance_metadata_defaults()["AccountLevel"]["HttpTokens"] == "required"
    finding = sim.findings(member)[f"orgwarden/{DEFAULTS_RULE}/{member}/{HOME_REGION}/{member}"]
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["Resources"][0]["Type"] == "AwsAccount"


def test_the_rules_of_one_event_share_their_reads(
    lambda_env: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = lambda_env({RULE: "enforce", "ec2_instance_required_tags": "enforce"})
    counter = ApiCalls()
    hook_new_clients(monkeypatch, "before-call.*.*", counter)
    _, event = launch_instance(sim, "payments-prod")

    assert run(sim, event) == {"batchItemFailures": []}

    # One description for both rules and both exemption checks, then one to verify each fix.
    assert len(counter.named("DescribeInstances")) == 3
    assert counter.named("DescribeTags") == []
    assert counter.named("ModifyInstanceMetadataOptions") == ["EC2.ModifyInstanceMetadataOptions"]
    assert counter.named("CreateTags") == ["EC2.CreateTags"]
