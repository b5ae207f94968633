"""S3 Block Public Access state at account level: the input of the account rule.

The bucket-level rule reads `orgwarden.model.resources.BucketAccess` (without the policy and ACL),
so that it shares the bucket fix with `s3_bucket_public_access`.
"""

from pydantic import BaseModel, ConfigDict

from orgwarden.model.resources import BPA_FLAGS, PublicAccessBlock, ResourceRef


class AccountPublicAccess(BaseModel):
    """An account's S3 Block Public Access settings; `block` is None when none are set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef
    block: PublicAccessBlock | None


def flags_off(block: PublicAccessBlock | None) -> list[str]:
    """The Block Public Access settings that are off, by their API names."""
    settings = block.as_api() if block else dict.fromkeys(BPA_FLAGS, False)
    return [flag for flag in BPA_FLAGS if not settings[flag]]
