"""Scenario tables for the required-tags rules (numbers cite the rules' docstrings; S-numbers
cite ../shared/reference/scenarios.md). Scenarios 1-10 run against every required-tags rule;
11-13 are the instance rule's grace period."""

import importlib
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from orgwarden.engine.policy import default_policy
from orgwarden.model.policy_file import RequiredTag, TagPolicy
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Status
from orgwarden.model.tags import TaggedResource
from policies.tag_requirements import check_tags

ACCOUNT, REGION = "111122223333", "eu-west-1"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CREATOR = f"arn:aws:sts::{ACCOUNT}:assumed-role/DeveloperAccess/jane.doe@example.com"
COMPLETE = {"app": "checkout", "env": "prod", "team": "payments", "cost-center": "cc-1042"}
# Per rule module: the resource type and an id of that type.
RULES = {
    "ec2_instance_required_tags": ("AwsEc2Instance", "i-0a1b2c3d4e5f60718"),
    "ebs_volume_required_tags": ("AwsEc2Volume", "vol-049df61146c4d7901"),
    "s3_bucket_required_tags": ("AwsS3Bucket", "customer-data-prod"),
    "rds_instance_required_tags": ("AwsRdsDbInstance", "payments-db"),
    "lambda_function_required_tags": ("AwsLambdaFunction", "checkout-api"),
    "dynamodb_table_required_tags": ("AwsDynamoDbTable", "orders"),
}
DEFAULT = default_policy().tag_policy.required


def resource(rule: str, tags: dict[str, str], **extra: Any) -> TaggedResource:
    resource_type, resource_id = RULES[rule]
    ref = ResourceRef(
        resource_type=resource_type, resource_id=resource_id, account_id=ACCOUNT, region=REGION
    )
    return TaggedResource(**{"ref": ref, "tags": tags, "required": DEFAULT, "now": NOW, **extra})


def without(*keys: str) -> dict[str, str]:
    return {k: v for k, v in COMPLETE.items() if k not in keys}


WITH_ALIAS = (
    RequiredTag(key="app"),
    RequiredTag(key="env", allowed=("prod", "staging", "dev"), aliases=("Env", "environment")),
)
WITH_PATTERN = (RequiredTag(key="cost-center", pattern=r"cc-\d{4}"),)

SHARED = [
    # id, tags, extra state, expected, words in the reason
    ("1: all required tags, allowed values", COMPLETE, {}, Status.PASSED, ["All 4"]),
    (
        "2: keys missing (S12)",
        without("team", "cost-center"),
        {},
        Status.FAILED,
        ["missing team, cost-center"],
    ),
    ("2: no tags at all (S12)", {}, {}, Status.FAILED, ["missing app, env, team, cost-center"]),
    (
        "3: env=production is not allowed (S13)",
        {**COMPLETE, "env": "production"},
        {},
        Status.FAILED,
        ["env='production'", "one of prod, staging, dev"],
    ),
    (
        "3: values compare exactly: Prod is not prod (S13)",
        {**COMPLETE, "env": "Prod"},
        {},
        Status.FAILED,
        ["env='Prod'"],
    ),
    (
        "4: a value not matching the pattern",
        {"cost-center": "1042"},
        {"required": WITH_PATTERN},
        Status.FAILED,
        ["matching cc-\\d{4}"],
    ),
    (
        "4: a value matching the pattern",
        {"cost-center": "cc-1042"},
        {"required": WITH_PATTERN},
        Status.PASSED,
        [],
    ),
    (
        "5: Env is not env without an alias (S13)",
        {**without("env"), "Env": "prod"},
        {},
        Status.FAILED,
        ["missing env"],
    ),
    (
        "5: an alias stands in for the key (S13)",
        {"app": "x", "environment": "dev"},
        {"required": WITH_ALIAS},
        Status.PASSED,
        [],
    ),
    (
        "5: an alias's value is checked too (S13)",
        {"app": "x", "Env": "production"},
        {"required": WITH_ALIAS},
        Status.FAILED,
        ["Env='production'"],
    ),
    ("6: an empty value", {**COMPLETE, "team": " "}, {}, Status.FAILED, ["non-empty"]),
    (
        "7: an override that requires only app",
        {"app": "x"},
        {"required": (RequiredTag(key="app"),)},
        Status.PASSED,
        ["All 1"],
    ),
    (
        "8: the creator is named for tagging (S12)",
        without("app"),
        {"creator": CREATOR},
        Status.FAILED,
        [f"Created by {CREATOR}"],
    ),
    (
        "8: an owner already tagged",
        {**without("app"), "created-by": CREATOR},
        {},
        Status.FAILED,
        [f"created-by={CREATOR}"],
    ),
    ("8: owner unknown", without("app"), {}, Status.FAILED, ["Owner unknown"]),
    ("9: being deleted", {}, {"state": "deleting"}, Status.NOT_APPLICABLE, ["deleting"]),
    (
        "10: type outside the policy",
        {},
        {"in_scope": False},
        Status.NOT_APPLICABLE,
        ["does not cover"],
    ),
]


def rule_module(rule: str) -> ModuleType:
    return importlib.import_module(f"policies.{rule}")


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize(
    ("tags", "extra", "expected", "words"), [c[1:] for c in SHARED], ids=[c[0] for c in SHARED]
)
def test_shared_scenarios(
    rule: str, tags: dict[str, str], extra: dict[str, Any], expected: Status, words: list[str]
) -> None:
    verdict = rule_module(rule).evaluate(resource(rule, tags, **extra))
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason
    assert verdict.remediation is None


def test_scenario_13_failed_verdict_lists_each_problem_as_facts() -> None:
    verdict = rule_module("s3_bucket_required_tags").evaluate(
        resource("s3_bucket_required_tags", {"app": "x", "env": "production"})
    )
    assert verdict.facts["problems"] == [
        {
            "key": "env",
            "problem": "invalid",
            "tag": "env",
            "value": "production",
            "expected": "one of prod, staging, dev",
        },
        {"key": "team", "problem": "missing", "accepted_keys": ["team"]},
        {"key": "cost-center", "problem": "missing", "accepted_keys": ["cost-center"]},
    ]


def test_the_key_wins_over_its_aliases() -> None:
    problems = check_tags({"env": "prod", "Env": "production"}, WITH_ALIAS[1:])
    assert problems == []


def test_allowed_values_or_a_pattern_either_admits_a_value() -> None:
    both = (RequiredTag(key="env", allowed=("prod",), pattern=r"dev-\w+"),)
    assert check_tags({"env": "prod"}, both) == []
    assert check_tags({"env": "dev-jane"}, both) == []
    (problem,) = check_tags({"env": "qa"}, both)
    assert problem["expected"] == r"one of prod or a value matching dev-\w+"


def test_scenario_7_per_ou_and_per_account_overrides_resolve_most_specific_first() -> None:
    policy = TagPolicy.model_validate(
        {
            "required": [{"key": "app"}, {"key": "team"}],
            "overrides": [
                {"scope": {"ou": "Sandbox"}, "required": [{"key": "owner"}]},
                {"scope": {"account": ACCOUNT}, "required": [{"key": "app"}]},
            ],
        }
    )
    assert [r.key for r in policy.required_for("999988887777", ())] == ["app", "team"]
    assert [r.key for r in policy.required_for("999988887777", ("Sandbox",))] == ["owner"]
    assert [r.key for r in policy.required_for(ACCOUNT, ("Sandbox",))] == ["app"]


# The instance rule's grace period (scenarios 11-13).
INSTANCE = "ec2_instance_required_tags"


def launched(hours_ago: float, state: str = "running", **extra: Any) -> TaggedResource:
    return resource(
        INSTANCE,
        without("team"),
        state=state,
        created_at=NOW - timedelta(hours=hours_ago),
        grace_period_hours=24,
        **extra,
    )


def test_scenario_11_within_the_grace_period_the_owner_is_tagged_and_notified() -> None:
    verdict = rule_module(INSTANCE).evaluate(launched(2, creator=CREATOR))
    assert verdict.status is Status.FAILED
    assert verdict.remediation is None  # the rule's own fix: tag_created_by
    assert "Grace period ends 2026-11-23T10:00:00Z" in verdict.reason
    assert verdict.facts["grace_period_ends"] == "2026-11-23T10:00:00+00:00"


def test_scenario_12_past_the_grace_period_a_running_instance_is_to_be_stopped() -> None:
    verdict = rule_module(INSTANCE).evaluate(launched(25))
    assert verdict.status is Status.FAILED
    assert verdict.remediation == "ec2_stop_instance"
    assert "never terminated" in verdict.reason
    assert rule_module(INSTANCE).SPEC.escalations == ("ec2_stop_instance",)


def test_the_grace_period_ends_exactly_at_its_deadline() -> None:
    assert rule_module(INSTANCE).evaluate(launched(24)).remediation == "ec2_stop_instance"
    assert rule_module(INSTANCE).evaluate(launched(23.99)).remediation is None


def test_scenario_13_a_stopped_instance_is_not_stopped_again() -> None:
    verdict = rule_module(INSTANCE).evaluate(launched(100, state="stopped"))
    assert verdict.status is Status.FAILED
    assert verdict.remediation is None
    assert "the instance is stopped" in verdict.reason


def test_a_tagged_instance_past_its_grace_period_passes() -> None:
    state = resource(
        INSTANCE,
        COMPLETE,
        state="running",
        created_at=NOW - timedelta(days=9),
        grace_period_hours=24,
    )
    verdict = rule_module(INSTANCE).evaluate(state)
    assert verdict.status is Status.PASSED
    assert verdict.remediation is None


def test_every_tag_rule_maps_to_its_tagging_standard_control() -> None:
    controls = {rule: rule_module(rule).SPEC.related_requirements() for rule in RULES}
    assert controls == {
        "ec2_instance_required_tags": ["aws-rts EC2.38"],
        "ebs_volume_required_tags": ["aws-rts EC2.45"],
        "s3_bucket_required_tags": [],
        "rds_instance_required_tags": ["aws-rts RDS.30"],
        "lambda_function_required_tags": ["aws-rts Lambda.6"],
        "dynamodb_table_required_tags": ["aws-rts DynamoDB.5"],
    }
