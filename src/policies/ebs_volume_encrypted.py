"""EBS volumes must be encrypted.

EBS cannot encrypt a volume in place: the fix is a snapshot, an encrypted copy of it, a new volume
from the copy and a cut-over, which only the owner can schedule. So this rule detects and
recommends; it never changes a volume.

FSBP EC2.3 judges attached volumes only; this rule also fails an unattached one, because a new
volume is the cheapest moment to replace it (before data is written to it). The reason says
whether it is attached.

Scenarios:
  1. encrypted volume                                       -> PASSED, names the key
  2. unencrypted volume, unattached (CreateVolume)          -> FAILED, recommends replacing it
     now, before data is written (S8)
  3. unencrypted volume attached to an instance             -> FAILED, names the instance and the
     copy-and-swap steps
  4. volume deleting or deleted                             -> NOT_APPLICABLE
"""

from orgwarden.model.encryption import VolumeEncryption
from orgwarden.model.spec import CloudTrail, ConfigItem, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="ebs_volume_encrypted",
    title="EBS volumes are encrypted",
    description="The EBS volume is encrypted at rest.",
    resource_type="AwsEc2Volume",
    reads="ebs_volume",
    severity=Severity.MEDIUM,
    triggers=(
        CloudTrail(service="ec2", event_name="CreateVolume", ids="responseElements.volumeId"),
        ConfigItem(config_type="AWS::EC2::Volume"),
    ),
    controls={"aws-fsbp": ("EC2.3",)},
    remediation=None,
    recommendation=(
        "EBS cannot encrypt a volume in place. Snapshot the volume, copy the snapshot with "
        "encryption on (ec2 copy-snapshot --encrypted), create a volume from the copy, and swap "
        "it in during a maintenance window; then delete the old volume and its snapshot. Turn on "
        "EBS encryption by default so new volumes are encrypted."
    ),
    recommendation_url="https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
)

GONE_STATES = ("deleting", "deleted")


def evaluate(volume: VolumeEncryption) -> Verdict:
    facts = {
        "encrypted": volume.encrypted,
        "kms_key_id": volume.kms_key_id,
        "state": volume.state,
        "size_gib": volume.size_gib,
        "attached_to": list(volume.attached_to),
    }
    vol = volume.ref.resource_id
    if volume.state in GONE_STATES:
        return Verdict(
            status=Status.NOT_APPLICABLE, reason=f"Volume {vol} is {volume.state}.", facts=facts
        )
    if volume.encrypted:
        key = volume.kms_key_id or "the account's default EBS key"
        return Verdict(
            status=Status.PASSED, reason=f"Volume {vol} is encrypted with {key}.", facts=facts
        )
    if volume.attached_to:
        where = f"attached to {', '.join(volume.attached_to)}"
        steps = (
            "Schedule a replacement: snapshot it, copy the snapshot with encryption on, create a "
            "volume from the copy, stop the instance, swap the volumes and start it again"
        )
    else:
        where = "not attached to any instance"
        steps = (
            "Replace it now, before data is written: delete it and create it again with "
            "encryption on (or snapshot it and copy the snapshot with encryption on if it "
            "already holds data)"
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"Volume {vol} ({volume.size_gib} GiB, {where}) is not encrypted, and EBS cannot "
            f"encrypt it in place. {steps}. orgwarden does not change volumes. Turn on EBS "
            f"encryption by default in {volume.ref.region} so new volumes are encrypted."
        ),
        facts=facts,
    )
