"""Every fix, by name (`RuleSpec.remediation`). Each is idempotent, says exactly what it will
change before it does, and is verified by the caller (read again, judge again)."""

from orgwarden.aws import ec2_instances, guards, s3, tagging, threats
from orgwarden.aws.member import Remediation

REMEDIATIONS: dict[str, Remediation] = {
    fix.name: fix
    for fix in (
        *s3.REMEDIATIONS,
        *ec2_instances.REMEDIATIONS,
        *tagging.REMEDIATIONS,
        *guards.REMEDIATIONS,
        *threats.REMEDIATIONS,
    )
}
