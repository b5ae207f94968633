"""Scenario table for root_mfa_enabled (numbers cite the rule's docstring; S-numbers cite
../shared/reference/scenarios.md: S15)."""

import pytest

from orgwarden.model.resources import ResourceRef
from orgwarden.model.root import RootCredentials
from orgwarden.model.spec import Status
from policies import root_mfa_enabled

ACCOUNT = ResourceRef(
    resource_type="AwsAccount",
    resource_id="111122223333",
    account_id="111122223333",
    region="us-east-1",
)


@pytest.mark.parametrize(
    ("scenario", "mfa", "status"), [(1, False, Status.FAILED), (2, True, Status.PASSED)]
)
def test_root_mfa_enabled_scenarios(scenario: int, mfa: bool, status: Status) -> None:
    state = RootCredentials(ref=ACCOUNT, access_keys_present=False, mfa_enabled=mfa)
    verdict = root_mfa_enabled.evaluate(state)
    assert verdict.status is status, scenario
    assert verdict.facts == {"AccountMFAEnabled": int(mfa)}
