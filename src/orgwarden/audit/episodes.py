"""Episodes of non-compliance: the rows of an auditor's answer. Pure: no I/O, no clock.

An episode is one period during which a rule found a resource non-compliant: when it started and
whose change started it (principal, source IP, time, event id), when it ended and who ended it
(orgwarden's role and mode for a verified fix, otherwise the principal whose change fixed it or
removed the resource), and how long it lasted. Episodes are assembled from the evidence table's
transition items (`orgwarden.model.evidence_items`).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from orgwarden.model.events import EventContext
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.evidence_items import (
    KIND_STATE,
    OpenEpisode,
    Transition,
    closed_at,
    read_record,
    stamp,
    transition,
)
from orgwarden.model.spec import Mode, Severity, Status


class Closure(BaseModel):
    """How an episode ended."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    by: str | None  # orgwarden's role for our fix, else the principal whose change closed it
    how: str  # remediated | changed | resource-gone | found-fixed (by a sweep, no event)
    mode: Mode | None = None  # orgwarden's mode when it fixed it
    remediation: str | None = None
    event_id: str | None = None
    event_name: str | None = None
    source_ip: str | None = None
    status: Status
    reason: str


class Episode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    finding_id: str
    rule_id: str
    controls: list[str]
    severity: Severity
    account_id: str
    region: str
    resource_id: str
    opened_at: datetime
    opened_by: EventContext | None
    opened_reason: str
    closure: Closure | None  # None while the episode is still open
    latest: EvidenceRecord  # the last evaluation known for the episode

    @property
    def status(self) -> Status:
        return self.closure.status if self.closure else self.latest.status

    def open_for(self, now: datetime) -> timedelta:
        return (self.closure.at if self.closure else now) - self.opened_at

    @property
    def key(self) -> tuple[str, str]:
        return self.finding_id, stamp(self.opened_at)


def closure_of(record: EvidenceRecord) -> Closure:
    action = record.action
    common: dict[str, Any] = {
        "at": closed_at(record),
        "status": record.status,
        "reason": record.reason,
    }
    if action and action.outcome == "verified":
        return Closure(
            **common,
            by=action.actor,
            how="remediated",
            mode=action.mode,
            remediation=action.remediation,
        )
    how = "resource-gone" if record.status is Status.NOT_APPLICABLE else "changed"
    if record.cause:
        return Closure(
            **common,
            by=record.cause.principal_arn or record.cause.principal_type,
            how=how,
            event_id=record.cause.event_id,
            event_name=record.cause.event_name,
            source_ip=record.cause.source_ip,
        )
    return Closure(**common, by=None, how="found-fixed" if how == "changed" else how)


def episode(
    opening: OpenEpisode, latest: EvidenceRecord, closing: EvidenceRecord | None
) -> Episode:
    return Episode(
        finding_id=latest.finding_id,
        rule_id=latest.rule_id,
        controls=list(latest.controls),
        severity=latest.severity,
        account_id=latest.resource.account_id,
        region=latest.resource.region,
        resource_id=latest.resource.resource_id,
        opened_at=opening.opened_at,
        opened_by=opening.cause,
        opened_reason=opening.reason,
        closure=closure_of(closing) if closing else None,
        latest=latest,
    )


def from_item(item: dict[str, Any]) -> Episode | None:
    """The episode a transition item or an open state item describes (closed or not yet known
    to be closed); None for any other item."""
    record = read_record(item["record"])
    if item.get("kind") == KIND_STATE:
        if "opening" not in item:
            return None
        return episode(OpenEpisode.model_validate_json(item["opening"]), record, None)
    change = item.get("transition")
    if change is None:
        return None
    opening = OpenEpisode.model_validate_json(item["episode_opening"])
    closes = change in (Transition.CLOSED, Transition.OPENED_AND_CLOSED)
    return episode(opening, record, record if closes else None)


def merge(episodes: Iterable[Episode]) -> list[Episode]:
    """One episode per (finding, opening): a closed account of it wins over an open one."""
    found: dict[tuple[str, str], Episode] = {}
    for item in episodes:
        known = found.get(item.key)
        if (
            known is None
            or (known.closure is None and item.closure is not None)
            or (known.closure is None and item.latest.observed_at > known.latest.observed_at)
        ):
            found[item.key] = item
    return sorted(found.values(), key=lambda e: (e.opened_at, e.finding_id))


def control_matches(wanted: str, controls: Iterable[str]) -> bool:
    """`aws-fsbp S3.2` matches exactly; a bare `S3.2` matches that control in any framework."""
    wanted = " ".join(wanted.split()).lower()
    for given in controls:
        control = given.lower()
        if control == wanted or (" " not in wanted and control.rsplit(" ", 1)[-1] == wanted):
            return True
    return False


@dataclass(frozen=True)
class EpisodeFilter:
    """What an auditor asked for. Empty sets mean "any"."""

    start: datetime
    end: datetime
    rules: frozenset[str] = frozenset()
    controls: tuple[str, ...] = ()
    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    severities: frozenset[Severity] = frozenset()
    statuses: frozenset[Status] = frozenset()
    resource_ids: frozenset[str] = field(default_factory=frozenset)

    def matches(self, found: Episode) -> bool:
        if found.opened_at > self.end:
            return False
        if found.closure and found.closure.at < self.start:
            return False
        checks = (
            (self.rules, found.rule_id),
            (self.accounts, found.account_id),
            (self.regions, found.region),
            (self.severities, found.severity),
            (self.statuses, found.status),
            (self.resource_ids, found.resource_id),
        )
        if any(wanted and value not in wanted for wanted, value in checks):
            return False
        return not self.controls or any(control_matches(c, found.controls) for c in self.controls)


def episodes_from_history(records: Iterable[EvidenceRecord]) -> list[Episode]:
    """The episodes a finding's evaluations make, by the rules the evidence table's transition
    items are written with (`evidence_items.transition`): for records already read, or made
    by hand in tests. Records of several findings are split by finding id."""
    by_finding: dict[str, list[EvidenceRecord]] = {}
    for record in records:
        by_finding.setdefault(record.finding_id, []).append(record)
    found: list[Episode] = []
    for history in by_finding.values():
        history.sort(key=lambda r: stamp(r.observed_at))
        prior: OpenEpisode | None = None
        latest: EvidenceRecord | None = None
        for record in history:
            change, opened = transition(record, prior, late=False)
            if change in (Transition.CLOSED, Transition.OPENED_AND_CLOSED) and opened:
                found.append(episode(opened, record, record))
                prior, latest = None, None
            elif opened is not None:
                prior, latest = opened, record
        if prior is not None and latest is not None:
            found.append(episode(prior, latest, None))
    return merge(found)
