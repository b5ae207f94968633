"""An account's instance metadata defaults in each region must require IMDSv2.

The account-level default (ModifyInstanceMetadataDefaults) applies to instances launched
without explicit metadata options, so it keeps new instances compliant before the per-instance
rule has to act.

Controls: none. Security Hub has no control for the account-level default (EC2.8 judges each
instance), and CIS AWS Foundations v3.0 5.6 also speaks of instances.

Scenarios:
  1. HttpTokens default required                    -> PASSED
  2. HttpEndpoint default disabled                  -> PASSED (no metadata service at all)
  3. no default set, or HttpTokens optional or
     no-preference                                  -> FAILED, fix ec2_require_imdsv2_by_default
  4. the default is managed by a declarative policy -> FAILED, the reason says to change it
                                                       there (an account-level change is
                                                       overridden by it)
"""

from orgwarden.model.imdsv2 import InstanceMetadataDefaults
from orgwarden.model.spec import CloudTrail, Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="ec2_metadata_defaults_imdsv2",
    title="The account's regional instance metadata defaults require IMDSv2",
    description=(
        "Instances launched in this account and region without metadata options accept IMDSv1 "
        "by default."
    ),
    resource_type="AwsAccount",
    reads="ec2_instance_metadata_defaults",
    severity=Severity.MEDIUM,
    triggers=(
        CloudTrail(
            service="ec2", event_name="ModifyInstanceMetadataDefaults", ids="recipientAccountId"
        ),
        Periodic(),
    ),
    controls={},
    remediation="ec2_require_imdsv2_by_default",
    recommendation=(
        "Set the account's instance metadata default to HttpTokens=required in every region "
        "(or enforce it organization-wide with an EC2 declarative policy)."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html"
    ),
)


def evaluate(defaults: InstanceMetadataDefaults) -> Verdict:
    facts = defaults.model_dump(include={"http_tokens", "http_endpoint", "managed_by"})
    region = defaults.ref.region
    if defaults.http_tokens == "required":
        return Verdict(
            status=Status.PASSED,
            reason=f"New instances in {region} require IMDSv2 by default.",
            facts=facts,
        )
    if defaults.http_endpoint == "disabled":
        return Verdict(
            status=Status.PASSED,
            reason=f"New instances in {region} have the metadata endpoint disabled by default.",
            facts=facts,
        )
    setting = defaults.http_tokens or "not set"
    reason = f"New instances in {region} accept IMDSv1 by default (HttpTokens default: {setting})."
    if defaults.managed_by == "declarative-policy":
        reason += " The default is managed by a declarative policy: change it there."
    return Verdict(status=Status.FAILED, reason=reason, facts=facts)
