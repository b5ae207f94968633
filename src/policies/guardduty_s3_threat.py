"""A bucket named by a GuardDuty S3 protection finding is blocked from public access.

Findings such as `Policy:S3/BucketBlockPublicAccessDisabled`,
`Policy:S3/BucketAnonymousAccessGranted` or `Exfiltration:S3/AnomalousBehavior` name the
buckets involved. The response turns the bucket's four Block Public Access settings back on
(the same fix as `s3_bucket_public_access`); it does not stop an authenticated caller, whose
credentials the finding also names (see the recommendation). A repeated finding sees the bucket
already blocked and changes nothing.

Severity is the GuardDuty finding's own.

Controls: none (a threat response; the bucket's configuration checks are S3.2, S3.3, S3.8).

Scenarios:
  1. bucket without bucket-level Block Public Access            -> FAILED, fix blocks it
  2. all four bucket-level settings already on                  -> PASSED, contained
  3. the same finding again with a higher count                 -> PASSED, nothing changed
"""

from orgwarden.model.spec import GuardDutyFinding, RuleSpec, Severity, Status, Verdict
from orgwarden.model.threats import BucketContainment

SPEC = RuleSpec(
    id="guardduty_s3_threat",
    title="Buckets named by GuardDuty S3 findings block public access",
    description="GuardDuty reports a threat to an S3 bucket that is not fully blocked.",
    resource_type="AwsS3Bucket",
    reads="guardduty_bucket",
    severity=Severity.HIGH,
    finding_types=("Effects/Data Exposure", "Effects/Data Exfiltration"),
    triggers=(
        GuardDutyFinding(
            type_prefixes=(
                "Policy:S3/",
                "Exfiltration:S3/",
                "Impact:S3/",
                "Discovery:S3/",
                "Stealth:S3/",
                "PenTest:S3/",
                "UnauthorizedAccess:S3/",
            ),
            ids="resource.s3BucketDetails[].name",
        ),
    ),
    controls={},
    remediation="s3_block_bucket_public_access",
    recommendation=(
        "Turn on Block Public Access for the bucket, review its policy and ACL, and deactivate "
        "the access key named in the GuardDuty finding if the caller was not expected."
    ),
    recommendation_url="https://docs.aws.amazon.com/guardduty/latest/ug/compromised-s3.html",
)


def evaluate(state: BucketContainment) -> Verdict:
    finding = state.finding
    bucket = state.ref.resource_id
    block = state.bucket_block
    facts = finding.as_facts() | {"bucket_block_public_access": block.as_api() if block else None}
    if block is not None and block.fully_on:
        return Verdict(
            status=Status.PASSED,
            reason=f"Contained: bucket {bucket} blocks all public access. {finding.summary()}.",
            facts=facts,
            severity=finding.label,
        )
    return Verdict(
        status=Status.FAILED,
        reason=(
            f"Bucket {bucket} does not block public access and is named by {finding.summary()}: "
            f"{finding.title}"
        )[:1024],
        facts=facts,
        severity=finding.label,
    )
