"""Episodes as OCSF Compliance Findings (class 2003, OCSF 1.5.0, the `cloud` profile), built with
Prowler's OCSF models (`py-ocsf-models`): what Amazon Security Lake and other OCSF consumers read.

One finding per episode: `finding_info.uid` is the finding id with the episode's opening, so a
finding that failed twice is two OCSF findings; `status_id` is New while the episode is open and
Resolved once it closed; `compliance.status_id` is the latest verdict (Pass, Fail, Warning). The
cause (who made the change) and the closer go in `unmapped`, as OCSF has no attribute for them on
this class.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from py_ocsf_models.events.findings.activity_id import ActivityID
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.events.findings.compliance_finding_type_id import ComplianceFindingTypeID
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.events.findings.status_id import StatusID
from py_ocsf_models.objects.account import Account, TypeID
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.compliance import Compliance
from py_ocsf_models.objects.compliance_status import StatusID as ComplianceStatusID
from py_ocsf_models.objects.finding_info import FindingInformation
from py_ocsf_models.objects.metadata import Metadata
from py_ocsf_models.objects.product import Product
from py_ocsf_models.objects.remediation import Remediation
from py_ocsf_models.objects.resource_details import ResourceDetails

from orgwarden.audit.episodes import Episode
from orgwarden.audit.rows import episode_row
from orgwarden.model.evidence_items import stamp
from orgwarden.model.spec import RuleSpec, Severity, Status

SEVERITIES = {
    Severity.INFORMATIONAL: SeverityID.Informational,
    Severity.LOW: SeverityID.Low,
    Severity.MEDIUM: SeverityID.Medium,
    Severity.HIGH: SeverityID.High,
    Severity.CRITICAL: SeverityID.Critical,
}
COMPLIANCE = {
    Status.PASSED: ComplianceStatusID.Pass,
    Status.FAILED: ComplianceStatusID.Fail,
    Status.WARNING: ComplianceStatusID.Warning,
    Status.NOT_AVAILABLE: ComplianceStatusID.Unknown,
    Status.NOT_APPLICABLE: ComplianceStatusID.Other,
}


class CloudComplianceFinding(ComplianceFinding):
    """A Compliance Finding with the `cloud` profile's attribute (the account and region)."""

    cloud: Cloud


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _version() -> str:
    try:
        return version("orgwarden")
    except PackageNotFoundError:
        return "unknown"


def compliance_finding(found: Episode, spec: RuleSpec | None, now: datetime) -> dict[str, Any]:
    """One episode as an OCSF Compliance Finding, as JSON-ready data."""
    latest = found.latest
    closed = found.closure
    last_seen = closed.at if closed else latest.observed_at
    requirements = list(found.controls)
    row = episode_row(found, now)
    finding = CloudComplianceFinding(
        activity_id=ActivityID.Close if closed else ActivityID.Create,
        activity_name="Close" if closed else "Create",
        type_uid=ComplianceFindingTypeID.Close if closed else ComplianceFindingTypeID.Create,
        type_name=f"Compliance Finding: {'Close' if closed else 'Create'}",
        severity_id=SEVERITIES[found.severity],
        severity=found.severity.value.title(),
        status_id=StatusID.Resolved if closed else StatusID.New,
        status="Resolved" if closed else "New",
        time=_ms(latest.observed_at),
        start_time=_ms(found.opened_at),
        end_time=_ms(last_seen),
        message=(closed.reason if closed else latest.reason)[:1024],
        metadata=Metadata(
            product=Product(name="orgwarden", vendor_name="orgwarden", version=_version()),
            profiles=["cloud"],
            uid=f"{found.finding_id}#{stamp(found.opened_at)}",
        ),
        finding_info=FindingInformation(
            uid=f"{found.finding_id}#{stamp(found.opened_at)}",
            title=spec.title if spec else found.rule_id,
            desc=found.opened_reason[:1024],
            created_time=_ms(found.opened_at),
            first_seen_time=_ms(found.opened_at),
            last_seen_time=_ms(last_seen),
            modified_time=_ms(latest.observed_at),
            types=list(spec.finding_types) if spec else None,
        ),
        compliance=Compliance(
            control=found.rule_id,
            requirements=requirements,
            standards=sorted({r.split(" ", 1)[0] for r in requirements}),
            status_id=COMPLIANCE[found.status],
        ),
        resources=[
            ResourceDetails(
                uid=latest.resource.resource_id,
                type=latest.resource.resource_type,
                region=found.region,
                cloud_partition=latest.resource.partition,
            )
        ],
        cloud=Cloud(
            provider="AWS",
            region=found.region,
            account=Account(
                name=found.account_id, uid=found.account_id, type_id=TypeID.AWS_Account
            ),
        ),
        remediation=Remediation(
            desc=spec.recommendation,
            references=[spec.recommendation_url] if spec.recommendation_url else None,
        )
        if spec
        else None,
        unmapped={
            key: row[key]
            for key in (
                "opened_by",
                "opened_from_ip",
                "opened_event_name",
                "opened_event_id",
                "closed_by",
                "closed_how",
                "closed_mode",
                "closed_remediation",
                "closed_event_name",
                "closed_event_id",
                "open_for_seconds",
            )
            if row[key] is not None
        },
    )
    data: dict[str, Any] = finding.model_dump(mode="json", exclude_none=True)
    return data


def compliance_findings(
    episodes: Iterable[Episode], specs: Mapping[str, RuleSpec], now: datetime
) -> list[dict[str, Any]]:
    return [compliance_finding(e, specs.get(e.rule_id), now) for e in episodes]
