"""What the auditor's CLI prints, as plain rows and ASFF. Pure: no I/O, no clock."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from orgwarden.audit.episodes import Episode
from orgwarden.engine.findings import build_finding
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.evidence_items import OPEN_STATUSES
from orgwarden.model.spec import RuleSpec, Verdict

# A spreadsheet takes a cell that begins with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: one beginning like a formula is prefixed
    with a single quote. Tag values, reasons and names in the evidence are written by whoever
    administers an account, and an auditor opens the CSV in a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


EPISODE_COLUMNS = (
    "finding_id",
    "rule_id",
    "controls",
    "severity",
    "account_id",
    "region",
    "resource_id",
    "status",
    "opened_at",
    "opened_by",
    "opened_from_ip",
    "opened_event_name",
    "opened_event_id",
    "opened_reason",
    "closed_at",
    "closed_by",
    "closed_how",
    "closed_mode",
    "closed_remediation",
    "closed_event_name",
    "closed_event_id",
    "closed_from_ip",
    "open_for_seconds",
    "open_for",
    "still_open",
)

HISTORY_COLUMNS = (
    "observed_at",
    "detected_status",
    "status",
    "detected_reason",
    "reason",
    "cause_event_name",
    "cause_event_id",
    "cause_event_time",
    "cause_principal",
    "cause_source_ip",
    "action_remediation",
    "action_mode",
    "action_outcome",
    "action_actor",
    "action_finished_at",
)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def human(duration: timedelta) -> str:
    """`72h 0m`, `3s`, `12d 4h`: the two largest units; hours up to a week (breach clocks are
    counted in hours)."""
    seconds = max(int(duration.total_seconds()), 0)
    units: list[tuple[str, int]] = [("h", 3600), ("m", 60), ("s", 1)]
    if seconds >= 7 * 86400:
        units.insert(0, ("d", 86400))
    parts: list[str] = []
    for unit, size in units:
        if parts or seconds >= size or unit == "s":
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


def episode_row(found: Episode, now: datetime) -> dict[str, Any]:
    opener = found.opened_by
    closure = found.closure
    lasted = found.open_for(now)
    return {
        "finding_id": found.finding_id,
        "rule_id": found.rule_id,
        "controls": list(found.controls),
        "severity": found.severity.value,
        "account_id": found.account_id,
        "region": found.region,
        "resource_id": found.resource_id,
        "status": found.status.value,
        "opened_at": iso(found.opened_at),
        "opened_by": (opener.principal_arn or opener.principal_type) if opener else None,
        "opened_from_ip": opener.source_ip if opener else None,
        "opened_event_name": opener.event_name if opener else None,
        "opened_event_id": opener.event_id if opener else None,
        "opened_reason": found.opened_reason,
        "closed_at": iso(closure.at) if closure else None,
        "closed_by": closure.by if closure else None,
        "closed_how": closure.how if closure else None,
        "closed_mode": closure.mode.value if closure and closure.mode else None,
        "closed_remediation": closure.remediation if closure else None,
        "closed_event_name": closure.event_name if closure else None,
        "closed_event_id": closure.event_id if closure else None,
        "closed_from_ip": closure.source_ip if closure else None,
        "open_for_seconds": int(lasted.total_seconds()),
        "open_for": human(lasted),
        "still_open": closure is None and found.latest.status in OPEN_STATUSES,
    }


def history_row(record: EvidenceRecord) -> dict[str, Any]:
    cause, action = record.cause, record.action
    return {
        "observed_at": iso(record.observed_at),
        "detected_status": record.detected_status.value,
        "status": record.status.value,
        "detected_reason": record.detected_reason,
        "reason": record.reason,
        "cause_event_name": cause.event_name if cause else None,
        "cause_event_id": cause.event_id if cause else None,
        "cause_event_time": iso(cause.event_time) if cause else None,
        "cause_principal": (cause.principal_arn or cause.principal_type) if cause else None,
        "cause_source_ip": cause.source_ip if cause else None,
        "action_remediation": action.remediation if action else None,
        "action_mode": action.mode.value if action else None,
        "action_outcome": action.outcome if action else None,
        "action_actor": action.actor if action else None,
        "action_finished_at": iso(action.finished_at) if action else None,
    }


def asff(
    records: Iterable[tuple[EvidenceRecord, datetime]],
    specs: dict[str, RuleSpec],
    account_names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """ASFF findings for the latest record of each finding, with `FirstObservedAt` the start of
    its earliest episode shown, and the account's name when known. Records of rules no longer
    in the catalogue are left out."""
    findings = []
    for record, first_observed in records:
        spec = specs.get(record.rule_id)
        if spec is None:
            continue
        finding = build_finding(
            spec,
            record.resource,
            Verdict(status=record.status, reason=record.reason[:1024], facts=record.facts),
            observed_at=record.observed_at,
            detected=Verdict(status=record.detected_status, reason=record.detected_reason[:1024]),
            cause=record.cause,
            action=record.action,
        )
        finding["FirstObservedAt"] = finding["CreatedAt"] = first_observed.isoformat(
            timespec="milliseconds"
        ).replace("+00:00", "Z")
        name = (account_names or {}).get(record.resource.account_id)
        if name:
            finding.setdefault("AwsAccountName", name)
        findings.append(finding)
    return findings
