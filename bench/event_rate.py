"""Events per second through parse, route and evaluate, on one core, for events whose facts are
in the payload (root console sign-ins).

    uv run python -m bench.event_rate [--events 20000]

Variants of the recorded sign-in (`tests/events/signin/ConsoleLogin-root.json`: new ids, source
addresses, accounts, MFA used or not, success or failure, both detail-type spellings) go through
the functions the evaluator runs for each: `parse_event` (JSON and the pydantic models),
`Catalogue.matches` (routing), `resource_ref` (identifier checks), the rule's reader (the
`root_action` reader takes the facts from the event) and the rule's `evaluate`. A child process
pinned to one CPU runs them after one warm-up pass; a botocore hook counts any AWS call made.
Recording the verdict (evidence, Security Hub) is not part of this line: its calls are in
`bench.api_calls`.
"""

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "events" / "signin" / "ConsoleLogin-root.json"
TARGET = 5_000
ACCOUNTS = [f"{200000000000 + n * 7919:012d}" for n in range(20)]


def sign_ins(count: int, seed: int = 7) -> list[str]:
    """Message bodies: `count` variants of the recorded root sign-in."""
    rng = random.Random(seed)  # noqa: S311 - reproducible workload, not secrets
    recorded = json.loads(FIXTURE.read_text())
    bodies = []
    for n in range(count):
        event = copy.deepcopy(recorded)
        account = rng.choice(ACCOUNTS)
        detail = event["detail"]
        event["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        event["account"] = account
        if n % 2:
            event["detail-type"] = "AWS Console Signin via CloudTrail"
        detail["eventID"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        detail["sourceIPAddress"] = f"203.0.113.{rng.randrange(1, 255)}"
        detail["recipientAccountId"] = account
        detail["userIdentity"] |= {
            "accountId": account,
            "principalId": account,
            "arn": f"arn:aws:iam::{account}:root",
        }
        detail["additionalEventData"]["MFAUsed"] = rng.choice(("Yes", "No"))
        detail["responseElements"]["ConsoleLogin"] = rng.choice(("Success", "Failure"))
        bodies.append(json.dumps(event))
    return bodies


def run(bodies: list[str]) -> dict[str, Any]:
    """Parse, route and evaluate every body (in this process); the counts and the time."""
    from bench.call_count import CallCounter  # noqa: PLC0415 - before any client is made

    counter = CallCounter()
    counter.install()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from orgwarden.aws.member import MemberContext  # noqa: PLC0415
    from orgwarden.aws.readers import READERS  # noqa: PLC0415
    from orgwarden.aws.sessions import Sessions  # noqa: PLC0415
    from orgwarden.engine.evaluator import parse_event, resource_ref  # noqa: PLC0415
    from orgwarden.engine.policy import default_policy  # noqa: PLC0415
    from policies import load_catalogue  # noqa: PLC0415

    catalogue, policy, sessions = load_catalogue(), default_policy(), Sessions()
    now = datetime.now(UTC)

    def evaluate_all() -> tuple[int, int]:
        verdicts = failed = 0
        for body in bodies:
            event, raw = parse_event(body)
            for match in catalogue.matches(event, raw["detail"]):
                rule = match.rule
                ref = resource_ref(rule, match.resource_id, match.account_id, match.region)
                context = MemberContext(
                    sessions=sessions,
                    ref=ref,
                    role_name="OrgwardenRead",
                    policy=policy,
                    now=now,
                    payload=match.payload,
                )
                verdict = rule.evaluate(READERS[rule.spec.reads].read(context))
                verdicts += 1
                failed += verdict.status.value == "FAILED"
        return verdicts, failed

    try:
        evaluate_all()  # warm-up: lazy schema builds and caches, as in a warm container
        with counter.counting() as calls:
            started = time.perf_counter()
            verdicts, failed = evaluate_all()
            seconds = time.perf_counter() - started
    finally:
        counter.uninstall()
    return {
        "events": len(bodies),
        "verdicts": verdicts,
        "failed": failed,
        "seconds": seconds,
        "api_calls": sum(calls.values()),
        "cpus": sorted(os.sched_getaffinity(0)),
    }


def measure(events: int) -> dict[str, Any]:
    """Run `events` sign-ins in a child pinned to one CPU; its answer."""
    cpu = min(os.sched_getaffinity(0))
    out = subprocess.run(
        [sys.executable, "-m", "bench.event_rate", "--events", str(events), "--cpu", str(cpu)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"},
    )
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def rows(quick: bool = False) -> list[Row]:
    found = measure(500 if quick else 20_000)
    rate = found["events"] / found["seconds"]
    return [
        Row(
            measure="Root sign-in events per second, parse + route + evaluate, one core",
            orgwarden=f"{rate:,.0f}",
            peer="—",
            target=f"≥ {TARGET:,}",
            met=rate >= TARGET,
            note=(
                f"{found['events']:,} variants of tests/events/signin/ConsoleLogin-root.json in "
                f"one process pinned to CPU {found['cpus']} after a warm-up pass: "
                f"{found['verdicts']:,} verdicts ({found['failed']:,} FAILED) in "
                f"{found['seconds']:.2f} s; {found['api_calls']} AWS calls (the facts are in "
                "the event). Recording each verdict (evidence, Security Hub) is not in this "
                "line. No peer figure: Cloud Custodian's cloudtrail mode has no in-payload "
                "evaluation, it fetches the resource (here the account) for every event."
            ),
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)  # the pinned child
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
        print(json.dumps(run(sign_ins(args.events))))
        return
    found = measure(args.events)
    print(json.dumps(found))
    print(f"{found['events'] / found['seconds']:,.0f} events/s on one core")


if __name__ == "__main__":
    main()
