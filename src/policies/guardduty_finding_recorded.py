"""Every GuardDuty finding that no other rule claims is recorded, never dropped.

New finding types appear every year; one that no response rule knows is still kept, with its
type and its own severity, in Security Hub (through orgwarden, with the evidence) and in the
evidence store. So is a finding of a claimed type that names no resource its rule acts on (a
console sign-in finding carries no access key id; an account-level S3 finding names no
bucket): it is recorded on the account. Nothing is ever changed for it.

Controls: none (a record of a threat finding, not a configuration check).

Scenarios:
  1. any unclaimed finding type (Recon:EC2/PortProbeUnprotectedPort) -> FAILED at the finding's
                                                                       own severity, no fix
  2. severity 2.0 / 5.0 / 8.0 / 9.5                                   -> LOW / MEDIUM / HIGH /
                                                                       CRITICAL
  3. a claimed type whose finding names no resource id for its rule
     (UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B without an
     access key id, Policy:S3/AccountBlockPublicAccessDisabled
     without bucket details, Backdoor:EC2 without an instance id)  -> FAILED on the account, no
                                                                       fix
"""

from orgwarden.model.spec import GuardDutyFinding, RuleSpec, Severity, Status, Verdict
from orgwarden.model.threats import RecordedFinding

SPEC = RuleSpec(
    id="guardduty_finding_recorded",
    title="GuardDuty findings are recorded",
    description="GuardDuty reported a finding that no response rule handles.",
    resource_type="AwsAccount",
    reads="guardduty_finding",
    severity=Severity.MEDIUM,
    finding_types=("Unusual Behaviors/Application",),
    triggers=(GuardDutyFinding(),),
    controls={},
    recommendation=(
        "Triage the GuardDuty finding in the GuardDuty console (its id is in the finding) and "
        "follow GuardDuty's remediation guidance for its type."
    ),
    recommendation_url="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_remediate.html",
)


def evaluate(state: RecordedFinding) -> Verdict:
    finding = state.finding
    return Verdict(
        status=Status.FAILED,
        reason=f"{finding.summary()} on {state.resource_type or 'the account'}: {finding.title}"[
            :1024
        ],
        facts=finding.as_facts() | {"guardduty_resource_type": state.resource_type},
        severity=finding.label,
    )
