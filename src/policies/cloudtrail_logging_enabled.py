"""The account has at least one multi-region CloudTrail trail that is logging, and records both
read and write management events (CIS AWS Foundations 3.1; FSBP CloudTrail.1: "at least one
multi-Region trail that captures read and write management events").

Stopping or deleting the trail is how an intruder hides what comes next (scenario 18); the
detection here is the second line behind the SCP that denies it. The verdict is about the
account (any logging multi-region trail covers it, including the organization trail); its
facts list the trails that are stopped and the trail the event named.

Scenarios:
  1. a multi-region trail is logging                                   -> PASSED (names it)
  2. the account's own multi-region trail was stopped (StopLogging)    -> FAILED, fix
     cloudtrail_start_logging starts it in its home region
  3. the only multi-region trail was deleted (DeleteTrail), or none
     exists                                                            -> FAILED, no automatic fix
                                                                          (recreating a trail needs
                                                                          its bucket and policy)
  4. only the organization trail (owned by the management account),
     and it is stopped                                                 -> FAILED, no automatic fix
                                                                          from a member account
  5. only single-region trails are logging                             -> FAILED, no automatic fix
  6. a stopped single-region trail beside a logging multi-region trail -> PASSED, lists it
  7. the only logging multi-region trail records write-only (or read-only, or no) management
     events, through its event selectors (PutEventSelectors)            -> FAILED, no automatic fix
  8. the logging multi-region trail's event selectors cannot be read (an
     organization trail seen from a member that may not read them)      -> NOT_AVAILABLE
"""

from typing import Any

from orgwarden.model.guards import Trail, TrailCoverage
from orgwarden.model.spec import CloudTrail, Periodic, RuleSpec, Severity, Status, Verdict

ALL_MANAGEMENT_EVENTS = frozenset({"read", "write"})

SPEC = RuleSpec(
    id="cloudtrail_logging_enabled",
    title="A multi-region CloudTrail trail is logging",
    description=(
        "The account has no multi-region CloudTrail trail that is logging: API activity in it is "
        "no longer recorded."
    ),
    resource_type="AwsAccount",
    reads="cloudtrail_trails",
    # FSBP rates CloudTrail.1 High; tampering with the guards is critical here (scenario 18).
    severity=Severity.CRITICAL,
    finding_types=(
        "Software and Configuration Checks/AWS Security Best Practices",
        "TTPs/Defense Evasion",
    ),
    triggers=(
        *(
            CloudTrail(service="cloudtrail", event_name=name, ids="recipientAccountId")
            for name in (
                "DeleteTrail",
                "PutEventSelectors",
                "StopLogging",
                "UpdateTrail",
            )
        ),
        Periodic(),
    ),
    controls={"aws-fsbp": ("CloudTrail.1",), "cis-aws-3.0": ("3.1",)},
    remediation="cloudtrail_start_logging",
    recommendation=(
        "Start logging on the account's multi-region trail. A deleted trail must be recreated "
        "with its S3 bucket, bucket policy and KMS key (or rely on the organization trail); "
        "find who stopped or deleted it in the finding and review their activity."
    ),
    recommendation_url=(
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html"
    ),
)


def evaluate(coverage: TrailCoverage) -> Verdict:
    account = coverage.ref.account_id
    multi = [t for t in coverage.trails if t.multi_region]
    logging = [t for t in multi if t.logging]
    stopped = [t for t in coverage.trails if not t.logging]
    facts: dict[str, Any] = {
        "logging_multi_region_trails": [t.arn for t in logging],
        "stopped_trails": [_describe(t) for t in stopped],
    }
    if coverage.event_trail:
        facts["event"] = {"name": coverage.event_name, "trail": coverage.event_trail}
    if coverage.event_name == "DeleteTrail" and coverage.event_trail:
        facts["deleted_trail"] = coverage.event_trail

    complete = [t for t in logging if t.management_events == ALL_MANAGEMENT_EVENTS]
    if complete:
        return Verdict(
            status=Status.PASSED,
            reason=(
                f"Multi-region trail {complete[0].name} is logging read and write management "
                "events."
            ),
            facts=facts,
        )
    partial = [t for t in logging if t.management_events is not None]
    if partial:
        recorded = sorted(partial[0].management_events or ())
        return Verdict(
            status=Status.FAILED,
            reason=(
                f"Multi-region trail {partial[0].name} is logging, but its event selectors "
                f"record {' and '.join(recorded) or 'no'} management events only: set a "
                "selector with IncludeManagementEvents true and ReadWriteType All "
                "(PutEventSelectors), and find who narrowed it."
            ),
            facts=facts
            | {"management_events": {t.arn: sorted(t.management_events or ()) for t in partial}},
            remediable=False,
        )
    if logging:
        return Verdict(
            status=Status.NOT_AVAILABLE,
            reason=(
                f"Multi-region trail {logging[0].name} is logging, but its event selectors could "
                "not be read, so whether it records read and write management events is unknown."
            ),
            facts=facts,
        )
    startable = [t for t in multi if t.owner_account == account]
    if startable:
        return Verdict(
            status=Status.FAILED,
            reason=(
                "No multi-region trail is logging: stopped "
                + ", ".join(f"{t.name} ({t.home_region})" for t in startable)
                + "."
            ),
            facts=facts | {"trails_to_start": [t.arn for t in startable]},
        )
    if multi:
        reason = (
            "No multi-region trail is logging; the stopped one(s) belong to account "
            f"{multi[0].owner_account} (organization trail) and must be started there."
        )
    elif coverage.event_name == "DeleteTrail" and coverage.event_trail:
        reason = (
            f"No multi-region trail exists: {coverage.event_trail} was deleted. It cannot be "
            "recreated safely without its bucket and key; recreate it from its template."
        )
    else:
        reason = "No multi-region trail exists in the account."
    return Verdict(status=Status.FAILED, reason=reason[:1024], facts=facts, remediable=False)


def _describe(trail: Trail) -> dict[str, Any]:
    return {
        "name": trail.name,
        "arn": trail.arn,
        "home_region": trail.home_region,
        "multi_region": trail.multi_region,
        "organization_trail": trail.organization_trail,
    }
