"""Scenario tests for s3_bucket_required_tags: the required-tags family's shared cases
(tag_cases) for S3 buckets (numbers cite policies/required_tags.py's docstring)."""

from typing import Any

from orgwarden.model.spec import Status
from tests.policies import tag_cases
from tests.policies.tag_cases import SHARED, TaggedType

BUCKET = TaggedType("s3_bucket_required_tags", "AwsS3Bucket", "customer-data-prod")


@SHARED
def test_shared_scenarios(
    tags: dict[str, str], extra: dict[str, Any], expected: Status, words: list[str]
) -> None:
    tag_cases.check_shared_scenario(BUCKET, tags, extra, expected, words)


def test_the_rule_judges_its_resource_type() -> None:
    tag_cases.check_the_resource_type(BUCKET)


def test_scenario_5_the_key_wins_over_its_aliases() -> None:
    tag_cases.check_the_key_wins_over_its_aliases(BUCKET)


def test_scenarios_3_4_allowed_values_or_a_pattern_either_admits_a_value() -> None:
    tag_cases.check_allowed_values_or_a_pattern_either_admits_a_value(BUCKET)


def test_scenario_7_per_ou_and_per_account_overrides_resolve_most_specific_first() -> None:
    tag_cases.check_overrides_resolve_most_specific_first(BUCKET)


def test_past_a_grace_period_it_is_only_tagged_never_stopped() -> None:
    tag_cases.check_no_grace_period_escalation(BUCKET)


def test_no_tagging_standard_control_covers_it() -> None:
    # The AWS Resource Tagging Standard has no S3 bucket control; the docstring says so.
    assert BUCKET.spec.related_requirements() == []


def test_scenario_3_a_failed_verdict_lists_each_problem_as_facts() -> None:
    # S13: the evidence names every unmet requirement, invalid values and missing keys alike.
    verdict = BUCKET.evaluate({"app": "x", "env": "production"})
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
