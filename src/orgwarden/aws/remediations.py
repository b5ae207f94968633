"""Fixes, by name. Each is idempotent and says exactly what it will change before it does.

The caller verifies every fix by reading the resource again and re-running the rule.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from orgwarden.aws import s3
from orgwarden.aws.sessions import Sessions
from orgwarden.model.resources import BucketAccess, PublicAccessBlock, ResourceRef


@dataclass(frozen=True)
class Change:
    before: dict[str, Any] | None
    after: dict[str, Any]


class Remediation(Protocol):
    name: str
    permissions: tuple[str, ...]

    def plan(self, state: Any) -> dict[str, Any]: ...

    def apply(self, sessions: Sessions, state: Any, role_name: str) -> Change: ...


class BlockBucketPublicAccess:
    """Turn on all four Block Public Access settings of the bucket (policy and ACL untouched)."""

    name = "s3_block_bucket_public_access"
    permissions = ("s3:PutBucketPublicAccessBlock",)

    def plan(self, state: BucketAccess) -> dict[str, Any]:
        return {
            "api": "s3:PutPublicAccessBlock",
            "bucket": state.ref.resource_id,
            "PublicAccessBlockConfiguration": PublicAccessBlock.all_on().as_api(),
        }

    def apply(self, sessions: Sessions, state: BucketAccess, role_name: str) -> Change:
        ref: ResourceRef = state.ref
        client = sessions.client(
            "s3", account_id=ref.account_id, role_name=role_name, region=ref.region
        )
        target = PublicAccessBlock.all_on()
        s3.put_bucket_block(client, ref, sessions.role_arn(ref.account_id, role_name), target)
        before = state.bucket_block.as_api() if state.bucket_block else None
        return Change(before=before, after=target.as_api())


REMEDIATIONS: dict[str, Remediation] = {r.name: r for r in (BlockBucketPublicAccess(),)}
