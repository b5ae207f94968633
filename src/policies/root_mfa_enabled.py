"""The root user has MFA enabled.

Read from the account summary (`AccountMFAEnabled`) by the periodic sweep.

Scenarios:
  1. AccountMFAEnabled = 0 -> FAILED, no automatic fix (only root can add an MFA device)
  2. AccountMFAEnabled = 1 -> PASSED
"""

from orgwarden.model.root import RootCredentials
from orgwarden.model.spec import Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="root_mfa_enabled",
    title="The root user has MFA enabled",
    description="The account's root user can sign in without a second factor.",
    resource_type="AwsAccount",
    reads="root_credentials",
    severity=Severity.CRITICAL,
    triggers=(Periodic(),),
    controls={"aws-fsbp": ("IAM.9",), "cis-aws-3.0": ("1.5",)},
    recommendation=(
        "Sign in as root and assign an MFA device (a hardware key or passkey for the root user "
        "of production and management accounts)."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html"
    ),
)


def evaluate(credentials: RootCredentials) -> Verdict:
    facts = {"AccountMFAEnabled": int(credentials.mfa_enabled)}
    if credentials.mfa_enabled:
        return Verdict(status=Status.PASSED, reason="The root user has MFA enabled.", facts=facts)
    return Verdict(
        status=Status.FAILED,
        reason=f"The root user of account {credentials.ref.account_id} has no MFA device.",
        facts=facts,
    )
