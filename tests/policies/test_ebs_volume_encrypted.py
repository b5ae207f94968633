"""Scenario table for ebs_volume_encrypted (numbers cite the rule's docstring; S8 cites
../shared/reference/scenarios.md)."""

from typing import Any

import pytest

from orgwarden.model.encryption import VolumeEncryption
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies.ebs_volume_encrypted import SPEC, evaluate

VOLUME = "vol-0a1b2c3d4e5f60718"
REF = ResourceRef(
    resource_type="AwsEc2Volume",
    resource_id=VOLUME,
    account_id="111122223333",
    region="eu-west-1",
)
KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def volume(**fields: Any) -> VolumeEncryption:
    base: dict[str, Any] = {"encrypted": False, "state": "available", "size_gib": 100}
    return VolumeEncryption(ref=REF, **{**base, **fields})


CASES = [
    ("1: encrypted", volume(encrypted=True, kms_key_id=KEY, state="in-use"), Status.PASSED, [KEY]),
    (
        "2: unencrypted, unattached (S8)",
        volume(),
        Status.FAILED,
        [VOLUME, "not attached", "before data is written", "cannot encrypt it in place"],
    ),
    (
        "3: unencrypted, attached",
        volume(state="in-use", attached_to=("i-0123456789abcdef0",)),
        Status.FAILED,
        ["attached to i-0123456789abcdef0", "copy the snapshot with encryption on", "swap"],
    ),
    ("4: deleting", volume(state="deleting"), Status.NOT_APPLICABLE, ["deleting"]),
]


@pytest.mark.parametrize(
    ("state", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_scenarios(state: VolumeEncryption, expected: Status, words: list[str]) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_the_rule_never_changes_a_volume() -> None:
    assert SPEC.remediation is None
