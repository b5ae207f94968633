"""Evidence records for tests, shaped as the evaluator writes them."""

import uuid
from datetime import UTC, datetime, timedelta

from orgwarden.model.events import EventContext
from orgwarden.model.evidence import ActionRecord, EvidenceRecord
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Severity, Status

RULE = "s3_bucket_public_access"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DEVELOPER = "arn:aws:sts::{account}:assumed-role/DeveloperAccess/jane.doe@example.com"


def cause(account: str, at: datetime, name: str = "PutBucketPolicy") -> EventContext:
    return EventContext(
        event_id=str(uuid.uuid4()),
        event_name=name,
        event_time=at,
        principal_arn=DEVELOPER.format(account=account),
        principal_type="AssumedRole",
        source_ip="203.0.113.24",
        user_agent="aws-cli/2.22.4",
    )


def fix(account: str, at: datetime) -> ActionRecord:
    return ActionRecord(
        remediation="s3_block_bucket_public_access",
        mode=Mode.ENFORCE,
        outcome="verified",
        reason="enforce",
        planned_change={"BlockPublicAcls": True},
        actor=f"arn:aws:iam::{account}:role/OrgwardenRemediation",
        started_at=at,
        finished_at=at + timedelta(seconds=2),
    )


def record(
    bucket: str,
    *,
    account: str = "111122223333",
    observed: datetime = T0,
    detected: Status = Status.FAILED,
    status: Status | None = None,
    caused_at: datetime | None = None,
    cause_name: str = "PutBucketPolicy",
    fixed: bool = False,
    region: str = "us-east-1",
    with_cause: bool = True,
) -> EvidenceRecord:
    """One evaluation of `bucket`; `fixed` adds a verified enforce fix (final status PASSED)."""
    final = status or (Status.PASSED if fixed else detected)
    return EvidenceRecord(
        finding_id=f"orgwarden/{RULE}/{account}/{region}/{bucket}",
        rule_id=RULE,
        controls=["aws-fsbp S3.2", "aws-fsbp S3.3"],
        resource=ResourceRef(
            resource_type="AwsS3Bucket", resource_id=bucket, account_id=account, region=region
        ),
        status=final,
        detected_status=detected,
        severity=Severity.CRITICAL,
        detected_reason=f"{detected.value} reason",
        reason=f"{final.value} reason",
        facts={"statements": [{"Sid": "Public", "Principal": "*"}], "ratio": 0.5},
        observed_at=observed,
        cause=cause(account, caused_at or observed, cause_name) if with_cause else None,
        action=fix(account, observed) if fixed else None,
    )
