"""Scenario table for ebs_encryption_by_default (numbers cite the rule's docstring)."""

from orgwarden.model.encryption import EbsDefaultEncryption
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies.ebs_encryption_by_default import evaluate

REF = ResourceRef(
    resource_type="AwsAccount",
    resource_id="111122223333",
    account_id="111122223333",
    region="eu-west-1",
)


def test_1_on_passes() -> None:
    verdict = evaluate(EbsDefaultEncryption(ref=REF, enabled=True))
    assert verdict.status is Status.PASSED
    assert "eu-west-1" in verdict.reason


def test_2_off_fails_naming_account_region_and_the_fix() -> None:
    verdict = evaluate(EbsDefaultEncryption(ref=REF, enabled=False))
    assert verdict.status is Status.FAILED
    for words in ("111122223333", "eu-west-1", "EnableEbsEncryptionByDefault", "existing volumes"):
        assert words in verdict.reason
    assert verdict.facts == {"ebs_encryption_by_default": False}
