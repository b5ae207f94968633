"""The evaluator's decision paths, against moto's server through the real adapters, with the
evaluator built as the runtime builds it (its directory and control table included).

moto does not enforce IAM, so a member role that denies us is represented by `DenyingSessions`,
a Sessions whose chosen roles raise AccessDenied exactly where AssumeRole would fail.
"""

import dataclasses
import json
import uuid
from typing import Any

import pytest

from orgwarden.aws import remediations
from orgwarden.aws.errors import AccessDenied
from orgwarden.aws.member import Change, MemberContext
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.decision import Act
from orgwarden.engine.evaluator import Evaluator, RemediationNotVerified, parse_event
from orgwarden.model.spec import Mode, Status
from orgwarden_harness.demo import make_drift, public_read_policy
from orgwarden_harness.simulated_drift import add_member_account, create_bucket
from orgwarden_harness.simulation import Account, SimulatedOrganization
from tests.conftest import ApiCalls, Configure, evaluator_as_deployed, hook_new_clients

RULE = "s3_bucket_public_access"
PublicBucket = tuple[SimulatedOrganization, dict[str, Any]]


class DenyingSessions(Sessions):
    def __init__(self, denied_roles: set[str]) -> None:
        super().__init__()
        self.denied_roles = denied_roles

    def client(self, service: str, *, account_id: str, role_name: str, region: str) -> Any:
        if role_name in self.denied_roles:
            raise AccessDenied(
                "sts:AssumeRole", self.role_arn(account_id, role_name), "AccessDenied"
            )
        return super().client(service, account_id=account_id, role_name=role_name, region=region)


MEMBER = "evaluator-paths"


@pytest.fixture(scope="module")
def own_account(organization: SimulatedOrganization) -> Account:
    """A member account of this module's own: the fixes here count against the rate limit of
    their account and rule, which the organization's shared accounts spend in other tests."""
    return add_member_account(organization, f"{MEMBER}-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def tooling_env(lambda_env: Configure, own_account: Account) -> SimulatedOrganization:
    sim = lambda_env()
    # A view of the organization that names the account, leaving the shared one as it is.
    return dataclasses.replace(sim, accounts={**sim.accounts, MEMBER: own_account})


def evaluator(
    mode: Mode, sessions: Sessions | None = None, rules: tuple[str, ...] = (RULE,)
) -> Evaluator:
    return evaluator_as_deployed(dict.fromkeys(rules, mode), sessions=sessions)


@pytest.fixture
def public_bucket(
    tooling_env: SimulatedOrganization,
) -> PublicBucket:
    sim = tooling_env
    member = sim.accounts[MEMBER].account_id
    bucket = f"eval-{uuid.uuid4().hex[:12]}-{member}"
    return sim, make_drift(sim, MEMBER, bucket, public_read_policy(bucket))


def bucket_block(sim: SimulatedOrganization, event: dict[str, Any]) -> dict[str, bool] | None:
    detail = event["detail"]
    return sim.bucket_block(detail["recipientAccountId"], detail["requestParameters"]["bucketName"])


def finding_for(sim: SimulatedOrganization, finding_id: str, account_id: str) -> dict[str, Any]:
    return sim.findings(account_id)[finding_id]


def run(ev: Evaluator, event: dict[str, Any]) -> list[Any]:
    return ev.process(*parse_event(json.dumps(event)))


def test_scenario_22_a_read_role_that_denies_us_gives_not_available_not_silence(
    public_bucket: PublicBucket,
) -> None:
    sim, event = public_bucket
    ev = evaluator(Mode.ENFORCE, DenyingSessions({"OrgwardenRead"}))
    (outcome,) = run(ev, event)
    assert outcome.status is Status.NOT_AVAILABLE
    assert outcome.act is Act.NOTHING
    assert bucket_block(sim, event) is None  # nothing changed on a resource we could not read
    finding = finding_for(sim, outcome.finding_id, outcome.account_id)
    assert finding["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert "sts:AssumeRole denied" in finding["Compliance"]["StatusReasons"][0]["Description"]
    (record,) = ev.evidence.history(outcome.finding_id)
    assert "OrgwardenRead" in record.reason


def test_a_denied_fix_stays_failed_and_says_why(public_bucket: PublicBucket) -> None:
    sim, event = public_bucket
    ev = evaluator(Mode.ENFORCE, DenyingSessions({"OrgwardenRemediation"}))
    (outcome,) = run(ev, event)
    assert outcome.status is Status.FAILED
    assert outcome.remediation_outcome == "denied"
    assert bucket_block(sim, event) is None
    finding = finding_for(sim, outcome.finding_id, outcome.account_id)
    assert finding["Compliance"]["Status"] == "FAILED"
    assert "Fix could not be applied" in finding["Compliance"]["StatusReasons"][0]["Description"]


def test_a_fix_that_does_not_hold_is_recorded_failed_and_raised_for_retry(
    public_bucket: PublicBucket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim, event = public_bucket

    def no_effect(ctx: MemberContext, state: Any) -> Change:
        return Change(before=None, after={"pretended": True})  # the change does not land

    fix = remediations.REMEDIATIONS["s3_block_bucket_public_access"]
    monkeypatch.setitem(
        remediations.REMEDIATIONS, fix.name, dataclasses.replace(fix, apply=no_effect)
    )
    monkeypatch.setattr("orgwarden.engine.evaluator.REMEDIATIONS", remediations.REMEDIATIONS)
    ev = evaluator(Mode.ENFORCE)
    with pytest.raises(RemediationNotVerified, match="Bucket is public"):
        run(ev, event)
    member = event["detail"]["recipientAccountId"]
    bucket = event["detail"]["requestParameters"]["bucketName"]
    finding_id = f"orgwarden/{RULE}/{member}/us-east-1/{bucket}"
    assert finding_for(sim, finding_id, member)["Compliance"]["Status"] == "FAILED"
    (record,) = ev.evidence.history(finding_id)
    assert record.action is not None
    assert record.action.outcome == "not-verified"


def test_a_fix_that_does_not_hold_stops_none_of_the_event_s_other_rules(
    tooling_env: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = tooling_env
    member = sim.accounts[MEMBER].account_id
    bucket = f"eval-{uuid.uuid4().hex[:12]}-{member}"
    event = create_bucket(sim, member, bucket)  # four rules judge a new bucket

    def no_effect(ctx: MemberContext, state: Any) -> Change:
        return Change(before=None, after={"pretended": True})

    fix = remediations.REMEDIATIONS["s3_block_bucket_public_access"]
    monkeypatch.setitem(
        remediations.REMEDIATIONS, fix.name, dataclasses.replace(fix, apply=no_effect)
    )
    monkeypatch.setattr("orgwarden.engine.evaluator.REMEDIATIONS", remediations.REMEDIATIONS)
    imports = ApiCalls()
    hook_new_clients(monkeypatch, "before-call.securityhub.BatchImportFindings", imports)
    rules = (
        "s3_bucket_public_access",
        "s3_bucket_block_public_access",
        "s3_bucket_default_encryption",
        "s3_bucket_required_tags",
    )
    ev = evaluator(Mode.ENFORCE, rules=rules)

    with pytest.raises(RemediationNotVerified, match="s3_bucket_block_public_access"):
        run(ev, event)

    def fid(rule: str) -> str:
        return f"orgwarden/{rule}/{member}/us-east-1/{bucket}"

    histories = {rule: ev.evidence.history(fid(rule)) for rule in rules}
    assert {rule: len(h) for rule, h in histories.items()} == dict.fromkeys(rules, 1)
    (held,) = histories["s3_bucket_block_public_access"]
    assert held.action is not None
    assert held.action.outcome == "not-verified"
    (encrypted,) = histories["s3_bucket_default_encryption"]  # judged after the failed fix
    assert encrypted.action is not None
    assert encrypted.action.outcome == "verified"
    findings = sim.findings(member)
    assert findings[fid("s3_bucket_block_public_access")]["Compliance"]["Status"] == "FAILED"
    assert findings[fid("s3_bucket_default_encryption")]["Compliance"]["Status"] == "PASSED"
    assert {fid(rule) for rule in rules} <= set(findings)
    assert imports.named("BatchImportFindings") == ["SecurityHub.BatchImportFindings"]


def test_dry_run_records_the_exact_change_and_makes_none(public_bucket: PublicBucket) -> None:
    sim, event = public_bucket
    ev = evaluator(Mode.DRY_RUN)
    (outcome,) = run(ev, event)
    assert outcome.act is Act.PLAN
    assert outcome.status is Status.FAILED
    assert bucket_block(sim, event) is None
    (record,) = ev.evidence.history(outcome.finding_id)
    assert record.action is not None
    assert record.action.outcome == "planned"
    assert record.action.planned_change == {
        "api": "s3:PutPublicAccessBlock",
        "bucket": event["detail"]["requestParameters"]["bucketName"],
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    }


def test_a_bucket_deleted_before_we_read_it_archives_its_finding(
    public_bucket: PublicBucket,
) -> None:
    sim, event = public_bucket
    member = event["detail"]["recipientAccountId"]
    bucket = event["detail"]["requestParameters"]["bucketName"]
    s3 = sim.session(member).client("s3")
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)
    (outcome,) = run(evaluator(Mode.ENFORCE), event)
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.act is Act.NOTHING
    assert finding_for(sim, outcome.finding_id, member)["RecordState"] == "ARCHIVED"


def test_off_mode_evaluates_nothing(public_bucket: PublicBucket) -> None:
    _, event = public_bucket
    assert run(evaluator(Mode.OFF), event) == []


def test_a_call_that_failed_at_source_changed_nothing_and_is_not_judged(
    public_bucket: PublicBucket,
) -> None:
    sim, event = public_bucket
    event["detail"]["errorCode"] = "AccessDenied"
    assert run(evaluator(Mode.ENFORCE), event) == []
    assert bucket_block(sim, event) is None


def test_an_event_no_rule_listens_to_is_not_judged(public_bucket: PublicBucket) -> None:
    _, event = public_bucket
    event["detail"]["eventName"] = "GetBucketLocation"
    assert run(evaluator(Mode.ENFORCE), event) == []


@pytest.mark.parametrize("missing", ["control", "directory"])
def test_an_evaluator_is_never_built_without_its_trust_check_or_fix_lease(missing: str) -> None:
    """Without the directory the trust check, and without the control table the fix lease and
    rate limit, would be skipped: an Evaluator refuses to exist that way."""
    from unittest.mock import sentinel

    wiring: dict[str, Any] = {"control": sentinel.control, "directory": sentinel.directory}
    wiring[missing] = None
    with pytest.raises(TypeError, match="control table and the organization directory"):
        Evaluator(
            sentinel.settings,
            sentinel.sessions,
            sentinel.catalogue,
            sentinel.evidence,
            sentinel.policy,
            **wiring,
        )
