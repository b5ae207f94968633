"""End to end on moto's server: root sign-ins and root API calls go through the template's
RootActivity rule (moto's EventBridge honours its `{"exists": false}` on invokedBy), the queue
and the real handler, and leave one CRITICAL finding per event in the member's Security Hub
(scenario 14); the periodic root credential checks land as IAM.4 / IAM.9 findings (scenario 15)."""

import json
from typing import Any

from orgwarden.engine.runtime import event_service
from orgwarden.engine.scope import EvaluationScope
from orgwarden.model.resources import ResourceRef
from orgwarden_harness.incidents import root_signin_event
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import EVENTS, Configure

FIELD = "orgwarden/governance/"


def deliver_all(sim: SimulatedOrganization, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for event in events:
        sim.deliver(event)
    messages: list[dict[str, Any]] = []
    for _ in range(5):
        messages += sim.take()
        if len(messages) >= len(events):
            break
    return messages


def findings_in(sim: SimulatedOrganization, account_id: str, region: str) -> dict[str, Any]:
    """The account's findings in one region (the simulation reads the home region only)."""
    client = sim.session(account_id, region).client("securityhub")
    return {f["Id"]: f for f in client.get_findings()["Findings"]}


def root_api_call(account_id: str, fixture: str) -> dict[str, Any]:
    text = (EVENTS / "root" / fixture).read_text().replace("111122223333", account_id)
    event: dict[str, Any] = json.loads(text)
    return event


def test_scenario_14_each_root_sign_in_and_root_call_is_its_own_critical_finding(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({})
    member = sim.accounts["analytics-prod"].account_id
    without_mfa = root_signin_event(member, mfa_used="No", source_ip="203.0.113.50")
    with_mfa = root_signin_event(
        member,
        mfa_used="Yes",
        source_ip="198.51.100.8",
        detail_type="AWS Console Signin via CloudTrail",
    )
    run_instances = root_api_call(member, "RunInstances.json")
    invoked_by = root_api_call(member, "GetBucketAcl-invokedBy.json")

    messages = deliver_all(sim, [without_mfa, with_mfa, run_instances, invoked_by])
    # A service acting for root (invokedBy) does not pass the template's pattern. A root
    # launch also matches the EC2 rule, so it is queued twice; idempotency makes one evaluation.
    assert {json.loads(m["Body"])["detail"]["eventID"] for m in messages} == {
        e["detail"]["eventID"] for e in (without_mfa, with_mfa, run_instances)
    }
    assert sim.invoke_evaluator(messages) == {"batchItemFailures": []}

    findings = sim.findings(member) | findings_in(sim, member, "eu-west-1")
    for event in (without_mfa, with_mfa, run_instances):
        detail = event["detail"]
        finding_id = (
            f"orgwarden/root_user_activity/{member}/{detail['awsRegion']}/event/{detail['eventID']}"
        )
        finding = findings[finding_id]
        assert finding["AwsAccountId"] == member
        assert finding["Severity"]["Label"] == "CRITICAL"
        assert finding["Compliance"]["Status"] == "FAILED"
        assert finding["Resources"][0]["Id"] == f"AWS::::Account:{member}"
        assert "cis-aws-3.0 1.7" in finding["Compliance"]["RelatedRequirements"]
        fields = finding["ProductFields"]
        assert fields[FIELD + "CauseEventId"] == detail["eventID"]
        assert fields[FIELD + "CauseSourceIp"] == detail["sourceIPAddress"]
        assert fields[FIELD + "CauseUserAgent"] == detail["userAgent"]
        assert fields[FIELD + "CauseEventTime"].startswith(detail["eventTime"][:19])
        assert fields[FIELD + "CausePrincipal"] == f"arn:aws:iam::{member}:root"

        (record,) = sim.evidence().history(finding_id)
        assert record.cause is not None
        assert record.cause.source_ip == detail["sourceIPAddress"]
        assert record.cause.user_agent == detail["userAgent"]
        assert record.facts["event_id"] == detail["eventID"]
        assert record.facts["account_id"] == member
        if detail["eventName"] == "ConsoleLogin":
            mfa = detail["additionalEventData"]["MFAUsed"]
            assert fields[FIELD + "CauseMfaUsed"] == mfa
            assert fields[FIELD + "CauseLoginResult"] == "Success"
            assert record.cause.mfa_used == mfa
            assert record.facts["login_result"] == "Success"
    without = findings[
        f"orgwarden/root_user_activity/{member}/us-east-1/event/{without_mfa['detail']['eventID']}"
    ]
    assert "without MFA" in without["Description"]
    assert "from 203.0.113.50" in without["Description"]
    assert not any(f.endswith(invoked_by["detail"]["eventID"]) for f in findings)


def test_scenario_15_root_credentials_are_checked_by_the_periodic_sweep(
    lambda_env: Configure,
) -> None:
    sim = lambda_env({})
    member = sim.accounts["sandbox-dev"].account_id
    evaluator = event_service().evaluator
    account = ResourceRef(
        resource_type="AwsAccount", resource_id=member, account_id=member, region="us-east-1"
    )
    scope = EvaluationScope()
    outcomes = {
        rule: evaluator.evaluate_resource(
            evaluator.catalogue.rules[rule], account, None, scope=scope
        )
        for rule in ("root_access_keys_absent", "root_mfa_enabled")
    }
    evaluator.flush(scope)
    # moto's account summary: no root access keys, no root MFA device.
    assert {rule: o.status.value for rule, o in outcomes.items() if o} == {
        "root_access_keys_absent": "PASSED",
        "root_mfa_enabled": "FAILED",
    }
    findings = sim.findings(member)
    mfa = findings[f"orgwarden/root_mfa_enabled/{member}/us-east-1/{member}"]
    assert mfa["Compliance"]["RelatedRequirements"] == ["aws-fsbp IAM.9", "cis-aws-3.0 1.5"]
    assert mfa["Severity"]["Label"] == "CRITICAL"
    keys = findings[f"orgwarden/root_access_keys_absent/{member}/us-east-1/{member}"]
    assert keys["Compliance"]["RelatedRequirements"] == ["aws-fsbp IAM.4", "cis-aws-3.0 1.4"]
    assert keys["Compliance"]["Status"] == "PASSED"
