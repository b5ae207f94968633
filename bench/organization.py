"""The simulated organization a benchmark measures in, and a fresh evaluator's environment.

A benchmark run starts moto's server and builds the organization (`simulated()`); the smoke
tests hand in the one their session already has. In-process measurements take the evaluator's
environment with `orgwarden_harness.demo.evaluator_environment`.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orgwarden_harness.simulation import SimulatedOrganization, build_organization, moto_endpoint

SRC = Path(__file__).resolve().parents[1] / "src"
# Logs and metrics of the measured handler: warnings only, no EMF lines on stdout.
QUIET = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}


@contextmanager
def simulated(organization: SimulatedOrganization | None = None) -> Iterator[SimulatedOrganization]:
    """The given organization, or a new one on a moto server started for the block."""
    if organization is not None:
        yield organization
        return
    with moto_endpoint():
        yield build_organization()


def child_environment(sim: SimulatedOrganization, modes: dict[str, str]) -> dict[str, str]:
    """The environment of a fresh Python run as the evaluator function against moto's server."""
    env = sim.evaluator_environment(modes=modes) | QUIET
    env |= {key: os.environ[key] for key in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION")}
    # src for orgwarden, the checkout for bench.lambda_context.
    return env | {"PYTHONPATH": f"{SRC}:{SRC.parent}", "PATH": os.environ.get("PATH", "")}


def queued(
    sim: SimulatedOrganization, events: list[dict[str, Any]], attempts: int = 20
) -> list[dict[str, Any]]:
    """Deliver events through the template's rules; the queue's messages for exactly these
    (matched by the CloudTrail event id or GuardDuty finding id), in delivery order. Other
    messages in the queue are left alone."""
    wanted = [_identity(event["detail"]) for event in events]
    for event in events:
        sim.deliver(event)
    found: dict[str, dict[str, Any]] = {}
    for _ in range(attempts):
        for message in sim.receive(max_messages=10):
            identity = _identity(json.loads(message["Body"])["detail"])
            if identity in wanted:
                found[identity] = message
        if len(found) == len(wanted):
            return [found[identity] for identity in wanted]
    raise RuntimeError(f"{len(wanted) - len(found)} event(s) did not reach the queue")


def _identity(detail: dict[str, Any]) -> str:
    return str(detail.get("eventID") or detail.get("id"))
