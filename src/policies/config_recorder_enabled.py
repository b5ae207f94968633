"""AWS Config has a configuration recorder that is recording.

Without it, Config rules and the resource history auditors rely on go silent (scenario 18).

Scenarios:
  1. a recorder is recording                              -> PASSED
  2. a recorder exists but is stopped
     (StopConfigurationRecorder)                          -> FAILED, fix starts it
  3. no recorder (DeleteConfigurationRecorder)            -> FAILED, no automatic fix (a recorder
                                                             needs a role, a recording scope and a
                                                             delivery channel: redeploy it)
"""

from orgwarden.model.guards import RecorderState
from orgwarden.model.spec import CloudTrail, Periodic, RuleSpec, Severity, Status, Verdict

SPEC = RuleSpec(
    id="config_recorder_enabled",
    title="AWS Config is recording",
    description="AWS Config has no configuration recorder that is recording in this region.",
    resource_type="AwsAccount",
    reads="config_recorders",
    severity=Severity.CRITICAL,
    finding_types=(
        "Software and Configuration Checks/AWS Security Best Practices",
        "TTPs/Defense Evasion",
    ),
    triggers=(
        *(
            CloudTrail(service="config", event_name=name, ids="recipientAccountId")
            for name in ("DeleteConfigurationRecorder", "StopConfigurationRecorder")
        ),
        Periodic(),
    ),
    controls={"aws-fsbp": ("Config.1",), "cis-aws-3.0": ("3.3",)},
    remediation="config_start_recorder",
    recommendation=(
        "Start the configuration recorder. A deleted recorder must be recreated with its role, "
        "recording group and delivery channel (redeploy the account baseline)."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html"
    ),
)


def evaluate(state: RecorderState) -> Verdict:
    facts = {
        "recorders": [
            {"name": r.name, "recording": r.recording, "last_status": r.last_status}
            for r in state.recorders
        ]
    }
    if any(r.recording for r in state.recorders):
        name = next(r.name for r in state.recorders if r.recording)
        return Verdict(
            status=Status.PASSED, reason=f"Configuration recorder {name} is recording.", facts=facts
        )
    if state.recorders:
        names = ", ".join(r.name for r in state.recorders)
        return Verdict(
            status=Status.FAILED,
            reason=f"Configuration recorder {names} is stopped.",
            facts=facts,
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"AWS Config has no configuration recorder in {state.ref.region}: it was deleted "
            "or never set up, and cannot be recreated without its role and delivery channel."
        ),
        facts=facts,
        remediable=False,
    )
