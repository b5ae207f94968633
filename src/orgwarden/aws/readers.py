"""Every reader, by name: what builds a rule's `evaluate` input (`RuleSpec.reads`)."""

from orgwarden.aws import ec2_instances, guards, root_account, s3, tagging, threats
from orgwarden.aws.member import Reader

READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        *s3.READERS,
        *ec2_instances.READERS,
        *tagging.READERS,
        *root_account.READERS,
        *guards.READERS,
        *threats.READERS,
    )
}
