"""What the evaluations of one sweep task share, so that a resource costs few calls.

Within a task every resource is in one account (and one region, buckets aside), so the task
reads each fact once for every rule judging it (`SharedReads`), reads the prior state of all its
findings in one batch, and sends the evidence records and Security Hub findings in batches at
its end: the same records and findings the event path writes one by one.
"""

from dataclasses import dataclass, field
from typing import Any

from orgwarden import evidence_items
from orgwarden.aws.shared_reads import SharedReads
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
class SweepScope:
    reads: SharedReads = field(default_factory=SharedReads)
    # Findings' state items read before evaluating (None: never evaluated), by finding id.
    states: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    records: list[EvidenceRecord] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)

    def knows(self, finding_id: str) -> bool:
        return finding_id in self.states

    def prior(self, finding_id: str) -> EvidenceRecord | None:
        """The finding's latest record as read before the task's evaluations."""
        state = self.states[finding_id]
        if not state or "record" not in state:
            return None
        return evidence_items.read_record(state["record"])
