"""Scenario table for root_access_keys_absent (numbers cite the rule's docstring; S-numbers cite
../shared/reference/scenarios.md: S15)."""

import pytest

from orgwarden.model.resources import ResourceRef
from orgwarden.model.root import RootCredentials
from orgwarden.model.spec import Status
from policies import root_access_keys_absent

ACCOUNT = ResourceRef(
    resource_type="AwsAccount",
    resource_id="111122223333",
    account_id="111122223333",
    region="us-east-1",
)


@pytest.mark.parametrize(
    ("scenario", "keys", "status"), [(1, True, Status.FAILED), (2, False, Status.PASSED)]
)
def test_root_access_keys_absent_scenarios(scenario: int, keys: bool, status: Status) -> None:
    state = RootCredentials(ref=ACCOUNT, access_keys_present=keys, mfa_enabled=True)
    verdict = root_access_keys_absent.evaluate(state)
    assert verdict.status is status, scenario
    assert verdict.facts == {"AccountAccessKeysPresent": int(keys)}
