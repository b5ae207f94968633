"""Reads and fixes for the tampering rules: CloudTrail trails, GuardDuty detectors, the Config
recorder and Security Hub, in one member account and region."""

from typing import Any

from orgwarden.aws.errors import AccessDenied, call
from orgwarden.aws.member import Change, MemberContext, Reader, Remediation
from orgwarden.aws.securityhub import HUB_NOT_ENABLED
from orgwarden.model.events import CloudTrailDetail
from orgwarden.model.guards import (
    Detector,
    DetectorState,
    HubState,
    Recorder,
    RecorderState,
    RecordingGroup,
    Trail,
    TrailCoverage,
    management_events,
)

TRAIL_NOT_FOUND = ("TrailNotFoundException",)
# The facts the readers read (`MemberContext.once`), each about the account and region.
DESCRIBE_TRAILS = "cloudtrail:DescribeTrails"
GET_TRAIL_STATUS = "cloudtrail:GetTrailStatus"
GET_EVENT_SELECTORS = "cloudtrail:GetEventSelectors"
LIST_DETECTORS = "guardduty:ListDetectors"
GET_DETECTOR = "guardduty:GetDetector"
DESCRIBE_RECORDERS = "config:DescribeConfigurationRecorders"
DESCRIBE_RECORDER_STATUS = "config:DescribeConfigurationRecorderStatus"
DESCRIBE_HUB = "securityhub:DescribeHub"


# ---------------------------------------------------------------- CloudTrail


def read_trails(ctx: MemberContext) -> TrailCoverage:
    cloudtrail = ctx.client("cloudtrail")
    principal = ctx.principal
    answer = ctx.once(
        DESCRIBE_TRAILS,
        lambda: call(
            DESCRIBE_TRAILS,
            principal,
            lambda: cloudtrail.describe_trails(includeShadowTrails=True),
        ),
    )
    listed = (answer or {}).get("trailList", [])

    def statuses() -> dict[str, dict[str, Any]]:
        # A shadow trail's status is read by ARN from any region; a trail deleted in between
        # simply is not there.
        read = {
            trail["TrailARN"]: call(
                GET_TRAIL_STATUS,
                principal,
                lambda arn=trail["TrailARN"]: cloudtrail.get_trail_status(Name=arn),
                absent=TRAIL_NOT_FOUND,
            )
            for trail in listed
        }
        return {arn: status for arn, status in read.items() if status is not None}

    # One fact for the statuses of all the listed trails (the fix changes them, not the list).
    status_of = ctx.once(GET_TRAIL_STATUS, statuses)

    def selectors() -> dict[str, frozenset[str] | None]:
        # Only logging multi-region trails can cover the account, so only theirs are read.
        found: dict[str, frozenset[str] | None] = {}
        for trail in listed:
            arn = trail["TrailARN"]
            if not (trail.get("IsMultiRegionTrail") and status_of.get(arn, {}).get("IsLogging")):
                continue
            # Asked in the trail's home region, where its selectors live.
            home = ctx.client("cloudtrail", region=trail["HomeRegion"])
            try:
                answer = call(
                    GET_EVENT_SELECTORS,
                    principal,
                    lambda c=home, arn=arn: c.get_event_selectors(TrailName=arn),
                    absent=TRAIL_NOT_FOUND,
                )
            except AccessDenied:
                answer = None  # an organization trail's, say: unknown, not "all"
            found[arn] = management_events(answer) if answer is not None else None
        return found

    recorded = ctx.once(GET_EVENT_SELECTORS, selectors)
    trails = [
        Trail(
            name=trail["Name"],
            arn=trail["TrailARN"],
            home_region=trail["HomeRegion"],
            multi_region=bool(trail.get("IsMultiRegionTrail")),
            organization_trail=bool(trail.get("IsOrganizationTrail")),
            logging=bool(status_of[trail["TrailARN"]].get("IsLogging")),
            management_events=recorded.get(trail["TrailARN"]),
        )
        for trail in listed
        if trail["TrailARN"] in status_of
    ]
    event_name = event_trail = None
    if isinstance(ctx.payload, CloudTrailDetail) and ctx.payload.event_source == (
        "cloudtrail.amazonaws.com"
    ):
        event_name = ctx.payload.event_name
        named = (ctx.payload.request_parameters or {}).get("name")
        event_trail = named if isinstance(named, str) else None
    return TrailCoverage(
        ref=ctx.ref, trails=tuple(trails), event_name=event_name, event_trail=event_trail
    )


def _startable(state: TrailCoverage) -> list[Trail]:
    return [
        t
        for t in state.trails
        if t.multi_region and not t.logging and t.owner_account == state.ref.account_id
    ]


def _plan_start_logging(state: TrailCoverage) -> dict[str, Any]:
    return {
        "api": "cloudtrail:StartLogging",
        "trails": [{"Name": t.arn, "region": t.home_region} for t in _startable(state)],
    }


def _apply_start_logging(ctx: MemberContext, state: TrailCoverage) -> Change:
    started = {}
    for trail in _startable(state):
        # StartLogging must be called in the trail's home region.
        cloudtrail = ctx.client("cloudtrail", region=trail.home_region)
        call(
            "cloudtrail:StartLogging",
            ctx.principal,
            lambda c=cloudtrail, arn=trail.arn: c.start_logging(Name=arn),
        )
        started[trail.arn] = {"IsLogging": True}
    return Change(
        before={arn: {"IsLogging": False} for arn in started},
        after=started,
    )


# ---------------------------------------------------------------- GuardDuty detector


def read_detectors(ctx: MemberContext) -> DetectorState:
    guardduty = ctx.client("guardduty")
    principal = ctx.principal

    def list_ids() -> list[str]:
        pages = guardduty.get_paginator("list_detectors").paginate()
        return [d for page in pages for d in page["DetectorIds"]]

    ids = ctx.once(LIST_DETECTORS, lambda: call(LIST_DETECTORS, principal, list_ids) or [])

    def detectors() -> dict[str, dict[str, Any]]:
        read = {
            detector_id: call(
                GET_DETECTOR,
                principal,
                lambda d=detector_id: guardduty.get_detector(DetectorId=d),
                absent=("BadRequestException",),  # deleted in between
            )
            for detector_id in ids
        }
        return {d: detector for d, detector in read.items() if detector is not None}

    # One fact for the listed detectors' settings, as for the trails' statuses.
    found = ctx.once(GET_DETECTOR, detectors)
    return DetectorState(
        ref=ctx.ref,
        detectors=tuple(
            Detector(detector_id=d, enabled=found[d].get("Status") == "ENABLED")
            for d in ids
            if d in found
        ),
    )


def _plan_enable_detector(state: DetectorState) -> dict[str, Any]:
    if state.detectors:
        return {
            "api": "guardduty:UpdateDetector",
            "DetectorIds": [d.detector_id for d in state.detectors if not d.enabled],
            "Enable": True,
        }
    return {"api": "guardduty:CreateDetector", "Enable": True}


def _apply_enable_detector(ctx: MemberContext, state: DetectorState) -> Change:
    guardduty = ctx.client("guardduty")
    before = {d.detector_id: {"Enable": d.enabled} for d in state.detectors}
    if not state.detectors:
        created = call(
            "guardduty:CreateDetector",
            ctx.principal,
            lambda: guardduty.create_detector(Enable=True),
        )
        return Change(before=None, after={(created or {}).get("DetectorId", ""): {"Enable": True}})
    after = {}
    for detector in state.detectors:
        if not detector.enabled:
            call(
                "guardduty:UpdateDetector",
                ctx.principal,
                lambda d=detector.detector_id: guardduty.update_detector(DetectorId=d, Enable=True),
            )
        after[detector.detector_id] = {"Enable": True}
    return Change(before=before, after=after)


# ---------------------------------------------------------------- Config recorder


def read_recorders(ctx: MemberContext) -> RecorderState:
    config = ctx.client("config")
    recorders = ctx.once(
        DESCRIBE_RECORDERS,
        lambda: call(DESCRIBE_RECORDERS, ctx.principal, config.describe_configuration_recorders),
    )
    statuses = ctx.once(
        DESCRIBE_RECORDER_STATUS,
        lambda: call(
            DESCRIBE_RECORDER_STATUS, ctx.principal, config.describe_configuration_recorder_status
        ),
    )
    by_name = {s["name"]: s for s in (statuses or {}).get("ConfigurationRecordersStatus", [])}
    found = []
    for recorder in (recorders or {}).get("ConfigurationRecorders", []):
        status = by_name.get(recorder["name"], {})
        found.append(
            Recorder(
                name=recorder["name"],
                recording=bool(status.get("recording")),
                recording_group=_recording_group(recorder.get("recordingGroup")),
                last_status=status.get("lastStatus"),
            )
        )
    return RecorderState(ref=ctx.ref, recorders=tuple(found))


def _recording_group(group: dict[str, Any] | None) -> RecordingGroup:
    # A recorder described without its recording group is read as recording nothing: the rule
    # then fails rather than vouch for a scope it has not seen.
    group = group or {}
    all_supported = bool(group.get("allSupported"))
    default = "ALL_SUPPORTED_RESOURCE_TYPES" if all_supported else "INCLUSION_BY_RESOURCE_TYPES"
    return RecordingGroup(
        all_supported=all_supported,
        strategy=(group.get("recordingStrategy") or {}).get("useOnly", default),
        resource_types=tuple(group.get("resourceTypes") or ()),
        excluded_types=tuple(
            (group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or ()
        ),
    )


def _stopped(state: RecorderState) -> list[str]:
    return [r.name for r in state.recorders if not r.recording]


def _plan_start_recorder(state: RecorderState) -> dict[str, Any]:
    return {"api": "config:StartConfigurationRecorder", "recorders": _stopped(state)}


def _apply_start_recorder(ctx: MemberContext, state: RecorderState) -> Change:
    config = ctx.client("config")
    names = _stopped(state)
    for name in names:
        call(
            "config:StartConfigurationRecorder",
            ctx.principal,
            lambda n=name: config.start_configuration_recorder(ConfigurationRecorderName=n),
        )
    return Change(
        before={n: {"recording": False} for n in names},
        after={n: {"recording": True} for n in names},
    )


# ---------------------------------------------------------------- Security Hub


def read_hub(ctx: MemberContext) -> HubState:
    securityhub = ctx.client("securityhub")
    hub = ctx.once(
        DESCRIBE_HUB,
        lambda: call(DESCRIBE_HUB, ctx.principal, securityhub.describe_hub, absent=HUB_NOT_ENABLED),
    )
    if hub is None:
        return HubState(ref=ctx.ref, enabled=False)
    return HubState(ref=ctx.ref, enabled=True, hub_arn=hub.get("HubArn"))


def _plan_enable_hub(state: HubState) -> dict[str, Any]:
    # Standards are not chosen here: central configuration (the delegated administrator)
    # applies the organization's standards to a re-enabled hub.
    return {"api": "securityhub:EnableSecurityHub", "EnableDefaultStandards": False}


def _apply_enable_hub(ctx: MemberContext, state: HubState) -> Change:
    securityhub = ctx.client("securityhub")
    call(
        "securityhub:EnableSecurityHub",
        ctx.principal,
        lambda: securityhub.enable_security_hub(EnableDefaultStandards=False),
        absent=("ResourceConflictException",),  # already enabled: nothing to do
    )
    return Change(before={"enabled": False}, after={"enabled": True})


READERS = (
    Reader(
        name="cloudtrail_trails",
        permissions=(
            "cloudtrail:DescribeTrails",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
        ),
        read=read_trails,
    ),
    Reader(
        name="guardduty_detectors",
        permissions=("guardduty:ListDetectors", "guardduty:GetDetector"),
        read=read_detectors,
    ),
    Reader(
        name="config_recorders",
        permissions=(
            "config:DescribeConfigurationRecorders",
            "config:DescribeConfigurationRecorderStatus",
        ),
        read=read_recorders,
    ),
    Reader(name="securityhub_hub", permissions=("securityhub:DescribeHub",), read=read_hub),
)
REMEDIATIONS = (
    # Start the account's own stopped multi-region trails, each in its home region.
    Remediation(
        name="cloudtrail_start_logging",
        permissions=("cloudtrail:StartLogging",),
        plan=_plan_start_logging,
        apply=_apply_start_logging,
        # Which trails are logging decides whose event selectors are read.
        changes=(GET_TRAIL_STATUS, GET_EVENT_SELECTORS),
    ),
    # Enable the suspended detector, or create an enabled one when there is none.
    Remediation(
        name="guardduty_enable_detector",
        permissions=("guardduty:CreateDetector", "guardduty:UpdateDetector"),
        plan=_plan_enable_detector,
        apply=_apply_enable_detector,
        changes=(LIST_DETECTORS, GET_DETECTOR),
    ),
    Remediation(
        name="config_start_recorder",
        permissions=("config:StartConfigurationRecorder",),
        plan=_plan_start_recorder,
        apply=_apply_start_recorder,
        changes=(DESCRIBE_RECORDER_STATUS,),
    ),
    Remediation(
        name="securityhub_enable_hub",
        permissions=("securityhub:EnableSecurityHub",),
        plan=_plan_enable_hub,
        apply=_apply_enable_hub,
        changes=(DESCRIBE_HUB,),
    ),
)
