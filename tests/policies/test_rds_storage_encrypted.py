"""Scenario table for rds_storage_encrypted (numbers cite the rule's docstring; S7 cites
../shared/reference/scenarios.md)."""

import pytest

from orgwarden.model.encryption import DbStorageEncryption
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies.rds_storage_encrypted import SPEC, evaluate

REF = ResourceRef(
    resource_type="AwsRdsDbInstance",
    resource_id="orders-prod",
    account_id="111122223333",
    region="eu-west-1",
)
KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def instance(
    encrypted: bool, status: str = "available", key: str | None = None
) -> DbStorageEncryption:
    return DbStorageEncryption(
        ref=REF, encrypted=encrypted, kms_key_id=key, engine="postgres", status=status
    )


CASES = [
    ("1: encrypted", instance(True, key=KEY), Status.PASSED, [KEY]),
    (
        "2: unencrypted (S7)",
        instance(False, status="creating"),
        Status.FAILED,
        [
            "orders-prod (postgres)",
            "cannot encrypt it in place",
            "snapshot it, copy the snapshot with a KMS key, restore",
            "will not do this",
        ],
    ),
    ("3: deleting", instance(False, status="deleting"), Status.NOT_APPLICABLE, ["being deleted"]),
]


@pytest.mark.parametrize(
    ("state", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_scenarios(state: DbStorageEncryption, expected: Status, words: list[str]) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_scenario_7_there_is_no_automatic_fix_only_a_recommendation() -> None:
    assert SPEC.remediation is None
    assert "restore a new instance from the encrypted copy" in SPEC.recommendation
