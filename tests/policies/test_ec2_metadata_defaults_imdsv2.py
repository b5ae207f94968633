"""Scenario table for ec2_metadata_defaults_imdsv2 (numbers cite the rule's docstring)."""

import pytest

from orgwarden.model.imdsv2 import InstanceMetadataDefaults
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies.ec2_metadata_defaults_imdsv2 import SPEC, evaluate

REF = ResourceRef(
    resource_type="AwsAccount",
    resource_id="111122223333",
    account_id="111122223333",
    region="eu-west-1",
)


def defaults(**settings: str) -> InstanceMetadataDefaults:
    return InstanceMetadataDefaults(ref=REF, **settings)


CASES = [
    ("1: tokens required", defaults(http_tokens="required"), Status.PASSED, ["require IMDSv2"]),
    ("2: endpoint disabled", defaults(http_endpoint="disabled"), Status.PASSED, ["disabled"]),
    ("3: nothing set", defaults(), Status.FAILED, ["not set", "eu-west-1"]),
    ("3: tokens optional", defaults(http_tokens="optional"), Status.FAILED, ["optional"]),
    ("3: no preference", defaults(http_tokens="no-preference"), Status.FAILED, ["no-preference"]),
    (
        "4: managed by a declarative policy",
        defaults(http_tokens="optional", managed_by="declarative-policy"),
        Status.FAILED,
        ["declarative policy"],
    ),
]


@pytest.mark.parametrize(
    ("state", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_scenarios(state: InstanceMetadataDefaults, expected: Status, words: list[str]) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_no_control_is_claimed() -> None:
    assert SPEC.related_requirements() == []
