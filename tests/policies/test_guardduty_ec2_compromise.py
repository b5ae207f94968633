"""Scenario table for guardduty_ec2_compromise (numbers cite the rule's docstring; S16, S17 cite
../shared/reference/scenarios.md) and the routing of EC2 findings to it."""

from typing import Any

import pytest

from orgwarden.engine.decision import Act
from orgwarden.model.spec import Severity, Status
from orgwarden.model.threats import InstanceContainment, NetworkInterface
from policies import guardduty_ec2_compromise
from tests.policies.guardduty_cases import act_in_enforce, finding, ref, routes

QUARANTINE = "sg-0quarantine0000001"


def instance(**fields: Any) -> InstanceContainment:
    base: dict[str, Any] = {
        "ref": ref("AwsEc2Instance", "i-0a1b2c3d4e5f60718"),
        "finding": finding(),
        "state": "running",
        "vpc_id": "vpc-0a1b2c3d4e5f60718",
        "interfaces": (NetworkInterface(interface_id="eni-1", group_ids=("sg-web",)),),
        "volume_ids": ("vol-1",),
        "quarantine_group_name": "orgwarden-quarantine",
        "quarantine_group_id": None,
        "quarantine_tag": None,
    }
    return InstanceContainment.model_validate(base | fields)


ISOLATED = (NetworkInterface(interface_id="eni-1", group_ids=(QUARANTINE,)),)


@pytest.mark.parametrize(
    ("scenario", "state", "status", "act"),
    [
        (1, instance(), Status.FAILED, Act.REMEDIATE),
        (
            2,
            instance(interfaces=ISOLATED, quarantine_group_id=QUARANTINE, quarantine_tag="4ec5"),
            Status.PASSED,
            Act.NOTHING,
        ),
        (
            3,
            instance(
                finding=finding(count=7),
                interfaces=ISOLATED,
                quarantine_group_id=QUARANTINE,
                quarantine_tag="4ec5",
            ),
            Status.PASSED,
            Act.NOTHING,
        ),
        (4, instance(state="terminated"), Status.PASSED, Act.NOTHING),
        (5, instance(finding=finding(role="TARGET")), Status.FAILED, Act.REPORT),
        (6, instance(vpc_id=None, interfaces=()), Status.FAILED, Act.REPORT),
        (
            7,
            instance(interfaces=ISOLATED, quarantine_group_id=QUARANTINE),
            Status.FAILED,
            Act.REMEDIATE,
        ),
    ],
)
def test_guardduty_ec2_compromise_scenarios(
    scenario: int, state: InstanceContainment, status: Status, act: Act
) -> None:
    verdict = guardduty_ec2_compromise.evaluate(state)
    assert verdict.status is status, (scenario, verdict.reason)
    assert act_in_enforce(guardduty_ec2_compromise, verdict) is act, scenario
    assert verdict.severity is Severity.HIGH  # the finding's own 8.0
    assert verdict.facts["guardduty_finding_id"] == "4ec5a1f0b2d3c4e5f6a7b8c9d0e1f2a3"


@pytest.mark.parametrize(
    ("fixture", "finding_type", "expected"),
    [
        ("CryptoCurrency-EC2.json", None, {"guardduty_ec2_compromise": ["i-0a1b2c3d4e5f60718"]}),
        ("Backdoor-EC2.json", None, {"guardduty_ec2_compromise": ["i-0a1b2c3d4e5f60718"]}),
        (
            "Backdoor-EC2.json",
            "Trojan:EC2/DropPoint",
            {"guardduty_ec2_compromise": ["i-0a1b2c3d4e5f60718"]},
        ),
    ],
)
def test_guardduty_findings_route_by_type(
    fixture: str, finding_type: str | None, expected: dict[str, list[Any]]
) -> None:
    assert routes(fixture, finding_type) == expected
