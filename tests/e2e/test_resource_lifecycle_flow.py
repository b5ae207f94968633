"""End to end on moto's server: the lifecycle of findings about a resource, through the
template's rules, the queue and the real handler. A bucket that is deleted has every open
finding about it archived, whether a DeleteBucket call, a Config item saying so or a sweep that
no longer lists it tells us; an oversized Config item (a summary, no item) is routed and judged
like a full one."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orgwarden.engine.messages import SweepTask
from orgwarden.engine.sweep import run_task
from orgwarden_harness.demo import make_drift, public_read_policy
from orgwarden_harness.simulation import (
    DEVELOPER,
    HOME_REGION,
    SimulatedOrganization,
    cloudtrail_event,
)
from tests.conftest import Configure, evaluator_as_deployed

ACCOUNT_NAME = "payments-prod"
PUBLIC = "s3_bucket_public_access"
BLOCK = "s3_bucket_block_public_access"


def run(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, Any]:
    sim.deliver(event)
    messages = sim.take()
    assert len(messages) == 1, "the template's rules did not route the event to the queue"
    return sim.invoke_evaluator(messages)


def config_item_event(
    account_id: str, bucket: str, *, status: str = "OK", oversized: bool = False
) -> dict[str, Any]:
    """AWS Config's configuration item change for a bucket, as EventBridge delivers it; an
    oversized one carries `configurationItemSummary` instead of `configurationItem` (AWS Config
    developer guide, "Example Oversized Configuration Item Change Notification")."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    item = {
        "changeType": "DELETE" if status.startswith("ResourceDeleted") else "UPDATE",
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": now,
        "configurationStateId": 1,
        "awsAccountId": account_id,
        "configurationItemStatus": status,
        "resourceType": "AWS::S3::Bucket",
        "resourceId": bucket,
        "resourceName": bucket,
        "ARN": f"arn:aws:s3:::{bucket}",
        "awsRegion": HOME_REGION,
        "availabilityZone": "Regional",
    }
    detail: dict[str, Any] = {"recordVersion": "1.3", "notificationCreationTime": now}
    if oversized:
        detail |= {
            "messageType": "OversizedConfigurationItemChangeNotification",
            "configurationItemSummary": item,
            "s3DeliverySummary": {"s3BucketLocation": "config-bucket/AWSLogs/oversized.json"},
        }
    else:
        detail |= {"messageType": "ConfigurationItemChangeNotification", "configurationItem": item}
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Config Configuration Item Change",
        "source": "aws.config",
        "account": account_id,
        "time": now,
        "region": HOME_REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": detail,
    }


def public_bucket_with_findings(sim: SimulatedOrganization) -> tuple[str, str]:
    """A public bucket judged by the event rules (public access) and the Config item rules
    (Block Public Access, encryption, tags): several ACTIVE findings about it."""
    member = sim.accounts[ACCOUNT_NAME].account_id
    bucket = f"e2e-gone-{uuid.uuid4().hex[:8]}"
    assert run(sim, make_drift(sim, ACCOUNT_NAME, bucket, public_read_policy(bucket))) == {
        "batchItemFailures": []
    }
    assert run(sim, config_item_event(member, bucket)) == {"batchItemFailures": []}
    findings = sim.findings(member)
    for rule in (PUBLIC, BLOCK):
        finding = findings[f"orgwarden/{rule}/{member}/{HOME_REGION}/{bucket}"]
        assert finding["RecordState"] == "ACTIVE"
        assert finding["Compliance"]["Status"] == "FAILED"
    return member, bucket


def delete_bucket(sim: SimulatedOrganization, member: str, bucket: str) -> None:
    s3 = sim.session(member).client("s3")
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)


def bucket_findings(sim: SimulatedOrganization, member: str, bucket: str) -> dict[str, Any]:
    return {fid: f for fid, f in sim.findings(member).items() if fid.endswith(f"/{bucket}")}


def assert_all_archived(sim: SimulatedOrganization, member: str, bucket: str) -> None:
    """A finding about a resource that no longer exists is imported with RecordState ARCHIVED
    (the lifecycle of ../shared/reference/aws-facts.md section 2: "resource gone or rule retired
    -> import RecordState=ARCHIVED"; RecordState changes only by import)."""
    findings = bucket_findings(sim, member, bucket)
    assert {f.split("/")[1] for f in findings} >= {PUBLIC, BLOCK}
    for fid, finding in findings.items():
        assert finding["RecordState"] == "ARCHIVED", fid
        assert finding["Compliance"]["Status"] == "NOT_AVAILABLE", fid
        latest = sim.evidence().latest(fid)
        assert latest is not None
        assert latest.status.value == "NOT_APPLICABLE", fid
        assert "gone" in latest.reason


@pytest.fixture
def detect(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env({})


def test_a_deleted_bucket_has_every_finding_archived_by_its_delete_bucket_event(
    detect: SimulatedOrganization,
) -> None:
    sim = detect
    member, bucket = public_bucket_with_findings(sim)
    delete_bucket(sim, member, bucket)
    deleted = cloudtrail_event(
        event_name="DeleteBucket",
        account_id=member,
        region=HOME_REGION,
        request_parameters={"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com"},
        principal_arn=DEVELOPER.format(account=member),
    )
    assert run(sim, deleted) == {"batchItemFailures": []}
    assert_all_archived(sim, member, bucket)


def test_a_config_item_saying_resource_deleted_archives_every_finding_about_it(
    detect: SimulatedOrganization,
) -> None:
    """AWS Config API reference, ConfigurationItem: configurationItemStatus "ResourceDeleted -
    The resource was deleted"."""
    sim = detect
    member, bucket = public_bucket_with_findings(sim)
    delete_bucket(sim, member, bucket)
    event = config_item_event(member, bucket, status="ResourceDeleted")
    assert run(sim, event) == {"batchItemFailures": []}
    assert_all_archived(sim, member, bucket)


def test_a_sweep_that_no_longer_lists_a_bucket_archives_its_findings(
    detect: SimulatedOrganization,
) -> None:
    sim = detect
    member, bucket = public_bucket_with_findings(sim)
    other = f"e2e-kept-{uuid.uuid4().hex[:8]}"
    sim.session(member).client("s3").create_bucket(Bucket=other)
    delete_bucket(sim, member, bucket)  # no event: the delete was missed

    # The next sweep, an hour later, lists the account's buckets and judges them.
    later = datetime.now(UTC) + timedelta(hours=1)
    evaluator = evaluator_as_deployed({}, clock=lambda: later)
    task = SweepTask(
        sweep_id="gone", account_id=member, region=HOME_REGION, resource_types=("AwsS3Bucket",)
    )
    run_task(evaluator, task, hand_on=lambda tasks: None)

    assert_all_archived(sim, member, bucket)
    kept = bucket_findings(sim, member, other)
    assert kept
    assert {f["RecordState"] for f in kept.values()} == {"ACTIVE"}


def test_an_oversized_config_item_is_routed_and_judged_like_a_full_one(
    detect: SimulatedOrganization,
) -> None:
    """AWS Config developer guide, "Example Oversized Configuration Item Change Notification":
    when the notification is too large, "the notification includes a brief summary of the
    configuration item" (`configurationItemSummary`)."""
    sim = detect
    member = sim.accounts[ACCOUNT_NAME].account_id
    bucket = f"e2e-oversized-{uuid.uuid4().hex[:8]}"
    sim.session(member).client("s3").create_bucket(Bucket=bucket)
    event = config_item_event(member, bucket, oversized=True)
    assert "configurationItem" not in event["detail"]

    assert run(sim, event) == {"batchItemFailures": []}
    finding = sim.findings(member)[f"orgwarden/{BLOCK}/{member}/{HOME_REGION}/{bucket}"]
    assert finding["Compliance"]["Status"] == "FAILED"  # no Block Public Access: read, judged
    assert finding["ProductFields"]["orgwarden/governance/CauseEventName"] == "Config OK"


def test_the_template_routes_both_forms_of_config_item() -> None:
    from orgwarden_harness.simulation import load_template

    pattern = load_template()["Resources"]["ConfigItemsRule"]["Properties"]["EventPattern"]
    forms = {next(iter(form)) for form in pattern["detail"]["$or"]}
    assert forms == {"configurationItem", "configurationItemSummary"}
    assert json.dumps(pattern).count("AWS::S3::Bucket") == 2
