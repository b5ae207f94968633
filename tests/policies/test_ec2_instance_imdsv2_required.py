"""Scenario table for ec2_instance_imdsv2_required (numbers cite the rule's docstring; S-numbers
cite ../shared/reference/scenarios.md)."""

import pytest

from orgwarden.model.imdsv2 import InstanceMetadataOptions, LaunchSource
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies.ec2_instance_imdsv2_required import evaluate

REF = ResourceRef(
    resource_type="AwsEc2Instance",
    resource_id="i-0a1b2c3d4e5f60718",
    account_id="111122223333",
    region="eu-west-1",
)
ASG = LaunchSource(
    auto_scaling_group="checkout-web",
    launch_template_id="lt-0abc12de34f567890",
    launch_template_version="3",
)


def instance(
    tokens: str | None = "optional",
    endpoint: str | None = "enabled",
    state: str = "running",
    launched_by: LaunchSource | None = None,
) -> InstanceMetadataOptions:
    return InstanceMetadataOptions(
        ref=REF, state=state, http_tokens=tokens, http_endpoint=endpoint, launched_by=launched_by
    )


CASES = [
    ("1: endpoint disabled (S10)", instance("optional", "disabled"), Status.PASSED, ["disabled"]),
    ("2: tokens required", instance("required"), Status.PASSED, ["HttpTokens=required"]),
    ("2: tokens required while stopped", instance("required", state="stopped"), Status.PASSED, []),
    ("3: tokens optional (S10)", instance("optional"), Status.FAILED, ["HttpTokens=optional"]),
    ("3: tokens optional while pending", instance(state="pending"), Status.FAILED, ["IMDSv1"]),
    ("4: terminated", instance(state="terminated"), Status.NOT_APPLICABLE, ["terminated"]),
    ("4: shutting down", instance(state="shutting-down"), Status.NOT_APPLICABLE, []),
    (
        "5: launched by an Auto Scaling group (S11)",
        instance(launched_by=ASG),
        Status.FAILED,
        ["Root cause", "Auto Scaling group checkout-web", "lt-0abc12de34f567890 version 3"],
    ),
    (
        "5: launched from a template alone",
        instance(launched_by=LaunchSource(launch_template_id="lt-0abc12de34f567890")),
        Status.FAILED,
        ["launch template lt-0abc12de34f567890"],
    ),
    ("6: options not reported", instance(None, None), Status.FAILED, ["not reported"]),
]


@pytest.mark.parametrize(
    ("state", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_scenarios(state: InstanceMetadataOptions, expected: Status, words: list[str]) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_scenario_11_the_root_cause_is_in_the_facts() -> None:
    verdict = evaluate(instance(launched_by=ASG))
    assert verdict.facts["root_cause"] == {
        "auto_scaling_group": "checkout-web",
        "launch_template_id": "lt-0abc12de34f567890",
        "launch_template_version": "3",
    }
    assert verdict.remediation is None  # the instance fix still applies: the rule's own


def test_launch_source_is_read_from_the_tags_ec2_sets() -> None:
    assert LaunchSource.from_tags({"Name": "web"}) is None
    source = LaunchSource.from_tags(
        {"aws:autoscaling:groupName": "checkout-web", "aws:ec2launchtemplate:id": "lt-1"}
    )
    assert source == LaunchSource(auto_scaling_group="checkout-web", launch_template_id="lt-1")
