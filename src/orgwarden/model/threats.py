"""State for the GuardDuty threat rules: the finding as delivered, and the containment state of
the resource it names (read from the account, so a repeated finding sees what was done)."""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from orgwarden.model.events import GuardDutyDetail
from orgwarden.model.resources import BucketAccess, ResourceRef
from orgwarden.model.spec import Severity

# GuardDuty's documented bands (Severity levels of GuardDuty findings): low 1.0-3.9, medium
# 4.0-6.9, high 7.0-8.9, critical 9.0-10.0. Lower bounds, highest first.
SEVERITY_BANDS = (
    (9.0, Severity.CRITICAL),
    (7.0, Severity.HIGH),
    (4.0, Severity.MEDIUM),
    (1.0, Severity.LOW),
)


def severity_label(value: float) -> Severity:
    """The ASFF label for a GuardDuty severity value (0, reserved, is informational)."""
    for lower, label in SEVERITY_BANDS:
        if value >= lower:
            return label
    return Severity.INFORMATIONAL


class GuardDutyFindingFacts(BaseModel):
    """What the rules keep of a GuardDuty finding: enough to name it, rank it and tell a repeat
    (same id, growing count, later updatedAt) from a new occurrence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    finding_id: str
    finding_type: str
    severity: float
    title: str
    count: int
    resource_role: str | None
    created_at: datetime
    updated_at: datetime
    first_seen: str | None
    last_seen: str | None

    @classmethod
    def of(cls, detail: GuardDutyDetail) -> "GuardDutyFindingFacts":
        service = detail.service
        count = service.get("count")
        role = service.get("resourceRole")
        return cls(
            finding_id=detail.id,
            finding_type=detail.type,
            severity=detail.severity,
            title=detail.title,
            count=count if isinstance(count, int) else 1,
            resource_role=role if isinstance(role, str) else None,
            created_at=detail.created_at,
            updated_at=detail.updated_at,
            first_seen=_text(service.get("eventFirstSeen")),
            last_seen=_text(service.get("eventLastSeen")),
        )

    @property
    def label(self) -> Severity:
        return severity_label(self.severity)

    @property
    def activity_until(self) -> datetime:
        """The last moment GuardDuty saw the activity (`eventLastSeen`; else `updatedAt`)."""
        if self.last_seen:
            try:
                seen = datetime.fromisoformat(self.last_seen)
            except ValueError:
                return self.updated_at
            return seen if seen.tzinfo else seen.replace(tzinfo=UTC)
        return self.updated_at

    def summary(self) -> str:
        return (
            f"GuardDuty {self.finding_type} (severity {self.severity:g}, {self.label.value}, "
            f"finding {self.finding_id}, seen {self.count} time(s))"
        )

    def as_facts(self) -> dict[str, Any]:
        return {
            "guardduty_finding_id": self.finding_id,
            "guardduty_type": self.finding_type,
            "guardduty_severity": self.severity,
            "guardduty_title": self.title,
            "guardduty_count": self.count,
            "guardduty_resource_role": self.resource_role,
            "guardduty_updated_at": self.updated_at.isoformat(),
        }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class NetworkInterface(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    interface_id: str
    group_ids: tuple[str, ...]


class InstanceContainment(BaseModel):
    """An instance named by a GuardDuty finding, and whether it is already quarantined."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef
    finding: GuardDutyFindingFacts
    state: str  # pending | running | stopping | stopped | shutting-down | terminated
    vpc_id: str | None
    interfaces: tuple[NetworkInterface, ...]
    volume_ids: tuple[str, ...]
    # The policy file's quarantine group in the instance's VPC, if it exists yet.
    quarantine_group_name: str
    quarantine_group_id: str | None
    # The GuardDuty finding id the instance was quarantined for (our tag), if any.
    quarantine_tag: str | None

    @property
    def isolated(self) -> bool:
        """Every interface carries exactly the quarantine group."""
        return (
            self.quarantine_group_id is not None
            and bool(self.interfaces)
            and all(i.group_ids == (self.quarantine_group_id,) for i in self.interfaces)
        )


AccessKeyStatus = Literal["Active", "Inactive", "Absent"]
# The inline policy the IAM console's "Revoke active sessions" attaches to a role (IAM user
# guide, "Revoking IAM role temporary security credentials").
REVOKE_SESSIONS_POLICY = "AWSRevokeOlderSessions"


class RoleSessions(BaseModel):
    """The role whose temporary credentials a GuardDuty finding names, and how far back its
    sessions are revoked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    arn: str  # arn:<partition>:iam::<account>:role<path><name>
    name: str
    path: str
    # The `aws:TokenIssueTime` before which the role's revocation policy denies everything, or
    # None when the role has no such policy.
    revoked_before: datetime | None

    @property
    def service_linked(self) -> bool:
        # IAM user guide: "You cannot revoke the session for a service-linked role."
        return self.path.startswith("/aws-service-role/")


class AccessKeyContainment(BaseModel):
    """An access key named by a GuardDuty finding, and its status now."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef
    finding: GuardDutyFindingFacts
    user_type: str  # IAMUser | Root | AssumedRole | FederatedUser | ...
    user_name: str | None
    status: AccessKeyStatus | None  # None: not readable as an IAM user's key (root, a session)
    # For a role session's key (AssumedRole): the role, as IAM names it (with its path), or None
    # when the role no longer exists or the finding names none.
    role: RoleSessions | None = None


class BucketContainment(BucketAccess):
    """A bucket named by a GuardDuty S3 finding. It is a `BucketAccess`, so the bucket fix
    (`s3_block_bucket_public_access`) applies to it unchanged."""

    finding: GuardDutyFindingFacts


class RecordedFinding(BaseModel):
    """A GuardDuty finding no other rule claims: kept with its type and severity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef  # the account
    finding: GuardDutyFindingFacts
    resource_type: str | None
