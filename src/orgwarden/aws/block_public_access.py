"""S3 Block Public Access reads and fixes for the account rule and the bucket-settings rule.

The account's settings are read and written through S3 Control; a bucket's own settings through
S3, with the fix shared with `s3_bucket_public_access` (`s3_block_bucket_public_access`).
"""

from typing import Any

from orgwarden.aws import s3
from orgwarden.aws.errors import call
from orgwarden.aws.member import Change, MemberContext, Reader, Remediation
from orgwarden.model.public_access import AccountPublicAccess
from orgwarden.model.resources import BucketAccess, PublicAccessBlock


def _read_account(ctx: MemberContext) -> AccountPublicAccess:
    return AccountPublicAccess(ref=ctx.ref, block=s3.read_account_block(ctx))


def _read_bucket_settings(ctx: MemberContext) -> BucketAccess:
    """The bucket's own settings; the account's only when the bucket's are not all on (they
    do not change the verdict, but tell on-call whether the bucket is exposed meanwhile)."""
    bucket_block = s3.read_bucket_block(ctx)
    if bucket_block and bucket_block.fully_on:
        return BucketAccess(ref=ctx.ref, bucket_block=bucket_block, account_block=None)
    account_block = s3.read_account_block(ctx)
    return BucketAccess(ref=ctx.ref, bucket_block=bucket_block, account_block=account_block)


def _plan_account_block(state: AccountPublicAccess) -> dict[str, Any]:
    return {
        "api": "s3control:PutPublicAccessBlock",
        "account": state.ref.account_id,
        "PublicAccessBlockConfiguration": PublicAccessBlock.all_on().as_api(),
    }


def _apply_account_block(ctx: MemberContext, state: AccountPublicAccess) -> Change:
    target = PublicAccessBlock.all_on()
    control = ctx.client("s3control")
    call(
        "s3:PutAccountPublicAccessBlock",
        ctx.principal,
        lambda: control.put_public_access_block(
            AccountId=ctx.ref.account_id, PublicAccessBlockConfiguration=target.as_api()
        ),
    )
    return Change(before=state.block.as_api() if state.block else None, after=target.as_api())


READERS = (
    Reader(
        name="s3_account_public_access",
        permissions=("s3:GetAccountPublicAccessBlock",),
        read=_read_account,
    ),
    Reader(
        name="s3_bucket_block_public_access",
        permissions=("s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
        read=_read_bucket_settings,
    ),
)
REMEDIATIONS = (
    # Turn on all four Block Public Access settings for the whole account (every bucket).
    Remediation(
        name="s3_block_account_public_access",
        permissions=("s3:PutAccountPublicAccessBlock",),
        plan=_plan_account_block,
        apply=_apply_account_block,
        changes=(s3.GET_ACCOUNT_BLOCK,),
    ),
)
