"""The sweep over a seeded organization on moto's server, against Cloud Custodian's pull mode on
the same state: API calls per resource, wall time, and how often the two tools agree.

    uv run python -m bench.sweep_org [--quick] [--no-peer] [--accounts N] [--json]

The organization gets N member accounts (50; quick: 2), each with buckets and instances in
every region (2 regions x 20 buckets + 20 instances; quick: 1 x 3 + 3) and a fixed mix of
violations: public bucket policies and ACLs, buckets without their own Block Public Access,
buckets without default encryption (S3 has given every bucket SSE-S3 since 2023; moto does not),
missing or invalid required tags, instances allowing IMDSv1; half the accounts have
account-level Block Public Access on. Then, in detect mode (no fixes, so both tools judge the
same state):

- orgwarden's sweep as deployed: the producer queues an account task per account, and the
  evaluator handler runs the queue in batches of 10 until it is empty (expansions, listings,
  parts), with every API call made inside the producer and the handler counted by operation
  with a botocore `before-call` hook (the event source mapping's receive/delete are not);
- Cloud Custodian 0.9.53 in its own virtual environment (`bench.c7n_pull`), one `custodian
  run` per account assuming the member's role, with policies expressing the same six checks,
  its calls counted the same way.

Agreement is per (resource, check): orgwarden FAILED or WARNING against Cloud Custodian
matching the resource. Every disagreement is listed with the resource's configuration.
"""

import argparse
import contextlib
import io
import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import botocore.session

from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".bench" / "sweep_org"
REGIONS = ("us-east-1", "eu-west-1")
TARGET = 3.0
ENV_VALUES = ("prod", "staging", "dev")  # the policy file's allowed values of `env`

# orgwarden's rule, and the Cloud Custodian policy expressing the same check.
CHECKS = {
    "bucket public": ("s3_bucket_public_access", "s3-public"),
    "bucket Block Public Access": ("s3_bucket_block_public_access", "s3-block-public-access"),
    "bucket default encryption": ("s3_bucket_default_encryption", "s3-no-default-encryption"),
    "bucket required tags": ("s3_bucket_required_tags", "s3-required-tags"),
    "instance IMDSv2": ("ec2_instance_imdsv2_required", "ec2-imdsv1-allowed"),
    "instance required tags": ("ec2_instance_required_tags", "ec2-required-tags"),
}
# Calls by what they are for (service id as botocore names it).
FINDING_CALLS = {"SecurityHub:BatchImportFindings", "SecurityHub:BatchUpdateFindings"}
OWN_SERVICES = {"DynamoDB"}
QUEUE_SERVICES = {"SQS"}
SESSION_SERVICES = {"STS", "Organizations"}


@dataclass(frozen=True)
class Workload:
    accounts: int
    regions: tuple[str, ...]
    buckets: int  # per account and region
    instances: int  # per account and region

    @property
    def resources(self) -> int:
        return self.accounts * len(self.regions) * (self.buckets + self.instances)

    def describe(self) -> str:
        return (
            f"{self.accounts} accounts x {len(self.regions)} region(s) x ({self.buckets} buckets"
            f" + {self.instances} instances) = {self.resources} resources"
        )


FULL = Workload(50, REGIONS, 20, 20)
QUICK = Workload(2, REGIONS[:1], 3, 3)


# ------------------------------------------------------------------ the seeded organization


def bucket_mix(index: int, name: str, org_id: str) -> tuple[str, Any]:
    """The bucket's configuration for its index, and a label saying what it is."""
    from orgwarden_harness.demo import deny_insecure_transport_policy, public_read_policy  # noqa: PLC0415
    from orgwarden_harness.seeded_estate import FULL_TAGS, BucketSetup  # noqa: PLC0415

    labels = []
    setup = BucketSetup()
    kind = index % 10
    if kind == 0:
        setup = BucketSetup(policy=public_read_policy(name), block=None)
        labels.append("public policy, no bucket BPA")
    elif kind == 5:
        setup = BucketSetup(public_acl=True, block=None)
        labels.append("public-read ACL, no bucket BPA")
    elif kind == 7:
        policy = public_read_policy(name)
        policy["Statement"][0]["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": org_id}}
        setup = BucketSetup(policy=policy, block=None)
        labels.append("policy for the organization only, no bucket BPA")
    elif kind == 3:
        setup = BucketSetup(policy=deny_insecure_transport_policy(name))
        labels.append("deny-only policy, BPA on")
    elif index % 5 == 2:
        setup = BucketSetup(block=None)
        labels.append("no bucket BPA")
    if index % 7 == 6:
        setup = _replace(setup, encrypted=False)
        labels.append("no default encryption")
    if index % 4 == 1:
        setup = _replace(setup, tags={k: v for k, v in FULL_TAGS.items() if k == "app"})
        labels.append("missing tags")
    elif index % 6 == 4:
        setup = _replace(setup, tags={**FULL_TAGS, "env": "production"})
        labels.append("env=production")
    return ", ".join(labels) or "compliant", setup


def instance_mix(index: int) -> tuple[str, dict[str, Any]]:
    """The instance's configuration for its index (tags, metadata options), and its label."""
    from orgwarden_harness.seeded_estate import FULL_TAGS  # noqa: PLC0415

    kind = index % 10
    options: dict[str, Any] = {"tags": FULL_TAGS, "http_tokens": "required"}
    label = "compliant"
    if kind in (0, 1, 2):
        options["http_tokens"], label = "optional", "IMDSv1 allowed"
    elif kind == 3:
        options |= {"http_tokens": "optional", "http_endpoint": "disabled"}
        label = "IMDSv1 allowed but metadata endpoint off"
    elif kind in (4, 9):
        options["tags"], label = {"app": "batch"}, "missing tags"
    elif kind == 6:
        options["tags"], label = {**FULL_TAGS, "env": "production"}, "env=production"
    return label, options


def _replace(setup: Any, **changes: Any) -> Any:
    from dataclasses import replace  # noqa: PLC0415

    return replace(setup, **changes)


@dataclass
class Estate:
    """What was seeded: every resource with its account, region and configuration label."""

    accounts: list[str] = field(default_factory=list)
    blocked_accounts: list[str] = field(default_factory=list)
    # (account, resource type, resource id) -> (region, label)
    resources: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)


def seed(sim: Any, workload: Workload, progress: Any) -> Estate:
    from orgwarden_harness.seeded_estate import (  # noqa: PLC0415
        block_account,
        create_bucket,
        enable_security_hub,
        launch_instances,
    )
    from orgwarden_harness.simulated_drift import add_member_account  # noqa: PLC0415

    estate = Estate()
    bar = progress.add_task("seeding", total=workload.resources)
    for number in range(workload.accounts):
        account = add_member_account(sim, f"bench-{number:03d}").account_id
        estate.accounts.append(account)
        if number % 2 == 0:
            block_account(sim, account)
            estate.blocked_accounts.append(account)
        for region_index, region in enumerate(workload.regions):
            if region_index:
                enable_security_hub(sim, account, region)
            for index in range(workload.buckets):
                name = f"bench-{account}-{region_index}-{index:02d}"
                label, setup = bucket_mix(index, name, sim.organization_id)
                create_bucket(sim, account, name, setup, region)
                estate.resources[(account, "AwsS3Bucket", name)] = (region, label)
                progress.advance(bar)
            groups: dict[str, tuple[str, dict[str, Any], int]] = {}
            for index in range(workload.instances):
                label, options = instance_mix(index)
                key = json.dumps(options, sort_keys=True)
                groups[key] = (label, options, groups.get(key, ("", {}, 0))[2] + 1)
            for label, options, count in groups.values():
                for instance in launch_instances(sim, account, region, count, **options):
                    estate.resources[(account, "AwsEc2Instance", instance)] = (region, label)
                progress.advance(bar, count)
        progress.update(bar, description=f"seeding: {number + 1}/{workload.accounts} accounts")
    return estate


# ------------------------------------------------------------------ counting


class Counting:
    """Calls by "service:operation", counted while `on` (a botocore before-call handler)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.on = False

    def __call__(self, model: Any, **_: Any) -> None:
        if self.on:
            self.calls[f"{model.service_model.service_id}:{model.name}"] += 1


@contextmanager
def counting(counter: Counting) -> Iterator[None]:
    """Count the calls made inside the block only."""
    counter.on = True
    try:
        yield
    finally:
        counter.on = False


@contextmanager
def counted_clients(counter: Counting) -> Iterator[None]:
    create_client = botocore.session.Session.create_client

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-call.*.*", counter)
        return client

    botocore.session.Session.create_client = counted  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]


def breakdown(calls: Counter[str]) -> dict[str, int]:
    """Calls by purpose: member-account reads, finding imports, own tables, queue, sessions."""
    parts = Counter[str]()
    for op, n in calls.items():
        service = op.split(":")[0]
        if op in FINDING_CALLS:
            parts["finding import"] += n
        elif service in OWN_SERVICES:
            parts["own tables"] += n
        elif service in QUEUE_SERVICES:
            parts["queue"] += n
        elif service in SESSION_SERVICES:
            parts["sts+organizations"] += n
        else:
            parts["member reads"] += n
    return dict(parts)


# ------------------------------------------------------------------ the two tools


@dataclass
class ToolRun:
    calls: Counter[str]
    seconds: float
    # (check, resource id) the tool found in violation
    violations: set[tuple[str, str]]
    problems: list[str] = field(default_factory=list)


def run_orgwarden(sim: Any, estate: Estate, workload: Workload, counter: Counting) -> ToolRun:
    """The sweep as deployed: producer, then the evaluator handler over the queue."""
    from orgwarden.aws.organization import Directory  # noqa: PLC0415
    from orgwarden.aws.sessions import Sessions  # noqa: PLC0415
    from orgwarden.engine.runtime import organization_directory  # noqa: PLC0415
    from orgwarden.engine.sweep import Producer, sweep_id_now  # noqa: PLC0415
    from orgwarden_harness.simulation import (  # noqa: PLC0415
        ACCESS_ROLE,
        HOME_REGION,
        MANAGEMENT_ACCOUNT,
        QUEUE_NAME,
        LambdaContext,
        sqs_record,
    )
    from policies import load_catalogue  # noqa: PLC0415

    os.environ.update(sim.evaluator_environment())
    seeded = set(estate.accounts)

    class SeededAccounts(Directory):
        """The organization's directory, narrowed to the bench's own member accounts (the
        simulation's default accounts hold nothing to compare)."""

        def active_accounts(self) -> list[str]:
            return [a for a in super().active_accounts() if a in seeded]

    sessions = Sessions()
    reader = organization_directory(
        sessions, f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/{ACCESS_ROLE}"
    )
    producer = Producer(
        directory=SeededAccounts(lambda: reader.client),
        sqs=sessions.home_client("sqs"),
        queue_url=sim.queue_url,
        regions=workload.regions,
        home_region=workload.regions[0],
        catalogue=load_catalogue(),
    )
    from handlers.evaluator import handler  # noqa: PLC0415 - after the environment is set

    sqs = sim.session(sim.tooling.account_id).client("sqs")
    queue_arn = f"arn:aws:sqs:{HOME_REGION}:{sim.tooling.account_id}:{QUEUE_NAME}"
    problems = []
    started = time.perf_counter()
    with counting(counter):
        producer.run(sweep_id_now())
    # What Lambda's event source mapping does (receive, invoke, delete the successes); only
    # the invocation is counted.
    while messages := sim.receive():
        batch = {"Records": [sqs_record(m, queue_arn) for m in messages]}
        # The handler prints its metrics (CloudWatch's format) on stdout: not this report's.
        with counting(counter), contextlib.redirect_stdout(io.StringIO()):
            answer = handler(batch, LambdaContext())
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        problems += sorted(failed)
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"])
    seconds = time.perf_counter() - started

    violations = set()
    store = sim.evidence()
    by_rule = {rule: check for check, (rule, _) in CHECKS.items()}
    for account in estate.accounts:
        for record in store.current_by_account(account):
            check = by_rule.get(record.rule_id)
            if check and record.status.value in ("FAILED", "WARNING"):
                violations.add((check, record.resource.resource_id))
    return ToolRun(counter.calls.copy(), seconds, violations, problems)


# Cloud Custodian fetches ten subdocuments per bucket by default; a user who knows which ones
# the policies read names them (its `detect` mode would miss the policy and the ACL, which only
# `cross-account` and `global-grants` read).
TUNED_AUGMENT = ["Policy", "Acl", "Tags"]


def c7n_policies(org_id: str, *, tuned: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The six checks as Cloud Custodian policies (buckets: one run from the home region, as
    ListBuckets is global; instances: every region). `tuned`: only the bucket subdocuments
    the policies read are fetched."""
    required = [{"tag:app": "absent"}, {"tag:team": "absent"}, {"tag:cost-center": "absent"}]
    tags = {
        "or": [
            *required,
            {"tag:env": "absent"},
            {
                "type": "value",
                "key": "tag:env",
                "op": "not-in",
                "value": ["prod", "staging", "dev"],
            },
        ]
    }
    policies = {
        "s3": [
            {
                "name": "s3-public",
                "resource": "s3",
                "filters": [
                    {
                        "or": [
                            {
                                "and": [
                                    {
                                        "type": "cross-account",
                                        "everyone_only": True,
                                        "whitelist_orgids": [org_id],
                                    },
                                    {
                                        "not": [
                                            {
                                                "type": "check-public-block",
                                                "RestrictPublicBuckets": True,
                                            }
                                        ]
                                    },
                                ]
                            },
                            {
                                "and": [
                                    {"type": "global-grants", "allow_website": False},
                                    {
                                        "not": [
                                            {"type": "check-public-block", "IgnorePublicAcls": True}
                                        ]
                                    },
                                ]
                            },
                        ]
                    }
                ],
            },
            {
                "name": "s3-block-public-access",
                "resource": "s3",
                "filters": [{"type": "check-public-block"}],
            },
            {
                "name": "s3-no-default-encryption",
                "resource": "s3",
                "filters": [{"type": "bucket-encryption", "state": False}],
            },
            {"name": "s3-required-tags", "resource": "s3", "filters": [tags]},
        ],
        "ec2": [
            {
                "name": "ec2-imdsv1-allowed",
                "resource": "ec2",
                "filters": [
                    {"MetadataOptions.HttpEndpoint": "enabled"},
                    {"MetadataOptions.HttpTokens": "optional"},
                ],
            },
            {"name": "ec2-required-tags", "resource": "ec2", "filters": [tags]},
        ],
    }
    if tuned:
        for policy in policies["s3"]:
            policy["query"] = [{"augment-keys": TUNED_AUGMENT}]
    return policies


def run_c7n(
    python: str, endpoint: str, org_id: str, estate: Estate, workload: Workload, *, tuned: bool
) -> ToolRun:
    """Cloud Custodian's pull mode in its own interpreter, over the same accounts."""
    import yaml  # noqa: PLC0415

    work = WORK / f"run-{time.strftime('%Y%m%dT%H%M%S')}-{'tuned' if tuned else 'default'}"
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    for name, policies in c7n_policies(org_id, tuned=tuned).items():
        path = work / f"{name}.yml"
        path.write_text(yaml.safe_dump({"policies": policies}, sort_keys=False))
        regions = workload.regions[:1] if name == "s3" else workload.regions
        runs.append({"name": name, "policies": str(path), "regions": list(regions)})
    spec = {
        "accounts": estate.accounts,
        "role": "arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        "runs": runs,
        "out": str(work / "out"),
    }
    (work / "spec.json").write_text(json.dumps(spec))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(work),  # Cloud Custodian's cache and config stay in the run's directory
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": workload.regions[0],
    }
    done = subprocess.run(
        [python, str(Path(__file__).with_name("c7n_pull.py")), str(work / "spec.json")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"Cloud Custodian's run failed:\n{done.stderr[-3000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    by_policy = {policy: check for check, (_, policy) in CHECKS.items()}
    violations = set()
    for found in (work / "out").rglob("resources.json"):
        check = by_policy.get(found.parent.name)
        if check is None:
            continue
        for resource in json.loads(found.read_text()):
            violations.add((check, resource.get("Name") or resource["InstanceId"]))
    return ToolRun(Counter(answer["calls"]), answer["seconds"], violations, answer["failures"])


# ------------------------------------------------------------------ comparison and report


@dataclass
class Comparison:
    pairs: int
    agreed: int
    # check -> [(resource id, label, orgwarden says violation, peer says violation)]
    disagreements: dict[str, list[tuple[str, str, bool, bool]]]

    @property
    def percent(self) -> float:
        return 100.0 * self.agreed / self.pairs if self.pairs else 0.0


def compare(estate: Estate, ours: ToolRun, theirs: ToolRun) -> Comparison:
    pairs = agreed = 0
    disagreements: dict[str, list[tuple[str, str, bool, bool]]] = {}
    for (account, resource_type, resource), (_, label) in sorted(estate.resources.items()):
        for check, (rule, _) in CHECKS.items():
            if not rule.startswith("s3" if resource_type == "AwsS3Bucket" else "ec2"):
                continue
            pairs += 1
            mine, peer = (
                (check, resource) in ours.violations,
                (check, resource) in theirs.violations,
            )
            if mine == peer:
                agreed += 1
            else:
                blocked = " (account BPA on)" if account in estate.blocked_accounts else ""
                disagreements.setdefault(check, []).append((resource, label + blocked, mine, peer))
    return Comparison(pairs, agreed, disagreements)


@dataclass
class Result:
    workload: Workload
    ours: ToolRun
    peer: ToolRun | None
    comparison: Comparison | None
    # Cloud Custodian fetching only the bucket subdocuments its policies read, and its agreement.
    tuned: ToolRun | None
    tuned_comparison: Comparison | None
    seed_seconds: float
    by_type: dict[str, int]


def measure(workload: Workload, *, with_peer: bool | None) -> Result:
    """Seed, sweep, and (with_peer: True installs the peer, None uses it only if installed)."""
    from rich.progress import Progress  # noqa: PLC0415

    from bench.peer import PEER_VENV, peer_python  # noqa: PLC0415
    from orgwarden_harness.simulation import build_organization, moto_endpoint  # noqa: PLC0415

    # As in the Lambda: the evaluator's metrics get their namespace when its modules load.
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Orgwarden")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", os.environ.get("BENCH_LOG_LEVEL", "CRITICAL"))
    counter = Counting()
    with counted_clients(counter), moto_endpoint() as endpoint:
        sim = build_organization()
        started = time.perf_counter()
        with Progress(transient=True, console=_stderr_console()) as progress:
            estate = seed(sim, workload, progress)
        seed_seconds = time.perf_counter() - started
        ours = run_orgwarden(sim, estate, workload, counter)
        peer = comparison = tuned = tuned_comparison = None
        use_peer = with_peer or (with_peer is None and (PEER_VENV / "bin" / "python").exists())
        if use_peer:
            python = peer_python()
            peer = run_c7n(python, endpoint, sim.organization_id, estate, workload, tuned=False)
            comparison = compare(estate, ours, peer)
            tuned = run_c7n(python, endpoint, sim.organization_id, estate, workload, tuned=True)
            tuned_comparison = compare(estate, ours, tuned)
    by_type = Counter(resource_type for _, resource_type, _ in estate.resources)
    return Result(
        workload, ours, peer, comparison, tuned, tuned_comparison, seed_seconds, dict(by_type)
    )


def _stderr_console() -> Any:
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True)


def per_resource(calls: Counter[str], resources: int) -> float:
    return sum(calls.values()) / resources if resources else 0.0


def per_type(result: Result) -> dict[str, float]:
    """Member-account reads per bucket (every S3 call) and per instance (DescribeInstances)."""
    calls = result.ours.calls
    buckets = result.by_type.get("AwsS3Bucket", 0)
    instances = result.by_type.get("AwsEc2Instance", 0)
    s3 = sum(n for op, n in calls.items() if op.startswith("S3:"))
    return {
        "bucket": s3 / buckets if buckets else 0.0,
        "instance": calls.get("EC2:DescribeInstances", 0) / instances if instances else 0.0,
    }


def result_rows(result: Result) -> list[Row]:
    workload, ours, peer, tuned = result.workload, result.ours, result.peer, result.tuned
    n = workload.resources
    mine = per_resource(ours.calls, n)
    split = ", ".join(
        f"{name} {count / n:.2f}" for name, count in sorted(breakdown(ours.calls).items())
    )
    reads = per_type(result)
    note = (
        f"all {sum(ours.calls.values())} calls of the sweep over the {n} seeded buckets and "
        "instances (the account-wide rules in every account and region, the volumes, empty "
        f"listings, queue and bookkeeping included): {split}. Member reads per bucket "
        f"{reads['bucket']:.2f} (Block Public Access, encryption and tags, plus the policy and "
        "ACL where Block Public Access does not settle it; S3 has no batch read), per instance "
        f"{reads['instance']:.3f} (its listing's page)"
    )
    if peer:
        note += (
            f". Cloud Custodian: {sum(peer.calls.values())} calls, its default ten subdocuments "
            "per bucket"
        )
    if tuned and result.tuned_comparison:
        note += (
            f"; fetching only {', '.join(TUNED_AUGMENT)}: {per_resource(tuned.calls, n):.2f} per "
            f"resource ({result.tuned_comparison.percent:.1f}% agreement)"
        )
    rows = [
        Row(
            measure=f"sweep: AWS API calls per resource ({workload.describe()})",
            orgwarden=f"{mine:.2f}",
            peer=f"{per_resource(peer.calls, n):.2f}" if peer else "—",
            target=f"≤ {TARGET:g}",
            met=mine <= TARGET,
            note=note,
        ),
        Row(
            measure="sweep: wall time on moto's server (s)",
            orgwarden=f"{ours.seconds:.1f}",
            peer=f"{peer.seconds:.1f}" if peer else "—",
            note=(
                "orgwarden: the queue's batches through the evaluator handler one after another "
                "(one Lambda at a time), writing evidence and Security Hub findings too; Cloud "
                "Custodian: one `custodian run` per account and policy file (its own thread "
                "pools), results to local files"
                + (f"; fetching three subdocuments: {tuned.seconds:.1f} s" if tuned else "")
            ),
        ),
    ]
    if result.comparison:
        comparison = result.comparison
        rows.append(
            Row(
                measure="sweep: verdicts agreeing with Cloud Custodian (resource x check)",
                orgwarden=f"{comparison.percent:.1f}%",
                peer=f"{comparison.pairs} pairs",
                note="; ".join(
                    f"{check}: {len(found)} differ ({_why(found)})"
                    for check, found in comparison.disagreements.items()
                )
                or "no disagreement",
            )
        )
    return rows


def _why(found: list[tuple[str, str, bool, bool]]) -> str:
    kinds = Counter((label, mine) for _, label, mine, _ in found)
    return ", ".join(
        f"{count} {label}: orgwarden {'FAILED' if mine else 'passed'}"
        for (label, mine), count in kinds.most_common(3)
    )


def rows(quick: bool = False) -> list[Row]:
    return result_rows(measure(QUICK if quick else FULL, with_peer=None if quick else True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK.describe()}")
    parser.add_argument("--accounts", type=int, help="member accounts (default 50; quick 2)")
    parser.add_argument("--no-peer", action="store_true", help="skip Cloud Custodian")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    workload = QUICK if args.quick else FULL
    if args.accounts:
        workload = Workload(args.accounts, workload.regions, workload.buckets, workload.instances)
    result = measure(workload, with_peer=False if args.no_peer else (None if args.quick else True))
    if args.json:
        print(json.dumps(as_json(result), default=str))
        return
    report(result)


def as_json(result: Result) -> dict[str, Any]:
    def tool(run: ToolRun | None) -> dict[str, Any] | None:
        if run is None:
            return None
        return {"calls": dict(run.calls), "seconds": run.seconds, "failures": run.problems}

    def agreement(comparison: Comparison | None) -> dict[str, Any] | None:
        if comparison is None:
            return None
        return {
            "pairs": comparison.pairs,
            "agreed": comparison.agreed,
            "disagreements": comparison.disagreements,
        }

    return {
        "workload": asdict(result.workload),
        "resources": result.workload.resources,
        "by_type": result.by_type,
        "seed_seconds": result.seed_seconds,
        "orgwarden": tool(result.ours),
        "peer": tool(result.peer),
        "agreement": agreement(result.comparison),
        "peer_tuned": tool(result.tuned),
        "agreement_tuned": agreement(result.tuned_comparison),
        "rows": [asdict(row) | {"verdict": row.verdict} for row in result_rows(result)],
    }


def report(result: Result) -> None:
    workload, ours, peer = result.workload, result.ours, result.peer
    n = workload.resources
    print(f"Seeded {workload.describe()} in {result.seed_seconds:.0f} s")
    print(f"orgwarden failed messages: {len(ours.problems)}")
    columns = [("orgwarden", ours), ("c7n", peer), ("c7n tuned", result.tuned)]
    shown = [(name, run) for name, run in columns if run is not None]
    print(f"\n{'calls by operation':<48}" + "".join(f"{name:>11}" for name, _ in shown))
    operations = sorted({op for _, run in shown for op in run.calls})
    for op in operations:
        print(f"{op:<48}" + "".join(f"{run.calls.get(op, 0):>11}" for _, run in shown))
    print(f"{'total':<48}" + "".join(f"{sum(run.calls.values()):>11}" for _, run in shown))
    print(f"\norgwarden per resource by purpose ({n} resources):")
    for name, count in sorted(breakdown(ours.calls).items()):
        print(f"  {name:<20} {count:>7} = {count / n:.3f} per resource")
    for name, comparison in (("c7n", result.comparison), ("c7n tuned", result.tuned_comparison)):
        if comparison is None:
            continue
        print(
            f"\nagreement with {name}: {comparison.agreed}/{comparison.pairs} = "
            f"{comparison.percent:.1f}%"
        )
        for check, items in comparison.disagreements.items():
            print(f"  {check}: {len(items)} disagreement(s)")
            labels = Counter((label, mine, theirs) for _, label, mine, theirs in items)
            for (label, mine, theirs), count in labels.most_common():
                print(
                    f"    {count:>4} x {label}: orgwarden {'FAILED' if mine else 'passed'}, "
                    f"c7n {'matched' if theirs else 'not matched'}"
                )
    if peer and peer.problems:
        print("c7n problems:", *peer.problems[:10], sep="\n  ")
    print()
    for row in result_rows(result):
        print(f"{row.measure}: {row.orgwarden} vs {row.peer} [{row.verdict}] {row.note}")


if __name__ == "__main__":
    main()
