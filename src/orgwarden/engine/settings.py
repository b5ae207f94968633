"""Runtime configuration, read from the environment the template sets (prefix ORGWARDEN_)."""

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orgwarden.model.principals import ArnPattern
from orgwarden.model.spec import Mode


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORGWARDEN_", extra="ignore", frozen=True)

    organization_id: str = Field(default="", pattern=r"^(o-[a-z0-9]{10,32})?$")
    evidence_table: str
    idempotency_table: str
    control_table: str  # fix leases and rate-limit windows
    # A role (in the management account) to read OUs through; unset: this account's own
    # credentials (the management account or a delegated administrator).
    organization_role_arn: str | None = None
    read_role_name: str = "OrgwardenRead"
    remediation_role_name: str = "OrgwardenRemediation"
    finding_writer_role_name: str = "OrgwardenFindingWriter"
    # Per-rule mode overrides, e.g. {"s3_bucket_public_access": "enforce"}; the default is the
    # rule's own `default_mode`.
    modes: dict[str, Mode] = Field(default_factory=dict)
    # The policy file (tags, modes, exemptions, break-glass); the packaged one when unset.
    policy_file: str | None = None
    # Break-glass principals (IAM role or user ARN patterns, as in the policy file) added to the
    # policy file's by the deployment, e.g. ["arn:aws:iam::*:role/emergency/Admin*"]: their
    # changes are reported, never reverted.
    break_glass: tuple[str, ...] = ()
    # The GuardDuty delegated administrator, whose bus delivers findings about every member;
    # unset: findings are accepted only from the account they are about.
    guardduty_administrator_account: str = Field(default="", pattern=r"^(\d{12})?$")

    @field_validator("break_glass")
    @classmethod
    def _break_glass_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            ArnPattern(text)
        return value

    # How long a processed event id is remembered, so redeliveries are not processed twice.
    idempotency_ttl_seconds: int = Field(default=3600, ge=60)
    # Where rejected events, and events that failed on their last allowed receive, are parked
    # with a reason (unset: failures are left to the queue's redrive policy, without one).
    dead_letter_queue_url: str | None = None
    # The evaluation queue's maxReceiveCount: the receive on which a failure is parked.
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    # The evaluation queue, where a sweep task queues the tasks it expands into or hands on.
    evaluation_queue_url: str | None = None

    @property
    def own_role_names(self) -> tuple[str, ...]:
        return (self.read_role_name, self.remediation_role_name, self.finding_writer_role_name)


class SweepSettings(BaseSettings):
    """The sweep producer's configuration (its function's environment)."""

    model_config = SettingsConfigDict(env_prefix="ORGWARDEN_", extra="ignore", frozen=True)

    evaluation_queue_url: str
    organization_role_arn: str | None = None
    # Regions to sweep, e.g. ["us-east-1", "eu-west-1"]; empty: the home region only.
    sweep_regions: list[str] = Field(default_factory=list)
    # Where global listings (buckets) are swept; unset: the function's own region. The template
    # sets it to its HomeRegion parameter, which its Rules hold to the stack's region.
    home_region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")


class ConfigRuleSettings(BaseSettings):
    """The Config custom rule function's configuration (its function's environment)."""

    model_config = SettingsConfigDict(env_prefix="ORGWARDEN_", extra="ignore", frozen=True)

    organization_role_arn: str | None = None
    # The member role the function reads Config and puts evaluations through.
    config_rule_role_name: str = "OrgwardenConfigRule"
    policy_file: str | None = None
