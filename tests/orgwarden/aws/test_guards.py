"""Tampering adapters against moto's server: trails, detectors, recorders, the hub; each fix is
applied and the reader, read again, shows it held (scenario 18)."""

import json
from typing import Any

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from policies import (
    cloudtrail_logging_enabled,
    config_recorder_enabled,
    guardduty_detector_enabled,
    securityhub_enabled,
)
from tests.conftest import load_event, member_context

READ, FIX = "OrgwardenRead", "OrgwardenRemediation"


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def account(account_id: str, region: str = "us-east-1") -> ResourceRef:
    return ResourceRef(
        resource_type="AwsAccount", resource_id=account_id, account_id=account_id, region=region
    )


def client(sessions: Sessions, account_id: str, service: str, region: str = "us-east-1") -> Any:
    return sessions.client(service, account_id=account_id, role_name="setup", region=region)


def read(sessions: Sessions, reader: str, ref: ResourceRef, payload: Any = None) -> Any:
    return READERS[reader].read(member_context(sessions, ref, READ, payload))


def fix(sessions: Sessions, name: str, ref: ResourceRef, state: Any) -> Any:
    return REMEDIATIONS[name].apply(member_context(sessions, ref, FIX), state)


def make_trail(sessions: Sessions, account_id: str, name: str, region: str, multi: bool) -> str:
    s3 = client(sessions, account_id, "s3", region)
    bucket = f"trail-{name}-{account_id}"
    config = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=bucket, **config)
    cloudtrail = client(sessions, account_id, "cloudtrail", region)
    arn: str = cloudtrail.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi)[
        "TrailARN"
    ]
    cloudtrail.start_logging(Name=name)
    return arn


def test_a_stopped_multi_region_trail_is_started_in_its_home_region(
    sessions: Sessions, account_id: str
) -> None:
    arn = make_trail(sessions, account_id, "management-events", "eu-west-1", multi=True)
    make_trail(sessions, account_id, "local-only", "us-east-1", multi=False)
    client(sessions, account_id, "cloudtrail", "eu-west-1").stop_logging(Name=arn)
    ref = account(account_id)  # read from us-east-1: the eu-west-1 trail is a shadow here

    state = read(sessions, "cloudtrail_trails", ref)
    by_name = {t.name: t for t in state.trails}
    assert by_name["management-events"].home_region == "eu-west-1"
    assert by_name["management-events"].logging is False
    assert by_name["local-only"].multi_region is False
    verdict = cloudtrail_logging_enabled.evaluate(state)
    assert verdict.status is Status.FAILED
    assert verdict.remediable

    change = fix(sessions, "cloudtrail_start_logging", ref, state)
    assert change.after == {arn: {"IsLogging": True}}
    assert client(sessions, account_id, "cloudtrail", "eu-west-1").get_trail_status(Name=arn)[
        "IsLogging"
    ]
    assert cloudtrail_logging_enabled.evaluate(read(sessions, "cloudtrail_trails", ref)).status is (
        Status.PASSED
    )


def test_a_deleted_trail_is_named_from_the_event_and_not_fixable(
    sessions: Sessions, account_id: str
) -> None:
    make_trail(sessions, account_id, "management-events", "us-east-1", multi=True)
    client(sessions, account_id, "cloudtrail").delete_trail(Name="management-events")
    event, _ = parse_event(json.dumps(load_event("cloudtrail", "cloudtrail", "DeleteTrail")))
    state = read(sessions, "cloudtrail_trails", account(account_id), payload=event.detail)
    assert state.trails == ()
    assert state.event_name == "DeleteTrail"
    verdict = cloudtrail_logging_enabled.evaluate(state)
    assert verdict.status is Status.FAILED
    assert verdict.remediable is False
    assert verdict.facts["deleted_trail"] == "management-events"


def test_a_deleted_detector_is_recreated_and_a_suspended_one_enabled(
    sessions: Sessions, account_id: str
) -> None:
    ref = account(account_id)
    state = read(sessions, "guardduty_detectors", ref)
    assert state.detectors == ()
    assert guardduty_detector_enabled.evaluate(state).status is Status.FAILED
    fix(sessions, "guardduty_enable_detector", ref, state)
    (created,) = read(sessions, "guardduty_detectors", ref).detectors
    assert created.enabled

    client(sessions, account_id, "guardduty").update_detector(
        DetectorId=created.detector_id, Enable=False
    )
    suspended = read(sessions, "guardduty_detectors", ref)
    assert suspended.detectors[0].enabled is False
    assert REMEDIATIONS["guardduty_enable_detector"].plan(suspended)["api"] == (
        "guardduty:UpdateDetector"
    )
    fix(sessions, "guardduty_enable_detector", ref, suspended)
    after = read(sessions, "guardduty_detectors", ref)
    assert [d.detector_id for d in after.detectors] == [created.detector_id]  # not a second one
    assert guardduty_detector_enabled.evaluate(after).status is Status.PASSED


def test_a_stopped_recorder_is_started_and_a_missing_one_is_reported(
    sessions: Sessions, account_id: str
) -> None:
    ref = account(account_id)
    missing = read(sessions, "config_recorders", ref)
    assert config_recorder_enabled.evaluate(missing).remediable is False

    config = client(sessions, account_id, "config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/"
            "AWSServiceRoleForConfig",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False},
        }
    )
    client(sessions, account_id, "s3").create_bucket(Bucket=f"config-{account_id}")
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": f"config-{account_id}"}
    )
    stopped = read(sessions, "config_recorders", ref)
    assert [(r.name, r.recording) for r in stopped.recorders] == [("default", False)]
    fix(sessions, "config_start_recorder", ref, stopped)
    assert config_recorder_enabled.evaluate(read(sessions, "config_recorders", ref)).status is (
        Status.PASSED
    )


def test_a_recorder_narrowed_to_irrelevant_types_is_read_and_fails(
    sessions: Sessions, account_id: str
) -> None:
    """PutConfigurationRecorder with an inclusion list (AWS Config API Reference,
    RecordingStrategy: INCLUSION_BY_RESOURCE_TYPES records only the listed resourceTypes), or
    with an exclusion: the recorder keeps recording, orgwarden's types are no longer recorded."""
    ref = account(account_id)
    config = client(sessions, account_id, "config")
    role = f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/x"
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": role,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False},
        }
    )
    client(sessions, account_id, "s3").create_bucket(Bucket=f"config-{account_id}")
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": f"config-{account_id}"}
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    whole = read(sessions, "config_recorders", ref)
    assert config_recorder_enabled.evaluate(whole).status is Status.PASSED

    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": role,
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "resourceTypes": ["AWS::IAM::User"],
            },
        }
    )
    narrowed = read(sessions, "config_recorders", ref)
    (recorder,) = narrowed.recorders
    assert recorder.recording  # still recording: StopConfigurationRecorder was never called
    verdict = config_recorder_enabled.evaluate(narrowed)
    assert verdict.status is Status.FAILED
    assert verdict.remediable is False
    assert "AWS::S3::Bucket" in verdict.reason

    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": role,
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::Instance"]},
                "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
            },
        }
    )
    excluded = config_recorder_enabled.evaluate(read(sessions, "config_recorders", ref))
    assert excluded.status is Status.FAILED
    assert "AWS::EC2::Instance" in excluded.reason


def test_a_disabled_hub_is_read_as_disabled_and_enabled_again(
    sessions: Sessions, account_id: str
) -> None:
    ref = account(account_id)
    state = read(sessions, "securityhub_hub", ref)  # moto's fresh account: not subscribed
    assert state.enabled is False
    assert securityhub_enabled.evaluate(state).status is Status.FAILED
    fix(sessions, "securityhub_enable_hub", ref, state)
    again = read(sessions, "securityhub_hub", ref)
    assert again.enabled
    assert again.hub_arn == f"arn:aws:securityhub:us-east-1:{account_id}:hub/default"
    fix(sessions, "securityhub_enable_hub", ref, again)  # idempotent
