"""Scenario table for config_recorder_enabled (numbers cite the rule's docstring; S18 cites
../shared/reference/scenarios.md)."""

import pytest

from orgwarden.engine.decision import Act, Guards, decide
from orgwarden.model.guards import Recorder, RecorderState
from orgwarden.model.spec import Mode, Status
from policies import config_recorder_enabled
from tests.policies.guard_cases import REF, enforced


@pytest.mark.parametrize(
    ("scenario", "recorders", "status", "act"),
    [
        (1, (Recorder(name="default", recording=True),), Status.PASSED, Act.NOTHING),
        (2, (Recorder(name="default", recording=False),), Status.FAILED, Act.REMEDIATE),
        (3, (), Status.FAILED, Act.REPORT),
    ],
)
def test_config_recorder_enabled_scenarios(
    scenario: int, recorders: tuple[Recorder, ...], status: Status, act: Act
) -> None:
    verdict = config_recorder_enabled.evaluate(RecorderState(ref=REF, recorders=recorders))
    assert verdict.status is status, scenario
    assert enforced(config_recorder_enabled, verdict) is act


def test_a_fix_that_does_not_apply_is_never_attempted_even_in_dry_run() -> None:
    verdict = config_recorder_enabled.evaluate(RecorderState(ref=REF, recorders=()))
    decision = decide(
        config_recorder_enabled.SPEC,
        verdict,
        Guards(mode=Mode.DRY_RUN),
    )
    assert decision.act is Act.REPORT
    assert "does not apply" in decision.reason
