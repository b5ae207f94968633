"""An EC2 instance GuardDuty reports as compromised is quarantined.

Backdoor, crypto-mining, trojan and unauthorized-access findings on an instance mean it is
running someone else's code (scenario 16). The response isolates it without destroying
evidence: every network interface moves to a quarantine security group with no rules (the
policy file names it; one per VPC), its volumes are snapshotted, and it is tagged with the
GuardDuty finding id. The verdict is about the instance's containment, read from the account,
so the same finding delivered again (growing count, later updatedAt) sees the instance already
quarantined and changes nothing (scenario 17). The fix is disruptive: it cuts the instance off.

Severity is the GuardDuty finding's own (low 1.0-3.9 ... critical 9.0-10.0).

Controls: none (a threat response, not a configuration check).

Scenarios:
  1. running instance, finding role ACTOR (or none), not quarantined -> FAILED, fix quarantines
  2. instance already isolated in the quarantine group and tagged     -> PASSED, contained
  3. the same finding again with a higher count                       -> PASSED, nothing changed
  4. instance terminated or shutting down                             -> PASSED, contained
  5. finding role TARGET (the instance is being attacked, e.g. SSH
     brute force against it)                                          -> FAILED, no automatic fix:
                                                                         review its exposure
  6. instance outside a VPC (no security group to swap)               -> FAILED, no automatic fix
  7. isolated but not tagged (a fix interrupted)                      -> FAILED, fix completes it
"""

from orgwarden.model.spec import GuardDutyFinding, RuleSpec, Severity, Status, Verdict
from orgwarden.model.threats import InstanceContainment

SPEC = RuleSpec(
    id="guardduty_ec2_compromise",
    title="EC2 instances reported compromised by GuardDuty are quarantined",
    description=(
        "GuardDuty reports an EC2 instance as compromised (backdoor, crypto-mining, trojan or "
        "unauthorized access) and it is not isolated."
    ),
    resource_type="AwsEc2Instance",
    reads="guardduty_instance",
    severity=Severity.HIGH,
    finding_types=("TTPs/Command and Control", "Effects/Resource Consumption"),
    triggers=(
        GuardDutyFinding(
            type_prefixes=(
                "Backdoor:EC2/",
                "CryptoCurrency:EC2/",
                "Trojan:EC2/",
                "UnauthorizedAccess:EC2/",
            ),
            ids="resource.instanceDetails.instanceId",
        ),
    ),
    controls={},
    remediation="ec2_quarantine_instance",
    recommendation=(
        "Isolate the instance (quarantine security group), snapshot its volumes for forensics, "
        "rotate any credentials it held (its instance profile), then rebuild it from a known "
        "good image; do not put it back into service."
    ),
    recommendation_url=("https://docs.aws.amazon.com/guardduty/latest/ug/compromised-ec2.html"),
)

GONE_STATES = frozenset({"shutting-down", "terminated"})


def evaluate(state: InstanceContainment) -> Verdict:
    finding = state.finding
    facts = finding.as_facts() | {
        "instance_state": state.state,
        "vpc_id": state.vpc_id,
        "security_groups": {i.interface_id: list(i.group_ids) for i in state.interfaces},
        "quarantine_group": state.quarantine_group_id or state.quarantine_group_name,
        "quarantine_tag": state.quarantine_tag,
        "volumes": list(state.volume_ids),
    }
    instance = state.ref.resource_id
    if state.state in GONE_STATES:
        return Verdict(
            status=Status.PASSED,
            reason=f"Contained: instance {instance} is {state.state}. {finding.summary()}.",
            facts=facts,
            severity=finding.label,
        )
    if state.isolated and state.quarantine_tag:
        return Verdict(
            status=Status.PASSED,
            reason=(
                f"Contained: instance {instance} is quarantined in {state.quarantine_group_id} "
                f"(for GuardDuty finding {state.quarantine_tag}). {finding.summary()}."
            ),
            facts=facts,
            severity=finding.label,
        )
    if finding.resource_role == "TARGET":
        return Verdict(
            status=Status.FAILED,
            reason=(
                f"Instance {instance} is the target, not the actor, of {finding.summary()}: "
                "review its exposure (security groups, public address); not quarantined."
            )[:1024],
            facts=facts,
            severity=finding.label,
            remediable=False,
        )
    if state.vpc_id is None or not state.interfaces:
        return Verdict(
            status=Status.FAILED,
            reason=f"Instance {instance} is compromised ({finding.summary()}) and has no VPC "
            "network interface to isolate: stop it by hand.",
            facts=facts,
            severity=finding.label,
            remediable=False,
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"Instance {instance} is compromised and not quarantined: {finding.summary()}: "
            f"{finding.title}"
        )[:1024],
        facts=facts,
        severity=finding.label,
    )
