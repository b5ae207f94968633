"""The tampering rules' verdicts against AWS's own documents, case by case.

Each case names the document it comes from and quotes the sentence that decides it:

- ORG_TRAIL: AWS Organizations User Guide, "AWS CloudTrail and AWS Organizations".
- TRAIL_STATUS: AWS CloudTrail API Reference, "GetTrailStatus", request parameter Name.
- CREATE_TRAIL: AWS CloudTrail API Reference, "CreateTrail", IsOrganizationTrail.
- RECORDER_STATUS: AWS Config API Reference, "ConfigurationRecorderStatus".
- DETECTOR: Amazon GuardDuty API Reference, "GetDetector", response element Status.
- HUB: AWS Security Hub API Reference, "DescribeHub".

Every case runs through the rule's `evaluate`, and the decision in enforce mode says whether
orgwarden would act.
"""

import pytest

from orgwarden.aws.guards import _recording_group
from orgwarden.engine.decision import Act
from orgwarden.model.guards import (
    Detector,
    DetectorState,
    HubState,
    Recorder,
    RecorderState,
    Trail,
    TrailCoverage,
)
from orgwarden.model.spec import Status
from policies import (
    cloudtrail_logging_enabled,
    config_recorder_enabled,
    guardduty_detector_enabled,
    securityhub_enabled,
)
from tests.policies.guard_cases import MEMBER, REF, enforced

ORG_TRAIL = "AWS Organizations User Guide, AWS CloudTrail and AWS Organizations"
TRAIL_STATUS = "AWS CloudTrail API Reference, GetTrailStatus"
CREATE_TRAIL = "AWS CloudTrail API Reference, CreateTrail"
RECORDER_STATUS = "AWS Config API Reference, ConfigurationRecorderStatus"

MEMBERS_CANNOT_MODIFY = (
    "Organization trails are automatically applied to all member accounts in the organization. "
    "Member accounts can see the organization trail, but can't modify or delete it."
)
SHADOW_BY_ARN = (
    "To get the status of a shadow trail (a replication of the trail in another Region), you "
    "must specify its ARN."
)
ORG_TRAIL_OWNER = (
    "The default is false, and cannot be true unless the call is made on behalf of an AWS "
    "account that is the management account or delegated administrator account for an "
    "organization in Organizations."
)
LAST_STATUS = (
    "lastStatus: The status of the latest recording event processed by the recorder. "
    "Valid Values: Pending | Success | Failure | NotApplicable"
)
LAST_ERROR = "lastErrorCode: The latest error code from when the recorder last failed."
DETECTOR_STATUS = "Status: The detector status. Valid Values: ENABLED | DISABLED"

MANAGEMENT = "999988887777"


def org_trail(*, logging: bool, home: str = "us-east-1", multi: bool = True) -> Trail:
    """The organization trail as DescribeTrails (includeShadowTrails) lists it in a member
    account: the ARN names the management account, HomeRegion where it was created."""
    return Trail(
        name="org-trail",
        arn=f"arn:aws:cloudtrail:{home}:{MANAGEMENT}:trail/org-trail",
        home_region=home,
        multi_region=multi,
        organization_trail=True,
        logging=logging,
    )


def own_trail(*, logging: bool, multi: bool = True, home: str = "eu-west-1") -> Trail:
    return Trail(
        name="account-trail",
        arn=f"arn:aws:cloudtrail:{home}:{MEMBER}:trail/account-trail",
        home_region=home,
        multi_region=multi,
        organization_trail=False,
        logging=logging,
    )


def trails(*found: Trail, event: str | None = None) -> TrailCoverage:
    return TrailCoverage(ref=REF, trails=found, event_name=event)


@pytest.mark.parametrize(
    ("case", "state", "status", "act"),
    [
        # ORG_TRAIL: MEMBERS_CANNOT_MODIFY. The organization trail covers the member, and its
        # shadow in the member's region is the one it sees (TRAIL_STATUS: SHADOW_BY_ARN).
        ("org trail logging, seen from a member", trails(org_trail(logging=True)), "PASSED", None),
        # The member cannot start it (MEMBERS_CANNOT_MODIFY): reported, never attempted.
        (
            "org trail stopped, seen from a member",
            trails(org_trail(logging=False), event="StopLogging"),
            "FAILED",
            Act.REPORT,
        ),
        # A shadow trail whose home is another region is still the same multi-region trail.
        (
            "org trail homed in another region",
            trails(org_trail(logging=True, home="us-west-2")),
            "PASSED",
            None,
        ),
        # CREATE_TRAIL: ORG_TRAIL_OWNER. A trail created by a delegated administrator is still an
        # organization trail the member does not own: the member's own stopped trail is started,
        # the organization trail's state does not stand in for it when the org trail is stopped.
        (
            "own multi-region trail stopped beside a stopped org trail",
            trails(org_trail(logging=False), own_trail(logging=False)),
            "FAILED",
            Act.REMEDIATE,
        ),
        # A logging organization trail covers the account even if the member stopped its own.
        (
            "own trail stopped, org trail logging",
            trails(org_trail(logging=True), own_trail(logging=False)),
            "PASSED",
            None,
        ),
        # A single-region organization trail does not cover every region (IsMultiRegionTrail).
        (
            "single-region org trail only",
            trails(org_trail(logging=True, multi=False)),
            "FAILED",
            Act.REPORT,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_organization_trails_seen_from_a_member_account(
    case: str, state: TrailCoverage, status: str, act: Act | None
) -> None:
    verdict = cloudtrail_logging_enabled.evaluate(state)
    assert verdict.status is Status(status), case
    if act is not None:
        assert enforced(cloudtrail_logging_enabled, verdict) is act, case
    if status == "FAILED" and act is Act.REPORT and state.trails and state.trails[0].multi_region:
        # The reason sends the reader to the account that can act.
        assert MANAGEMENT in verdict.reason


def test_the_fix_never_tries_to_start_the_organization_trail_from_a_member() -> None:
    # ORG_TRAIL: MEMBERS_CANNOT_MODIFY.
    from orgwarden.aws.guards import _plan_start_logging

    state = trails(org_trail(logging=False), own_trail(logging=False))
    plan = _plan_start_logging(state)
    assert [t["Name"] for t in plan["trails"]] == [own_trail(logging=False).arn]


# The recording group as DescribeConfigurationRecorders returns it for "all supported types".
ALL_SUPPORTED = _recording_group(
    {
        "allSupported": True,
        "includeGlobalResourceTypes": True,
        "resourceTypes": [],
        "exclusionByResourceTypes": {"resourceTypes": []},
        "recordingStrategy": {"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"},
    }
)


def recorder(recording: bool, last_status: str | None) -> Recorder:
    return Recorder(
        name="default",
        recording=recording,
        recording_group=ALL_SUPPORTED,
        last_status=last_status,
    )


@pytest.mark.parametrize(
    ("recording", "last_status", "status", "act"),
    [
        # RECORDER_STATUS: LAST_STATUS. A started recorder whose latest recording succeeded, or
        # is still pending right after the start, records.
        (True, "Success", Status.PASSED, Act.NOTHING),
        (True, "SUCCESS", Status.PASSED, Act.NOTHING),
        (True, "Pending", Status.PASSED, Act.NOTHING),
        (True, None, Status.PASSED, Act.NOTHING),
        # RECORDER_STATUS: LAST_STATUS and LAST_ERROR. `recording: true` says the recorder is
        # started, not that it records: with lastStatus Failure its latest recording failed
        # (e.g. its role was stripped of read access). Starting it again changes nothing.
        (True, "Failure", Status.FAILED, Act.REPORT),
        (True, "FAILURE", Status.FAILED, Act.REPORT),
        # A stopped recorder is started by the fix whatever its last status.
        (False, "Failure", Status.FAILED, Act.REMEDIATE),
        (False, "Success", Status.FAILED, Act.REMEDIATE),
    ],
)
def test_a_recorder_is_recording_only_if_its_latest_recording_did_not_fail(
    recording: bool, last_status: str | None, status: Status, act: Act
) -> None:
    state = RecorderState(ref=REF, recorders=(recorder(recording, last_status),))
    verdict = config_recorder_enabled.evaluate(state)
    assert verdict.status is status, (recording, last_status)
    assert enforced(config_recorder_enabled, verdict) is act
    if status is Status.FAILED and recording:
        assert "Failure" in verdict.reason


@pytest.mark.parametrize(
    ("statuses", "status"),
    [
        # DETECTOR: DETECTOR_STATUS.
        (("ENABLED",), Status.PASSED),
        (("DISABLED",), Status.FAILED),
        ((), Status.FAILED),
    ],
)
def test_guardduty_detector_status_as_get_detector_reports_it(
    statuses: tuple[str, ...], status: Status
) -> None:
    state = DetectorState(
        ref=REF,
        detectors=tuple(
            Detector(detector_id=f"12abc34d567e8fa901bc2d34e56789f{i}", enabled=s == "ENABLED")
            for i, s in enumerate(statuses)
        ),
    )
    assert guardduty_detector_enabled.evaluate(state).status is status


def test_security_hub_not_subscribed_is_disabled() -> None:
    # HUB: DescribeHub "Returns details about the Hub resource in your account"; an account that
    # is not subscribed has no hub to describe (the read answers InvalidAccessException).
    hub_arn = f"arn:aws:securityhub:eu-west-1:{MEMBER}:hub/default"
    assert securityhub_enabled.evaluate(
        HubState(ref=REF, enabled=True, hub_arn=hub_arn)
    ).status is (Status.PASSED)
    verdict = securityhub_enabled.evaluate(HubState(ref=REF, enabled=False))
    assert verdict.status is Status.FAILED
    assert enforced(securityhub_enabled, verdict) is Act.REMEDIATE
