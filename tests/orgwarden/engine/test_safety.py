"""The controls a platform team needs before orgwarden may change production: exemptions,
break-glass, rate limits, fix leases, stale reads, OU-scoped modes (scenarios 5 and 20).

Against moto's server through the real adapters and the real control table."""

import json
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from orgwarden.aws import readers
from orgwarden.aws.errors import ResourceGone
from orgwarden.aws.member import MemberContext, Reader
from orgwarden.engine.decision import Act
from orgwarden.engine.evaluator import Evaluator, parse_event
from orgwarden.engine.policy import default_policy
from orgwarden.engine.settings import Settings
from orgwarden.model.policy_file import (
    Exemption,
    ModeOverride,
    PolicyFile,
    RateLimit,
    Scope,
)
from orgwarden.model.spec import Mode, Status
from orgwarden_harness.demo import make_drift, public_read_policy
from orgwarden_harness.simulation import (
    CONTROL_TABLE,
    EVIDENCE_TABLE,
    IDEMPOTENCY_TABLE,
    SimulatedOrganization,
)
from tests.conftest import Configure, evaluator_as_deployed

RULE = "s3_bucket_public_access"
MARKETING = "company-public-assets-prod"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sim(lambda_env: Configure) -> SimulatedOrganization:
    return lambda_env()


def build(
    policy: PolicyFile,
    *,
    modes: dict[str, Mode] | None = None,
    clock: Clock | None = None,
    sleeps: list[float] | None = None,
    settings: Settings | None = None,
) -> Evaluator:
    return evaluator_as_deployed(
        modes if modes is not None else {RULE: Mode.ENFORCE},
        settings=settings,
        policy=policy,
        clock=clock or Clock(),
        sleep=(sleeps.append if sleeps is not None else lambda _: None),
    )


def policy(**changes: Any) -> PolicyFile:
    return default_policy().model_copy(update=changes)


def public_bucket(
    sim: SimulatedOrganization, name: str | None = None, account: str = "analytics-prod"
) -> dict[str, Any]:
    member = sim.accounts[account].account_id
    bucket = name or f"safety-{uuid.uuid4().hex[:12]}-{member}"
    return make_drift(sim, account, bucket, public_read_policy(bucket))


def run(ev: Evaluator, event: dict[str, Any]) -> Any:
    """The public-access rule's outcome (a CreateBucket also reaches other bucket rules)."""
    (outcome,) = [o for o in ev.process(*parse_event(json.dumps(event))) if o.rule_id == RULE]
    return outcome


def blocked(sim: SimulatedOrganization, event: dict[str, Any]) -> bool:
    detail = event["detail"]
    block = sim.bucket_block(
        detail["recipientAccountId"], detail["requestParameters"]["bucketName"]
    )
    return block is not None and all(block.values())


def exemption(account: str, bucket: str, expires: date) -> Exemption:
    return Exemption(
        rules=(RULE,),
        account=account,
        resource=bucket,
        owner="marketing-platform@example.com",
        reason="public website assets, served without CloudFront by design",
        expires=expires,
    )


def test_scenario_5_an_exempt_public_bucket_is_recorded_suppressed_and_left_alone(
    sim: SimulatedOrganization,
) -> None:
    member = sim.accounts["analytics-prod"].account_id
    bucket = f"{MARKETING}-{member}"
    event = public_bucket(sim, bucket)
    ev = build(policy(exemptions=(exemption(member, bucket, date.today() + timedelta(days=30)),)))

    outcome = run(ev, event)

    assert outcome.act is Act.EXEMPT
    assert outcome.status is Status.WARNING
    assert not blocked(sim, event)
    finding = sim.findings(member)[outcome.finding_id]
    assert finding["Compliance"]["Status"] == "WARNING"
    assert finding["Workflow"]["Status"] == "SUPPRESSED"
    assert (
        "marketing-platform@example.com" in finding["Compliance"]["StatusReasons"][0]["Description"]
    )
    (record,) = ev.evidence.history(outcome.finding_id)
    assert record.detected_status is Status.FAILED  # auditors see the waiver, not a pass
    assert record.exemption is not None
    assert record.exemption.owner == "marketing-platform@example.com"


def test_an_exemption_tag_with_owner_and_expiry_protects_the_bucket(
    sim: SimulatedOrganization,
) -> None:
    event = public_bucket(sim)
    detail = event["detail"]
    s3 = sim.session(detail["recipientAccountId"]).client("s3")
    s3.put_bucket_tagging(
        Bucket=detail["requestParameters"]["bucketName"],
        Tagging={
            "TagSet": [
                {"Key": "orgwarden:exempt", "Value": f"{RULE}@{date.today() + timedelta(days=7)}"},
                {"Key": "orgwarden:exempt-owner", "Value": "web-team"},
            ]
        },
    )
    outcome = run(build(default_policy()), event)
    assert outcome.act is Act.EXEMPT
    assert not blocked(sim, event)


def test_an_expired_exemption_stops_protecting_and_is_reported(
    sim: SimulatedOrganization,
) -> None:
    member = sim.accounts["analytics-prod"].account_id
    event = public_bucket(sim)
    bucket = event["detail"]["requestParameters"]["bucketName"]
    lapsed = exemption(member, bucket, date.today() - timedelta(days=1))
    ev = build(policy(exemptions=(lapsed,)))

    outcome = run(ev, event)

    assert outcome.act is Act.REMEDIATE
    assert blocked(sim, event)
    (record,) = ev.evidence.history(outcome.finding_id)
    assert record.exemption is None
    assert any("expired on" in note for note in record.notes)
    fields = sim.findings(member)[outcome.finding_id]["ProductFields"]
    assert "expired on" in fields["orgwarden/governance/Notes"]


def as_role(event: dict[str, Any], account: str, role: str, session: str) -> None:
    """Make the event's caller a session of `role` (at the root path), as CloudTrail names it."""
    identity = event["detail"]["userIdentity"]
    identity["arn"] = f"arn:aws:sts::{account}:assumed-role/{role}/{session}"
    identity["sessionContext"]["sessionIssuer"]["arn"] = f"arn:aws:iam::{account}:role/{role}"


def test_a_break_glass_change_is_reported_and_not_reverted(sim: SimulatedOrganization) -> None:
    event = public_bucket(sim)
    member = event["detail"]["recipientAccountId"]
    as_role(event, member, "OrgwardenBreakGlass", "incident-4711")
    outcome = run(build(default_policy()), event)
    assert outcome.act is Act.REPORT
    assert outcome.status is Status.FAILED
    assert not blocked(sim, event)
    (record,) = build(default_policy()).evidence.history(outcome.finding_id)
    assert "break-glass" in (record.decision_reason or "")


def test_the_deployment_s_break_glass_principals_join_the_policy_file_s(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The template passes its BreakGlassPrincipals parameter (JSON) as ORGWARDEN_BREAK_GLASS.
    monkeypatch.setenv("ORGWARDEN_BREAK_GLASS", '["arn:aws:iam::*:role/Admin-Emergency"]')
    monkeypatch.setenv("ORGWARDEN_MODES", json.dumps({RULE: "enforce"}))
    settings = Settings(
        evidence_table=EVIDENCE_TABLE,
        idempotency_table=IDEMPOTENCY_TABLE,
        control_table=CONTROL_TABLE,
    )
    assert settings.break_glass == ("arn:aws:iam::*:role/Admin-Emergency",)
    event = public_bucket(sim)
    member = event["detail"]["recipientAccountId"]
    as_role(event, member, "Admin-Emergency", "oncall")
    assert "Admin-Emergency" not in " ".join(default_policy().break_glass)
    outcome = run(build(default_policy(), settings=settings), event)
    assert outcome.act is Act.REPORT
    assert not blocked(sim, event)
    # Without the deployment's list the same change is reverted.
    monkeypatch.delenv("ORGWARDEN_BREAK_GLASS")
    again = public_bucket(sim)
    again["detail"]["userIdentity"] = event["detail"]["userIdentity"]
    assert run(build(default_policy()), again).act is Act.REMEDIATE
    assert blocked(sim, again)


def test_a_rate_limit_trips_at_exactly_its_bound_and_recovers_after_the_window(
    sim: SimulatedOrganization,
) -> None:
    clock = Clock()
    # A window of its own: other tests fix buckets in the same accounts, in today's windows.
    clock.now = datetime(2031, 1, 1, tzinfo=UTC) + timedelta(days=secrets.randbelow(3000))
    ev = build(policy(rate_limit=RateLimit(limit=2, window_minutes=10)), clock=clock)
    account = "payments-prod"
    events = [public_bucket(sim, account=account) for _ in range(4)]

    first, second, third = (run(ev, e) for e in events[:3])

    assert [first.act, second.act] == [Act.REMEDIATE, Act.REMEDIATE]
    assert third.act is Act.REPORT
    assert not blocked(sim, events[2])
    (record,) = ev.evidence.history(third.finding_id)
    assert "rate limit" in (record.decision_reason or "")

    clock.now += timedelta(minutes=10)  # the next window
    assert run(ev, events[3]).act is Act.REMEDIATE
    assert run(ev, events[2]).act is Act.REMEDIATE
    assert blocked(sim, events[2])


def test_scenario_20_ten_events_for_one_bucket_in_a_second_make_one_fix(
    sim: SimulatedOrganization,
) -> None:
    first = public_bucket(sim)
    burst = [
        {
            **first,
            "id": str(uuid.uuid4()),
            "detail": {**first["detail"], "eventID": str(uuid.uuid4())},
        }
        for _ in range(10)
    ]
    ev = build(default_policy())
    outcomes = [run(ev, event) for event in burst]
    fixes = [o for o in outcomes if o.remediation_outcome == "verified"]
    assert len(fixes) == 1
    assert all(o.status is Status.PASSED for o in outcomes)


def test_a_fix_lease_held_by_another_worker_means_report_only(
    sim: SimulatedOrganization,
) -> None:
    event = public_bucket(sim)
    ev = build(default_policy())
    member = event["detail"]["recipientAccountId"]
    bucket = event["detail"]["requestParameters"]["bucketName"]
    fid = f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"
    assert ev.control is not None
    assert ev.control.acquire_fix_lease(fid, "another-worker", datetime.now(UTC), 120)
    outcome = run(ev, event)
    assert outcome.act is Act.REPORT
    assert not blocked(sim, event)


class Ticking:
    """A clock shared by two workers that moves on a second at every reading, so that whichever
    worker reads or writes later is later."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def test_a_worker_that_read_before_another_s_fix_never_leaves_its_stale_verdict_current(
    sim: SimulatedOrganization,
) -> None:
    """Two workers, two events about one public bucket, interleaved deterministically: B reads
    (public), then A reads, takes the fix lease, blocks the bucket and verifies, then B is
    refused the lease and records what it read. B's record is older than A's verification, so
    the current state is A's PASSED; B's FAILED stays in the history."""
    event_a = public_bucket(sim)
    event_b = {
        **event_a,
        "id": str(uuid.uuid4()),
        "detail": {**event_a["detail"], "eventID": str(uuid.uuid4())},
    }
    clock = Ticking()
    worker_a = build(default_policy(), clock=clock)  # type: ignore[arg-type]
    worker_b = build(default_policy(), clock=clock)  # type: ignore[arg-type]
    reserve = worker_b.control.reserve_fix
    a_outcomes = []

    def a_fixes_first(*args: Any, **kwargs: Any) -> Any:
        a_outcomes.append(run(worker_a, event_a))
        return reserve(*args, **kwargs)

    worker_b.control.reserve_fix = a_fixes_first  # type: ignore[method-assign]

    b_outcome = run(worker_b, event_b)

    (a_outcome,) = a_outcomes
    assert a_outcome.remediation_outcome == "verified"
    assert b_outcome.act is Act.REPORT
    assert b_outcome.status is Status.FAILED
    assert blocked(sim, event_a)
    fid = b_outcome.finding_id
    store = worker_a.evidence
    current = store.latest(fid)
    assert current is not None
    assert current.status is Status.PASSED, current.reason
    history = store.history(fid)
    assert sorted(r.status.value for r in history) == ["FAILED", "PASSED"]
    failed = next(r for r in history if r.status is Status.FAILED)
    passed = next(r for r in history if r.status is Status.PASSED)
    assert "already under way" in (failed.decision_reason or "")
    # Each record carries the time of the read it judged: B's read came before A's fix.
    assert failed.observed_at < passed.observed_at
    assert passed.action is not None
    assert failed.observed_at < passed.action.started_at


def test_modes_follow_the_most_specific_ou_or_account_override(
    sim: SimulatedOrganization,
) -> None:
    overrides = (
        ModeOverride(scope=Scope(ou="Workloads"), rules={RULE: Mode.DRY_RUN}),
        ModeOverride(scope=Scope(ou="Prod"), rules={RULE: Mode.ENFORCE}),
        ModeOverride(
            scope=Scope(account=sim.accounts["payments-prod"].account_id),
            rules={RULE: Mode.DETECT},
        ),
    )
    ev = build(policy(mode_overrides=overrides), modes={})
    assert run(ev, public_bucket(sim, account="analytics-prod")).act is Act.REMEDIATE  # Prod OU
    assert run(ev, public_bucket(sim, account="payments-prod")).act is Act.REPORT  # account
    assert run(ev, public_bucket(sim, account="sandbox-dev")).act is Act.PLAN  # Workloads OU


def test_a_bucket_not_yet_readable_after_its_create_is_read_again_before_it_is_called_gone(
    sim: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = public_bucket(sim)
    event["detail"]["eventName"] = "CreateBucket"
    event["detail"]["eventTime"] = datetime.now(UTC).isoformat()
    real = readers.READERS["s3_bucket_access"]
    misses = [ResourceGone("bucket does not exist (s3:GetBucketPublicAccessBlock)")] * 2

    def lagging(ctx: MemberContext) -> Any:
        if misses:
            raise misses.pop()
        return real.read(ctx)

    monkeypatch.setitem(readers.READERS, real.name, Reader(real.name, real.permissions, lagging))
    sleeps: list[float] = []
    outcome = run(build(default_policy(), sleeps=sleeps), event)
    assert sleeps == [0.5, 1.0]
    assert outcome.detected is Status.FAILED


def test_a_resource_still_missing_after_the_bounded_retries_is_gone(
    sim: SimulatedOrganization,
) -> None:
    event = public_bucket(sim)
    detail = event["detail"]
    detail["eventName"] = "CreateBucket"
    detail["eventTime"] = datetime.now(UTC).isoformat()
    detail["requestParameters"]["bucketName"] = f"never-made-{uuid.uuid4().hex[:10]}"
    sleeps: list[float] = []
    outcome = run(build(default_policy(), sleeps=sleeps), event)
    # Each bucket rule the CreateBucket reaches reads three more times, then gives up.
    assert sleeps[:3] == [0.5, 1.0, 2.0]
    assert len(sleeps) % 3 == 0
    assert max(sleeps) == 2.0
    assert outcome.status is Status.NOT_APPLICABLE
