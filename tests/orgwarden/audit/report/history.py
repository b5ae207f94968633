"""Evidence records for report tests, built by hand: one evaluation at a time, with the change
that caused it (CloudTrail's event time is when the change was made, which can be long before
orgwarden evaluates it), and the report's inputs made from them as the evidence table makes
them (latest state per finding; episodes by the table's transition rules)."""

from datetime import datetime, timedelta

from orgwarden.audit.episodes import Episode, episodes_from_history
from orgwarden.audit.frameworks import load_framework
from orgwarden.audit.report.figures import AccountInfo, ComplianceReport, build_report
from orgwarden.model.events import EventContext
from orgwarden.model.evidence import ActionRecord, EvidenceRecord
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Severity, Status
from policies import load_catalogue

ACCOUNT = "111111111111"
RULE = "s3_bucket_public_access"
DEVELOPER = "arn:aws:sts::111111111111:assumed-role/DeveloperAccess/jane.doe@example.com"


def record(
    finding: str,
    at: datetime,
    status: Status,
    *,
    detected: Status | None = None,
    changed_at: datetime | None = None,
    by: str = DEVELOPER,
    fix_started: datetime | None = None,
    rule: str = RULE,
    account: str = ACCOUNT,
    resource_type: str = "AwsS3Bucket",
    severity: Severity = Severity.CRITICAL,
) -> EvidenceRecord:
    """One evaluation at `at`; `changed_at`: the causing change's CloudTrail event time (none:
    found by a sweep). With `fix_started`, orgwarden fixed a `detected` FAILED verdict."""
    spec = load_catalogue().rules[rule].spec if rule in load_catalogue().rules else None
    action = None
    if fix_started is not None:
        action = ActionRecord(
            remediation="s3_block_bucket_public_access",
            mode=Mode.ENFORCE,
            outcome="verified",
            reason="the rule's remediation",
            planned_change={"BlockPublicAcls": True},
            started_at=fix_started,
            finished_at=at,
            actor=f"arn:aws:sts::{account}:assumed-role/OrgwardenRemediation/orgwarden",
        )
    cause = None
    if changed_at is not None:
        cause = EventContext(
            event_id=f"event-{finding}-{changed_at.timestamp():.0f}",
            event_name="PutBucketPolicy",
            event_time=changed_at,
            principal_arn=by,
            principal_type="AssumedRole",
            source_ip="203.0.113.24",
            user_agent="aws-cli/2",
        )
    # Built without validation: the report must cope with (and escape) whatever history the
    # store returns, including names the catalogue has no format for.
    return EvidenceRecord.model_construct(
        finding_id=f"orgwarden/{rule}/{account}/us-east-1/{finding}",
        rule_id=rule,
        controls=spec.related_requirements() if spec else [],
        resource=ResourceRef.model_construct(
            partition="aws",
            resource_type=resource_type,
            resource_id=finding,
            account_id=account,
            region="us-east-1",
        ),
        status=status,
        detected_status=detected or status,
        severity=severity,
        detected_reason=f"detected {(detected or status).value}",
        reason=f"final {status.value}",
        observed_at=at,
        cause=cause,
        action=action,
        facts={},
    )


def latest(records: list[EvidenceRecord]) -> list[EvidenceRecord]:
    """What the state items hold: each finding's latest evaluation."""
    found: dict[str, EvidenceRecord] = {}
    for r in sorted(records, key=lambda r: r.observed_at):
        found[r.finding_id] = r
    return list(found.values())


def report_of(
    records: list[EvidenceRecord],
    framework: str,
    now: datetime,
    *,
    days: int = 365,
    accounts: dict[str, AccountInfo] | None = None,
) -> tuple[ComplianceReport, list[Episode]]:
    episodes = episodes_from_history(records)
    specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
    built = build_report(
        load_framework(framework),
        latest(records),
        episodes,
        now=now,
        start=now - timedelta(days=days),
        end=now,
        accounts=accounts,
        specs=specs,
    )
    return built, episodes
