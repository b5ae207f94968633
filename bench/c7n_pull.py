"""Cloud Custodian's pull mode over a seeded organization, counted the way orgwarden's sweep is.

Run by Cloud Custodian's own Python (its virtual environment) from `bench.sweep_org`, never
imported by orgwarden: one `custodian run` per member account and policy file, assuming the
member's role (`--assume`), against the endpoint in AWS_ENDPOINT_URL, with Cloud Custodian's
default resource cache (the policies of one run share one listing per account and region, its
key names the account). Every AWS API call made
by any botocore client is counted by service and operation with a `before-call` hook, as
orgwarden's are. Prints one JSON object: calls, seconds, and where the results are.

    python c7n_pull.py SPEC.json   # {"accounts": [...], "role": "...", "runs": [...], "out": "..."}
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import botocore.session

calls: Counter[str] = Counter()


def _count(model: Any, **_: Any) -> None:
    calls[f"{model.service_model.service_id}:{model.name}"] += 1


def _counting_clients() -> None:
    create_client = botocore.session.Session.create_client

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-call.*.*", _count)
        return client

    botocore.session.Session.create_client = counted  # type: ignore[method-assign]


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    _counting_clients()
    from c7n.cli import main as custodian  # noqa: PLC0415 - after the hook is in place
    from c7n.utils import reset_session_cache  # noqa: PLC0415

    out = Path(spec["out"])
    failures = []
    started = time.perf_counter()
    for account in spec["accounts"]:
        role = spec["role"].format(account=account)
        for run in spec["runs"]:
            regions = [arg for region in run["regions"] for arg in ("-r", region)]
            # Cloud Custodian keeps one session per region for 45 minutes: without this, the next
            # account would be read with the previous account's role (c7n-org does the same).
            reset_session_cache()
            argv = [
                "run",
                "-s",
                str(out / account / run["name"]),
                "--assume",
                role,
                *regions,
                run["policies"],
            ]
            try:
                custodian(argv)
            except SystemExit as stop:  # custodian exits non-zero when a policy errs
                if stop.code:
                    failures.append(f"{account} {run['name']}: exit {stop.code}")
    print(
        json.dumps(
            {
                "calls": dict(calls),
                "seconds": time.perf_counter() - started,
                "failures": failures,
            }
        )
    )


if __name__ == "__main__":
    main()
