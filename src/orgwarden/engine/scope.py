"""What the evaluations of one unit of work share, so that each costs few calls.

The unit is a sweep task or one event. Within it, each fact about a resource or its account is
read once for every rule and exemption check judging it (`ReadCache`: a fix forgets what it
declares it changes, so its verification reads that again), the prior states of all its
findings are read in one batch, and the evidence records and Security Hub findings are sent in
batches at its end (a transaction per 50 records, an import per account and region). A new unit
of work starts with nothing known: it reads afresh.
"""

from dataclasses import dataclass, field
from typing import Any

from orgwarden.aws.read_cache import ReadCache
from orgwarden.model import evidence_items
from orgwarden.model.events import EventContext
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.resources import ResourceRef


@dataclass(frozen=True)
class Publication:
    """One finding to import, with the workflow its evaluation moves it to."""

    ref: ResourceRef
    finding: dict[str, Any]
    workflow: tuple[str, str] | None
    existed: bool


@dataclass
class EvaluationScope:
    reads: ReadCache = field(default_factory=ReadCache)
    # Findings' state items read before evaluating (None: never evaluated), by finding id.
    states: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    records: list[EvidenceRecord] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    # Resources a read found gone, with the event that led to the read: every open finding
    # about them is archived at the end of the unit.
    gone: dict[ResourceRef, EventContext | None] = field(default_factory=dict)
    # The latest record of every finding in an account, read once per unit when needed.
    current: dict[str, list[EvidenceRecord]] = field(default_factory=dict)

    def knows(self, finding_id: str) -> bool:
        return finding_id in self.states

    def prior(self, finding_id: str) -> EvidenceRecord | None:
        """The finding's latest record as read before the task's evaluations."""
        state = self.states[finding_id]
        if not state or "record" not in state:
            return None
        return evidence_items.read_record(state["record"])
