"""S3 reads and fixes for the bucket rules."""

import json
from typing import Any

from botocore.exceptions import ClientError

from orgwarden.aws.errors import AccessDenied, ResourceGone, error_code, is_access_denied
from orgwarden.aws.member import Change, MemberContext, Reader, Remediation
from orgwarden.model.bucket_policy import public_statements
from orgwarden.model.resources import AclGrant, BucketAccess, PublicAccessBlock, ResourceRef

NO_BPA = "NoSuchPublicAccessBlockConfiguration"
NO_POLICY = "NoSuchBucketPolicy"
NO_BUCKET = "NoSuchBucket"


def read_bucket_access(s3: Any, s3control: Any, ref: ResourceRef, principal: str) -> BucketAccess:
    """Read what decides whether a bucket is public, skipping what cannot change the verdict.

    Block Public Access first, bucket then account: once all four settings are on, nothing in the
    policy or the ACL can make the bucket public, so the rest is not read. A policy that makes
    the bucket public on its own decides the verdict (and the fix blocks ACLs too): the ACL is
    then not read either.
    """
    bucket = ref.resource_id
    bucket_block = read_bucket_block(s3, ref, principal)
    if bucket_block and bucket_block.fully_on:
        return BucketAccess(ref=ref, bucket_block=bucket_block, account_block=None)
    account_block = _call(
        "s3:GetAccountPublicAccessBlock",
        principal,
        NO_BPA,
        lambda: s3control.get_public_access_block(AccountId=ref.account_id)[
            "PublicAccessBlockConfiguration"
        ],
    )
    access = BucketAccess(
        ref=ref,
        bucket_block=bucket_block,
        account_block=PublicAccessBlock.model_validate(account_block) if account_block else None,
    )
    if access.effective_block.fully_on:
        return access
    policy = _call(
        "s3:GetBucketPolicy",
        principal,
        NO_POLICY,
        lambda: s3.get_bucket_policy(Bucket=bucket)["Policy"],
    )
    document = json.loads(policy) if policy else None
    if not access.effective_block.restrict_public_buckets and public_statements(document):
        return access.model_copy(update={"policy": document})
    acl = _call("s3:GetBucketAcl", principal, None, lambda: s3.get_bucket_acl(Bucket=bucket))
    return access.model_copy(
        update={
            "policy": document,
            "acl": tuple(_grant(g) for g in (acl or {}).get("Grants", [])),
        }
    )


def read_bucket_block(s3: Any, ref: ResourceRef, principal: str) -> PublicAccessBlock | None:
    found = _call(
        "s3:GetBucketPublicAccessBlock",
        principal,
        NO_BPA,
        lambda: s3.get_public_access_block(Bucket=ref.resource_id)[
            "PublicAccessBlockConfiguration"
        ],
    )
    return PublicAccessBlock.model_validate(found) if found else None


def put_bucket_block(s3: Any, ref: ResourceRef, principal: str, block: PublicAccessBlock) -> None:
    _call(
        "s3:PutBucketPublicAccessBlock",
        principal,
        None,
        lambda: s3.put_public_access_block(
            Bucket=ref.resource_id,
            PublicAccessBlockConfiguration=block.as_api(),
            ExpectedBucketOwner=ref.account_id,
        ),
    )


def _grant(grant: dict[str, Any]) -> AclGrant:
    grantee = grant.get("Grantee", {})
    grantee_type = grantee.get("Type", "")
    ident = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress") or ""
    return AclGrant(
        grantee_type=grantee_type, grantee=ident, permission=grant.get("Permission", "")
    )


def _call(operation: str, principal: str, absent_code: str | None, call: Any) -> Any:
    """Run one S3 call; `absent_code` means "not configured" and yields None."""
    try:
        return call()
    except ClientError as error:
        code = error_code(error)
        if absent_code and code == absent_code:
            return None
        if code == NO_BUCKET:
            raise ResourceGone(f"bucket does not exist ({operation})") from error
        if is_access_denied(error):
            raise AccessDenied(operation, principal, str(error)) from error
        raise


def _read_access(ctx: MemberContext) -> BucketAccess:
    return read_bucket_access(ctx.client("s3"), ctx.client("s3control"), ctx.ref, ctx.principal)


def _plan_block(state: BucketAccess) -> dict[str, Any]:
    return {
        "api": "s3:PutPublicAccessBlock",
        "bucket": state.ref.resource_id,
        "PublicAccessBlockConfiguration": PublicAccessBlock.all_on().as_api(),
    }


def _apply_block(ctx: MemberContext, state: BucketAccess) -> Change:
    target = PublicAccessBlock.all_on()
    put_bucket_block(ctx.client("s3"), ctx.ref, ctx.principal, target)
    before = state.bucket_block.as_api() if state.bucket_block else None
    return Change(before=before, after=target.as_api())


READERS = (
    Reader(
        name="s3_bucket_access",
        permissions=(
            "s3:GetBucketPublicAccessBlock",
            "s3:GetAccountPublicAccessBlock",
            "s3:GetBucketPolicy",
            "s3:GetBucketAcl",
        ),
        read=_read_access,
    ),
)
REMEDIATIONS = (
    # Turn on all four Block Public Access settings of the bucket (policy and ACL untouched).
    Remediation(
        name="s3_block_bucket_public_access",
        permissions=("s3:PutBucketPublicAccessBlock",),
        plan=_plan_block,
        apply=_apply_block,
    ),
)
