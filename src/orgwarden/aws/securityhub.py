"""Importing ASFF findings into a member account's Security Hub."""

import json
from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError

from orgwarden.aws.errors import error_code

MAX_FINDINGS_PER_CALL = 100
MAX_BYTES_PER_CALL = 6 * 1024 * 1024


class FindingImportFailed(Exception):
    """Security Hub refused some findings; the message is retried, never dropped."""

    def __init__(self, failed: list[dict[str, Any]]) -> None:
        reasons = "; ".join(
            f"{f.get('Id')}: {f.get('ErrorCode')} {f.get('ErrorMessage')}" for f in failed[:5]
        )
        super().__init__(f"{len(failed)} finding(s) not imported: {reasons}")
        self.failed = failed


class SecurityHubNotEnabled(Exception):
    """The member account and region have no Security Hub: no finding can be imported there.

    Retrying cannot help until the hub is enabled again (the securityhub_enabled rule does so
    in enforce mode); the verdict is kept in the evidence store meanwhile.
    """


def import_findings(securityhub: Any, findings: Sequence[dict[str, Any]]) -> int:
    """Import in calls of at most 100 findings and 6 MB; returns how many calls were made."""
    failed: list[dict[str, Any]] = []
    calls = 0
    for batch in _batches(findings):
        try:
            answer = securityhub.batch_import_findings(Findings=batch)
        except ClientError as error:
            # Security Hub's answer for an account that is not subscribed (hub disabled).
            if error_code(error) == "InvalidAccessException":
                raise SecurityHubNotEnabled(str(error)) from error
            raise
        calls += 1
        if answer.get("FailedCount", 0):
            failed.extend(answer.get("FailedFindings", []))
    if failed:
        raise FindingImportFailed(failed)
    return calls


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
