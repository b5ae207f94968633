"""Reads for the root usage rules: the root action in the event, and the account summary."""

from orgwarden.aws.errors import call
from orgwarden.aws.member import MemberContext, Reader
from orgwarden.model.events import CloudTrailDetail
from orgwarden.model.root import RootAction, RootCredentials

GET_ACCOUNT_SUMMARY = "iam:GetAccountSummary"


def read_root_action(ctx: MemberContext) -> RootAction:
    """The root action as the event recorded it: nothing is read from the account."""
    detail = ctx.payload
    if not isinstance(detail, CloudTrailDetail):
        raise TypeError(f"root_action reads a CloudTrail event, not {type(detail).__name__}")
    return RootAction(
        ref=ctx.ref,
        event_id=detail.event_id,
        event_name=detail.event_name,
        event_source=detail.event_source,
        event_time=detail.event_time,
        source_ip=detail.source_ip_address,
        user_agent=detail.user_agent,
        mfa_used=(detail.additional_event_data or {}).get("MFAUsed"),
        login_result=(detail.response_elements or {}).get("ConsoleLogin"),
        error_code=detail.error_code,
    )


def read_root_credentials(ctx: MemberContext) -> RootCredentials:
    # IAM is global: its endpoint is us-east-1 whatever region the sweep runs in.
    iam = ctx.client("iam", region="us-east-1")
    # One fact for both root rules (access keys, MFA).
    answer = ctx.once(
        GET_ACCOUNT_SUMMARY,
        lambda: call(GET_ACCOUNT_SUMMARY, ctx.principal, iam.get_account_summary),
    )
    summary = (answer or {}).get("SummaryMap", {})
    return RootCredentials(
        ref=ctx.ref,
        access_keys_present=bool(summary.get("AccountAccessKeysPresent", 0)),
        mfa_enabled=bool(summary.get("AccountMFAEnabled", 0)),
    )


READERS = (
    Reader(name="root_action", permissions=(), read=read_root_action),
    Reader(
        name="root_credentials",
        permissions=("iam:GetAccountSummary",),
        read=read_root_credentials,
    ),
)
