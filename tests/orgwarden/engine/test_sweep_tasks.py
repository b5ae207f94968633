"""What one sweep task costs and how it is bounded, on moto's server: the member-account reads
per resource (counted with a botocore hook, so adding a read fails a test), the batched prior
states, evidence and findings, the parts of a long listing, a task running out of time, a fix
verified by a fresh read, and a redelivered task that has finished not being run again."""

import dataclasses
import itertools
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from handlers.evaluator import handler
from orgwarden.aws import inventory
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.evaluator import Evaluator
from orgwarden.engine.runtime import build_evaluator
from orgwarden.engine.settings import Settings
from orgwarden.engine.sweep import SweepTask, TaskRun, run_task
from orgwarden.model.spec import Status
from orgwarden_harness.seeded_estate import (
    FULL_TAGS,
    BucketSetup,
    create_bucket,
    enable_security_hub,
    launch_instances,
    public_bucket,
)
from orgwarden_harness.simulated_drift import add_member_account
from orgwarden_harness.simulation import HOME_REGION, LambdaContext, SimulatedOrganization
from tests.conftest import ApiCalls, Configure, hook_new_clients
from tests.orgwarden.engine.test_sweep import records

OTHER_REGION = "eu-west-1"
MEMBER_SERVICES = ("S3.", "S3 Control.", "EC2.")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> ApiCalls:
    """Every API call of every boto3 client created from here on."""
    counted = ApiCalls()
    hook_new_clients(monkeypatch, "before-call.*.*", counted)
    return counted


def member_calls(calls: ApiCalls) -> Counter[str]:
    return Counter(c for c in calls.calls if c.startswith(MEMBER_SERVICES))


def task(account: str, resource_type: str, region: str = HOME_REGION) -> SweepTask:
    return SweepTask(
        sweep_id=f"t-{uuid.uuid4().hex[:8]}",
        account_id=account,
        region=region,
        resource_types=(resource_type,),
    )


class Queue:
    """Stands in for the evaluation queue: what tasks hand on."""

    def __init__(self) -> None:
        self.tasks: list[SweepTask] = []

    def __call__(self, tasks: Sequence[SweepTask]) -> None:
        self.tasks += tasks


@pytest.fixture
def account(organization: SimulatedOrganization) -> str:
    """A member account of its own (the organization's accounts are shared by many tests)."""
    return add_member_account(organization, f"sweep-{uuid.uuid4().hex[:8]}").account_id


def evaluator_for(configure: Configure, modes: dict[str, str] | None = None) -> Evaluator:
    configure(modes)
    return build_evaluator(Settings(), Sessions())  # type: ignore[call-arg]


def statuses(run: TaskRun) -> dict[tuple[str, str], Status]:
    return {(o.rule_id, o.resource_id): o.status for o in run.outcomes}


def test_a_bucket_task_reads_each_fact_once_for_every_rule_and_writes_in_batches(
    organization: SimulatedOrganization, account: str, lambda_env: Configure, calls: ApiCalls
) -> None:
    sim = organization
    blocked, public, open_ = (f"{n}-{uuid.uuid4().hex[:8]}" for n in ("blocked", "public", "open"))
    create_bucket(sim, account, blocked, BucketSetup(), HOME_REGION)
    missing = dataclasses.replace(public_bucket(public), encrypted=False, tags={"app": "x"})
    create_bucket(sim, account, public, missing, HOME_REGION)
    create_bucket(sim, account, open_, BucketSetup(block=None), HOME_REGION)
    evaluator = evaluator_for(lambda_env)
    calls.calls.clear()

    run = run_task(evaluator, task(account, "AwsS3Bucket"), hand_on=Queue())

    found = statuses(run)
    assert found[("s3_bucket_public_access", public)] is Status.FAILED
    assert found[("s3_bucket_public_access", open_)] is Status.PASSED
    assert found[("s3_bucket_block_public_access", open_)] is Status.FAILED
    assert found[("s3_bucket_default_encryption", public)] is Status.FAILED
    assert found[("s3_bucket_required_tags", public)] is Status.FAILED
    assert found[("s3_bucket_required_tags", blocked)] is Status.PASSED
    assert len(found) == 3 * 4
    # Each fact once per bucket, however many rules (and exemption checks) judge it: Block
    # Public Access, encryption, tags; the policy only where Block Public Access does not
    # already settle it, and the ACL only where the policy does not either (the public bucket's
    # policy does); the account's settings once for the task.
    assert member_calls(calls) == Counter(
        {
            "S3.ListBuckets": 1,
            "S3.GetPublicAccessBlock": 3,
            "S3 Control.GetPublicAccessBlock": 1,
            "S3.GetBucketPolicy": 2,
            "S3.GetBucketAcl": 1,
            "S3.GetBucketEncryption": 3,
            "S3.GetBucketTagging": 3,
        }
    )
    # 12 findings: one import, one read of their prior states, one transaction of evidence.
    assert Counter(c for c in calls.calls if c.startswith(("SecurityHub.", "DynamoDB."))) == {
        "SecurityHub.BatchImportFindings": 1,
        "DynamoDB.BatchGetItem": 1,
        # The account's findings, once: those of buckets the listing no longer names are
        # archived.
        "DynamoDB.Query": 1,
        "DynamoDB.TransactWriteItems": 1,
    }
    findings = sim.findings(account)
    assert {o.finding_id for o in run.outcomes} <= set(findings)


def test_an_instance_task_reads_nothing_beyond_its_listing(
    organization: SimulatedOrganization, account: str, lambda_env: Configure, calls: ApiCalls
) -> None:
    """51 instances, two rules each: 102 findings, so imports, prior-state reads and evidence
    transactions each take more than one call, and the EC2 listing stays the only read."""
    sim = organization
    v1 = launch_instances(sim, account, HOME_REGION, 17, tags=FULL_TAGS, http_tokens="optional")
    untagged = launch_instances(sim, account, HOME_REGION, 17, tags={"app": "x"})
    fine = launch_instances(sim, account, HOME_REGION, 17, tags=FULL_TAGS)
    evaluator = evaluator_for(lambda_env)
    calls.calls.clear()

    run = run_task(evaluator, task(account, "AwsEc2Instance"), hand_on=Queue())

    found = statuses(run)
    assert len(found) == 51 * 2
    assert {found[("ec2_instance_imdsv2_required", i)] for i in v1} == {Status.FAILED}
    assert {found[("ec2_instance_required_tags", i)] for i in untagged} == {Status.FAILED}
    assert {found[(r, i)] for i in fine for r in ("ec2_instance_imdsv2_required",)} == {
        Status.PASSED
    }
    assert member_calls(calls) == Counter({"EC2.DescribeInstances": 1})
    assert Counter(c for c in calls.calls if c.startswith(("SecurityHub.", "DynamoDB."))) == {
        "SecurityHub.BatchImportFindings": 2,  # 100 findings per call
        "DynamoDB.BatchGetItem": 2,  # 100 keys per call
        "DynamoDB.Query": 1,  # the account's findings (what is no longer listed is archived)
        "DynamoDB.TransactWriteItems": 3,  # 50 records (100 items) per call
    }
    assert len(sim.findings(account)) == 102


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Instances in parts of two, so that five make three tasks."""
    collector = inventory.COLLECTORS["AwsEc2Instance"]
    small = dataclasses.replace(
        collector, listing=dataclasses.replace(collector.listing, part_size=2)
    )
    monkeypatch.setitem(inventory.COLLECTORS, "AwsEc2Instance", small)


def test_a_long_listing_judges_its_first_part_and_hands_on_the_others(
    organization: SimulatedOrganization,
    account: str,
    lambda_env: Configure,
    calls: ApiCalls,
    small_parts: None,
) -> None:
    sim = organization
    ids = launch_instances(sim, account, HOME_REGION, 5, tags=FULL_TAGS, http_tokens="optional")
    evaluator = evaluator_for(lambda_env)
    queue = Queue()

    first = run_task(evaluator, task(account, "AwsEc2Instance"), hand_on=queue)
    assert [p.part for p in queue.tasks] == [1, 2]
    assert [len(p.resources or ()) for p in queue.tasks] == [2, 1]
    calls.calls.clear()
    parts = [run_task(evaluator, p, hand_on=Queue()) for p in queue.tasks]

    judged = [o.resource_id for run in (first, *parts) for o in run.outcomes]
    assert sorted(judged) == sorted(ids * 2)  # every instance by both rules, once
    assert {o.status for run in (first, *parts) for o in run.outcomes if "imdsv2" in o.rule_id} == {
        Status.FAILED
    }
    # A part describes its named instances in one call, and reads nothing else.
    assert member_calls(calls) == Counter({"EC2.DescribeInstances": 2})


def test_a_task_running_out_of_time_hands_on_what_it_has_not_judged(
    organization: SimulatedOrganization, account: str, lambda_env: Configure
) -> None:
    sim = organization
    ids = launch_instances(sim, account, HOME_REGION, 4, tags=FULL_TAGS)
    evaluator = evaluator_for(lambda_env)
    clock = itertools.count()
    queue = Queue()

    # 60 s left at the start, 5 s once the second instance is reached: two judged, two handed on.
    def time_left() -> float:
        return 60.0 if next(clock) < 2 else 5.0

    run = run_task(evaluator, task(account, "AwsEc2Instance"), hand_on=queue, time_left=time_left)
    (later,) = queue.tasks
    assert later.resumed == 1
    assert len({o.resource_id for o in run.outcomes}) == 2
    assert len(later.resources or ()) == 2
    rest = run_task(evaluator, later, hand_on=Queue())
    judged = {o.resource_id for o in run.outcomes} | {o.resource_id for o in rest.outcomes}
    assert judged == set(ids)
    assert not {o.resource_id for o in run.outcomes} & {o.resource_id for o in rest.outcomes}

    # With no time at all, the task queues itself again, unlisted, under a new key.
    none_left = Queue()
    idle = task(account, "AwsEc2Instance")
    assert not run_task(evaluator, idle, hand_on=none_left, time_left=lambda: 1.0).outcomes
    (again,) = none_left.tasks
    assert again.resources is None
    assert again.resumed == 1
    assert again.key != idle.key


def test_a_fix_in_a_sweep_is_verified_by_reading_the_bucket_again(
    organization: SimulatedOrganization, account: str, lambda_env: Configure, calls: ApiCalls
) -> None:
    sim = organization
    bucket = f"unblocked-{uuid.uuid4().hex[:8]}"
    create_bucket(sim, account, bucket, BucketSetup(block=None), HOME_REGION)
    evaluator = evaluator_for(lambda_env, {"s3_bucket_block_public_access": "enforce"})
    calls.calls.clear()

    run = run_task(evaluator, task(account, "AwsS3Bucket"), hand_on=Queue())

    (fixed,) = [o for o in run.outcomes if o.rule_id == "s3_bucket_block_public_access"]
    assert fixed.detected is Status.FAILED
    assert fixed.status is Status.PASSED
    assert fixed.remediation_outcome == "verified"
    # Read before the fix, and again after it (not the answer kept from before).
    assert calls.named("PutPublicAccessBlock") == ["S3.PutPublicAccessBlock"]
    assert member_calls(calls)["S3.GetPublicAccessBlock"] == 2
    assert sim.bucket_block(account, bucket) is not None


def test_buckets_are_judged_and_reported_in_their_own_region(
    organization: SimulatedOrganization, account: str, lambda_env: Configure
) -> None:
    sim = organization
    enable_security_hub(sim, account, OTHER_REGION)
    bucket = f"eu-{uuid.uuid4().hex[:8]}"
    create_bucket(sim, account, bucket, public_bucket(bucket), OTHER_REGION)
    evaluator = evaluator_for(lambda_env)

    run = run_task(evaluator, task(account, "AwsS3Bucket"), hand_on=Queue())

    assert {o.region for o in run.outcomes} == {OTHER_REGION}
    finding = f"orgwarden/s3_bucket_public_access/{account}/{OTHER_REGION}/{bucket}"
    hub = sim.session(account, OTHER_REGION).client("securityhub")
    imported = {f["Id"]: f for f in hub.get_findings()["Findings"]}
    assert imported[finding]["Compliance"]["Status"] == "FAILED"


def test_a_redelivered_task_that_finished_is_not_run_again_and_a_failed_one_is(
    organization: SimulatedOrganization,
    account: str,
    lambda_env: Configure,
    calls: ApiCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch whose invocation timed out comes back whole: its finished tasks must not cost
    their reads again; a task that failed must run again."""
    sim = organization
    launch_instances(sim, account, HOME_REGION, 2, tags=FULL_TAGS)
    create_bucket(sim, account, f"kept-{uuid.uuid4().hex[:8]}", BucketSetup(), HOME_REGION)
    lambda_env()
    finished, failing = task(account, "AwsEc2Instance"), task(account, "AwsS3Bucket")
    real_run_task: Callable[..., TaskRun] = run_task
    failures = iter([True])

    def failing_once(evaluator: Evaluator, sweep_task: SweepTask, **kwargs: Any) -> TaskRun:
        if sweep_task.resource_types == ("AwsS3Bucket",) and next(failures, False):
            raise RuntimeError("throttled beyond the retries")
        return real_run_task(evaluator, sweep_task, **kwargs)

    monkeypatch.setattr("orgwarden.engine.runtime.run_task", failing_once)
    batch = records([finished.model_dump_json(), failing.model_dump_json()])

    first = handler(batch, LambdaContext())
    assert len(first["batchItemFailures"]) == 1
    assert calls.named("DescribeInstances") == ["EC2.DescribeInstances"]
    calls.calls.clear()

    again = handler(batch, LambdaContext())
    assert again == {"batchItemFailures": []}
    assert not calls.named("DescribeInstances")  # finished: not run again
    assert calls.named("ListBuckets") == ["S3.ListBuckets"]  # failed: run again


def test_a_region_task_reads_the_accounts_settings_once_for_its_account_and_bucket_rules(
    organization: SimulatedOrganization, account: str, lambda_env: Configure, calls: ApiCalls
) -> None:
    sim = organization
    create_bucket(
        sim, account, f"shared-{uuid.uuid4().hex[:8]}", BucketSetup(block=None), HOME_REGION
    )
    evaluator = evaluator_for(lambda_env)
    calls.calls.clear()
    both = SweepTask(
        sweep_id=f"t-{uuid.uuid4().hex[:8]}",
        account_id=account,
        region=HOME_REGION,
        resource_types=("AwsAccount", "AwsS3Bucket"),
    )

    run = run_task(evaluator, both, hand_on=Queue())

    rules = {o.rule_id for o in run.outcomes}
    assert {"s3_account_public_access_block", "s3_bucket_public_access"} <= rules
    assert calls.named("GetPublicAccessBlock").count("S3 Control.GetPublicAccessBlock") == 1
    # One read of the prior states and one evidence transaction for the whole task.
    assert len(calls.named("BatchGetItem")) == 1
    assert len(calls.named("TransactWriteItems")) == 1


def test_sweep_tasks_check_membership_from_one_listing_of_the_organization(
    organization: SimulatedOrganization, account: str, lambda_env: Configure, calls: ApiCalls
) -> None:
    """At a thousand accounts a DescribeAccount per account and container would meet
    Organizations' low request rate: the accounts are listed once per container instead."""
    evaluator = evaluator_for(lambda_env)
    other = organization.accounts["sandbox-dev"].account_id
    calls.calls.clear()
    for member in (account, other, account):
        run_task(evaluator, task(member, "AwsLambdaFunction"), hand_on=Queue())
    listings = calls.named("ListAccounts")
    assert listings  # one walk of the pages
    assert not calls.named("DescribeAccount")
    run_task(evaluator, task(other, "AwsLambdaFunction"), hand_on=Queue())
    assert calls.named("ListAccounts") == listings
