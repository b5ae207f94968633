"""Runs Cloud Custodian's Lambda entry point (`c7n.handler.dispatch_event`) on events, in the
peer's own virtual environment, against the endpoint in AWS_ENDPOINT_URL (moto's server).

    .bench/c7n/bin/python bench/custodian_driver.py JOB.json

Executed by the peer's Python, never imported by orgwarden's: it imports only the standard
library, botocore and c7n (and `bench.call_count`, which needs nothing else). The job names a
working directory, the policies (written there as `config.json`, as `custodian deploy` packs
them into each function) and the events; the answer on stdout is JSON:

- `"mode": "calls"`: per event label, the API calls `dispatch_event` made, by kind;
- `"mode": "first"`: milliseconds to import `c7n.handler` and to handle the first event in
  this fresh interpreter (a cold start), with no counting hook installed.
"""

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any


class Context:
    """The parts of Lambda's context object c7n reads."""

    function_name = "custodian-bench"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:custodian-bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def write_config(job: dict[str, Any]) -> None:
    workdir = Path(job["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        # What `custodian` packs from its command line: the account (so no STS lookup) and
        # the region the function runs in.
        "execution-options": {"account_id": job["account_id"], "region": job["region"]},
        "policies": job["policies"],
    }
    (workdir / "config.json").write_text(json.dumps(config))
    os.chdir(workdir)


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    write_config(job)
    if job["mode"] == "first":
        started = time.perf_counter()
        import c7n.handler  # noqa: PLC0415 - the import is what is timed

        imported = time.perf_counter()
        logging.disable(logging.CRITICAL)
        c7n.handler.dispatch_event(job["events"][0][1], Context())
        done = time.perf_counter()
        answer = {
            "import_ms": (imported - started) * 1000,
            "first_event_ms": (done - imported) * 1000,
        }
        print(json.dumps(answer))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.call_count import CallCounter  # noqa: PLC0415 - after sys.path is set

    counter = CallCounter()
    counter.install()
    import c7n.handler  # noqa: PLC0415 - after the counting hook

    logging.disable(logging.CRITICAL)  # c7n sets the root logger to DEBUG
    calls = {}
    for label, event in job["events"]:
        with counter.counting() as found:
            c7n.handler.dispatch_event(event, Context())
        calls[label] = dict(found)
    print(json.dumps({"calls": calls}))


if __name__ == "__main__":
    main()
