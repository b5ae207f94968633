"""Every reader, by name: what builds a rule's `evaluate` input (`RuleSpec.reads`)."""

from orgwarden.aws import (
    block_public_access,
    ec2_instances,
    encryption,
    guards,
    root_account,
    s3,
    tagging,
    threats,
)
from orgwarden.aws.member import Reader

READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        *s3.READERS,
        *block_public_access.READERS,
        *encryption.READERS,
        *ec2_instances.READERS,
        *tagging.READERS,
        *root_account.READERS,
        *guards.READERS,
        *threats.READERS,
    )
}
