"""AWS API calls the evaluator makes for one PutBucketPolicy event, counted with a botocore hook.

    uv run python -m bench.api_calls

A simulated organization on moto's server; a member makes a bucket public; the event goes
through the template's rule and the queue to the real handler (enforce mode). Every API call
made inside the handler is counted, per service and operation, for a cold container (no cached
role credentials) and a warm one (a second bucket, credentials cached).
"""

import json
import os
from collections import Counter
from typing import Any

import botocore.session

from orgwarden.demo import make_drift, public_read_policy
from orgwarden.simulation import (
    HOME_REGION,
    QUEUE_NAME,
    LambdaContext,
    build_organization,
    moto_endpoint,
    sqs_record,
)

MEMBER_SERVICES = {"S3", "S3 Control", "SecurityHub"}


class Counting:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.on = False

    def __call__(self, model: Any, **_: Any) -> None:
        if self.on:
            self.calls[f"{model.service_model.service_id}:{model.name}"] += 1


def main() -> None:
    counter = Counting()
    create_client = botocore.session.Session.create_client

    def counted_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-call.*.*", counter)
        return client

    botocore.session.Session.create_client = counted_client  # type: ignore[method-assign]
    with moto_endpoint():
        sim = build_organization()
        os.environ.update(sim.evaluator_environment(modes={"s3_bucket_public_access": "enforce"}))
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        from handlers.evaluator import handler  # noqa: PLC0415 - after the environment is set

        member = sim.accounts["payments-prod"].account_id
        results = {}
        for label in ("cold", "warm"):
            bucket = f"bench-{label}-{member}"
            sim.deliver(make_drift(sim, "payments-prod", bucket, public_read_policy(bucket)))
            messages = sim.receive()
            queue_arn = f"arn:aws:sqs:{HOME_REGION}:{sim.tooling.account_id}:{QUEUE_NAME}"
            batch = {"Records": [sqs_record(m, queue_arn) for m in messages]}
            counter.calls.clear()
            counter.on = True  # only what the handler itself calls
            answer = handler(batch, LambdaContext())
            counter.on = False
            assert answer == {"batchItemFailures": []}, answer
            results[label] = dict(counter.calls)

    print("One PutBucketPolicy event (public bucket, enforce: read, fix, verify, publish, record)")
    operations = sorted({op for calls in results.values() for op in calls})
    print(f"{'service:operation':<42} {'cold':>5} {'warm':>5}")
    for op in operations:
        print(f"{op:<42} {results['cold'].get(op, 0):>5} {results['warm'].get(op, 0):>5}")
    for label, calls in results.items():
        member_calls = sum(n for op, n in calls.items() if op.split(":")[0] in MEMBER_SERVICES)
        sts = sum(n for op, n in calls.items() if op.startswith("STS:"))
        own = sum(calls.values()) - member_calls - sts
        print(
            f"{label}: {sum(calls.values())} calls = {member_calls} in the member account"
            f" + {sts} STS AssumeRole + {own} to orgwarden's own tables"
        )
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
