"""AWS Config has a configuration recorder that is recording the catalogue's resource types.

Without it, Config rules and the resource history auditors rely on go silent (scenario 18). A
recorder narrowed to irrelevant types (PutConfigurationRecorder with a recording group of
inclusions or exclusions) is as silent for orgwarden's rules as a stopped one.

Scenarios:
  1. a recorder is recording every catalogue type         -> PASSED
  2. a recorder exists but is stopped
     (StopConfigurationRecorder)                          -> FAILED, fix starts it
  3. no recorder (DeleteConfigurationRecorder)            -> FAILED, no automatic fix (a recorder
                                                             needs a role, a recording scope and a
                                                             delivery channel: redeploy it)
  4. a recorder is recording, but its recording group
     leaves out a catalogue type (inclusion list without
     it, or an exclusion of it)                           -> FAILED, no automatic fix (the scope is
                                                             the account baseline's: redeploy it)
  5. a stopped recorder that also leaves a type out       -> FAILED, no automatic fix (starting it
                                                             would not cover the type)
  6. a recorder that is recording, but whose latest
     recording event failed (lastStatus Failure, e.g. its
     role can no longer read the resources)               -> FAILED, no automatic fix (it is
                                                             already started: its role or delivery
                                                             must be repaired)
"""

from orgwarden.model.guards import Recorder, RecorderState
from orgwarden.model.resource_types import RESOURCE_TYPES
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
        "Start the configuration recorder. A deleted recorder, or one whose recording group "
        "leaves out resource types orgwarden judges, must be recreated with its role, a "
        "recording group of all supported types and its delivery channel (redeploy the account "
        "baseline)."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html"
    ),
)


# The Config resource types the catalogue's rules judge (the registry's Config types).
CATALOGUE_TYPES = tuple(sorted(t.config.name for t in RESOURCE_TYPES.values() if t.config))


def _missing(recorder: Recorder) -> list[str]:
    return [t for t in CATALOGUE_TYPES if not recorder.recording_group.records(t)]


def _failing(recorder: Recorder) -> bool:
    """Recording, but its latest recording event failed (DescribeConfigurationRecorderStatus
    `lastStatus`; the API documents `Failure`, the CLI's examples print `FAILURE`)."""
    return recorder.recording and (recorder.last_status or "").lower() == "failure"


def evaluate(state: RecorderState) -> Verdict:
    facts = {
        "recorders": [
            {
                "name": r.name,
                "recording": r.recording,
                "last_status": r.last_status,
                "not_recorded": _missing(r),
            }
            for r in state.recorders
        ]
    }
    complete = [r for r in state.recorders if not _missing(r)]
    if any(r.recording and not _failing(r) for r in complete):
        name = next(r.name for r in complete if r.recording and not _failing(r))
        return Verdict(
            status=Status.PASSED,
            reason=f"Configuration recorder {name} is recording every catalogue resource type.",
            facts=facts,
        )
    stopped = [r for r in complete if not r.recording]
    if stopped:
        names = ", ".join(r.name for r in stopped)
        return Verdict(
            status=Status.FAILED,
            reason=f"Configuration recorder {names} is stopped.",
            facts=facts,
        )
    if complete:  # every complete recorder is started and failing
        names = ", ".join(r.name for r in complete)
        return Verdict(
            status=Status.FAILED,
            reason=(
                f"Configuration recorder {names} is started, but its latest recording failed "
                "(lastStatus Failure): configuration changes are not being recorded. Repair its "
                "role or delivery channel; starting it again changes nothing."
            ),
            facts=facts,
            remediable=False,
        )
    if state.recorders:
        described = "; ".join(
            f"{r.name} ({'recording' if r.recording else 'stopped'}) does not record "
            + ", ".join(_missing(r))
            for r in state.recorders
        )
        return Verdict(
            status=Status.FAILED,
            reason=f"Configuration recorder {described}: its recording group leaves them out.",
            facts=facts,
            remediable=False,
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
