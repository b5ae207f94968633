"""Security Hub lifecycle calls against moto's server, taught the documented behaviour that
moto lacks (`orgwarden_harness.securityhub_fake`: UpdatedAt ordering, workflow only through
BatchUpdateFindings, GetFindings filters), plus a stubbed client for throttled imports."""

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from orgwarden.aws.securityhub import (
    WorkflowUpdateFailed,
    import_findings,
    set_workflow,
    workflow_status,
)
from tests.conftest import session_in
from tests.orgwarden.aws.test_securityhub import finding


@pytest.fixture
def hub(moto_server: str, account_id: str) -> Any:
    client = session_in(account_id).client("securityhub")
    client.enable_security_hub(EnableDefaultStandards=False)
    return client


def stored(hub: Any, finding_id: str) -> dict[str, Any]:
    (found,) = hub.get_findings(Filters={"Id": [{"Value": finding_id, "Comparison": "EQUALS"}]})[
        "Findings"
    ]
    return dict(found)


def at(base: dict[str, Any], updated: str, status: str) -> dict[str, Any]:
    return {**base, "UpdatedAt": updated, "Compliance": {"Status": status}}


def test_only_a_later_updated_at_changes_a_finding(hub: Any, account_id: str) -> None:
    first = at(finding(account_id, 1), "2026-11-20T10:00:00.000Z", "FAILED")
    import_findings(hub, [first])
    import_findings(hub, [at(first, "2026-11-20T09:00:00.000Z", "PASSED")])  # late
    import_findings(hub, [at(first, "2026-11-20T10:00:00.000Z", "PASSED")])  # duplicate time
    assert stored(hub, first["Id"])["Compliance"]["Status"] == "FAILED"
    import_findings(hub, [at(first, "2026-11-20T11:00:00.000Z", "PASSED")])
    kept = stored(hub, first["Id"])
    assert kept["Compliance"]["Status"] == "PASSED"
    assert kept["CreatedAt"] == first["CreatedAt"]


def test_workflow_moves_only_through_batch_update_and_resets_when_failed_again(
    hub: Any, account_id: str
) -> None:
    first = at(finding(account_id, 2), "2026-11-20T10:00:00.000Z", "FAILED")
    arn = first["ProductArn"]
    import_findings(hub, [first])
    assert workflow_status(hub, first["Id"], arn) == "NEW"
    import_findings(
        hub,
        [{**at(first, "2026-11-20T10:01:00.000Z", "FAILED"), "Workflow": {"Status": "RESOLVED"}}],
    )
    assert workflow_status(hub, first["Id"], arn) == "NEW"  # ignored on import
    set_workflow(hub, first["Id"], arn, "NOTIFIED", "orgwarden is fixing it")
    assert workflow_status(hub, first["Id"], arn) == "NOTIFIED"
    import_findings(hub, [at(first, "2026-11-20T10:02:00.000Z", "PASSED")])
    set_workflow(hub, first["Id"], arn, "RESOLVED", "fixed and verified")
    assert stored(hub, first["Id"])["Note"]["Text"] == "fixed and verified"
    import_findings(hub, [at(first, "2026-11-20T10:03:00.000Z", "FAILED")])  # drifted again
    assert workflow_status(hub, first["Id"], arn) == "NEW"


def test_an_unknown_finding_has_no_workflow_and_cannot_be_updated(
    hub: Any, account_id: str
) -> None:
    arn = finding(account_id, 3)["ProductArn"]
    assert workflow_status(hub, "orgwarden/never-imported", arn) is None
    with pytest.raises(WorkflowUpdateFailed, match="FindingNotFound"):
        set_workflow(hub, "orgwarden/never-imported", arn, "RESOLVED", "n/a")


def test_a_throttled_finding_is_sent_again_and_then_counts_as_imported() -> None:
    client = boto3.client("securityhub", region_name="us-east-1")
    findings = [finding("111122223333", n) for n in range(2)]
    throttled = {
        "Id": findings[1]["Id"],
        "ErrorCode": "ThrottlingException",
        "ErrorMessage": "slow",
    }
    with Stubber(client) as stubber:
        stubber.add_response(
            "batch_import_findings",
            {"FailedCount": 1, "SuccessCount": 1, "FailedFindings": [throttled]},
            {"Findings": findings},
        )
        stubber.add_response(
            "batch_import_findings",
            {"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []},
            {"Findings": [findings[1]]},
        )
        assert import_findings(client, findings) == 2
        stubber.assert_no_pending_responses()
