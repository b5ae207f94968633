"""Importing ASFF findings into a member account's Security Hub, and moving their workflow.

Imports carry the verdict (Compliance, RecordState, UpdatedAt); `Workflow` and `Note` of an
existing finding change only through BatchUpdateFindings (Security Hub ignores them on import).
"""

import json
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from orgwarden.aws.errors import call, translated

MAX_FINDINGS_PER_CALL = 100
MAX_BYTES_PER_CALL = 6 * 1024 * 1024
IMPORT = "securityhub:BatchImportFindings"


class FindingImportFailed(Exception):
    """Security Hub refused some findings; the message is retried, never dropped."""

    def __init__(self, failed: list[dict[str, Any]]) -> None:
        reasons = "; ".join(
            f"{f.get('Id')}: {f.get('ErrorCode')} {f.get('ErrorMessage')}" for f in failed[:5]
        )
        super().__init__(f"{len(failed)} finding(s) not imported: {reasons}")
        self.failed = failed


# Failures worth one more try in the same invocation; anything else is raised at once.
RETRYABLE_FAILURES = frozenset(
    {"ThrottlingException", "InternalException", "LimitExceededException"}
)
HUMAN_WORKFLOW = "SUPPRESSED"  # a person's waiver: orgwarden never overrides it
# Security Hub answers an account that is not subscribed (hub disabled) with this code.
HUB_NOT_ENABLED = ("InvalidAccessException",)
# Who imports and updates findings, named in an AccessDenied (AWS's message names the ARN).
WRITER = "the finding-writer role"


class WorkflowUpdateFailed(Exception):
    """Security Hub did not process a workflow change it was sent; the message is retried."""


class SecurityHubNotEnabled(Exception):
    """The member account and region have no Security Hub: no finding can be imported there.

    Retrying cannot help until the hub is enabled again (the securityhub_enabled rule does so
    in enforce mode); the verdict is kept in the evidence store meanwhile.
    """


def import_findings(
    securityhub: Any, findings: Sequence[dict[str, Any]], *, principal: str = WRITER
) -> int:
    """Import in calls of at most 100 findings and 6 MB; returns how many calls were made.

    Findings refused for a transient reason are sent once more; any still refused are raised
    (the event is retried through the queue), never dropped.
    """
    failed: list[dict[str, Any]] = []
    calls = 0
    by_id = {f["Id"]: f for f in findings}
    for batch in _batches(findings):
        answer = call(
            IMPORT,
            principal,
            partial(securityhub.batch_import_findings, Findings=batch),
            absent=HUB_NOT_ENABLED,
        )
        if answer is None:
            raise SecurityHubNotEnabled(f"{IMPORT}: {HUB_NOT_ENABLED[0]} (no hub to import into)")
        calls += 1
        failed.extend(answer.get("FailedFindings", []) if answer.get("FailedCount", 0) else [])
    retry = [by_id[f["Id"]] for f in failed if f.get("ErrorCode") in RETRYABLE_FAILURES]
    failed = [f for f in failed if f.get("ErrorCode") not in RETRYABLE_FAILURES]
    for batch in _batches(retry):
        with translated(IMPORT, principal):
            answer = securityhub.batch_import_findings(Findings=batch)
        calls += 1
        failed.extend(answer.get("FailedFindings", []) if answer.get("FailedCount", 0) else [])
    if failed:
        raise FindingImportFailed(failed)
    return calls


def workflow_status(
    securityhub: Any, finding_id: str, product_arn: str, *, principal: str = WRITER
) -> str | None:
    """The finding's workflow status in Security Hub, or None when it does not exist."""
    with translated("securityhub:GetFindings", principal):
        answer = securityhub.get_findings(
            Filters={
                "Id": [{"Value": finding_id, "Comparison": "EQUALS"}],
                "ProductArn": [{"Value": product_arn, "Comparison": "EQUALS"}],
            },
            MaxResults=1,
        )
    for finding in answer.get("Findings", []):
        if finding.get("Id") == finding_id:
            status: str | None = finding.get("Workflow", {}).get("Status")
            return status
    return None


def set_workflow(
    securityhub: Any,
    finding_id: str,
    product_arn: str,
    status: str,
    note: str,
    *,
    principal: str = WRITER,
) -> None:
    """Move a finding's workflow (NOTIFIED, RESOLVED) with a note saying why."""
    with translated("securityhub:BatchUpdateFindings", principal):
        answer = securityhub.batch_update_findings(
            FindingIdentifiers=[{"Id": finding_id, "ProductArn": product_arn}],
            Workflow={"Status": status},
            Note={"Text": note[:512], "UpdatedBy": "orgwarden"},
        )
    if answer.get("UnprocessedFindings"):
        problem = answer["UnprocessedFindings"][0]
        raise WorkflowUpdateFailed(
            f"{finding_id}: {problem.get('ErrorCode')} {problem.get('ErrorMessage')}"
        )


def _batches(findings: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for finding in findings:
        finding_size = len(json.dumps(finding, default=str))
        if batch and (
            len(batch) == MAX_FINDINGS_PER_CALL or size + finding_size > MAX_BYTES_PER_CALL
        ):
            yield batch
            batch, size = [], 0
        batch.append(finding)
        size += finding_size
    if batch:
        yield batch
