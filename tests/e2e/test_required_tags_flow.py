"""End to end on moto's server: an instance launched without the required tags goes through the
template's rule, the queue and the real handler; its creator is tagged and the finding lists
what is missing; after the grace period an enforced rule stops it, never terminates it
(scenarios 12, 13). Tag calls on other kinds of resources are ignored, not rejected."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orgwarden.engine.evaluator import parse_event
from orgwarden_harness.instance_drift import launch_instance
from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization, cloudtrail_event
from tests.conftest import Configure, evaluator_as_deployed

RULE = "ec2_instance_required_tags"
DEVELOPER = "arn:aws:sts::{account}:assumed-role/DeveloperAccess/jane.doe@example.com"


@pytest.fixture
def enforce(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env({RULE: "enforce"})


def run(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, Any]:
    sim.deliver(event)
    messages = sim.take()
    assert len(messages) == 1, "the template's rule did not route the event to the queue"
    return sim.invoke_evaluator(messages)


def instance(sim: SimulatedOrganization, account_id: str, instance_id: str) -> dict[str, Any]:
    ec2 = sim.session(account_id).client("ec2")
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    found: dict[str, Any] = reservation["Instances"][0]
    return found


def tags(sim: SimulatedOrganization, account_id: str, instance_id: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in instance(sim, account_id, instance_id).get("Tags", [])}


def test_scenario_12_an_untagged_instance_gets_its_creator_tagged_then_is_stopped_after_grace(
    enforce: SimulatedOrganization,
) -> None:
    sim = enforce
    member = sim.accounts["sandbox-dev"].account_id
    instance_id, event = launch_instance(sim, "sandbox-dev", tags={"app": "checkout"})
    developer = DEVELOPER.format(account=member)

    assert run(sim, event) == {"batchItemFailures": []}

    assert tags(sim, member, instance_id) == {"app": "checkout", "created-by": developer}
    finding_id = f"orgwarden/{RULE}/{member}/{HOME_REGION}/{instance_id}"
    finding = sim.findings(member)[finding_id]
    # Tagging the creator does not add the missing tags: the finding stays FAILED and notifies.
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Compliance"]["RelatedRequirements"] == ["aws-rts EC2.38"]
    assert "missing env, team, cost-center" in finding["Description"]
    (record,) = sim.evidence().history(finding_id)
    assert record.action is not None
    assert record.action.remediation == "tag_created_by"
    assert record.action.outcome == "verified"
    assert record.action.after == {"created-by": developer}
    assert "Grace period ends" in record.reason
    assert instance(sim, member, instance_id)["State"]["Name"] == "running"

    # A day and an hour later, a Config item change for the instance: the grace period is over.
    later = datetime.now(UTC) + timedelta(hours=25)
    evaluator = evaluator_as_deployed({RULE: "enforce"}, clock=lambda: later)
    config_event = {
        "version": "0",
        "id": "5a7c1e2f-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
        "detail-type": "Config Configuration Item Change",
        "source": "aws.config",
        "account": member,
        "time": later.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": HOME_REGION,
        "resources": [],
        "detail": {
            "messageType": "ConfigurationItemChangeNotification",
            "configurationItem": {
                "resourceType": "AWS::EC2::Instance",
                "resourceId": instance_id,
                "awsAccountId": member,
                "awsRegion": HOME_REGION,
                "configurationItemStatus": "OK",
                "configurationItemCaptureTime": later.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        },
    }
    parsed, raw = parse_event(json.dumps(config_event))
    outcomes = {o.rule_id: o for o in evaluator.process(parsed, raw)}
    assert outcomes[RULE].remediation_outcome == "verified"
    assert instance(sim, member, instance_id)["State"]["Name"] in ("stopping", "stopped")
    history = sim.evidence().history(finding_id)
    stopped = next(r for r in history if r.action and r.action.remediation == "ec2_stop_instance")
    assert stopped.status.value == "FAILED"  # stopped, still untagged: never reported as fixed
    assert stopped.action is not None
    assert stopped.action.planned_change == {"api": "ec2:StopInstances", "instance": instance_id}


def test_scenario_13_an_invalid_value_is_reported_with_what_is_allowed(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({})  # detect: report only
    member = sim.accounts["payments-prod"].account_id
    instance_id, event = launch_instance(
        sim,
        "payments-prod",
        tags={"app": "checkout", "env": "production", "team": "payments", "cost-center": "cc-1"},
    )
    run(sim, event)
    finding = sim.findings(member)[f"orgwarden/{RULE}/{member}/{HOME_REGION}/{instance_id}"]
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Severity"]["Label"] == "LOW"
    assert "env='production' (expected one of prod, staging, dev)" in finding["Description"]
    assert "created-by" not in tags(sim, member, instance_id)  # detect changes nothing


def test_tags_on_a_snapshot_alone_are_ignored_not_rejected(lambda_env: Configure) -> None:
    sim = lambda_env({RULE: "enforce"})
    member = sim.accounts["analytics-prod"].account_id
    event = cloudtrail_event(
        service="ec2",
        event_name="CreateTags",
        account_id=member,
        region=HOME_REGION,
        request_parameters={
            "resourcesSet": {"items": [{"resourceId": "snap-066877671789bd71b"}]},
            "tagSet": {"items": [{"key": "Name", "value": "nightly"}]},
        },
        principal_arn=DEVELOPER.format(account=member),
    )
    assert run(sim, event) == {"batchItemFailures": []}
    assert not [f for f in sim.findings(member) if "snap-" in f]


def test_a_fix_that_holds_while_the_rule_still_fails_is_never_resolved(
    enforce: SimulatedOrganization,
) -> None:
    """Security Hub API reference, "Workflow": RESOLVED means "The finding was reviewed and
    remediated and is now considered resolved", and Security Hub resets it to NEW when "The
    compliance status changes from PASSED to either WARNING, FAILED, or NOT_AVAILABLE": a FAILED
    finding is not a RESOLVED one. Tagging the creator holds,
    but the instance still lacks the required tags: the finding is NOTIFIED, not RESOLVED, on
    its first import and on every later update."""
    sim = enforce
    member = sim.accounts["sandbox-dev"].account_id
    instance_id, event = launch_instance(sim, "sandbox-dev", tags={"app": "checkout"})
    assert run(sim, event) == {"batchItemFailures": []}
    finding_id = f"orgwarden/{RULE}/{member}/{HOME_REGION}/{instance_id}"
    finding = sim.findings(member)[finding_id]
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["ProductFields"]["orgwarden/governance/RemediationOutcome"] == "verified"
    assert finding["Workflow"]["Status"] == "NOTIFIED"
    assert "still fails" in finding["Note"]["Text"]

    # The created-by tag removed again: the fix re-applies and holds, the finding exists now.
    ec2 = sim.session(member).client("ec2")
    ec2.delete_tags(Resources=[instance_id], Tags=[{"Key": "created-by"}])
    untag = cloudtrail_event(
        service="ec2",
        event_name="DeleteTags",
        account_id=member,
        region=HOME_REGION,
        request_parameters={
            "resourcesSet": {"items": [{"resourceId": instance_id}]},
            "tagSet": {"items": [{"key": "created-by"}]},
        },
        principal_arn=DEVELOPER.format(account=member),
    )
    assert run(sim, untag) == {"batchItemFailures": []}
    finding = sim.findings(member)[finding_id]
    assert len(sim.evidence().history(finding_id)) == 2
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Workflow"]["Status"] != "RESOLVED"
