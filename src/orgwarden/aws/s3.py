"""S3 reads and fixes for the bucket rules."""

import json
from typing import Any

from orgwarden.aws.errors import call
from orgwarden.aws.member import Change, MemberContext, Reader, Remediation
from orgwarden.model.bucket_policy import public_statements
from orgwarden.model.resources import AclGrant, BucketAccess, PublicAccessBlock, ResourceRef

NO_BPA = "NoSuchPublicAccessBlockConfiguration"
NO_POLICY = "NoSuchBucketPolicy"
NO_BUCKET = "NoSuchBucket"
BUCKET_GONE = (NO_BUCKET,)
GET_BUCKET_BLOCK = "s3:GetBucketPublicAccessBlock"
GET_ACCOUNT_BLOCK = "s3:GetAccountPublicAccessBlock"


def read_bucket_access(ctx: MemberContext) -> BucketAccess:
    """Read what decides whether a bucket is public, skipping what cannot change the verdict.

    Block Public Access first, bucket then account: once all four settings are on, nothing in the
    policy or the ACL can make the bucket public, so the rest is not read. A policy that makes
    the bucket public on its own decides the verdict (and the fix blocks ACLs too): the ACL is
    then not read either. A policy in force that orgwarden's analysis finds not public is put
    to S3's own judgement too (GetBucketPolicyStatus, what Block Public Access is built on):
    the second opinion can only make the verdict stricter.
    """
    ref, s3 = ctx.ref, ctx.client("s3")
    bucket_block = read_bucket_block(ctx)
    if bucket_block and bucket_block.fully_on:
        return BucketAccess(ref=ref, bucket_block=bucket_block, account_block=None)
    access = BucketAccess(ref=ref, bucket_block=bucket_block, account_block=read_account_block(ctx))
    if access.effective_block.fully_on:
        return access
    policy = ctx.once(
        "s3:GetBucketPolicy",
        lambda: call(
            "s3:GetBucketPolicy",
            ctx.principal,
            lambda: s3.get_bucket_policy(Bucket=ref.resource_id)["Policy"],
            absent=(NO_POLICY,),
            gone=BUCKET_GONE,
        ),
    )
    document = json.loads(policy) if policy else None
    restricted = access.effective_block.restrict_public_buckets
    if not restricted and public_statements(document):
        return access.model_copy(update={"policy": document})
    status_public = None
    if document is not None and not restricted:
        status = ctx.once(
            "s3:GetBucketPolicyStatus",
            lambda: call(
                "s3:GetBucketPolicyStatus",
                ctx.principal,
                lambda: s3.get_bucket_policy_status(Bucket=ref.resource_id)["PolicyStatus"],
                absent=(NO_POLICY,),
                gone=BUCKET_GONE,
            ),
        )
        status_public = bool(status.get("IsPublic")) if status else None
    acl = ctx.once(
        "s3:GetBucketAcl",
        lambda: call(
            "s3:GetBucketAcl",
            ctx.principal,
            lambda: s3.get_bucket_acl(Bucket=ref.resource_id),
            gone=BUCKET_GONE,
        ),
    )
    return access.model_copy(
        update={
            "policy": document,
            "acl": tuple(_grant(g) for g in (acl or {}).get("Grants", [])),
            "policy_status_public": status_public,
        }
    )


def read_bucket_block(ctx: MemberContext) -> PublicAccessBlock | None:
    """The bucket's own Block Public Access settings (None: none set)."""
    s3 = ctx.client("s3")
    found = ctx.once(
        GET_BUCKET_BLOCK,
        lambda: call(
            GET_BUCKET_BLOCK,
            ctx.principal,
            lambda: s3.get_public_access_block(Bucket=ctx.ref.resource_id)[
                "PublicAccessBlockConfiguration"
            ],
            absent=(NO_BPA,),
            gone=BUCKET_GONE,
        ),
    )
    return PublicAccessBlock.model_validate(found) if found else None


def read_account_block(ctx: MemberContext) -> PublicAccessBlock | None:
    """The account's Block Public Access settings (one fact per account, whatever the region)."""
    account_id, s3control = ctx.ref.account_id, ctx.client("s3control")
    found = ctx.once(
        GET_ACCOUNT_BLOCK,
        lambda: call(
            GET_ACCOUNT_BLOCK,
            ctx.principal,
            lambda: s3control.get_public_access_block(AccountId=account_id)[
                "PublicAccessBlockConfiguration"
            ],
            absent=(NO_BPA,),
        ),
        subject=account_id,
    )
    return PublicAccessBlock.model_validate(found) if found else None


def put_bucket_block(s3: Any, ref: ResourceRef, principal: str, block: PublicAccessBlock) -> None:
    call(
        "s3:PutBucketPublicAccessBlock",
        principal,
        lambda: s3.put_public_access_block(
            Bucket=ref.resource_id,
            PublicAccessBlockConfiguration=block.as_api(),
            ExpectedBucketOwner=ref.account_id,
        ),
        gone=BUCKET_GONE,
    )


def _grant(grant: dict[str, Any]) -> AclGrant:
    grantee = grant.get("Grantee", {})
    grantee_type = grantee.get("Type", "")
    ident = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress") or ""
    return AclGrant(
        grantee_type=grantee_type, grantee=ident, permission=grant.get("Permission", "")
    )


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
            "s3:GetBucketPolicyStatus",
            "s3:GetBucketAcl",
        ),
        read=read_bucket_access,
    ),
)
REMEDIATIONS = (
    # Turn on all four Block Public Access settings of the bucket (policy and ACL untouched).
    Remediation(
        name="s3_block_bucket_public_access",
        permissions=("s3:PutBucketPublicAccessBlock",),
        plan=_plan_block,
        apply=_apply_block,
        changes=(GET_BUCKET_BLOCK,),
    ),
)
