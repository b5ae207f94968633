"""Building ASFF findings from verdicts. Pure: no I/O, no clock (times are passed in)."""

import hashlib
from datetime import datetime
from typing import Any

from orgwarden.model.events import EventContext
from orgwarden.model.evidence import ActionRecord
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import RuleSpec, Severity, Status, Verdict, clip

SCHEMA_VERSION = "2018-10-08"
FIELD_PREFIX = "orgwarden/governance"  # ProductFields keys: <company>/<product>/<key>
# Shown by the Security Hub console beside each finding. Security Hub fills both itself for the
# products it knows; a custom integration (the account's default product) sets them.
COMPANY_NAME = PRODUCT_NAME = "orgwarden"
MAX_ID_LENGTH = 512
MAX_DESCRIPTION = 1024
MAX_FIELD_VALUE = 2048  # keep ProductFields values well under the 240 KB finding limit


def finding_id(spec: RuleSpec, ref: ResourceRef, key: str | None = None) -> str:
    """Deterministic from (rule, account, region, resource): editing a rule keeps its findings.

    `key` replaces the resource for occurrence-scoped findings (`event/<event id>` for a root
    login, `guardduty/<finding id>/<resource>`), so an occurrence is never merged into another.
    """
    subject = key or ref.resource_id
    readable = f"orgwarden/{spec.id}/{ref.account_id}/{ref.region}/{subject}"
    if len(readable) <= MAX_ID_LENGTH:
        return readable
    digest = hashlib.sha256(subject.encode()).hexdigest()
    return f"orgwarden/{spec.id}/{ref.account_id}/{ref.region}/sha256-{digest}"


def product_arn(ref: ResourceRef) -> str:
    """The account's default product: imports must be made from that account and region."""
    return (
        f"arn:{ref.partition}:securityhub:{ref.region}:{ref.account_id}:"
        f"product/{ref.account_id}/default"
    )


def build_finding(
    spec: RuleSpec,
    ref: ResourceRef,
    verdict: Verdict,
    *,
    observed_at: datetime,
    detected: Verdict | None = None,
    cause: EventContext | None = None,
    action: ActionRecord | None = None,
    key: str | None = None,
    notes: list[str] | None = None,
    first_observed_at: datetime | None = None,
) -> dict[str, Any]:
    """The ASFF finding for `verdict` (the final state); `detected` is what the rule first found."""
    detected = detected or verdict
    now = _iso(observed_at)
    gone = verdict.status is Status.NOT_APPLICABLE
    compliance = Status.NOT_AVAILABLE if gone else verdict.status
    # A passing check carries INFORMATIONAL severity, as Security Hub's own controls do.
    severity = detected.severity or spec.severity
    label = Severity.INFORMATIONAL if compliance is Status.PASSED else severity

    fields = {"RuleId": spec.id, "DetectedStatus": detected.status.value}
    if cause:
        fields |= {
            "CauseEventId": cause.event_id,
            "CauseEventName": cause.event_name,
            "CauseEventTime": _iso(cause.event_time),
            "CausePrincipal": cause.principal_arn or cause.principal_type,
            "CauseSourceIp": cause.source_ip or "",
            "CauseUserAgent": cause.user_agent or "",
            "CauseMfaUsed": cause.mfa_used or "",
            "CauseLoginResult": cause.login_result or "",
        }
    if action:
        fields |= {
            "Remediation": action.remediation,
            "RemediationMode": action.mode.value,
            "RemediationOutcome": action.outcome,
            "RemediationActor": action.actor or "",
        }

    if notes:
        fields["Notes"] = "; ".join(notes)
    finding: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(spec, ref, key),
        "ProductArn": product_arn(ref),
        "CompanyName": COMPANY_NAME,
        "ProductName": PRODUCT_NAME,
        "GeneratorId": f"orgwarden/{spec.id}",
        "AwsAccountId": ref.account_id,
        "Region": ref.region,
        "Types": list(spec.finding_types),
        # Kept from the first evaluation: Security Hub's clock for the finding starts there.
        "CreatedAt": _iso(first_observed_at or observed_at),
        "UpdatedAt": now,
        "FirstObservedAt": _iso(first_observed_at or observed_at),
        "LastObservedAt": now,
        "Severity": {"Label": label.value, "Original": severity.value},
        "Title": spec.title,
        "Description": _describe(detected, verdict, action),
        "Remediation": {"Recommendation": _recommendation(spec)},
        "ProductFields": {
            f"{FIELD_PREFIX}/{key}": clip(value, MAX_FIELD_VALUE)
            for key, value in fields.items()
            if value
        },
        "Resources": [
            {
                "Type": spec.resource_type,
                "Id": ref.arn,
                "Partition": ref.partition,
                "Region": ref.region,
            }
        ],
        "Compliance": {
            "Status": compliance.value,
            "RelatedRequirements": spec.related_requirements(),
        },
        "RecordState": "ARCHIVED" if gone else "ACTIVE",
        "FindingProviderFields": {
            "Severity": {"Label": label.value, "Original": severity.value},
            "Types": list(spec.finding_types),
        },
    }
    if compliance is not Status.PASSED and verdict.reason:
        finding["Compliance"]["StatusReasons"] = [
            {
                "ReasonCode": f"ORGWARDEN_{compliance.value}",
                "Description": clip(verdict.reason, 2048),
            }
        ]
    return finding


def _describe(detected: Verdict, verdict: Verdict, action: ActionRecord | None) -> str:
    text = detected.reason
    if action:
        text += f" orgwarden {action.mode.value}: {action.remediation} {action.outcome}:"
        text += f" {action.reason}"
    if verdict is not detected and verdict.reason != detected.reason:
        text += f" Now: {verdict.reason}"
    return clip(text, MAX_DESCRIPTION)


def _recommendation(spec: RuleSpec) -> dict[str, str]:
    recommendation = {"Text": spec.recommendation}
    if spec.recommendation_url:
        recommendation["Url"] = spec.recommendation_url
    return recommendation


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
