"""The account's S3 Block Public Access settings must all be on.

Account-level Block Public Access is the one switch that keeps every bucket in the account from
being made public by a policy or an ACL, whatever its own settings say. AWS logs the S3 Control
calls that change it as `PutAccountPublicAccessBlock` and `DeleteAccountPublicAccessBlock` (event
source `s3.amazonaws.com`); the API's own names, `PutPublicAccessBlock` and
`DeletePublicAccessBlock`, are also the bucket-level spellings, so those reach this rule only when
the event names no bucket.

The setting is global to the account; it is judged in the region the event came from.

Scenarios:
  1. all four settings on                                   -> PASSED
  2. no configuration (DeleteAccountPublicAccessBlock)      -> FAILED, remediation
     s3_block_account_public_access (S6: re-applied)
  3. some settings off (PutAccountPublicAccessBlock)        -> FAILED, names the settings that
     are off and what each lets through
  4. configured with all four off                           -> FAILED, same as 2
"""

from orgwarden.model.public_access import AccountPublicAccess, flags_off
from orgwarden.model.spec import CloudTrail, Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="s3_account_public_access_block",
    title="S3 Block Public Access is on for the whole account",
    description=(
        "All four account-level S3 Block Public Access settings are on, so no bucket in the "
        "account can be made public through a bucket policy or an ACL."
    ),
    resource_type="AwsAccount",
    reads="s3_account_public_access",
    severity=Severity.MEDIUM,
    finding_types=(
        "Software and Configuration Checks/AWS Security Best Practices",
        "Effects/Data Exposure",
    ),
    triggers=(
        CloudTrail(
            service="s3", event_name="PutAccountPublicAccessBlock", ids="recipientAccountId"
        ),
        CloudTrail(
            service="s3", event_name="DeleteAccountPublicAccessBlock", ids="recipientAccountId"
        ),
        # The API names are the bucket-level spellings too: the account only when no bucket.
        CloudTrail(
            service="s3",
            event_name="PutPublicAccessBlock",
            ids="!(requestParameters.bucketName) && recipientAccountId",
        ),
        CloudTrail(
            service="s3",
            event_name="DeletePublicAccessBlock",
            ids="!(requestParameters.bucketName) && recipientAccountId",
        ),
        Periodic(),
    ),
    controls={"aws-fsbp": ("S3.1",), "cis-aws-3.0": ("2.1.4",)},
    remediation="s3_block_account_public_access",
    recommendation=(
        "Turn on all four account-level Block Public Access settings (S3 console > Block Public "
        "Access settings for this account, or s3control put-public-access-block). Serve public "
        "content through CloudFront with origin access control; if an account must host public "
        "buckets, record an exemption with an owner and an expiry."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html"
    ),
)

# What each setting stops, so a reason says what is let through while it is off.
EFFECTS = {
    "BlockPublicAcls": "new public ACLs are accepted",
    "IgnorePublicAcls": "existing public ACLs are honoured",
    "BlockPublicPolicy": "public bucket policies are accepted",
    "RestrictPublicBuckets": "public bucket policies give anonymous access",
}


def evaluate(account: AccountPublicAccess) -> Verdict:
    off = flags_off(account.block)
    facts = {
        "public_access_block": account.block.as_api() if account.block else None,
        "settings_off": off,
    }
    if not off:
        return Verdict(
            status=Status.PASSED,
            reason="All four account-level S3 Block Public Access settings are on.",
            facts=facts,
        )
    where = f"account {account.ref.account_id}"
    if account.block is None or len(off) == len(EFFECTS):
        state = (
            "has no S3 Block Public Access configuration"
            if account.block is None
            else "has all four S3 Block Public Access settings off"
        )
        exposure = "any bucket whose own settings allow it can be made public by a policy or an ACL"
    else:
        state = f"has account-level S3 Block Public Access partly off ({', '.join(off)})"
        exposure = "; ".join(f"{flag} off: {EFFECTS[flag]}" for flag in off)
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"The {where} {state}: {exposure}. Turn all four settings back on "
            "(s3control PutPublicAccessBlock), or record an exemption if the account hosts "
            "public buckets on purpose."
        ),
        facts=facts,
    )
