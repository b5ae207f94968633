"""Scenario tables for the tampering rules: cloudtrail_logging_enabled,
guardduty_detector_enabled, config_recorder_enabled, securityhub_enabled (numbers cite the rules'
docstrings; S18 cites scenarios.md)."""

import pytest

from orgwarden.engine.decision import Act, Guards, decide
from orgwarden.model.guards import (
    Detector,
    DetectorState,
    HubState,
    Recorder,
    RecorderState,
    Trail,
    TrailCoverage,
)
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Status, Verdict
from policies import (
    cloudtrail_logging_enabled,
    config_recorder_enabled,
    guardduty_detector_enabled,
    securityhub_enabled,
)

MEMBER = "111122223333"
MANAGEMENT = "999988887777"
REF = ResourceRef(
    resource_type="AwsAccount", resource_id=MEMBER, account_id=MEMBER, region="eu-west-1"
)


def trail(name: str, *, logging: bool, multi: bool = True, owner: str = MEMBER) -> Trail:
    return Trail(
        name=name,
        arn=f"arn:aws:cloudtrail:us-east-1:{owner}:trail/{name}",
        home_region="us-east-1",
        multi_region=multi,
        organization_trail=owner != MEMBER,
        logging=logging,
    )


def coverage(*trails: Trail, event: str | None = None, named: str | None = None) -> TrailCoverage:
    return TrailCoverage(ref=REF, trails=trails, event_name=event, event_trail=named)


def enforced(spec_module: object, verdict: Verdict) -> Act:
    return decide(
        spec_module.SPEC,  # type: ignore[attr-defined]
        verdict,
        Guards(
            mode=Mode.ENFORCE,
            principal_arn=f"arn:aws:sts::{MEMBER}:assumed-role/PlatformAdmin/mallory",
            own_role_names=("OrgwardenRemediation",),
        ),
    ).act


@pytest.mark.parametrize(
    ("scenario", "state", "status", "act"),
    [
        (1, coverage(trail("main", logging=True)), Status.PASSED, Act.NOTHING),
        (
            2,
            coverage(trail("main", logging=False), event="StopLogging", named="main"),
            Status.FAILED,
            Act.REMEDIATE,
        ),
        (3, coverage(event="DeleteTrail", named="main"), Status.FAILED, Act.REPORT),
        (3, coverage(), Status.FAILED, Act.REPORT),
        (4, coverage(trail("org", logging=False, owner=MANAGEMENT)), Status.FAILED, Act.REPORT),
        (5, coverage(trail("local", logging=True, multi=False)), Status.FAILED, Act.REPORT),
        (
            6,
            coverage(trail("main", logging=True), trail("local", logging=False, multi=False)),
            Status.PASSED,
            Act.NOTHING,
        ),
    ],
)
def test_cloudtrail_logging_enabled_scenarios(
    scenario: int, state: TrailCoverage, status: Status, act: Act
) -> None:
    verdict = cloudtrail_logging_enabled.evaluate(state)
    assert verdict.status is status, (scenario, verdict.reason)
    assert enforced(cloudtrail_logging_enabled, verdict) is act, scenario


def test_cloudtrail_facts_list_stopped_and_deleted_trails() -> None:
    stopped = cloudtrail_logging_enabled.evaluate(
        coverage(trail("main", logging=False), event="StopLogging", named="main")
    )
    assert [t["name"] for t in stopped.facts["stopped_trails"]] == ["main"]
    assert stopped.facts["trails_to_start"] == [f"arn:aws:cloudtrail:us-east-1:{MEMBER}:trail/main"]
    deleted = cloudtrail_logging_enabled.evaluate(coverage(event="DeleteTrail", named="main"))
    assert deleted.facts["deleted_trail"] == "main"
    assert "main was deleted" in deleted.reason
    assert deleted.remediable is False
    # Scenario 6 still lists the stopped single-region trail.
    passed = cloudtrail_logging_enabled.evaluate(
        coverage(trail("main", logging=True), trail("local", logging=False, multi=False))
    )
    assert [t["name"] for t in passed.facts["stopped_trails"]] == ["local"]


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


@pytest.mark.parametrize(
    ("scenario", "enabled", "status"), [(1, True, Status.PASSED), (2, False, Status.FAILED)]
)
def test_securityhub_enabled_scenarios(scenario: int, enabled: bool, status: Status) -> None:
    verdict = securityhub_enabled.evaluate(HubState(ref=REF, enabled=enabled))
    assert verdict.status is status, scenario


def test_a_fix_that_does_not_apply_is_never_attempted_even_in_dry_run() -> None:
    verdict = config_recorder_enabled.evaluate(RecorderState(ref=REF, recorders=()))
    decision = decide(
        config_recorder_enabled.SPEC,
        verdict,
        Guards(mode=Mode.DRY_RUN),
    )
    assert decision.act is Act.REPORT
    assert "does not apply" in decision.reason
