"""Scenario table for config_recorder_enabled (numbers cite the rule's docstring; S18 cites
../shared/reference/scenarios.md)."""

import pytest

from orgwarden.engine.decision import Act, Guards, decide
from orgwarden.model.guards import Recorder, RecorderState, RecordingGroup
from orgwarden.model.spec import Mode, Status
from policies import config_recorder_enabled
from tests.policies.guard_cases import REF, enforced

ALL = RecordingGroup(all_supported=True, strategy="ALL_SUPPORTED_RESOURCE_TYPES")
# AWS Config API Reference, RecordingGroup / RecordingStrategy: INCLUSION_BY_RESOURCE_TYPES
# records the types listed in resourceTypes; EXCLUSION_BY_RESOURCE_TYPES records all supported
# types except those in exclusionByResourceTypes.
ONLY_IAM_USERS = RecordingGroup(
    all_supported=False, strategy="INCLUSION_BY_RESOURCE_TYPES", resource_types=("AWS::IAM::User",)
)
ALL_BUT_INSTANCES = RecordingGroup(
    all_supported=False,
    strategy="EXCLUSION_BY_RESOURCE_TYPES",
    excluded_types=("AWS::EC2::Instance",),
)
EVERY_CATALOGUE_TYPE = RecordingGroup(
    all_supported=False,
    strategy="INCLUSION_BY_RESOURCE_TYPES",
    resource_types=config_recorder_enabled.CATALOGUE_TYPES,
)


def _recorder(recording: bool, group: RecordingGroup = ALL) -> Recorder:
    return Recorder(name="default", recording=recording, recording_group=group)


@pytest.mark.parametrize(
    ("scenario", "recorders", "status", "act"),
    [
        (1, (_recorder(True),), Status.PASSED, Act.NOTHING),
        (1, (_recorder(True, EVERY_CATALOGUE_TYPE),), Status.PASSED, Act.NOTHING),
        (2, (_recorder(False),), Status.FAILED, Act.REMEDIATE),
        (3, (), Status.FAILED, Act.REPORT),
        (4, (_recorder(True, ONLY_IAM_USERS),), Status.FAILED, Act.REPORT),
        (4, (_recorder(True, ALL_BUT_INSTANCES),), Status.FAILED, Act.REPORT),
        (5, (_recorder(False, ONLY_IAM_USERS),), Status.FAILED, Act.REPORT),
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


def test_a_narrowed_recorder_names_the_types_it_leaves_out() -> None:
    verdict = config_recorder_enabled.evaluate(
        RecorderState(ref=REF, recorders=(_recorder(True, ALL_BUT_INSTANCES),))
    )
    assert "AWS::EC2::Instance" in verdict.reason
    assert verdict.facts["recorders"][0]["not_recorded"] == ["AWS::EC2::Instance"]


def test_the_catalogue_types_are_the_registry_s_config_types() -> None:
    assert set(config_recorder_enabled.CATALOGUE_TYPES) >= {
        "AWS::EC2::Instance",
        "AWS::EC2::Volume",
        "AWS::S3::Bucket",
        "AWS::RDS::DBInstance",
    }
