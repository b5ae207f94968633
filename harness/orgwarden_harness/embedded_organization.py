"""The simulated organization as the auditor's CLI uses it when no deployed stack is named: the
demo, and the demo's incidents seeded for `findings`, `report` and `scan`.

Found by the CLI through this package's `orgwarden.embedded` entry point, so that the CLI never
imports the harness (nor moto) itself.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from orgwarden.audit.findings_cli import EvidenceSource
from orgwarden.model.evidence import EvidenceRecord
from orgwarden_harness.demo import run, seed, tour
from orgwarden_harness.simulation import (
    HOME_REGION,
    MANAGEMENT_ACCOUNT,
    SimulatedOrganization,
    build_organization,
    moto_endpoint,
)

DESCRIPTION = "the simulated organization with the demo's incidents (--demo)"


def run_demo() -> int:
    return run()


@contextmanager
def seeded() -> Iterator[SimulatedOrganization]:
    """The simulated organization on moto's server, with the demo's incidents played: the
    bucket incidents, then one violation of every other rule family."""
    with moto_endpoint():
        sim = build_organization()
        seed(sim)
        tour(sim)
        yield sim


@contextmanager
def evidence_source() -> Iterator[EvidenceSource]:
    with seeded() as sim:
        yield EvidenceSource(
            store=sim.evidence(),
            organizations=sim.session(MANAGEMENT_ACCOUNT).client("organizations"),
            description=DESCRIPTION,
        )


@contextmanager
def evidence_records() -> Iterator[list[EvidenceRecord]]:
    with seeded() as sim:
        yield sim.evidence_records()


@contextmanager
def scan_environment() -> Iterator[tuple[list[str], Any]]:
    """The environment of a scan of the simulated organization: its regions, and a function
    that counts the Security Hub findings each member account holds afterwards."""
    with seeded() as sim:
        os.environ.update(sim.evaluator_environment())
        members = [a for a in sim.accounts.values() if a.name != "security-tooling"]

        def imported() -> dict[str, int]:
            return {a.name: len(sim.findings(a.account_id)) for a in members}

        yield [HOME_REGION], imported
