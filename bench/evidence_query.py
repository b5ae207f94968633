"""Time the auditor's question against 100,000 evidence records in DynamoDB on moto's server.

    uv run python -m bench.evidence_query [--records 100000] [--runs 3]
    uv run python -m bench --only evidence_query   # its rows (too slow for the default run)

Seeds a table declared as in template.yaml with history and state items built by the same
layout code the store uses (`orgwarden.model.evidence_items`), written with BatchWriteItem, then
times: the auditor's question (every episode of one rule in the last 365 days), and a
per-account question (one account's episodes, and its raw evaluations, over 365 days).
moto answers every index query by scanning the whole table in Python (moto 5.2's
`Table.query`), so each of the plan's queries costs a full scan here, where DynamoDB reads only
the queried partition: the times are an upper bound that grows with the table, not DynamoDB's
latency. The counts (partitions queried, episodes found) are what carries over.
"""

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from rich.console import Console
from rich.progress import Progress

from bench.table import Row
from orgwarden.audit.episodes import EpisodeFilter
from orgwarden.audit.queries import find_episodes, query_plan
from orgwarden.aws.evidence_store import EvidenceStore, serialize
from orgwarden.aws.sessions import client_config
from orgwarden.model import evidence_items as items
from orgwarden.model.events import EventContext
from orgwarden.model.evidence import ActionRecord, EvidenceRecord
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Severity, Status
from orgwarden_harness.simulation import create_table, load_template, moto_endpoint

RULE = "s3_bucket_public_access"
ACCOUNTS = [f"{100000000000 + n * 7919:012d}" for n in range(50)]
EVALUATIONS_PER_BUCKET = 5
SPAN = timedelta(days=400)  # evaluations spread over 400 days: some fall outside the year
PUBLIC_SHARE = 0.1  # buckets that are made public once


def cause(account: str, at: datetime, name: str, who: str) -> EventContext:
    return EventContext(
        event_id=str(uuid.uuid4()),
        event_name=name,
        event_time=at,
        principal_arn=f"arn:aws:sts::{account}:assumed-role/{who}",
        principal_type="AssumedRole",
        source_ip="203.0.113.24",
        user_agent="aws-cli/2.22.4",
    )


def evaluations(
    bucket: str, account: str, now: datetime, rng: random.Random
) -> list[EvidenceRecord]:
    """One bucket's evaluations, oldest first; a public one is opened once and then closed
    by orgwarden (enforce) or its owner, or left open."""
    times = sorted(now - SPAN * rng.random() for _ in range(EVALUATIONS_PER_BUCKET))
    public_at = rng.randrange(EVALUATIONS_PER_BUCKET) if rng.random() < PUBLIC_SHARE else None
    closing = rng.choice(("enforce", "owner", "open"))
    ref = ResourceRef(
        resource_type="AwsS3Bucket", resource_id=bucket, account_id=account, region="us-east-1"
    )
    records = []
    for n, observed in enumerate(times):
        detected, action, who = Status.PASSED, None, "PlatformAdmin/ops"
        name = "PutBucketTagging"
        if public_at is not None and (n == public_at or (closing == "open" and n > public_at)):
            detected, who, name = Status.FAILED, "DeveloperAccess/dev", "PutBucketPolicy"
        final = detected
        if detected is Status.FAILED and closing == "enforce":
            final = Status.PASSED
            action = ActionRecord(
                remediation="s3_block_bucket_public_access",
                mode=Mode.ENFORCE,
                outcome="verified",
                reason="enforce",
                planned_change={},
                actor=f"arn:aws:iam::{account}:role/OrgwardenRemediation",
                started_at=observed,
                finished_at=observed + timedelta(seconds=2),
            )
        records.append(
            EvidenceRecord(
                finding_id=f"orgwarden/{RULE}/{account}/us-east-1/{bucket}",
                rule_id=RULE,
                controls=["aws-fsbp S3.2", "aws-fsbp S3.3"],
                resource=ref,
                status=final,
                detected_status=detected,
                severity=Severity.CRITICAL,
                detected_reason=f"{detected.value}",
                reason=f"{final.value}",
                observed_at=observed,
                cause=cause(account, observed - timedelta(seconds=30), name, who),
                action=action,
            )
        )
    return records


def layout(records: list[EvidenceRecord]) -> Iterator[dict[str, Any]]:
    """The items `EvidenceStore.put` leaves for one finding's evaluations, put in order."""
    prior = None
    for record in records:
        change, episode = items.transition(record, prior, late=False)
        yield items.history_item(record, change, episode)
        prior = items.open_after(record, prior)
    yield items.state_item(records[-1], prior)


def seed(dynamodb: Any, table: str, total: int, now: datetime) -> int:
    rng = random.Random(7)  # noqa: S311 - reproducible data, not secrets
    buckets = total // EVALUATIONS_PER_BUCKET
    batches: list[list[dict[str, Any]]] = [[]]
    for n in range(buckets):
        account = ACCOUNTS[n % len(ACCOUNTS)]
        for item in layout(evaluations(f"bucket-{n:06d}", account, now, rng)):
            if len(batches[-1]) == 25:
                batches.append([])
            batches[-1].append({"PutRequest": {"Item": serialize(item)}})
    console = Console(file=sys.stderr)
    with Progress(console=console, transient=False) as bar, ThreadPoolExecutor(4) as pool:
        task = bar.add_task(f"seeding {total:,} evaluations (+ state items)", total=len(batches))

        def write(batch: list[dict[str, Any]]) -> None:
            pending = {table: batch}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending)["UnprocessedItems"]
            bar.advance(task)

        list(pool.map(write, batches))
    return sum(len(b) for b in batches)


def timed(runs: int, query: Callable[[], Any]) -> tuple[float, Any]:
    times, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = query()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def measure(records: int, runs: int) -> dict[str, Any]:
    """Seed `records` evaluations and time the questions; the figures."""
    now = datetime.now(UTC)
    found: dict[str, Any] = {"records": records, "runs": runs}
    with moto_endpoint():
        # moto scans the whole table for each index query: allow it minutes, not seconds.
        config = client_config().merge(Config(read_timeout=900, retries={"max_attempts": 1}))
        dynamodb = boto3.client("dynamodb", config=config)
        create_table(dynamodb, load_template()["Resources"]["EvidenceTable"], "bench-evidence")
        started = time.perf_counter()
        found["items"] = seed(dynamodb, "bench-evidence", records, now)
        found["seed_seconds"] = time.perf_counter() - started
        store = EvidenceStore(dynamodb, "bench-evidence")
        year = EpisodeFilter(start=now - timedelta(days=365), end=now)
        account = ACCOUNTS[0]
        found["partitions"] = len(query_plan(year, [RULE], now))
        found["rule_seconds"], episodes = timed(
            runs, lambda: find_episodes(store, year, [RULE], now=now)
        )
        found["rule_episodes"] = len(episodes)
        one = EpisodeFilter(start=year.start, end=now, accounts=frozenset({account}))
        found["account_partitions"] = len(query_plan(one, [RULE], now))
        found["account_seconds"], episodes = timed(
            runs, lambda: find_episodes(store, one, [RULE], now=now)
        )
        found["account_episodes"] = len(episodes)
        found["evaluations_seconds"], evaluations = timed(
            runs, lambda: store.by_account(account, year.start, now)
        )
        found["account_evaluations"] = len(evaluations)
    return found


def rows(quick: bool = False) -> list[Row]:
    found = measure(2_000 if quick else 100_000, 1 if quick else 3)
    setting = (
        f"{found['records']:,} evaluations of {found['records'] // EVALUATIONS_PER_BUCKET:,} "
        f"buckets in {len(ACCOUNTS)} accounts ({found['items']:,} items, seeded with "
        f"BatchWriteItem in {found['seed_seconds']:.0f} s) in DynamoDB on moto's server, median "
        f"of {found['runs']}. moto scans the whole table for every index query, so the time is "
        "moto's cost per query times the plan's query count, not DynamoDB's latency; the query "
        "counts carry over."
    )
    return [
        Row(
            measure=f"Auditor's question: every {RULE} episode in 365 days (s)",
            orgwarden=f"{found['rule_seconds']:.1f}",
            note=f"{found['rule_episodes']:,} episodes from {found['partitions']} partition "
            f"queries. {setting}",
        ),
        Row(
            measure="One account's episodes in 365 days (s)",
            orgwarden=f"{found['account_seconds']:.1f}",
            note=f"{found['account_episodes']:,} episodes from {found['account_partitions']} "
            f"partition queries; the account's {found['account_evaluations']:,} evaluations in "
            f"{found['evaluations_seconds']:.1f} s. {setting}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    found = measure(args.records, args.runs)
    print(
        f"seeded {found['items']:,} items ({args.records:,} evaluations of "
        f"{args.records // EVALUATIONS_PER_BUCKET:,} buckets in {len(ACCOUNTS)} accounts) "
        f"in {found['seed_seconds']:.1f} s"
    )
    print(
        f"auditor's question (every {RULE} episode, 365 days): {found['rule_episodes']:,} "
        f"episodes from {found['partitions']} partition queries, median "
        f"{found['rule_seconds']:.2f} s of {args.runs}"
    )
    print(
        f"one account's episodes (365 days): {found['account_episodes']:,}, median "
        f"{found['account_seconds']:.2f} s"
    )
    print(
        f"one account's evaluations (365 days): {found['account_evaluations']:,}, median "
        f"{found['evaluations_seconds']:.2f} s"
    )


if __name__ == "__main__":
    main()
