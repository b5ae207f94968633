"""End to end on moto's server: a member's principal switches the guards off (StopLogging,
DeleteDetector, StopConfigurationRecorder, DeleteTrail, DisableSecurityHub); the events go
through the template's CloudTrail rules, the queue and the real handler (scenario 18)."""

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orgwarden.aws.sessions import Sessions
from orgwarden_harness.incidents import tampering_event
from orgwarden_harness.simulated_drift import add_member_account
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import Configure

FIELD = "orgwarden/governance/"
MODES = {
    rule: "enforce"
    for rule in (
        "cloudtrail_logging_enabled",
        "guardduty_detector_enabled",
        "config_recorder_enabled",
        "securityhub_enabled",
    )
}


@pytest.fixture
def member(organization: SimulatedOrganization) -> str:
    """A fresh member account (its own guards), with orgwarden's roles and Security Hub on."""
    return add_member_account(organization, f"guards-{uuid.uuid4().hex[:8]}").account_id


def run(sim: SimulatedOrganization, *events: dict[str, Any]) -> dict[str, Any]:
    for event in events:
        sim.deliver(event)
    messages: list[dict[str, Any]] = []
    for _ in range(5):
        messages += sim.take()
        if len(messages) >= len(events):
            break
    assert len(messages) == len(events), "the template's rules did not route every event"
    return sim.invoke_evaluator(messages)


def finding_of(sim: SimulatedOrganization, rule: str, member: str) -> dict[str, Any]:
    return sim.findings(member)[f"orgwarden/{rule}/{member}/us-east-1/{member}"]


def test_scenario_18_stopped_and_deleted_guards_are_switched_back_on(
    lambda_env: Configure, member: str
) -> None:
    sim = lambda_env(MODES)
    session = sim.session(member)
    session.client("s3").create_bucket(Bucket=f"trail-{member}")
    cloudtrail = session.client("cloudtrail")
    trail = cloudtrail.create_trail(
        Name="management-events", S3BucketName=f"trail-{member}", IsMultiRegionTrail=True
    )["TrailARN"]
    guardduty = session.client("guardduty")
    guardduty.delete_detector(DetectorId=guardduty.create_detector(Enable=True)["DetectorId"])
    config = session.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{member}:role/aws-service-role/config.amazonaws.com/"
            "AWSServiceRoleForConfig",
        }
    )
    session.client("s3").create_bucket(Bucket=f"config-{member}")
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": f"config-{member}"}
    )
    # The trail never started and the recorder is stopped: what StopLogging and
    # StopConfigurationRecorder leave behind.
    events = [
        tampering_event(member, "cloudtrail", "StopLogging", {"name": trail}),
        tampering_event(member, "guardduty", "DeleteDetector", {"detectorId": "deleted"}),
        tampering_event(
            member, "config", "StopConfigurationRecorder", {"configurationRecorderName": "default"}
        ),
    ]
    assert run(sim, *events) == {"batchItemFailures": []}

    assert cloudtrail.get_trail_status(Name=trail)["IsLogging"] is True
    (detector_id,) = guardduty.list_detectors()["DetectorIds"]
    assert guardduty.get_detector(DetectorId=detector_id)["Status"] == "ENABLED"
    (status,) = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    assert status["recording"] is True

    for rule, event in zip(
        ("cloudtrail_logging_enabled", "guardduty_detector_enabled", "config_recorder_enabled"),
        events,
        strict=True,
    ):
        finding = finding_of(sim, rule, member)
        assert finding["Compliance"]["Status"] == "PASSED", rule
        assert finding["Severity"]["Original"] == "CRITICAL"
        fields = finding["ProductFields"]
        assert fields[FIELD + "DetectedStatus"] == "FAILED"
        assert fields[FIELD + "RemediationOutcome"] == "verified"
        assert fields[FIELD + "CausePrincipal"] == (
            f"arn:aws:sts::{member}:assumed-role/PlatformAdmin/mallory"
        )
        assert fields[FIELD + "CauseEventId"] == event["detail"]["eventID"]
        (record,) = sim.evidence().history(finding["Id"])
        assert record.severity.value == "CRITICAL"
        assert record.action is not None
        assert record.action.actor == f"arn:aws:iam::{member}:role/OrgwardenRemediation"

    # Then the trail itself is deleted: it cannot be recreated safely, so it is reported.
    cloudtrail.delete_trail(Name="management-events")
    deleted = tampering_event(member, "cloudtrail", "DeleteTrail", {"name": "management-events"})
    assert run(sim, deleted) == {"batchItemFailures": []}
    finding = finding_of(sim, "cloudtrail_logging_enabled", member)
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Severity"]["Label"] == "CRITICAL"
    assert "management-events was deleted" in finding["Description"]
    assert "recreated" in finding["Remediation"]["Recommendation"]["Text"]
    latest = sim.evidence().history(finding["Id"])[-1]
    assert latest.facts["deleted_trail"] == "management-events"
    assert latest.action is not None
    assert latest.action.outcome == "not-attempted"
    assert "does not apply" in latest.action.reason


@pytest.fixture
def hub_refuses_imports_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto imports findings into a disabled hub; Security Hub refuses them with
    InvalidAccessException. This hook gives moto's Security Hub clients that refusal, judged by
    moto's own hub state (DescribeHub), so the evaluator meets what AWS would answer."""
    original = Sessions.client
    hooked: set[int] = set()

    def refuse(client: Any, **_: Any) -> None:
        try:
            client.describe_hub()
        except ClientError as error:
            if error.response["Error"]["Code"] == "InvalidAccessException":
                raise ClientError(
                    {"Error": {"Code": "InvalidAccessException", "Message": str(error)}},
                    "BatchImportFindings",
                ) from error
            raise

    def client(self: Sessions, service: str, **kw: Any) -> Any:
        made = original(self, service, **kw)
        if service == "securityhub" and id(made) not in hooked:
            made.meta.events.register(
                "before-call.securityhub.BatchImportFindings",
                lambda **event: refuse(made, **event),
            )
            hooked.add(id(made))
        return made

    monkeypatch.setattr(Sessions, "client", client)


@pytest.mark.usefixtures("hub_refuses_imports_when_disabled")
def test_scenario_18_a_disabled_hub_keeps_the_verdict_in_evidence_and_enforce_re_enables_it(
    lambda_env: Configure, member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    securityhub = lambda_env({}).session(member).client("securityhub")
    securityhub.disable_security_hub()

    sim = lambda_env({})  # detect: the hub stays off, so the finding cannot be imported
    first = tampering_event(member, "securityhub", "DisableSecurityHub", {})
    # Not a batch failure: retrying cannot help while the hub is off; the evidence has it.
    assert run(sim, first) == {"batchItemFailures": []}
    assert '"FindingsUndeliverable":[1.0]' in capsys.readouterr().out.replace(" ", "")
    finding_id = f"orgwarden/securityhub_enabled/{member}/us-east-1/{member}"
    (record,) = sim.evidence().history(finding_id)
    assert record.status.value == "FAILED"
    assert record.cause is not None
    assert record.cause.event_id == first["detail"]["eventID"]
    with pytest.raises(ClientError, match="not subscribed"):
        securityhub.describe_hub()

    sim = lambda_env(MODES)  # enforce: enabled again first, so the finding lands in it
    second = tampering_event(member, "securityhub", "DisableSecurityHub", {})
    assert run(sim, second) == {"batchItemFailures": []}
    assert securityhub.describe_hub()["HubArn"].endswith(f"{member}:hub/default")
    finding = sim.findings(member)[finding_id]
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["ProductFields"][FIELD + "DetectedStatus"] == "FAILED"
    assert finding["ProductFields"][FIELD + "RemediationOutcome"] == "verified"


def test_a_trail_narrowed_to_write_only_management_events_is_failed_and_not_restarted(
    lambda_env: Configure, member: str
) -> None:
    """CIS AWS Foundations 3.1 and FSBP CloudTrail.1 ask for a multi-Region trail that records
    read and write management events. A member administrator can keep the trail logging and
    narrow it with PutEventSelectors (ReadWriteType WriteOnly): logging, yet blind to reads."""
    sim = lambda_env(MODES)
    session = sim.session(member)
    session.client("s3").create_bucket(Bucket=f"trail-{member}")
    cloudtrail = session.client("cloudtrail")
    trail = cloudtrail.create_trail(
        Name="management-events", S3BucketName=f"trail-{member}", IsMultiRegionTrail=True
    )["TrailARN"]
    cloudtrail.start_logging(Name=trail)
    cloudtrail.put_event_selectors(
        TrailName=trail,
        EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}],
    )
    event = tampering_event(
        member,
        "cloudtrail",
        "PutEventSelectors",
        {"trailName": trail, "eventSelectors": [{"readWriteType": "WriteOnly"}]},
    )

    assert run(sim, event) == {"batchItemFailures": []}

    finding = finding_of(sim, "cloudtrail_logging_enabled", member)
    assert finding["Compliance"]["Status"] == "FAILED"
    (record,) = sim.evidence().history(finding["Id"])
    assert "write management events only" in record.detected_reason
    # No automatic fix: starting the trail would change nothing.
    assert record.decision == "report"
    assert record.action is None or record.action.outcome == "not-attempted"
    assert record.facts["management_events"] == {trail: ["write"]}
    assert cloudtrail.get_trail_status(Name=trail)["IsLogging"] is True
