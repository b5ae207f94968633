"""What the tampering rules' test files share (cloudtrail_logging_enabled,
guardduty_detector_enabled, config_recorder_enabled, securityhub_enabled): the member account
judged, and what the decision does with a verdict in enforce mode."""

from orgwarden.engine.decision import Act, Guards, decide
from orgwarden.model.principals import identity_of
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Verdict

MEMBER = "111122223333"
REF = ResourceRef(
    resource_type="AwsAccount", resource_id=MEMBER, account_id=MEMBER, region="eu-west-1"
)


def enforced(spec_module: object, verdict: Verdict) -> Act:
    return decide(
        spec_module.SPEC,  # type: ignore[attr-defined]
        verdict,
        Guards(
            mode=Mode.ENFORCE,
            principal_arn=f"arn:aws:sts::{MEMBER}:assumed-role/PlatformAdmin/mallory",
            identity=identity_of(
                f"arn:aws:sts::{MEMBER}:assumed-role/PlatformAdmin/mallory",
                f"arn:aws:iam::{MEMBER}:role/PlatformAdmin",
            ),
            own_roles=(f"arn:aws:iam::{MEMBER}:role/OrgwardenRemediation",),
            resource_account=MEMBER,
        ),
    ).act
