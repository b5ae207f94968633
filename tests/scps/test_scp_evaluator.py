"""The SCP evaluator against what AWS documents, and the tables against deliberately wrong
policies: a policy with the wrong case must fail the suite's checks."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.scps.policy_files import BREAK_GLASS_ROLE, load_cases, load_policy, scp_files
from tests.scps.scp_evaluator import (
    FULL_AWS_ACCESS,
    Request,
    Unsupported,
    arn_matches,
    condition_holds,
    scp_denies,
)
from tests.scps.scp_simulation import is_denied

ADMIN = "arn:aws:iam::111122223333:role/Admin"


def _request(context: dict[str, Any] | None = None, principal: str = ADMIN) -> Request:
    return Request("s3:GetObject", "*", principal, context or {})


# ---------------------------------------------------------------- ARN matching


@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        # IAM User Guide, "IAM JSON policy elements: Resource": "In the Resource element, the
        # IAM user name is case sensitive."
        ("arn:aws:iam::*:user/Bob", "arn:aws:iam::111122223333:user/Bob", True),
        ("arn:aws:iam::*:user/Bob", "arn:aws:iam::111122223333:user/bob", False),
        ("arn:aws:iam::*:role/orgwarden*", "arn:aws:iam::111122223333:role/OrgwardenRead", False),
        # Same page: the asterisk "can expand to replace everything within a segment,
        # including characters like a forward slash (/)": a role path is inside the segment.
        ("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/team/Admin", True),
        ("arn:aws:iam::*:user/accounting/*", "arn:aws:iam::111122223333:user/accounting/Ann", True),
        # A role under a path is not the root-path pattern's role.
        ("arn:aws:iam::*:role/Orgwarden*", "arn:aws:iam::111122223333:role/x/OrgwardenX", False),
        ("arn:aws:iam::*:role/*/Orgwarden*", "arn:aws:iam::111122223333:role/x/OrgwardenX", True),
        # "Each of the six colon-delimited components of the ARN is checked separately"
        # (Condition operators, ARN condition operators): `*` in the account stays there.
        ("arn:aws:iam::*:role/Admin", "arn:aws:iam::111122223333:role/Admin", True),
        ("arn:aws:iam:*:role/Admin", "arn:aws:iam::111122223333:role/Admin", False),
        ("arn:aws:rds:*:*:db:*", "arn:aws:rds:us-east-1:111122223333:db:payments", True),
        ("*", "arn:aws:rds:us-east-1:111122223333:db:payments", True),
    ],
)
def test_arn_matching_is_aws_s(pattern: str, arn: str, matches: bool) -> None:
    assert arn_matches(pattern, arn) is matches


# ---------------------------------------------------------------- conditions


def test_a_negated_operator_on_an_absent_key_is_true() -> None:
    """Condition operators: "If the policy condition requires that the key is not matched, such
    as StringNotLike or ArnNotLike, and the right key is not present, the condition is true." """
    assert condition_holds({"StringNotLike": {"aws:SourceVpce": "vpce-1*"}}, _request())
    assert condition_holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::b"}}, _request())
    assert not condition_holds({"StringLike": {"aws:SourceVpce": "vpce-1*"}}, _request())


def test_for_all_values_is_true_on_an_absent_key_and_for_any_value_false() -> None:
    """IAM User Guide, "Single-valued vs. multivalued context keys", ForAllValues: "It also
    returns true if there are no context keys in the request." ForAnyValue needs a value."""
    allowed_keys = {"ForAllValues:StringEquals": {"aws:TagKeys": ["app", "env"]}}
    assert condition_holds(allowed_keys, _request())
    assert condition_holds(allowed_keys, _request({"aws:TagKeys": ["app"]}))
    assert not condition_holds(allowed_keys, _request({"aws:TagKeys": ["app", "owner"]}))
    any_key = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["app"]}}
    assert not condition_holds(any_key, _request())
    assert condition_holds(any_key, _request({"aws:TagKeys": ["owner", "app"]}))


def test_for_all_values_string_not_like_is_no_break_glass_exclusion() -> None:
    """aws-facts section 6: on a single-valued key that is absent, the set operator is true."""
    exclusion = {"ForAllValues:StringNotLike": {"aws:PrincipalTag/role": "breakglass"}}
    assert condition_holds(exclusion, _request())


def test_string_operators_are_case_sensitive_and_keys_are_not() -> None:
    """Condition operators: StringEquals is "Exact matching, case sensitive"; IAM JSON policy
    elements, Condition: "Context key names are not case-sensitive." """
    tokens = {"StringEquals": {"ec2:MetadataHttpTokens": "required"}}
    assert condition_holds(tokens, _request({"EC2:metadatahttptokens": "required"}))
    assert not condition_holds(tokens, _request({"ec2:MetadataHttpTokens": "Required"}))


def test_keys_in_one_operator_are_anded_and_values_ored() -> None:
    both = {"StringEquals": {"ec2:MetadataHttpTokens": ["required", "x"], "aws:Region": "eu"}}
    assert condition_holds(both, _request({"ec2:MetadataHttpTokens": "x", "aws:Region": "eu"}))
    assert not condition_holds(both, _request({"ec2:MetadataHttpTokens": "x"}))


def test_null_and_if_exists() -> None:
    assert condition_holds({"Null": {"aws:RequestTag/app": "true"}}, _request())
    assert not condition_holds({"Null": {"aws:RequestTag/app": "false"}}, _request())
    assert condition_holds({"StringEqualsIfExists": {"ec2:Tenancy": "default"}}, _request())


def test_what_the_evaluator_does_not_decide_raises() -> None:
    with pytest.raises(Unsupported):
        condition_holds({"StringEquals": {"aws:TagKeys": "app"}}, _request({"aws:TagKeys": []}))
    with pytest.raises(Unsupported):
        condition_holds({"DateGreaterThan": {"aws:CurrentTime": "2020"}}, _request())
    with pytest.raises(Unsupported):
        condition_holds({"StringLike": {"aws:PrincipalArn": "${aws:username}"}}, _request())


# ---------------------------------------------------------------- SCP evaluation


DENY_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
}


def test_service_linked_roles_are_outside_scps() -> None:
    """Organizations User Guide, "Service control policies (SCPs)": "SCPs don't affect
    service-linked roles." """
    slr = (
        "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/"
        "AWSServiceRoleForConfig"
    )
    assert not scp_denies([[FULL_AWS_ACCESS, DENY_ALL]], _request(principal=slr))
    assert scp_denies([[FULL_AWS_ACCESS, DENY_ALL]], _request())


def test_every_level_must_allow() -> None:
    """ "SCP evaluation": without an Allow at a level (FullAWSAccess detached), nothing is
    allowed."""
    assert scp_denies([[FULL_AWS_ACCESS], []], _request())
    assert not scp_denies([[FULL_AWS_ACCESS], [FULL_AWS_ACCESS]], _request())


def test_actions_match_case_insensitively() -> None:
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "S3:get*", "Resource": "*"}],
    }
    assert scp_denies([[FULL_AWS_ACCESS, deny]], _request())


# ---------------------------------------------------------------- wrong policies fail the tables


def _lowercase_arns(node: Any) -> Any:
    if isinstance(node, str):
        return node.lower() if node.startswith("arn:") else node
    if isinstance(node, list):
        return [_lowercase_arns(n) for n in node]
    if isinstance(node, dict):
        return {k: _lowercase_arns(v) for k, v in node.items()}
    return node


def _table_holds(policy: dict[str, Any], path: Path) -> bool:
    for case in load_cases(path):
        if ("denied" if is_denied(policy, case) else "not denied") != case.expect:
            return False
        as_break_glass = case.model_copy(update={"principal": BREAK_GLASS_ROLE})
        if case.expect == "denied" and is_denied(policy, as_break_glass):
            return False
    return True


@pytest.mark.parametrize("path", scp_files(), ids=lambda p: p.stem)
def test_each_table_holds_for_its_policy(path: Path) -> None:
    assert _table_holds(load_policy(path), path)


@pytest.mark.parametrize("path", scp_files(), ids=lambda p: p.stem)
def test_a_policy_with_lowercased_arns_fails_its_table(path: Path) -> None:
    """`role/orgwarden*` protects nothing called `Orgwarden...`, and an exclusion of
    `role/orgwardenbreakglass` exempts nobody: the tables must notice."""
    policy = load_policy(path)
    wrong = _lowercase_arns(copy.deepcopy(policy))
    assert json.dumps(wrong) != json.dumps(policy)
    assert not _table_holds(wrong, path)


def test_protect_orgwarden_with_a_lowercase_resource_fails_its_table() -> None:
    path = next(p for p in scp_files() if p.stem == "protect-orgwarden")
    policy = load_policy(path)
    for statement in policy["Statement"]:
        resources = statement["Resource"]
        statement["Resource"] = [
            r.replace("Orgwarden", "orgwarden")
            for r in ([resources] if isinstance(resources, str) else resources)
        ]
    assert not _table_holds(policy, path)
