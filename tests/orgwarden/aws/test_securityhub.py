"""Finding imports: batched by 100, every failure surfaced."""

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from orgwarden.aws.securityhub import FindingImportFailed, import_findings
from orgwarden.engine.findings import build_finding
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status, Verdict
from policies.s3_bucket_public_access import SPEC
from tests.conftest import session_in


def finding(account_id: str, n: int) -> dict[str, Any]:
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"orgwarden/test/{account_id}/us-east-1/r{n}",
        "ProductArn": f"arn:aws:securityhub:us-east-1:{account_id}:product/{account_id}/default",
        "GeneratorId": "orgwarden/test",
        "AwsAccountId": account_id,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": "2026-11-20T09:14:05.000Z",
        "UpdatedAt": "2026-11-20T09:14:05.000Z",
        "Severity": {"Label": "HIGH"},
        "Title": "t",
        "Description": "d",
        "Resources": [{"Type": "Other", "Id": f"r{n}"}],
    }


def test_more_than_100_findings_go_in_calls_of_100(moto_server: str, account_id: str) -> None:
    client = session_in(account_id).client("securityhub")
    assert import_findings(client, [finding(account_id, n) for n in range(250)]) == 3
    ids = set()
    paginator = client.get_paginator("get_findings")
    for page in paginator.paginate():
        ids |= {f["Id"] for f in page["Findings"]}
    assert len(ids) == 250


def test_a_partial_failure_is_raised_with_the_failed_ids() -> None:
    # moto accepts every finding with Resources, so the refusal comes from a stubbed client.
    client = boto3.client("securityhub", region_name="us-east-1")
    stubber = Stubber(client)
    findings = [finding("111122223333", n) for n in range(2)]
    stubber.add_response(
        "batch_import_findings",
        {
            "FailedCount": 1,
            "SuccessCount": 1,
            "FailedFindings": [
                {"Id": findings[1]["Id"], "ErrorCode": "InvalidInput", "ErrorMessage": "bad"}
            ],
        },
        {"Findings": findings},
    )
    with stubber, pytest.raises(FindingImportFailed, match="1 finding") as raised:
        import_findings(client, findings)
    assert raised.value.failed[0]["Id"] == findings[1]["Id"]


def test_an_imported_finding_keeps_the_names_the_console_shows(
    moto_server: str, account_id: str
) -> None:
    # A finding built by the engine, imported as the handlers import it, read back: the company
    # and product names of a custom integration are the finding's own ("Optional top-level ASFF
    # attributes", CompanyName: "The exception to this is when you use a custom integration").
    ref = ResourceRef(
        resource_type="AwsS3Bucket",
        resource_id="customer-data",
        account_id=account_id,
        region="us-east-1",
    )
    built = build_finding(
        SPEC,
        ref,
        Verdict(status=Status.FAILED, reason="public"),
        observed_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    client = session_in(account_id).client("securityhub")
    import_findings(client, [built])
    (stored,) = client.get_findings()["Findings"]
    assert (stored["CompanyName"], stored["ProductName"]) == ("orgwarden", "orgwarden")
    assert stored["GeneratorId"] == f"orgwarden/{SPEC.id}"
