"""The root user has no access keys.

Root access keys give unrestricted, long-lived programmatic access that no SCP can limit in the
management account. The account summary (`AccountAccessKeysPresent`) says whether any exist;
the periodic sweep checks it, since no member event announces root creating a key to us reliably.

Scenarios:
  1. AccountAccessKeysPresent = 1 -> FAILED, no automatic fix (only root can delete them)
  2. AccountAccessKeysPresent = 0 -> PASSED
"""

from orgwarden.model.root import RootCredentials
from orgwarden.model.spec import Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="root_access_keys_absent",
    title="The root user has no access keys",
    description="Access keys exist for the account's root user.",
    resource_type="AwsAccount",
    reads="root_credentials",
    severity=Severity.CRITICAL,
    triggers=(Periodic(),),
    controls={"aws-fsbp": ("IAM.4",), "cis-aws-3.0": ("1.4",)},
    recommendation=(
        "Sign in as root and delete the root user's access keys (Security credentials page); "
        "use IAM roles for programmatic access instead."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html"
    ),
)


def evaluate(credentials: RootCredentials) -> Verdict:
    facts = {"AccountAccessKeysPresent": int(credentials.access_keys_present)}
    if credentials.access_keys_present:
        return Verdict(
            status=Status.FAILED,
            reason=f"The root user of account {credentials.ref.account_id} has access keys.",
            facts=facts,
        )
    return Verdict(status=Status.PASSED, reason="The root user has no access keys.", facts=facts)
