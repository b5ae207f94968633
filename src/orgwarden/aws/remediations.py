"""Every fix, by name (`RuleSpec.remediation`). Each is idempotent, says exactly what it will
change before it does, and is verified by the caller (read again, judge again)."""

from orgwarden.aws import (
    block_public_access,
    ec2_instances,
    encryption,
    guards,
    s3,
    tagging,
    threats,
)
from orgwarden.aws.member import Remediation

REMEDIATIONS: dict[str, Remediation] = {
    fix.name: fix
    for fix in (
        *s3.REMEDIATIONS,
        *block_public_access.REMEDIATIONS,
        *encryption.REMEDIATIONS,
        *ec2_instances.REMEDIATIONS,
        *tagging.REMEDIATIONS,
        *guards.REMEDIATIONS,
        *threats.REMEDIATIONS,
    )
}
