"""A burst of events through the evaluator handler, from the real queue on moto's server.

    uv run python -m bench.load [--events 10000] [--seed 7]

moto's server runs in a process of its own, so the figures below are the handler's process
only. A simulated organization is seeded with the resources the events name; the burst is
sent to the evaluation queue as EventBridge delivers it (full envelopes, the member's account),
10% of it duplicate deliveries of earlier messages and 5% malformed (not JSON, a field of the
wrong type, a dropped field, an invalid bucket name, an account outside the organization).
The handler's process queues the burst as it drains it, keeping at most 500 messages waiting
(moto's SQS does work in proportion to the queue's depth on every call).
The rest is public bucket policies (fixed in enforce mode), deny-only policies (compliant),
root sign-ins and GuardDuty findings. The burst is drained as Lambda's event source mapping
does: batches of 10, failed records delivered again.

Reported: events per second through the handler (its own time; and wall time with receives
and deletes), peak memory (RSS high-water mark of this process while draining, and the Python
heap one batch of 10 adds, sampled with tracemalloc on every 10th batch, whose time is left
out of the rate), the ledger (every event evaluated or dead-lettered with a reason), and the
fixes made against the distinct public buckets (a duplicate must not fix twice).

The remediation rate limit is raised for the run, so every distinct public bucket is fixed:
with the default (10 per account and rule per hour) most of them would fall back to detect,
which is cheaper, not dearer.
"""

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import yaml

from bench.table import Row
from orgwarden.engine.policy import DEFAULT_PATH
from orgwarden_harness.demo import deny_insecure_transport_policy, public_read_policy
from orgwarden_harness.incidents import (
    guardduty_finding_event,
    instance_resource,
    root_signin_event,
)
from orgwarden_harness.ledger import Balance, message_key, reconcile
from orgwarden_harness.simulation import (
    HOME_REGION,
    QUEUE_NAME,
    LambdaContext,
    SimulatedOrganization,
    build_organization,
    cloudtrail_event,
    sqs_record,
)

ROOT = Path(__file__).resolve().parents[1]
RULE = "s3_bucket_public_access"
DUPLICATE_SHARE = 0.10
MALFORMED_SHARE = 0.05
# The distinct valid events, by family.
MIX = (("public-policy", 0.35), ("deny-policy", 0.20), ("root-signin", 0.30), ("guardduty", 0.15))
MALFORMED_KINDS = ("not-json", "wrong-type", "dropped-field", "invalid-bucket", "outsider")
MEMBERS = ("payments-prod", "analytics-prod", "sandbox-dev")
OUTSIDER = "999988887777"
TRACE_EVERY = 10  # batches
QUEUED = 500  # messages waiting at most (see drain)
QUICK_EVENTS = 100


@dataclass(frozen=True)
class Workload:
    bodies: list[str]  # in sending order, duplicates included
    remediable: frozenset[str]  # the distinct public buckets
    families: Counter[str]


@dataclass(frozen=True)
class Result:
    workload: Workload
    handled: int  # messages handed to the handler, retries included
    handler_seconds: float  # the handler's own time, traced batches left out
    timed_messages: int
    wall_seconds: float  # draining, receives and deletes included
    batch_peak_bytes: int  # tracemalloc: the most one traced batch added to the Python heap
    rss_peak_kib: int  # the handler process's RSS high-water mark, from start to end
    rss_after_first_batch_kib: int  # imports, wiring, first credentials and clients
    rss_at_end_kib: int
    balance: Balance
    fixes: Counter[str]  # bucket -> PutPublicAccessBlock calls by the handler

    @property
    def rate(self) -> float:
        return self.timed_messages / self.handler_seconds if self.handler_seconds else 0.0

    @property
    def wall_rate(self) -> float:
        return self.handled / self.wall_seconds if self.wall_seconds else 0.0


def serve() -> None:
    """moto's server (with orgwarden's additions) for another process, until stdin closes."""
    from orgwarden_harness.simulation import moto_endpoint  # noqa: PLC0415

    with moto_endpoint() as endpoint:
        print(endpoint, flush=True)
        sys.stdin.read()


@contextmanager
def moto_process() -> Iterator[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "--serve"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    assert server.stdin is not None
    try:
        yield server.stdout.readline().strip()
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # werkzeug can be slow to wind down its threads
            server.kill()
            server.wait()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_workload(sim: SimulatedOrganization, total: int, rng: random.Random) -> Workload:
    """Seed the members' buckets and write the messages, in sending order."""
    duplicates = round(total * DUPLICATE_SHARE)
    malformed = round(total * MALFORMED_SHARE)
    valid = total - duplicates - malformed
    families: Counter[str] = Counter()
    bodies: list[str] = []
    remediable: set[str] = set()
    s3 = {name: sim.session(sim.accounts[name].account_id).client("s3") for name in MEMBERS}
    run = uuid.uuid4().hex[:6]
    for i in range(valid + malformed):
        name = MEMBERS[i % len(MEMBERS)]
        member = sim.accounts[name].account_id
        family = rng.choices([f for f, _ in MIX], [w for _, w in MIX])[0]
        if i >= valid:
            family = "public-policy"  # the malformed ones are bucket policy events, broken below
        if family in ("public-policy", "deny-policy"):
            bucket = f"load-{run}-{i}-{member}"
            policy = (
                public_read_policy if family == "public-policy" else deny_insecure_transport_policy
            )(bucket)
            s3[name].create_bucket(Bucket=bucket)
            s3[name].put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
            event = cloudtrail_event(
                event_name="PutBucketPolicy",
                account_id=member,
                region=HOME_REGION,
                request_parameters={"bucketName": bucket, "bucketPolicy": policy},
                principal_arn=f"arn:aws:sts::{member}:assumed-role/DeveloperAccess/load",
            )
            if family == "public-policy" and i < valid:
                remediable.add(bucket)
        elif family == "root-signin":
            event = root_signin_event(member)
        else:
            event = guardduty_finding_event(
                member,
                "Recon:EC2/PortProbeUnprotectedPort",
                instance_resource(f"i-{rng.getrandbits(68):017x}"),
            )
        if i >= valid:
            kind = MALFORMED_KINDS[(i - valid) % len(MALFORMED_KINDS)]
            bodies.append(broken(event, kind))
            families[f"malformed: {kind}"] += 1
        else:
            bodies.append(json.dumps(event))
            families[family] += 1
    for _ in range(duplicates):
        bodies.append(rng.choice(bodies))
    families["duplicate deliveries"] = duplicates
    rng.shuffle(bodies)
    return Workload(bodies, frozenset(remediable), families)


def broken(event: dict[str, Any], kind: str) -> str:
    detail = event["detail"]
    if kind == "not-json":
        return json.dumps(event)[:120]  # cut short on the way
    if kind == "wrong-type":
        detail["recipientAccountId"] = int(detail["recipientAccountId"])
    elif kind == "dropped-field":
        del detail["eventName"]
    elif kind == "invalid-bucket":
        detail["requestParameters"]["bucketName"] = (
            "../" + detail["requestParameters"]["bucketName"]
        )
    elif kind == "outsider":
        event["account"] = detail["recipientAccountId"] = OUTSIDER
    return json.dumps(event)


def send(sqs: Any, queue_url: str, bodies: list[str]) -> None:
    entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies)]
    answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    if answer.get("Failed"):
        raise RuntimeError(f"send_message_batch failed: {answer['Failed']}")


def fix_counter() -> tuple[Counter[str], Any]:
    """Counts Block Public Access puts per bucket on every client made from now on."""
    fixes: Counter[str] = Counter()

    def count(params: dict[str, Any], **_: Any) -> None:
        fixes[str(params.get("Bucket"))] += 1

    create_client = botocore.session.Session.create_client

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build.s3.PutPublicAccessBlock", count)
        return client

    return fixes, counted


def _proc_status_kib(field: str) -> int | None:
    """A size in KiB from Linux's /proc/self/status (VmHWM, VmRSS); None without /proc."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def rss_peak_kib() -> int:
    """This process's RSS high-water mark (Linux VmHWM; ru_maxrss elsewhere)."""
    peak = _proc_status_kib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_kib() -> int:
    """This process's resident set now (Linux VmRSS; 0 where there is no /proc)."""
    return _proc_status_kib("VmRSS") or 0


def drain(queue_url: str, queue_arn: str, bodies: Iterator[str], handler: Any) -> dict[str, Any]:
    """Queue the bodies and hand them to the handler in batches of 10 until the queue is empty,
    failed records made visible again at once. At most QUEUED messages wait at a time: moto's
    SQS does work in proportion to the queue's depth on every send and receive, which would
    make a 10,000-message queue the benchmark. Returns the received messages' ledger keys, the
    handler's untraced time and message count, and the largest traced batch peak."""
    import boto3  # noqa: PLC0415

    sqs = boto3.client("sqs")
    keys: list[str] = []
    seconds, timed, peak, batches, queued, first_batch_rss = 0.0, 0, 0, 0, 0, 0
    started = time.perf_counter()
    more = True
    while True:
        while queued < QUEUED and more:
            chunk = list(itertools.islice(bodies, 10))
            more = len(chunk) == 10
            if chunk:
                send(sqs, queue_url, chunk)
                queued += len(chunk)
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            if more:
                continue
            break
        keys += [message_key(m["Body"], m["MessageId"]) for m in messages]
        batch = {"Records": [sqs_record(m, queue_arn) for m in messages]}
        batches += 1
        traced = batches % TRACE_EVERY == 0
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        answer = handler(batch, LambdaContext())
        elapsed = time.perf_counter() - began
        if traced:
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        else:
            seconds += elapsed
            timed += len(messages)
        queued -= settle(sqs, queue_url, messages, answer)
        first_batch_rss = first_batch_rss or rss_kib()
    return {
        "keys": keys,
        "handler_seconds": seconds,
        "timed_messages": timed,
        "wall_seconds": time.perf_counter() - started,
        "batch_peak_bytes": peak,
        "rss_after_first_batch_kib": first_batch_rss,
        "rss_at_end_kib": rss_kib(),
    }


def settle(sqs: Any, queue_url: str, messages: list[dict[str, Any]], answer: Any) -> int:
    """What Lambda's event source mapping does after a batch: delete the messages the handler
    did not report as failed (returns how many), make the failed ones visible again (at once,
    rather than after the visibility timeout)."""
    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
    for message in messages:
        if message["MessageId"] in failed:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return len(messages) - len(failed)


def drain_process() -> None:
    """The handler's process: a fresh interpreter given the function's environment (stdin,
    JSON), as a Lambda container is. Prints what `drain` measured, as JSON."""
    job = json.loads(sys.stdin.read())
    os.environ.update(job["environment"])
    fixes, counted = fix_counter()
    botocore.session.Session.create_client = counted  # type: ignore[method-assign]
    with open(os.devnull, "w") as sink, redirect_stdout(sink):
        # Logs and metrics are written as in Lambda (their cost counts), to nowhere.
        from handlers.evaluator import handler, logger  # noqa: PLC0415 - after the environment

        logger.registered_handler.setStream(sink)
        with Path(job["bodies"]).open() as lines:  # read as sent: the burst is not held here
            bodies = (json.loads(line) for line in lines)
            measured = drain(job["queue_url"], job["queue_arn"], bodies, handler)
    print(json.dumps({**measured, "fixes": fixes, "rss_peak_kib": rss_peak_kib()}))


def run(total: int, seed: int = 7) -> Result:
    with moto_process() as endpoint, tempfile.TemporaryDirectory() as scratch:
        base = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": HOME_REGION,
        }
        with environment(base):
            sim = build_organization()
            workload = build_workload(sim, total, random.Random(seed))  # noqa: S311 - a workload
            bodies = Path(scratch) / "bodies.jsonl"  # one JSON string per line
            bodies.write_text("".join(json.dumps(body) + "\n" for body in workload.bodies))
            policy = yaml.safe_load(DEFAULT_PATH.read_text())
            policy["rate_limit"]["limit"] = 10 * total
            policy_file = Path(scratch) / "policy.yaml"
            policy_file.write_text(yaml.safe_dump(policy))
            job = {
                "environment": {
                    **base,
                    **sim.evaluator_environment(modes={RULE: "enforce"}),
                    "ORGWARDEN_POLICY_FILE": str(policy_file),
                    "POWERTOOLS_LOG_LEVEL": "INFO",  # as the template sets it
                },
                "bodies": str(bodies),
                "queue_url": sim.queue_url,
                "queue_arn": f"arn:aws:sqs:{HOME_REGION}:{sim.tooling.account_id}:{QUEUE_NAME}",
            }
            drained = subprocess.run(
                [sys.executable, "-m", "bench.load", "--drain"],
                cwd=ROOT,
                input=json.dumps(job),
                capture_output=True,
                text=True,
                check=False,
            )
            if drained.returncode:
                raise RuntimeError(f"the handler's process failed:\n{drained.stderr[-4000:]}")
            measured = json.loads(drained.stdout)
            balance = reconcile(measured["keys"], sim.evaluated_event_ids(), sim.dead_letters())
    return Result(
        workload=workload,
        handled=len(measured["keys"]),
        handler_seconds=measured["handler_seconds"],
        timed_messages=measured["timed_messages"],
        wall_seconds=measured["wall_seconds"],
        batch_peak_bytes=measured["batch_peak_bytes"],
        rss_peak_kib=measured["rss_peak_kib"],
        rss_after_first_batch_kib=measured["rss_after_first_batch_kib"],
        rss_at_end_kib=measured["rss_at_end_kib"],
        balance=balance,
        fixes=Counter(measured["fixes"]),
    )


def rows(quick: bool = False) -> list[Row]:
    return rows_of(run(QUICK_EVENTS if quick else 10_000))


def rows_of(result: Result) -> list[Row]:
    balance = result.balance
    sent = len(result.workload.bodies)
    remediable = result.workload.remediable
    fixed_twice = sorted(b for b, n in result.fixes.items() if n > 1)
    fixed = set(result.fixes) & remediable
    return [
        Row(
            measure=f"load: {sent:,} queued events through the handler (events/s)",
            orgwarden=f"{result.rate:,.0f}",
            note=(
                f"handler time only, batches of 10 from the queue on moto's server in another "
                f"process; {result.wall_rate:,.0f}/s with receives and deletes. Every event "
                "costs moto HTTP calls (reads, fixes, evidence, idempotency, Security Hub), so "
                "this is moto's speed more than ours"
            ),
        ),
        Row(
            measure="load: peak memory while draining",
            orgwarden=(
                f"{result.rss_peak_kib / 1024:.0f} MiB RSS; "
                f"{result.batch_peak_bytes / 1024 / 1024:.1f} MiB per batch"
            ),
            target="< 128 MB",
            met=result.rss_peak_kib < 128 * 1000 * 1000 / 1024,
            note=(
                "RSS high-water mark (VmHWM) of the handler's process, a fresh interpreter, "
                "over the whole drain (imports, wiring, every batch; the harness's SQS client "
                "and the received keys included, the burst read from a file as it is queued); "
                "per batch: the most one batch of 10 added "
                f"to the Python heap (tracemalloc, every {TRACE_EVERY}th batch). RSS after the "
                f"first batch {result.rss_after_first_batch_kib / 1024:.0f} MiB, at the end "
                f"{result.rss_at_end_kib / 1024:.0f} MiB"
            ),
        ),
        Row(
            measure="load: ledger (events received = evaluated + dead-lettered)",
            orgwarden=(
                f"{len(balance.received):,} = {len(balance.evaluated):,} + "
                f"{len(balance.dead_lettered):,}; {len(balance.missing)} missing"
            ),
            target="0 missing",
            met=balance.balanced,
            note=(
                f"{result.handled:,} messages received (duplicates and retries included); "
                "dead-lettered by reason: "
                + ", ".join(f"{r} {n}" for r, n in sorted(balance.reasons().items()))
            ),
        ),
        Row(
            measure="load: fixes per distinct public bucket (duplicates delivered)",
            orgwarden=f"{sum(result.fixes.values()):,} fixes for {len(remediable):,} buckets",
            target="exactly 1 each",
            met=not fixed_twice and fixed == remediable and set(result.fixes) <= remediable,
            note=(
                f"{len(fixed_twice)} bucket(s) fixed twice; counted as PutPublicAccessBlock "
                f"calls the handler made; {result.workload.families['duplicate deliveries']:,} "
                "duplicate deliveries in the burst"
            ),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    if args.drain:
        drain_process()
        return
    result = run(args.events, args.seed)
    print(f"workload: {dict(sorted(result.workload.families.items()))}")
    print(f"ledger: {json.dumps(result.balance.summary())}")
    for row in rows_of(result):
        print(f"- {row.measure}: {row.orgwarden} (target {row.target}: {row.verdict})")
        print(f"  {row.note}")


if __name__ == "__main__":
    main()
