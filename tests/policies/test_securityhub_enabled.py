"""Scenario table for securityhub_enabled (numbers cite the rule's docstring)."""

import pytest

from orgwarden.model.guards import HubState
from orgwarden.model.spec import Status
from policies import securityhub_enabled
from tests.policies.guard_cases import REF


@pytest.mark.parametrize(
    ("scenario", "enabled", "status"), [(1, True, Status.PASSED), (2, False, Status.FAILED)]
)
def test_securityhub_enabled_scenarios(scenario: int, enabled: bool, status: Status) -> None:
    verdict = securityhub_enabled.evaluate(HubState(ref=REF, enabled=enabled))
    assert verdict.status is status, scenario
