"""GuardDuty has an enabled detector in the account and region.

Deleting or suspending the detector blinds threat detection (scenario 18). In an organization
whose GuardDuty is managed by a delegated administrator, members normally cannot do either; a
detector that is gone anyway is recreated here and rejoins through auto-enable.

Scenarios:
  1. an enabled detector                                -> PASSED
  2. a detector exists but is suspended (UpdateDetector
     Enable=false)                                      -> FAILED, fix enables it
  3. no detector (DeleteDetector)                       -> FAILED, fix creates an enabled one
"""

from orgwarden.model.guards import DetectorState
from orgwarden.model.spec import CloudTrail, Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="guardduty_detector_enabled",
    title="GuardDuty is enabled",
    description="GuardDuty has no enabled detector in this account and region.",
    resource_type="AwsAccount",
    reads="guardduty_detectors",
    # FSBP rates GuardDuty.1 High; tampering with the guards is critical here (scenario 18).
    severity=Severity.CRITICAL,
    finding_types=(
        "Software and Configuration Checks/AWS Security Best Practices",
        "TTPs/Defense Evasion",
    ),
    triggers=(
        *(
            CloudTrail(service="guardduty", event_name=name, ids="recipientAccountId")
            for name in ("DeleteDetector", "UpdateDetector")
        ),
        Periodic(),
    ),
    controls={"aws-fsbp": ("GuardDuty.1",)},
    remediation="guardduty_enable_detector",
    recommendation=(
        "Enable GuardDuty in every region (through the delegated administrator's auto-enable "
        "for the organization) and find out who disabled it."
    ),
    recommendation_url="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html",
)


def evaluate(state: DetectorState) -> Verdict:
    facts = {"detectors": [{"id": d.detector_id, "enabled": d.enabled} for d in state.detectors]}
    enabled = [d for d in state.detectors if d.enabled]
    if enabled:
        return Verdict(
            status=Status.PASSED,
            reason=f"GuardDuty detector {enabled[0].detector_id} is enabled.",
            facts=facts,
        )
    if state.detectors:
        return Verdict(
            status=Status.FAILED,
            reason=f"GuardDuty detector {state.detectors[0].detector_id} is suspended.",
            facts=facts,
        )
    return Verdict(
        status=Status.FAILED,
        reason=f"GuardDuty has no detector in {state.ref.region}.",
        facts=facts,
    )
