"""Resource state as read from a member account: the input of a rule's `evaluate`."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from orgwarden.model.identifiers import AccountId, Partition, Region
from orgwarden.model.resource_types import name_from_arn, resource_arn, resource_id_problem

BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class ResourceRef(BaseModel):
    """Which resource a verdict is about."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    resource_type: str  # ASFF type, e.g. AwsS3Bucket
    resource_id: str
    account_id: AccountId
    region: Region
    partition: Partition = "aws"

    @model_validator(mode="before")
    @classmethod
    def _name_from_arn(cls, data: Any) -> Any:
        # Tagging calls name RDS instances, functions and tables by ARN: keep the name.
        if isinstance(data, dict) and isinstance(data.get("resource_id"), str):
            name = name_from_arn(
                str(data.get("resource_type")),
                data["resource_id"],
                account_id=str(data.get("account_id")),
                region=str(data.get("region")),
            )
            data = {**data, "resource_id": name}
        return data

    @field_validator("resource_id")
    @classmethod
    def _id_format(cls, resource_id: str, info: ValidationInfo) -> str:
        # Identifiers come from events: check their format before any API call sees them. A
        # field validator, not a model one: pydantic runs "after" model validators again each
        # time a reference is put into another model.
        problem = resource_id_problem(str(info.data.get("resource_type")), resource_id)
        if problem:
            raise ValueError(f"{resource_id[:80]!r} {problem}")
        return resource_id

    @property
    def arn(self) -> str:
        return resource_arn(
            self.resource_type,
            self.resource_id,
            partition=self.partition,
            region=self.region,
            account_id=self.account_id,
        )


class PublicAccessBlock(BaseModel):
    """An S3 Block Public Access configuration (bucket or account level)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    block_public_acls: bool = Field(default=False, alias="BlockPublicAcls")
    ignore_public_acls: bool = Field(default=False, alias="IgnorePublicAcls")
    block_public_policy: bool = Field(default=False, alias="BlockPublicPolicy")
    restrict_public_buckets: bool = Field(default=False, alias="RestrictPublicBuckets")

    @classmethod
    def all_on(cls) -> "PublicAccessBlock":
        return cls(
            block_public_acls=True,
            ignore_public_acls=True,
            block_public_policy=True,
            restrict_public_buckets=True,
        )

    @property
    def fully_on(self) -> bool:
        return (
            self.block_public_acls
            and self.ignore_public_acls
            and self.block_public_policy
            and self.restrict_public_buckets
        )

    def combined(self, other: "PublicAccessBlock | None") -> "PublicAccessBlock":
        """S3 applies the most restrictive combination of bucket and account settings."""
        if other is None:
            return self
        return PublicAccessBlock(
            block_public_acls=self.block_public_acls or other.block_public_acls,
            ignore_public_acls=self.ignore_public_acls or other.ignore_public_acls,
            block_public_policy=self.block_public_policy or other.block_public_policy,
            restrict_public_buckets=self.restrict_public_buckets or other.restrict_public_buckets,
        )

    def as_api(self) -> dict[str, bool]:
        return self.model_dump(by_alias=True)


class AclGrant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grantee_type: str  # CanonicalUser | Group | AmazonCustomerByEmail
    grantee: str  # canonical id, group URI or e-mail
    permission: str  # READ | WRITE | READ_ACP | WRITE_ACP | FULL_CONTROL


class BucketAccess(BaseModel):
    """Everything that decides whether a bucket is publicly accessible.

    `policy` and `acl` are None when they were not read because Block Public Access (bucket and
    account combined) already neutralises anything they could grant; `acl` also when the policy
    alone already makes the bucket public (the ACL cannot change that verdict).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef
    bucket_block: PublicAccessBlock | None
    account_block: PublicAccessBlock | None
    policy: dict[str, Any] | None = None
    acl: tuple[AclGrant, ...] | None = None
    # S3's own judgement of the policy (GetBucketPolicyStatus `IsPublic`), asked only when a
    # policy is in force and orgwarden's analysis finds nothing public in it; None: not asked.
    policy_status_public: bool | None = None

    @property
    def effective_block(self) -> PublicAccessBlock:
        return (self.bucket_block or PublicAccessBlock()).combined(self.account_block)
