"""Every reader, by name: what builds a rule's `evaluate` input (`RuleSpec.reads`)."""

from orgwarden.aws import block_public_access, encryption, s3
from orgwarden.aws.member import Reader

READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (*s3.READERS, *block_public_access.READERS, *encryption.READERS)
}
