"""Each SCP's intent, as data: the request tables in scps/*.cases.yaml, decided by
the case-sensitive evaluation of tests/scps/scp_evaluator.py."""

from pathlib import Path

import pytest

from tests.scps.policy_files import BREAK_GLASS_ROLE, Case, load_cases, load_policy, scp_files
from tests.scps.scp_simulation import denying_statements, is_denied

CASES = [(path, case) for path in scp_files() for case in load_cases(path)]
TABLE = [pytest.param(path, case, id=f"{path.stem}: {case.name}") for path, case in CASES]
DENIED = [
    pytest.param(path, case, id=f"{path.stem}: {case.name}")
    for path, case in CASES
    if case.expect == "denied"
]


@pytest.mark.parametrize(("path", "case"), TABLE)
def test_the_scp_gives_the_expected_decision(path: Path, case: Case) -> None:
    denied = is_denied(load_policy(path), case)
    assert ("denied" if denied else "not denied") == case.expect


@pytest.mark.parametrize(("path", "case"), DENIED)
def test_the_break_glass_role_is_never_denied(path: Path, case: Case) -> None:
    as_break_glass = case.model_copy(update={"principal": BREAK_GLASS_ROLE})
    assert not is_denied(load_policy(path), as_break_glass)


@pytest.mark.parametrize("path", scp_files(), ids=lambda p: p.stem)
def test_every_table_has_allowed_requests_and_a_break_glass_case(path: Path) -> None:
    cases = load_cases(path)
    assert any(c.expect == "not denied" and c.principal != BREAK_GLASS_ROLE for c in cases)
    assert any(c.expect == "not denied" and c.principal == BREAK_GLASS_ROLE for c in cases)


@pytest.mark.parametrize("path", scp_files(), ids=lambda p: p.stem)
def test_every_statement_denies_at_least_one_request_in_the_table(path: Path) -> None:
    policy = load_policy(path)
    exercised = {
        sid
        for case in load_cases(path)
        if case.expect == "denied"
        for sid in denying_statements(policy, case)
    }
    assert exercised == {s["Sid"] for s in policy["Statement"]}


def test_one_null_block_with_all_keys_would_miss_a_single_missing_tag() -> None:
    """Why require-tags.json has one statement per tag (aws-facts section 6)."""
    one_block = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllKeysInOneBlock",
                "Effect": "Deny",
                "Action": "ec2:RunInstances",
                "Resource": "arn:aws:ec2:*:*:instance/*",
                "Condition": {
                    "Null": {f"aws:RequestTag/{k}": "true" for k in ("app", "env", "team")}
                },
            }
        ],
    }
    missing_team_only = Case(
        name="missing team only",
        action="ec2:RunInstances",
        resource="arn:aws:ec2:us-east-1:111122223333:instance/*",
        context={"aws:RequestTag/app": "payments", "aws:RequestTag/env": "prod"},
        expect="denied",
    )
    assert not is_denied(one_block, missing_team_only)
    per_tag = load_policy(next(p for p in scp_files() if p.stem == "require-tags"))
    assert is_denied(per_tag, missing_team_only)
