"""Cold start of each Lambda handler, beside Cloud Custodian's Lambda handler (`c7n.handler`)
installed from PyPI in its own virtual environment.

    uv run python -m bench.cold_import [--runs 15] [--no-peer]

Import: each run starts a new Python (bytecode caches warm, as in a Lambda image) and times the
handler module's import alone; the modules and the peer take turns, so a busy machine slows
them alike. First event: a new Python imports the evaluator's handler and handles one
PutBucketPolicy event (a public bucket, enforce) on moto's server, and Cloud Custodian's
`dispatch_event` handles the same kind of event with its equivalent policy (`bench.api_calls`):
what a cold container costs before its first answer, moto's answers included.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench import peer

# peer_python is imported from here by other benchmarks too.
from bench.peer import PEER, peer_python
from bench.table import Row

if TYPE_CHECKING:
    from orgwarden_harness.simulation import SimulatedOrganization

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
HANDLERS = ("handlers.evaluator", "handlers.sweep", "handlers.config_rule", "handlers.archiver")
PROBE = (
    "import time, importlib, sys; t = time.perf_counter(); importlib.import_module(sys.argv[1]);"
    " print((time.perf_counter() - t) * 1000)"
)
# A cold container's first event: import the handler, then handle one SQS batch.
FIRST_EVENT = """
import json, sys, time
from bench.lambda_context import Context
started = time.perf_counter()
from handlers.evaluator import handler
imported = time.perf_counter()

answer = handler(json.load(open(sys.argv[1])), Context())
assert answer == {"batchItemFailures": []}, answer
done = time.perf_counter()
timings = {"import_ms": imported - started, "first_event_ms": done - imported}
print(json.dumps({k: v * 1000 for k, v in timings.items()}))
"""


def _probe(python: str, module: str, pythonpath: str) -> float:
    out = subprocess.run(
        [python, "-c", PROBE, module],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": pythonpath, "PATH": ""},
    )
    return float(out.stdout.strip())


def measure_imports(modules: list[tuple[str, str, str]], runs: int) -> dict[str, list[float]]:
    """Import times in ms of each (label, python, pythonpath/module) in turn, `runs` rounds."""
    timings: dict[str, list[float]] = {label: [] for label, _, _ in modules}
    for label, python, pythonpath in modules:  # writes bytecode caches: not counted
        _probe(python, label.split(" ")[0], pythonpath)
    for _ in range(runs):
        for label, python, pythonpath in modules:
            timings[label].append(_probe(python, label.split(" ")[0], pythonpath))
    return timings


def measure(python: str, module: str, runs: int, pythonpath: str = "") -> list[float]:
    """Import times in ms of one module in `runs` fresh interpreters."""
    return measure_imports([(module, python, pythonpath)], runs)[module]


def first_events(sim: "SimulatedOrganization", runs: int) -> list[dict[str, float]]:
    """Cold container, first PutBucketPolicy event: the evaluator's handler in `runs` fresh
    interpreters, in the simulated organization on moto's server."""
    from bench.api_calls import ACCOUNT, SCENARIOS  # noqa: PLC0415 - imports moto's helpers
    from bench.organization import child_environment, queued  # noqa: PLC0415
    from orgwarden_harness.simulation import HOME_REGION, QUEUE_NAME, sqs_record  # noqa: PLC0415

    scenario = SCENARIOS[0]
    env = child_environment(sim, {rule: "enforce" for rule in scenario.rules})
    queue_arn = f"arn:aws:sqs:{HOME_REGION}:{sim.tooling.account_id}:{QUEUE_NAME}"
    account = sim.accounts[ACCOUNT].account_id
    found = []
    with tempfile.TemporaryDirectory(prefix="first-event-") as workdir:
        for run in range(runs):
            name = f"bench-first-{run}-{os.urandom(3).hex()}-{account}"
            messages = queued(sim, [scenario.drift(sim, name)])
            batch = Path(workdir) / "batch.json"
            batch.write_text(json.dumps({"Records": [sqs_record(m, queue_arn) for m in messages]}))
            out = subprocess.run(
                [sys.executable, "-c", FIRST_EVENT, str(batch)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            found.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return found


def peer_first_events(
    sim: "SimulatedOrganization", runs: int, python: str
) -> list[dict[str, float]]:
    """Cloud Custodian's cold container, first event of the same kind, with its equivalent
    policy (`c7n.handler.dispatch_event`), in `runs` fresh peer interpreters."""
    from bench.api_calls import SCENARIOS  # noqa: PLC0415 - imports moto's helpers
    from bench.organization import child_environment, queued  # noqa: PLC0415
    from orgwarden_harness.simulation import HOME_REGION  # noqa: PLC0415

    scenario = SCENARIOS[0]
    env = peer.driver_env(child_environment(sim, {}))
    found = []
    for run in range(runs):
        name = f"c7n-first-{run}-{os.urandom(3).hex()}"
        (message,) = queued(sim, [scenario.drift(sim, name)])
        job = {
            "mode": "first",
            "account_id": sim.tooling.account_id,
            "region": HOME_REGION,
            "policies": list(scenario.peer_policies),
            "events": [["cold", json.loads(message["Body"])]],
        }
        found.append(peer.run_driver(python, job, env))
    return found


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}"


def rows(quick: bool = False, organization: "SimulatedOrganization | None" = None) -> list[Row]:
    runs = 1 if quick else 15
    handlers = HANDLERS[:1] if quick else HANDLERS
    python = peer.available(quick)
    modules = [(module, sys.executable, str(SRC)) for module in handlers]
    if python:
        modules.append((f"{PEER[2]} ({PEER[1]})", python, ""))
    timings = measure_imports(modules, runs)
    theirs = timings.get(f"{PEER[2]} ({PEER[1]})")
    found = []
    for module in handlers:
        ours = statistics.median(timings[module])
        spread = f"min {min(timings[module]):.0f}, max {max(timings[module]):.0f}"
        note = (
            f"Median of {runs} fresh interpreters ({spread} ms). The module imports Powertools' "
            "logger (and metrics) only; boto3, pydantic, the models, the rule catalogue and "
            "Powertools' batch and idempotency utilities come with the first invocation (see "
            "the cold start row)"
        )
        if theirs:
            note += (
                f"; c7n.handler min {min(theirs):.0f}, max {max(theirs):.0f} ms, imported in "
                "turn with it"
            )
        found.append(
            Row(
                measure=f"Cold import, {module} (ms)",
                orgwarden=f"{ours:.0f}",
                peer=_ms(theirs) if theirs else peer.NOT_INSTALLED,
                target="≤ half the peer",
                met=ours <= statistics.median(theirs) / 2 if theirs else None,
                note=note + ".",
            )
        )
    from bench.organization import simulated  # noqa: PLC0415 - imports moto

    first_runs = 1 if quick else 5
    with simulated(organization) as sim:
        ours = first_events(sim, first_runs)
        theirs = peer_first_events(sim, first_runs, python) if python else []
    found.append(first_event_row(ours, theirs))
    return found


def first_event_row(results: list[dict[str, float]], peer_results: list[dict[str, float]]) -> Row:
    ours = [r["import_ms"] + r["first_event_ms"] for r in results]
    note = (
        "A new Python imports the evaluator's handler and handles one PutBucketPolicy event "
        "(public bucket, enforce) on moto's server, what a cold container pays before its "
        "first answer: import "
        f"{_ms([r['import_ms'] for r in results])} ms + first event "
        f"{_ms([r['first_event_ms'] for r in results])} ms, median of "
        f"{len(ours)}. Moto's answers are included, so the API calls of bench.api_calls weigh "
        "in. With Lambda SnapStart the first-invocation imports could be done before the "
        "snapshot instead."
    )
    theirs = [r["import_ms"] + r["first_event_ms"] for r in peer_results]
    if theirs:
        note += (
            " Cloud Custodian: c7n.handler import "
            f"{_ms([r['import_ms'] for r in peer_results])} ms + dispatch_event "
            f"{_ms([r['first_event_ms'] for r in peer_results])} ms (its s3 policy, same "
            "kind of event)."
        )
    return Row(
        measure="Cold start: import + first PutBucketPolicy event (ms)",
        orgwarden=_ms(ours),
        peer=_ms(theirs) if theirs else peer.NOT_INSTALLED,
        note=note,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-peer", action="store_true", help="skip Cloud Custodian")
    args = parser.parse_args()
    modules = [(module, sys.executable, str(SRC)) for module in HANDLERS]
    if not args.no_peer:
        modules.append((f"{PEER[2]} ({PEER[1]})", peer_python(), ""))
    timings = measure_imports(modules, args.runs)
    print(f"Python {sys.version.split()[0]}, {args.runs} fresh interpreters per module")
    print(f"{'module':<24} {'min ms':>8} {'median ms':>10} {'max ms':>8}")
    for module, t in timings.items():
        print(f"{module:<24} {min(t):>8.1f} {statistics.median(t):>10.1f} {max(t):>8.1f}")


if __name__ == "__main__":
    main()
