"""Encryption state as read from a member account: the input of the encryption rules."""

from pydantic import BaseModel, ConfigDict

from orgwarden.model.resources import ResourceRef

# S3 default encryption algorithms that use AWS KMS (SSE-KMS and dual-layer DSSE-KMS).
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef


class BucketEncryption(_State):
    """A bucket's default encryption, and what the policy file requires of it.

    `algorithm` is None when the bucket has no default encryption configuration.
    `required_kms_key_id` is the policy file's `remediation.s3_kms_key_id`: when set, SSE-KMS is
    required and the fix uses that key.
    """

    algorithm: str | None
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False
    required_kms_key_id: str | None = None

    @property
    def uses_kms(self) -> bool:
        return self.algorithm in KMS_ALGORITHMS


class EbsDefaultEncryption(_State):
    """Whether new EBS volumes in one account and region are encrypted by default."""

    enabled: bool


class VolumeEncryption(_State):
    encrypted: bool
    kms_key_id: str | None = None
    state: str  # creating | available | in-use | deleting | deleted | error
    size_gib: int
    # Instance ids the volume is attached to (several with Multi-Attach).
    attached_to: tuple[str, ...] = ()


class DbStorageEncryption(_State):
    encrypted: bool
    kms_key_id: str | None = None
    engine: str
    status: str  # available | creating | modifying | deleting | ...
