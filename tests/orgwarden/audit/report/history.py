"""Evidence records for report tests: a builder for hand-written histories, and a generated
history (several rules, accounts and controls of both frameworks, over about 60 days) richer
than what the demo's single rule produces."""

import random
from datetime import datetime, timedelta

from orgwarden.model.evidence import ActionRecord, EvidenceRecord
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Severity, Status

ACCOUNT = "111111111111"
PUBLIC_BUCKET_CONTROLS = ("aws-fsbp S3.2", "aws-fsbp S3.3", "cis-aws-3.0 2.1.4")


def record(
    finding: str,
    at: datetime,
    status: Status,
    *,
    detected: Status | None = None,
    fix_started: datetime | None = None,
    outcome: str = "verified",
    rule: str = "s3_bucket_public_access",
    controls: tuple[str, ...] = PUBLIC_BUCKET_CONTROLS,
    account: str = ACCOUNT,
    resource_type: str = "AwsS3Bucket",
    severity: Severity = Severity.HIGH,
) -> EvidenceRecord:
    """One evaluation. With `fix_started`, orgwarden acted on a `detected` FAILED verdict."""
    action = None
    if fix_started is not None:
        action = ActionRecord(
            remediation="s3_block_bucket_public_access",
            mode=Mode.ENFORCE
            if outcome in ("verified", "not-verified", "denied")
            else Mode.DRY_RUN,
            outcome=outcome,
            reason="the rule's remediation",
            planned_change={"BlockPublicAcls": True},
            started_at=fix_started,
            finished_at=at,
        )
    # Built without validation: the report must cope with (and escape) whatever history the
    # store returns, including resource types and names the catalogue has no format for.
    return EvidenceRecord.model_construct(
        finding_id=f"orgwarden/{rule}/{account}/us-east-1/{finding}",
        rule_id=rule,
        controls=list(controls),
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
        action=action,
    )


# rule -> (resource type, severity, related requirements); control ids are the frameworks' own.
GENERATED_RULES: dict[str, tuple[str, Severity, tuple[str, ...]]] = {
    "s3_bucket_public_access": ("AwsS3Bucket", Severity.HIGH, PUBLIC_BUCKET_CONTROLS),
    "ec2_instance_imdsv2_required": (
        "AwsEc2Instance",
        Severity.MEDIUM,
        ("aws-fsbp EC2.8", "cis-aws-3.0 5.6"),
    ),
    "rds_instance_storage_encrypted": (
        "AwsRdsDbInstance",
        Severity.MEDIUM,
        ("aws-fsbp RDS.3", "cis-aws-3.0 2.3.1"),
    ),
    "iam_root_access_key_absent": (
        "AwsAccount",
        Severity.CRITICAL,
        ("aws-fsbp IAM.4", "cis-aws-3.0 1.4"),
    ),
    "vpc_flow_logs_enabled": ("AwsEc2Vpc", Severity.MEDIUM, ("aws-fsbp EC2.6", "cis-aws-3.0 3.7")),
    "guardduty_enabled": ("AwsAccount", Severity.HIGH, ("aws-fsbp GuardDuty.1",)),
    "s3_bucket_mfa_delete": ("AwsS3Bucket", Severity.LOW, ("cis-aws-3.0 2.1.2",)),
}
GENERATED_ACCOUNTS = ("210987654321", "324354657687", "435465768798", "546372819012")


def generated_history(now: datetime, days: int = 60, seed: int = 20261122) -> list[EvidenceRecord]:
    """Seeded random histories: drift, verified fixes, manual fixes, dry runs, access denied,
    deleted resources, and findings still open at `now`."""
    rng = random.Random(seed)
    records = []
    for rule, (resource_type, severity, controls) in GENERATED_RULES.items():
        for account in GENERATED_ACCOUNTS:
            per_account = 1 if resource_type == "AwsAccount" else rng.randint(1, 4)
            for number in range(per_account):
                name = f"{rule.split('_')[0]}-{account[-4:]}-{number}"
                if resource_type == "AwsS3Bucket":
                    name = f"{rule.replace('_', '-')}-{account}-{number}"
                records += _one_finding(
                    rng, now, days, name, rule, resource_type, severity, controls, account
                )
    return records


def _one_finding(
    rng: random.Random,
    now: datetime,
    days: int,
    name: str,
    rule: str,
    resource_type: str,
    severity: Severity,
    controls: tuple[str, ...],
    account: str,
) -> list[EvidenceRecord]:
    def make(at: datetime, status: Status, **extra: object) -> EvidenceRecord:
        return record(
            name,
            at,
            status,
            rule=rule,
            controls=controls,
            account=account,
            resource_type=resource_type,
            severity=severity,
            **extra,  # type: ignore[arg-type]
        )

    at = now - timedelta(days=days) + timedelta(hours=rng.uniform(0, 24 * days * 0.6))
    state = Status.FAILED if rng.random() < 0.45 else Status.PASSED
    found = [make(at, state)]
    # Some failures wait for a change window (an RDS instance cannot be encrypted in place).
    stubborn = 0.9 if rule == "rds_instance_storage_encrypted" or rng.random() < 0.1 else 0.0
    while True:
        at += timedelta(hours=rng.expovariate(1 / 90))
        if at > now:
            return found
        roll = rng.random()
        if state is Status.FAILED and rng.random() < stubborn:
            found.append(make(at, state))
        elif state is Status.FAILED:
            if roll < 0.35:  # orgwarden fixed it and the re-read verified the fix
                started = at - timedelta(seconds=rng.uniform(1, 20))
                found.append(make(at, Status.PASSED, detected=Status.FAILED, fix_started=started))
                state = Status.PASSED
            elif roll < 0.55:  # the owner fixed it by hand
                state = Status.PASSED
                found.append(make(at, state))
            elif roll < 0.65:
                found.append(make(at, Status.NOT_AVAILABLE))
            elif roll < 0.72:  # dry run: the change was planned, not made
                found.append(make(at, state, detected=state, fix_started=at, outcome="planned"))
            elif roll < 0.76:
                found.append(make(at, Status.NOT_APPLICABLE))
                return found
            else:
                found.append(make(at, state))
        elif roll < 0.4:
            state = Status.FAILED
            found.append(make(at, state))
        else:
            found.append(make(at, state))
