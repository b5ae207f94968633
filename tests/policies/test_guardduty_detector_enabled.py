"""Scenario table for guardduty_detector_enabled (numbers cite the rule's docstring; S18 cites
../shared/reference/scenarios.md)."""

import pytest

from orgwarden.engine.decision import Act
from orgwarden.model.guards import Detector, DetectorState
from orgwarden.model.spec import Status
from policies import guardduty_detector_enabled
from tests.policies.guard_cases import REF, enforced


@pytest.mark.parametrize(
    ("scenario", "detectors", "status"),
    [
        (1, (Detector(detector_id="d1", enabled=True),), Status.PASSED),
        (2, (Detector(detector_id="d1", enabled=False),), Status.FAILED),
        (3, (), Status.FAILED),
    ],
)
def test_guardduty_detector_enabled_scenarios(
    scenario: int, detectors: tuple[Detector, ...], status: Status
) -> None:
    verdict = guardduty_detector_enabled.evaluate(DetectorState(ref=REF, detectors=detectors))
    assert verdict.status is status, scenario
    expected = Act.NOTHING if status is Status.PASSED else Act.REMEDIATE
    assert enforced(guardduty_detector_enabled, verdict) is expected
