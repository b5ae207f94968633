"""The evidence of one evaluation: what was decided, what was changed, and who caused the drift."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orgwarden.model.events import EventContext
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Severity, Status


class Waiver(BaseModel):
    """An exemption that applies (expired ones never do): who owns it, why, until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Literal["tag", "allow-list"]
    owner: str
    reason: str
    expires: date


class ActionRecord(BaseModel):
    """What orgwarden did (or, in dry-run, would have done) about a FAILED verdict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    remediation: str
    mode: Mode
    outcome: str  # applied | verified | not-verified | planned | skipped
    reason: str
    planned_change: dict[str, Any]
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    actor: str | None = None  # the role orgwarden acted as
    started_at: datetime | None = None
    finished_at: datetime | None = None


class EvidenceRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    finding_id: str
    rule_id: str
    controls: list[str]
    resource: ResourceRef
    status: Status  # the final status, after any verified fix
    detected_status: Status  # what the rule found before orgwarden acted
    severity: Severity
    detected_reason: str  # why the rule said `detected_status`
    reason: str  # why the final status holds (after a fix, the re-read's verdict)
    facts: dict[str, Any] = Field(default_factory=dict)
    observed_at: datetime
    cause: EventContext | None = None
    action: ActionRecord | None = None
    # How orgwarden decided: the rule's mode here, the act and why (loop guard, exemption...).
    mode: Mode | None = None
    decision: str | None = None
    decision_reason: str | None = None
    exemption: Waiver | None = None  # the waiver that suppressed a FAILED verdict
    notes: list[str] = Field(default_factory=list)  # lapsed exemptions, unreadable tags
    # When orgwarden first judged this finding: its Security Hub CreatedAt and FirstObservedAt.
    first_observed_at: datetime | None = None
