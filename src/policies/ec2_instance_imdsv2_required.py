"""EC2 instances must require IMDSv2, or have the instance metadata endpoint disabled.

IMDSv1 answers any GET from the instance, so a server-side request forgery in an application
hands out the instance role's credentials; IMDSv2 requires a session token obtained with a PUT.

Scenarios:
  1. HttpEndpoint disabled                                   -> PASSED
  2. HttpTokens required                                     -> PASSED
  3. HttpTokens optional (RunInstances without options, old
     AMI)                                                    -> FAILED, fix ec2_require_imdsv2
  4. instance terminated or shutting down                    -> NOT_APPLICABLE
  5. HttpTokens optional on an instance an Auto Scaling group
     launched from a launch template                         -> FAILED, fix still applies; the
                                                                group and template are named
                                                                as the root cause
  6. metadata options not reported                           -> FAILED (never assumed compliant)
"""

from typing import Any

from orgwarden.model.imdsv2 import InstanceMetadataOptions
from orgwarden.model.spec import CloudTrail, ConfigItem, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="ec2_instance_imdsv2_required",
    title="EC2 instances require IMDSv2",
    description=(
        "The instance accepts IMDSv1 requests (HttpTokens is optional) while its metadata "
        "endpoint is enabled."
    ),
    resource_type="AwsEc2Instance",
    reads="ec2_instance_metadata_options",
    severity=Severity.HIGH,
    triggers=(
        CloudTrail(
            service="ec2",
            event_name="RunInstances",
            ids="responseElements.instancesSet.items[].instanceId",
        ),
        CloudTrail(
            service="ec2",
            event_name="ModifyInstanceMetadataOptions",
            ids="requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId",
        ),
        ConfigItem(config_type="AWS::EC2::Instance"),
    ),
    controls={"aws-fsbp": ("EC2.8",), "cis-aws-3.0": ("5.6",)},
    remediation="ec2_require_imdsv2",
    recommendation=(
        "Require IMDSv2 on the instance (HttpTokens=required). If an Auto Scaling group or a "
        "launch template launched it, require IMDSv2 in the template too, or replacements will "
        "allow IMDSv1 again. Old SDKs on the instance may need an update first."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html"
    ),
)

GONE_STATES = frozenset({"terminated", "shutting-down"})


def evaluate(instance: InstanceMetadataOptions) -> Verdict:
    facts: dict[str, Any] = {
        "state": instance.state,
        "http_tokens": instance.http_tokens,
        "http_endpoint": instance.http_endpoint,
    }
    if instance.state in GONE_STATES:
        return Verdict(
            status=Status.NOT_APPLICABLE,
            reason=f"The instance is {instance.state}: not judged.",
            facts=facts,
        )
    if instance.http_endpoint == "disabled":
        return Verdict(
            status=Status.PASSED,
            reason="The instance metadata endpoint is disabled (HttpEndpoint=disabled).",
            facts=facts,
        )
    if instance.http_tokens == "required":
        return Verdict(
            status=Status.PASSED, reason="IMDSv2 is required (HttpTokens=required).", facts=facts
        )
    reason = (
        f"IMDSv1 is allowed (HttpTokens={instance.http_tokens})."
        if instance.http_tokens
        else "The instance's metadata options were not reported; IMDSv1 may be allowed."
    )
    source = instance.launched_by
    if source:
        facts["root_cause"] = source.model_dump(exclude_none=True)
        named = []
        if source.auto_scaling_group:
            named.append(f"Auto Scaling group {source.auto_scaling_group}")
        if source.launch_template_id:
            version = source.launch_template_version or "?"
            named.append(f"launch template {source.launch_template_id} version {version}")
        reason += (
            f" Root cause: launched by {' from '.join(named)}; replacements will allow IMDSv1 "
            "until the launch template requires IMDSv2."
        )
    return Verdict(status=Status.FAILED, reason=reason, facts=facts)
