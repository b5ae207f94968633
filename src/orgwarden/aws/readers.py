"""Every reader, by name: what builds a rule's `evaluate` input (`RuleSpec.reads`)."""

from orgwarden.aws import guards, root_account, s3, threats
from orgwarden.aws.member import Reader

READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (*s3.READERS, *root_account.READERS, *guards.READERS, *threats.READERS)
}
