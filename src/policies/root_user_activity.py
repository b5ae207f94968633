"""The root user is not used: every root console sign-in and every API call made by root itself
is reported, one finding per event.

Root has unrestricted access and no SCP applies to the management account; day-to-day use is
the thing CIS 1.7 forbids. The facts come from the event (who, from where, with or without
MFA), so nothing is read from the account. Calls that carry `userIdentity.invokedBy` are an AWS
service acting for root and never reach this rule (the catalogue and the EventBridge pattern
both leave them out).

Controls: CIS AWS Foundations v3.0.0 1.7 (no Security Hub control in that standard); Security
Hub control CloudWatch.1 (CIS v1.4.0 1.7 and 4.3: an alarm on root usage), which this rule
answers event by event.

Scenarios:
  1. successful root console sign-in without MFA                       -> FAILED, says no MFA
  2. successful root console sign-in with MFA                          -> FAILED (still root use)
  3. failed root console sign-in (wrong password)                      -> FAILED, an attempt
  4. root API call (RunInstances, CreateBucket)                        -> FAILED, names the call
  5. root API call refused at source (errorCode AccessDenied)          -> FAILED, an attempt
  6. root call with userIdentity.invokedBy (a service acting for root) -> not routed to the rule
"""

from typing import Any

from orgwarden.model.root import RootAction
from orgwarden.model.spec import RootActivity, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="root_user_activity",
    title="The root user is not used for sign-ins or API calls",
    description=(
        "The root user signed in to the console or called an AWS API itself. Each occurrence is "
        "its own finding, carrying the source IP, user agent, MFA use, time and event id."
    ),
    resource_type="AwsAccount",
    reads="root_action",
    severity=Severity.CRITICAL,
    finding_types=(
        "Unusual Behaviors/User",
        "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations",
    ),
    triggers=(RootActivity(),),
    controls={
        "cis-aws-3.0": ("1.7",),
        "cis-aws-1.4": ("1.7", "4.3"),
        "aws-securityhub": ("CloudWatch.1",),
    },
    recommendation=(
        "Confirm with the account owner that this root use was expected (a task that only root "
        "can do). If not, treat the root credentials as compromised: reset the password, "
        "rotate the MFA device, delete any root access keys and review the account's CloudTrail."
    ),
    recommendation_url=("https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html"),
)


def evaluate(action: RootAction) -> Verdict:
    where = f"from {action.source_ip or 'an unknown address'}"
    when = action.event_time.isoformat().replace("+00:00", "Z")
    if action.is_console_login:
        result = (action.login_result or "unknown result").lower()
        mfa = {"Yes": "with MFA", "No": "without MFA"}.get(action.mfa_used or "", "MFA unknown")
        what = f"Root console sign-in ({result}, {mfa})"
        if action.login_result == "Failure":
            what = f"Failed root console sign-in attempt ({mfa})"
    else:
        service = action.event_source.removesuffix(".amazonaws.com")
        what = f"Root API call {service}:{action.event_name}"
        if action.error_code:
            what = f"Root attempted {service}:{action.event_name} (refused: {action.error_code})"
    facts: dict[str, Any] = {
        "account_id": action.ref.account_id,
        "event_id": action.event_id,
        "event_name": action.event_name,
        "event_time": when,
        "source_ip": action.source_ip,
        "user_agent": action.user_agent,
        "mfa_used": action.mfa_used,
        "login_result": action.login_result,
        "error_code": action.error_code,
    }
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"{what} in account {action.ref.account_id} {where} at {when} "
            f"(event {action.event_id})."
        )[:1024],
        facts={k: v for k, v in facts.items() if v is not None},
    )
