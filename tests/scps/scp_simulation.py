"""SCP decisions for the request tables: FullAWSAccess plus the SCP under test on the target,
decided by `tests/scps/scp_evaluator.py` (AWS's case-sensitive ARN matching, set operators,
service-linked roles outside SCPs)."""

from typing import Any

from tests.scps.policy_files import Case
from tests.scps.scp_evaluator import FULL_AWS_ACCESS, Request, scp_denies


def request(case: Case) -> Request:
    return Request(
        action=case.action,
        resource=case.resource,
        principal_arn=case.principal,
        context=dict(case.context),
    )


def is_denied(scp: dict[str, Any], case: Case) -> bool:
    """Whether the target's SCPs (FullAWSAccess and `scp`) stop the request."""
    return scp_denies([[FULL_AWS_ACCESS, scp]], request(case))


def denying_statements(scp: dict[str, Any], case: Case) -> list[str]:
    """Sids of the statements that deny the request on their own."""
    return [
        statement["Sid"]
        for statement in scp["Statement"]
        if is_denied({"Version": scp["Version"], "Statement": [statement]}, case)
    ]
