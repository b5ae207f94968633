"""Security Hub is enabled in the account and region.

There is no FSBP or CIS v3.0 control for this (Security Hub cannot check itself): the rule maps
to no control. While the hub is disabled, findings cannot be imported there at all: in detect
mode this rule's verdict lives in the evidence store only (the evaluator counts the undelivered
finding); in enforce mode the hub is enabled again first, so the finding lands in it.

Controls: none (no Security Hub control covers Security Hub itself).

Scenarios:
  1. the hub is enabled                          -> PASSED
  2. the hub was disabled (DisableSecurityHub)   -> FAILED, fix enables it again
"""

from orgwarden.model.guards import HubState
from orgwarden.model.spec import CloudTrail, Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="securityhub_enabled",
    title="Security Hub is enabled",
    description="Security Hub is not enabled in this account and region.",
    resource_type="AwsAccount",
    reads="securityhub_hub",
    severity=Severity.CRITICAL,
    finding_types=(
        "Software and Configuration Checks/AWS Security Best Practices",
        "TTPs/Defense Evasion",
    ),
    triggers=(
        CloudTrail(
            service="securityhub", event_name="DisableSecurityHub", ids="recipientAccountId"
        ),
        Periodic(),
    ),
    controls={},
    remediation="securityhub_enable_hub",
    recommendation=(
        "Enable Security Hub (through the delegated administrator's central configuration, which "
        "also restores the standards) and find out who disabled it."
    ),
    recommendation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html",
)


def evaluate(state: HubState) -> Verdict:
    if state.enabled:
        return Verdict(
            status=Status.PASSED,
            reason="Security Hub is enabled.",
            facts={"hub_arn": state.hub_arn},
        )
    return Verdict(
        status=Status.FAILED,
        reason=f"Security Hub is not enabled in account {state.ref.account_id} {state.ref.region}.",
        facts={"hub_arn": None},
    )
