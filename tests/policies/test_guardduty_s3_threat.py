"""Scenario table for guardduty_s3_threat (numbers cite the rule's docstring) and the routing of
S3 findings to it."""

from typing import Any

import pytest

from orgwarden.model.resources import PublicAccessBlock
from orgwarden.model.spec import Severity, Status
from orgwarden.model.threats import BucketContainment
from policies import guardduty_s3_threat
from tests.policies.guardduty_cases import finding, ref, routes


@pytest.mark.parametrize(
    ("scenario", "block", "status"),
    [
        (1, None, Status.FAILED),
        (1, PublicAccessBlock(block_public_acls=True), Status.FAILED),
        (2, PublicAccessBlock.all_on(), Status.PASSED),
    ],
)
def test_guardduty_s3_threat_scenarios(
    scenario: int, block: PublicAccessBlock | None, status: Status
) -> None:
    state = BucketContainment(
        ref=ref("AwsS3Bucket", "customer-data-prod"),
        bucket_block=block,
        account_block=None,
        finding=finding(severity=2.0),
    )
    verdict = guardduty_s3_threat.evaluate(state)
    assert verdict.status is status, scenario
    assert verdict.severity is Severity.LOW


@pytest.mark.parametrize(
    ("fixture", "finding_type", "expected"),
    [("Policy-S3.json", None, {"guardduty_s3_threat": ["customer-data-prod"]})],
)
def test_guardduty_findings_route_by_type(
    fixture: str, finding_type: str | None, expected: dict[str, list[Any]]
) -> None:
    assert routes(fixture, finding_type) == expected
