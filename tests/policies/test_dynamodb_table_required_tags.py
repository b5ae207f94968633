"""Scenario tests for dynamodb_table_required_tags: the required-tags family's shared cases
(tag_cases) for DynamoDB tables (numbers cite policies/required_tags.py's docstring)."""

from typing import Any

from orgwarden.model.spec import Status
from tests.policies import tag_cases
from tests.policies.tag_cases import SHARED, TaggedType

TABLE = TaggedType("dynamodb_table_required_tags", "AwsDynamoDbTable", "orders")


@SHARED
def test_shared_scenarios(
    tags: dict[str, str], extra: dict[str, Any], expected: Status, words: list[str]
) -> None:
    tag_cases.check_shared_scenario(TABLE, tags, extra, expected, words)


def test_the_rule_judges_its_resource_type() -> None:
    tag_cases.check_the_resource_type(TABLE)


def test_scenario_5_the_key_wins_over_its_aliases() -> None:
    tag_cases.check_the_key_wins_over_its_aliases(TABLE)


def test_scenarios_3_4_allowed_values_or_a_pattern_either_admits_a_value() -> None:
    tag_cases.check_allowed_values_or_a_pattern_either_admits_a_value(TABLE)


def test_scenario_7_per_ou_and_per_account_overrides_resolve_most_specific_first() -> None:
    tag_cases.check_overrides_resolve_most_specific_first(TABLE)


def test_past_a_grace_period_it_is_only_tagged_never_stopped() -> None:
    tag_cases.check_no_grace_period_escalation(TABLE)


def test_it_maps_to_its_tagging_standard_control() -> None:
    assert TABLE.spec.related_requirements() == ["aws-rts DynamoDB.5"]
