"""EBS encryption by default must be on in every account and region.

With it on, every new volume (and every snapshot copy) in the region is encrypted, whatever the
caller asks for; it does not touch existing volumes. The setting is per account and per region,
so the finding is about the account in the event's region.

Scenarios:
  1. encryption by default on                               -> PASSED
  2. encryption by default off (DisableEbsEncryptionByDefault,
     or never turned on)                                    -> FAILED, remediation
     ec2_enable_ebs_encryption_by_default (S8)
"""

from orgwarden.model.encryption import EbsDefaultEncryption
from orgwarden.model.spec import CloudTrail, Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="ebs_encryption_by_default",
    title="EBS encryption by default is on in every region",
    description=(
        "EBS encryption by default is on for the account in the region, so every new volume is "
        "encrypted."
    ),
    resource_type="AwsAccount",
    reads="ebs_default_encryption",
    severity=Severity.MEDIUM,
    triggers=(
        CloudTrail(
            service="ec2", event_name="DisableEbsEncryptionByDefault", ids="recipientAccountId"
        ),
        CloudTrail(
            service="ec2", event_name="EnableEbsEncryptionByDefault", ids="recipientAccountId"
        ),
        Periodic(),
    ),
    controls={"aws-fsbp": ("EC2.7",), "cis-aws-3.0": ("2.2.1",)},
    remediation="ec2_enable_ebs_encryption_by_default",
    recommendation=(
        "Turn on EBS encryption by default in this region (EC2 console > Account attributes > "
        "Data protection and security, or ec2 enable-ebs-encryption-by-default). Existing "
        "unencrypted volumes are not changed: the ebs_volume_encrypted rule lists them."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html"
    ),
)


def evaluate(setting: EbsDefaultEncryption) -> Verdict:
    facts = {"ebs_encryption_by_default": setting.enabled}
    ref = setting.ref
    if setting.enabled:
        return Verdict(
            status=Status.PASSED,
            reason=f"EBS encryption by default is on in {ref.region}.",
            facts=facts,
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"EBS encryption by default is off for account {ref.account_id} in {ref.region}: "
            "new volumes there are created unencrypted unless the caller asks for encryption. "
            "Turn it on (ec2 EnableEbsEncryptionByDefault); existing volumes are not changed."
        ),
        facts=facts,
    )
