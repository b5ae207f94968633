"""Scenario tests for ebs_volume_required_tags: the required-tags family's shared cases
(tag_cases) for EBS volumes (numbers cite policies/required_tags.py's docstring)."""

from typing import Any

from orgwarden.model.spec import Status
from tests.policies import tag_cases
from tests.policies.tag_cases import SHARED, TaggedType

VOLUME = TaggedType("ebs_volume_required_tags", "AwsEc2Volume", "vol-049df61146c4d7901")


@SHARED
def test_shared_scenarios(
    tags: dict[str, str], extra: dict[str, Any], expected: Status, words: list[str]
) -> None:
    tag_cases.check_shared_scenario(VOLUME, tags, extra, expected, words)


def test_the_rule_judges_its_resource_type() -> None:
    tag_cases.check_the_resource_type(VOLUME)


def test_scenario_5_the_key_wins_over_its_aliases() -> None:
    tag_cases.check_the_key_wins_over_its_aliases(VOLUME)


def test_scenarios_3_4_allowed_values_or_a_pattern_either_admits_a_value() -> None:
    tag_cases.check_allowed_values_or_a_pattern_either_admits_a_value(VOLUME)


def test_scenario_7_per_ou_and_per_account_overrides_resolve_most_specific_first() -> None:
    tag_cases.check_overrides_resolve_most_specific_first(VOLUME)


def test_past_a_grace_period_it_is_only_tagged_never_stopped() -> None:
    tag_cases.check_no_grace_period_escalation(VOLUME)


def test_it_maps_to_its_tagging_standard_control() -> None:
    assert VOLUME.spec.related_requirements() == ["aws-rts EC2.45"]
