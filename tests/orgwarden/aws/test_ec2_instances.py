"""EC2 instance adapter against moto's server: metadata options, their fix, the account's
metadata defaults (moto lacks them: see orgwarden_harness.moto_additions), and stopping an
instance."""

import dataclasses

import pytest

from orgwarden.aws.errors import ResourceGone
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.model.imdsv2 import InstanceMetadataDefaults, InstanceMetadataOptions
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies import ec2_instance_imdsv2_required, ec2_metadata_defaults_imdsv2
from tests.conftest import member_context

READ, FIX = "OrgwardenRead", "OrgwardenRemediation"
REGION = "us-east-1"
AMI = "ami-12c6146b"  # one of moto's built-in AMIs


@pytest.fixture(scope="module")
def sessions(moto_server: str) -> Sessions:
    return Sessions()


@pytest.fixture(scope="module")
def account_id() -> str:
    """One member account for the module: moto builds an account's EC2 backend (AMIs, instance
    types) on first use in each region, which costs seconds; tests keep apart by resource."""
    return "210987654321"


def ec2(sessions: Sessions, account_id: str, region: str = REGION):  # type: ignore[no-untyped-def]
    return sessions.client("ec2", account_id=account_id, role_name="setup", region=region)


def launch(sessions: Sessions, account_id: str, **options: str) -> ResourceRef:
    extra = {"MetadataOptions": options} if options else {}
    instance = ec2(sessions, account_id).run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, **extra
    )["Instances"][0]
    return ResourceRef(
        resource_type="AwsEc2Instance",
        resource_id=instance["InstanceId"],
        account_id=account_id,
        region=REGION,
    )


def read_options(sessions: Sessions, ref: ResourceRef) -> InstanceMetadataOptions:
    state: InstanceMetadataOptions = READERS["ec2_instance_metadata_options"].read(
        member_context(sessions, ref, READ)
    )
    return state


def test_scenario_10_an_instance_launched_without_options_allows_imdsv1_and_is_fixed(
    sessions: Sessions, account_id: str
) -> None:
    ref = launch(sessions, account_id)
    state = read_options(sessions, ref)
    assert (state.http_tokens, state.http_endpoint, state.state) == (
        "optional",
        "enabled",
        "running",
    )
    assert ec2_instance_imdsv2_required.evaluate(state).status is Status.FAILED

    fix = REMEDIATIONS["ec2_require_imdsv2"]
    assert fix.plan(state) == {
        "api": "ec2:ModifyInstanceMetadataOptions",
        "instance": ref.resource_id,
        "HttpTokens": "required",
        "HttpEndpoint": "enabled",
    }
    change = fix.apply(member_context(sessions, ref, FIX), state)
    assert change.before == {"HttpTokens": "optional", "HttpEndpoint": "enabled"}
    after = read_options(sessions, ref)
    assert after.http_tokens == "required"
    assert ec2_instance_imdsv2_required.evaluate(after).status is Status.PASSED


def test_scenario_10_a_disabled_endpoint_is_compliant(sessions: Sessions, account_id: str) -> None:
    ref = launch(sessions, account_id, HttpEndpoint="disabled")
    assert (
        ec2_instance_imdsv2_required.evaluate(read_options(sessions, ref)).status is Status.PASSED
    )


def test_a_terminated_instance_is_not_applicable(sessions: Sessions, account_id: str) -> None:
    ref = launch(sessions, account_id)
    ec2(sessions, account_id).terminate_instances(InstanceIds=[ref.resource_id])
    verdict = ec2_instance_imdsv2_required.evaluate(read_options(sessions, ref))
    assert verdict.status is Status.NOT_APPLICABLE


def test_an_unknown_instance_is_gone(sessions: Sessions, account_id: str) -> None:
    ref = ResourceRef(
        resource_type="AwsEc2Instance",
        resource_id="i-0123456789abcdef0",
        account_id=account_id,
        region=REGION,
    )
    with pytest.raises(ResourceGone):
        read_options(sessions, ref)


def test_scenario_11_an_auto_scaling_instance_names_its_group_and_template(
    sessions: Sessions, account_id: str
) -> None:
    client = ec2(sessions, account_id)
    template = client.create_launch_template(
        LaunchTemplateName=f"web-{account_id}",
        LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro"},
    )["LaunchTemplate"]
    sessions.client(
        "autoscaling", account_id=account_id, role_name="setup", region=REGION
    ).create_auto_scaling_group(
        AutoScalingGroupName="checkout-web",
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "1"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    (instance,) = [
        i
        for r in client.describe_instances(
            Filters=[{"Name": "tag:aws:autoscaling:groupName", "Values": ["checkout-web"]}]
        )["Reservations"]
        for i in r["Instances"]
    ]
    ref = ResourceRef(
        resource_type="AwsEc2Instance",
        resource_id=instance["InstanceId"],
        account_id=account_id,
        region=REGION,
    )
    state = read_options(sessions, ref)
    assert state.launched_by is not None
    assert state.launched_by.auto_scaling_group == "checkout-web"
    assert state.launched_by.launch_template_id == template["LaunchTemplateId"]
    verdict = ec2_instance_imdsv2_required.evaluate(state)
    assert "Auto Scaling group checkout-web" in verdict.reason
    # The fix still applies to the instance itself.
    REMEDIATIONS["ec2_require_imdsv2"].apply(member_context(sessions, ref, FIX), state)
    assert read_options(sessions, ref).http_tokens == "required"


def defaults_ref(account_id: str, region: str) -> ResourceRef:
    return ResourceRef(
        resource_type="AwsAccount", resource_id=account_id, account_id=account_id, region=region
    )


def read_defaults(sessions: Sessions, ref: ResourceRef) -> InstanceMetadataDefaults:
    state: InstanceMetadataDefaults = READERS["ec2_instance_metadata_defaults"].read(
        member_context(sessions, ref, READ)
    )
    return state


def test_metadata_defaults_are_read_and_required_per_region(
    sessions: Sessions, account_id: str
) -> None:
    ref = defaults_ref(account_id, REGION)
    state = read_defaults(sessions, ref)
    assert state.http_tokens is None
    assert state.managed_by == "account"
    assert ec2_metadata_defaults_imdsv2.evaluate(state).status is Status.FAILED

    change = REMEDIATIONS["ec2_require_imdsv2_by_default"].apply(
        member_context(sessions, ref, FIX), state
    )
    assert change == dataclasses.replace(change, before={"HttpTokens": None})
    assert read_defaults(sessions, ref).http_tokens == "required"
    assert ec2_metadata_defaults_imdsv2.evaluate(read_defaults(sessions, ref)).status is (
        Status.PASSED
    )
    # Another region of the same account, and the same region of another account, are apart.
    assert read_defaults(sessions, defaults_ref(account_id, "eu-west-2")).http_tokens is None
    assert read_defaults(sessions, defaults_ref("210987654322", REGION)).http_tokens is None


def test_no_preference_removes_a_default(sessions: Sessions) -> None:
    client = ec2(sessions, "210987654323")
    client.modify_instance_metadata_defaults(HttpTokens="required", HttpEndpoint="enabled")
    client.modify_instance_metadata_defaults(HttpTokens="no-preference")
    state = read_defaults(sessions, defaults_ref("210987654323", REGION))
    assert (state.http_tokens, state.http_endpoint) == (None, "enabled")


def test_stopping_an_instance_is_verified_by_its_state(sessions: Sessions, account_id: str) -> None:
    ref = launch(sessions, account_id)
    stop = REMEDIATIONS["ec2_stop_instance"]
    assert stop.disruptive
    state = READERS["ec2_instance_tags"].read(member_context(sessions, ref, READ))
    assert stop.holds is not None
    assert not stop.holds(state)
    assert stop.plan(state) == {"api": "ec2:StopInstances", "instance": ref.resource_id}
    change = stop.apply(member_context(sessions, ref, FIX), state)
    assert change.before == {"State": "running"}
    after = READERS["ec2_instance_tags"].read(member_context(sessions, ref, READ))
    assert after.state in ("stopping", "stopped")
    assert stop.holds(after)
    # Never terminated: the instance is still there.
    assert ec2(sessions, account_id).describe_instances(InstanceIds=[ref.resource_id])
