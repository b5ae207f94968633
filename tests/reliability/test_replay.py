"""Scenario 23: a bug fix in a rule; replaying the archived events re-evaluates them.

The governance bus's archive on moto's server (created with the template's properties), the
real queue and handler. A buggy public-access rule passes two public buckets; after the fix,
a replay of the archive re-evaluates them: each is fixed once, its finding (same id) is
updated, one episode is recorded. A second replay with the same rule acts no more.

moto replays every archived event whatever the time window, so this test's archive holds only
its own events (an event pattern on its buckets); the template's archive has no pattern.
"""

import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orgwarden.engine import runtime
from orgwarden.model.spec import Status, Verdict
from orgwarden_harness.demo import make_drift, public_read_policy
from orgwarden_harness.ledger import received_keys, reconcile
from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization, load_template
from policies import load_catalogue
from policies.catalogue import Catalogue
from tests.reliability import faults
from tests.reliability.conftest import RULE

ACCOUNT = "sandbox-dev"


def never_public(state: Any) -> Verdict:
    """The bug: the rule stopped looking at anything."""
    return Verdict(status=Status.PASSED, reason="Bucket is not public.")


def buggy_catalogue() -> Catalogue:
    rules = load_catalogue().rules.values()
    return Catalogue(
        dataclasses.replace(rule, evaluate=never_public) if rule.spec.id == RULE else rule
        for rule in rules
    )


def test_scenario_23_a_replay_after_a_rule_fix_re_evaluates_and_a_second_acts_no_more(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = faults.install(monkeypatch)
    member = sim.accounts[ACCOUNT].account_id
    run = uuid.uuid4().hex[:8]
    buckets = [f"replay-{run}-{i}-{member}" for i in range(2)]
    events = sim.session(sim.tooling.account_id).client("events")
    declared = load_template()["Resources"]["GovernanceEventArchive"]["Properties"]
    archive_arn = events.create_archive(
        ArchiveName=f"replay-{run}",
        EventSourceArn=sim.bus_arn,
        Description=declared["Description"],
        RetentionDays=90,
        EventPattern=json.dumps({"detail": {"requestParameters": {"bucketName": buckets}}}),
    )["ArchiveArn"]
    started = datetime.now(UTC) - timedelta(minutes=1)

    # The buggy rule is deployed; a developer makes two buckets public, one event twice.
    monkeypatch.setattr(runtime, "load_catalogue", buggy_catalogue)
    runtime.event_service.cache_clear()
    drift = [make_drift(sim, ACCOUNT, b, public_read_policy(b)) for b in buckets]
    for event in [*drift, drift[0]]:
        sim.deliver(event)
    first = sim.drain_queue()
    fids = [f"orgwarden/{RULE}/{member}/{HOME_REGION}/{b}" for b in buckets]
    before = {fid: sim.findings(member)[fid] for fid in fids}
    assert {f["Compliance"]["Status"] for f in before.values()} == {"PASSED"}  # the bug
    assert fixes(wire) == []

    # The fix is deployed; the archive is replayed.
    monkeypatch.setattr(runtime, "load_catalogue", load_catalogue)
    runtime.event_service.cache_clear()
    replayed = replay(sim, archive_arn, f"rule-fix-{run}", started)

    assert sorted(fixes(wire)) == sorted(buckets)  # each fixed once: its duplicate was not
    after = sim.findings(member)
    for fid in fids:
        found = after[fid]  # the same finding, updated
        assert found["Compliance"]["Status"] == "PASSED"
        assert found["Workflow"]["Status"] == "RESOLVED"
        assert found["CreatedAt"] == before[fid]["CreatedAt"]
        assert found["UpdatedAt"] > before[fid]["UpdatedAt"]
        assert episodes(sim, fid) == 1
        assert sim.bucket_block(member, fid.rsplit("/", 1)[1]) is not None
    assert len([f for f in after if f.startswith(f"orgwarden/{RULE}/{member}/")]) >= 2

    # The same archive replayed again, the rule unchanged: evaluated, but nothing more done.
    again = replay(sim, archive_arn, f"again-{run}", started)

    assert sorted(fixes(wire)) == sorted(buckets)
    for fid in fids:
        assert episodes(sim, fid) == 1
        history = sim.evidence().history(fid)
        assert [r.detected_status for r in history] == [
            Status.PASSED,  # the buggy rule
            Status.FAILED,  # the fixed rule, which fixed it
            Status.PASSED,  # the second replay
        ]
        assert sim.findings(member)[fid]["CreatedAt"] == before[fid]["CreatedAt"]

    # Nothing lost on the way: every delivery and replay is accounted for.
    for received in (first, replayed, again):
        assert len(received) == 3  # two events, one twice (archived twice, replayed twice)
        balance = reconcile(received_keys(received), sim.evaluated_event_ids(), sim.dead_letters())
        assert balance.balanced, balance.summary()
        assert len(balance.evaluated) == 2


def replay(
    sim: SimulatedOrganization, archive_arn: str, name: str, since: datetime
) -> list[dict[str, Any]]:
    """Replay the archive onto the bus, then let the evaluator drain the queue."""
    events = sim.session(sim.tooling.account_id).client("events")
    events.start_replay(
        ReplayName=name,
        EventSourceArn=archive_arn,
        EventStartTime=since,
        EventEndTime=datetime.now(UTC),
        Destination={"Arn": sim.bus_arn},
    )
    received = sim.drain_queue()
    assert all(json.loads(m["Body"])["replay-name"] == name for m in received)
    return received


def fixes(wire: faults.WireFaults) -> list[str]:
    """The buckets given Block Public Access (path-style URLs on moto's server)."""
    return [
        url.split("://", 1)[1].split("/")[1].split("?")[0]
        for operation, url in wire.sent
        if operation == "s3.PutPublicAccessBlock"
    ]


def episodes(sim: SimulatedOrganization, finding_id: str) -> int:
    """Episodes of non-compliance the evidence table recorded for a finding."""
    items = sim.evidence().history_items(finding_id)
    return sum(1 for item in items if item.get("transition") in ("opened", "opened-closed"))
