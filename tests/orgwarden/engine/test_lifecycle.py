"""The Security Hub lifecycle as orgwarden drives it, on moto's server taught the documented
import and workflow rules (`orgwarden_harness.securityhub_fake`)."""

from datetime import timedelta

from orgwarden.aws.securityhub import set_workflow, workflow_status
from orgwarden.engine.decision import Act
from orgwarden.engine.policy import default_policy
from orgwarden.model.spec import Status
from orgwarden_harness.simulation import SimulatedOrganization
from tests.orgwarden.engine.test_safety import Clock, build, public_bucket, run, sim  # noqa: F401


def hub(sim: SimulatedOrganization, account: str):  # type: ignore[no-untyped-def]  # noqa: F811
    return sim.session(account).client("securityhub")


def test_a_verified_fix_resolves_a_new_finding_with_a_note(sim: SimulatedOrganization) -> None:  # noqa: F811
    event = public_bucket(sim)
    outcome = run(build(default_policy()), event)
    member = event["detail"]["recipientAccountId"]
    finding = sim.findings(member)[outcome.finding_id]
    assert finding["Compliance"]["Status"] == "PASSED"
    assert finding["Workflow"]["Status"] == "RESOLVED"
    assert "verified" in finding["Note"]["Text"]


def test_drift_again_reopens_then_resolves_and_keeps_the_first_observation(
    sim: SimulatedOrganization,  # noqa: F811
) -> None:
    clock = Clock()
    ev = build(default_policy(), clock=clock)
    event = public_bucket(sim)
    member = event["detail"]["recipientAccountId"]
    first = run(ev, event)
    created = sim.findings(member)[first.finding_id]["CreatedAt"]

    clock.now += timedelta(hours=1)
    s3 = sim.session(member).client("s3")
    s3.delete_public_access_block(Bucket=event["detail"]["requestParameters"]["bucketName"])
    again = run(
        ev, {**event, "id": "second-delivery", "detail": {**event["detail"], "eventID": "e2"}}
    )

    assert again.act is Act.REMEDIATE
    finding = sim.findings(member)[again.finding_id]
    assert finding["CreatedAt"] == created
    assert finding["FirstObservedAt"] == created
    assert finding["UpdatedAt"] > created
    assert finding["Workflow"]["Status"] == "RESOLVED"  # moved by BatchUpdateFindings


def test_a_finding_a_person_suppressed_is_never_remediated(sim: SimulatedOrganization) -> None:  # noqa: F811
    clock = Clock()
    ev = build(default_policy(), modes={}, clock=clock)  # detect: the finding is created FAILED
    event = public_bucket(sim)
    member = event["detail"]["recipientAccountId"]
    first = run(ev, event)
    assert first.status is Status.FAILED
    finding = sim.findings(member)[first.finding_id]
    set_workflow(
        hub(sim, member), first.finding_id, finding["ProductArn"], "SUPPRESSED", "accepted risk"
    )

    clock.now += timedelta(minutes=5)
    enforcing = build(default_policy(), clock=clock)
    again = run(enforcing, {**event, "detail": {**event["detail"], "eventID": "e3"}})

    assert again.act is Act.REPORT
    assert again.status is Status.FAILED
    assert sim.bucket_block(member, event["detail"]["requestParameters"]["bucketName"]) is None
    assert (
        workflow_status(hub(sim, member), first.finding_id, finding["ProductArn"]) == "SUPPRESSED"
    )
