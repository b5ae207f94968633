"""How a rule is declared: a `RuleSpec` (data) plus a pure `evaluate` function.

Everything the platform derives from a rule (EventBridge patterns, IAM permissions, the finding's
controls and text, the reference table) is read from the spec, never from rule code.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"


class Severity(StrEnum):
    INFORMATIONAL = "INFORMATIONAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class Status(StrEnum):
    """A verdict's outcome. The first four are ASFF `Compliance.Status` values."""

    PASSED = "PASSED"
    WARNING = "WARNING"
    FAILED = "FAILED"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    # The resource is gone or out of scope: the finding is archived, not judged.
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Mode(StrEnum):
    """What the service may do about a FAILED verdict for a rule."""

    OFF = "off"  # not evaluated at all
    DETECT = "detect"  # evaluate and report; never change anything
    DRY_RUN = "dry-run"  # also decide and record the exact change, without making it
    ENFORCE = "enforce"  # make the change, then verify it


class CloudTrail(BaseModel):
    """A CloudTrail management event that triggers a rule.

    `ids` is a JMESPath expression over the event's `detail` that yields the resource id (or a
    list of them). An event for which it yields nothing is not about this rule's resource.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["cloudtrail"] = "cloudtrail"
    service: str
    event_name: str
    ids: str
    # The call also acts on kinds of resources no rule judges (CreateTags on a snapshot): an
    # event for which `ids` yields nothing is then ignored, not rejected as malformed.
    other_resources: bool = False

    @property
    def source(self) -> str:
        return f"aws.{self.service}"

    @property
    def event_source(self) -> str:
        return f"{self.service}.amazonaws.com"


class ConfigItem(BaseModel):
    """An AWS Config configuration item change for a resource type (e.g. AWS::EC2::Instance)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["config"] = "config"
    config_type: str = Field(pattern=r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$")
    # Config names most resources by `resourceId`; some (RDS instances) by `resourceName`.
    id_field: Literal["resourceId", "resourceName"] = "resourceId"


class GuardDutyFinding(BaseModel):
    """A GuardDuty finding whose type starts with one of `type_prefixes`.

    A rule with no prefixes receives every finding type that no other rule claims, so an unknown
    type is still recorded, never dropped.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["guardduty"] = "guardduty"
    type_prefixes: tuple[str, ...] = ()
    # JMESPath over the finding (`detail`) yielding the affected resource's id(s).
    ids: str = "accountId"


class RootActivity(BaseModel):
    """A console sign-in or an API call by the root user, not made by a service on its behalf."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["root"] = "root"


class Periodic(BaseModel):
    """Evaluated by the periodic sweep, for state that no event announces (e.g. root keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["periodic"] = "periodic"


Trigger = CloudTrail | ConfigItem | GuardDutyFinding | RootActivity | Periodic


class RuleSpec(BaseModel):
    """The declaration of one rule. `id` equals the rule's module name (checked at load)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]+$")
    title: str = Field(max_length=256)
    description: str = Field(max_length=1024)
    resource_type: str  # the ASFF resource type, e.g. AwsS3Bucket
    # The reader (in orgwarden.aws.readers) that builds `evaluate`'s input for one resource.
    reads: str
    severity: Severity
    finding_types: tuple[str, ...] = (
        "Software and Configuration Checks/AWS Security Best Practices",
    )
    triggers: tuple[Trigger, ...]
    controls: Mapping[str, tuple[str, ...]]
    remediation: str | None = None  # a verb, e.g. s3_block_bucket_public_access
    # Further fixes a verdict may call for instead of `remediation` (`Verdict.remediation`),
    # e.g. stopping an instance once its grace period is over.
    escalations: tuple[str, ...] = ()
    recommendation: str = Field(max_length=512)
    recommendation_url: str | None = None
    default_mode: Mode = Mode.DETECT

    @field_validator("finding_types")
    @classmethod
    def _asff_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for finding_type in value:
            if not 1 <= finding_type.count("/") <= 2:
                raise ValueError(
                    f"finding type {finding_type!r} is not namespace/category[/classifier]"
                )
        return value

    def related_requirements(self) -> list[str]:
        """ASFF `Compliance.RelatedRequirements`: one entry per control, framework first."""
        return [
            f"{framework} {control}" for framework, ids in self.controls.items() for control in ids
        ]


# A verdict's reason fits a finding's Description (ASFF: 1024 characters).
REASON_LIMIT = 1024


def clip(text: str, limit: int = REASON_LIMIT) -> str:
    """`text` within `limit` characters: a longer text is cut and ends with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Verdict(BaseModel):
    """What a rule concluded about one resource, and why, in words on-call can act on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Status
    reason: str = Field(max_length=REASON_LIMIT)
    # Facts behind the verdict (offending statements, grants, settings), kept in the evidence.
    facts: Mapping[str, Any] = Field(default_factory=dict)
    # Set when the severity comes from the evidence (a GuardDuty finding's own severity).
    severity: Severity | None = None
    # One of the rule's `escalations` when the state calls for it instead of its `remediation`.
    remediation: str | None = None
    # False when the rule's fix cannot apply to this state (a deleted trail cannot be started):
    # the verdict stays FAILED with the recommendation, and nothing is attempted.
    remediable: bool = True
    # The IAM principal (a role's or user's ARN, with its path) the fix would change, when the
    # fix changes a principal: the same guards as for the principal behind a change apply to it
    # (never orgwarden's own roles, never a break-glass principal).
    acts_on: str | None = None
