from datetime import UTC, datetime

from orgwarden.engine.findings import FIELD_PREFIX, build_finding, finding_id, product_arn
from orgwarden.model.events import EventContext
from orgwarden.model.evidence import ActionRecord
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Status, Verdict
from policies.s3_bucket_public_access import SPEC

REF = ResourceRef(
    resource_type="AwsS3Bucket",
    resource_id="customer-data-prod",
    account_id="111122223333",
    region="eu-west-1",
)
NOW = datetime(2026, 11, 20, 9, 14, 5, 123000, tzinfo=UTC)
CAUSE = EventContext(
    event_id="3d0f5a4e",
    event_name="PutBucketPolicy",
    event_time=NOW,
    principal_arn="arn:aws:sts::111122223333:assumed-role/Dev/jane",
    principal_type="AssumedRole",
    source_ip="198.51.100.77",
    user_agent="aws-cli/2",
)
FAILED = Verdict(
    status=Status.FAILED,
    reason="Bucket is public (read): statement PublicRead allows * s3:GetObject.",
)
PASSED = Verdict(
    status=Status.PASSED, reason="All four Block Public Access settings are on (bucket level)."
)
REQUIRED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
)


def test_the_id_is_deterministic_and_independent_of_the_verdict() -> None:
    first = build_finding(SPEC, REF, FAILED, observed_at=NOW)
    later = build_finding(SPEC, REF, PASSED, observed_at=NOW.replace(hour=10))
    assert first["Id"] == later["Id"] == finding_id(SPEC, REF)
    assert (
        first["Id"] == "orgwarden/s3_bucket_public_access/111122223333/eu-west-1/customer-data-prod"
    )


def test_the_id_of_a_very_long_resource_id_is_hashed_to_fit() -> None:
    ref = REF.model_copy(update={"resource_id": "x" * 600})
    assert len(finding_id(SPEC, ref)) <= 512
    assert finding_id(SPEC, ref) == finding_id(SPEC, ref)


def test_a_failed_finding_has_every_required_field_for_the_member_account() -> None:
    finding = build_finding(SPEC, REF, FAILED, observed_at=NOW, cause=CAUSE)
    assert all(key in finding for key in REQUIRED)
    assert finding["SchemaVersion"] == "2018-10-08"
    assert finding["AwsAccountId"] == "111122223333"
    assert (
        finding["ProductArn"]
        == product_arn(REF)
        == ("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default")
    )
    assert finding["Severity"] == {"Label": "CRITICAL", "Original": "CRITICAL"}
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Compliance"]["RelatedRequirements"] == ["aws-fsbp S3.2", "aws-fsbp S3.3"]
    assert finding["Compliance"]["StatusReasons"][0]["Description"] == FAILED.reason
    assert finding["RecordState"] == "ACTIVE"
    assert finding["Resources"] == [
        {
            "Type": "AwsS3Bucket",
            "Id": "arn:aws:s3:::customer-data-prod",
            "Partition": "aws",
            "Region": "eu-west-1",
        }
    ]
    assert finding["UpdatedAt"] == "2026-11-20T09:14:05.123Z"
    for category in finding["Types"]:
        assert 1 <= category.count("/") <= 2


def test_the_finding_carries_who_caused_the_drift() -> None:
    fields = build_finding(SPEC, REF, FAILED, observed_at=NOW, cause=CAUSE)["ProductFields"]
    assert fields[f"{FIELD_PREFIX}/CausePrincipal"] == CAUSE.principal_arn
    assert fields[f"{FIELD_PREFIX}/CauseSourceIp"] == "198.51.100.77"
    assert fields[f"{FIELD_PREFIX}/CauseEventId"] == "3d0f5a4e"
    assert fields[f"{FIELD_PREFIX}/CauseEventTime"] == "2026-11-20T09:14:05.123Z"
    assert not any(key.startswith("aws/") for key in fields)  # reserved for AWS


def test_a_verified_fix_is_a_passed_informational_finding_that_says_what_was_done() -> None:
    action = ActionRecord(
        remediation="s3_block_bucket_public_access",
        mode=Mode.ENFORCE,
        outcome="verified",
        reason="rule is in enforce mode",
        planned_change={},
        actor="arn:aws:iam::111122223333:role/R",
    )
    finding = build_finding(
        SPEC, REF, PASSED, observed_at=NOW, detected=FAILED, cause=CAUSE, action=action
    )
    assert finding["Compliance"]["Status"] == "PASSED"
    assert "StatusReasons" not in finding["Compliance"]
    assert finding["Severity"]["Label"] == "INFORMATIONAL"
    assert finding["Severity"]["Original"] == "CRITICAL"
    assert "statement PublicRead" in finding["Description"]
    assert "s3_block_bucket_public_access verified" in finding["Description"]
    assert finding["ProductFields"][f"{FIELD_PREFIX}/DetectedStatus"] == "FAILED"
    assert finding["ProductFields"][f"{FIELD_PREFIX}/RemediationOutcome"] == "verified"


def test_a_gone_resource_archives_the_finding() -> None:
    gone = Verdict(status=Status.NOT_APPLICABLE, reason="Resource is gone")
    finding = build_finding(SPEC, REF, gone, observed_at=NOW)
    assert finding["RecordState"] == "ARCHIVED"
    assert finding["Compliance"]["Status"] == "NOT_AVAILABLE"


def test_description_is_clipped_to_the_asff_limit() -> None:
    verdict = Verdict(status=Status.FAILED, reason="x" * 1024)
    action = ActionRecord(
        remediation="r", mode=Mode.DRY_RUN, outcome="planned", reason="y" * 500, planned_change={}
    )
    assert (
        len(build_finding(SPEC, REF, verdict, observed_at=NOW, action=action)["Description"])
        == 1024
    )


def test_the_finding_names_the_company_product_generator_and_requirements() -> None:
    # "Optional top-level ASFF attributes" (Security Hub user guide), CompanyName: "Security Hub
    # CSPM populates this attribute automatically for each finding. You cannot update it using
    # BatchImportFindings or BatchUpdateFindings. The exception to this is when you use a custom
    # integration." ProductName reads the same. orgwarden imports into the account's default
    # product (product/<account>/default), a custom integration, so without these two fields the
    # console's Company and Product columns stay empty for its findings.
    finding = build_finding(SPEC, REF, FAILED, observed_at=NOW)
    assert finding["ProductArn"].endswith(":product/111122223333/default")
    assert finding["CompanyName"] == "orgwarden"
    assert finding["ProductName"] == "orgwarden"
    # "GeneratorId can be the same as Id or can refer to a discrete unit of logic" (Security Hub
    # partner guide, "Guidelines for mapping findings into the ASFF"): here, the rule.
    assert finding["GeneratorId"] == f"orgwarden/{SPEC.id}"
    assert finding["Compliance"]["RelatedRequirements"] == SPEC.related_requirements()
    assert finding["Compliance"]["RelatedRequirements"]
