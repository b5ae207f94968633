"""Scenario tests for ec2_instance_required_tags: the required-tags family's shared cases
(tag_cases) for EC2 instances, and the instances' own grace period, scenarios 11-13 (numbers
cite policies/required_tags.py's docstring)."""

from datetime import timedelta
from typing import Any

import pytest

from orgwarden.model.spec import Status
from orgwarden.model.tags import TaggedResource
from tests.policies import tag_cases
from tests.policies.tag_cases import COMPLETE, CREATOR, NOW, SHARED, TaggedType, without

INSTANCE = TaggedType("ec2_instance_required_tags", "AwsEc2Instance", "i-0a1b2c3d4e5f60718")


@SHARED
def test_shared_scenarios(
    tags: dict[str, str], extra: dict[str, Any], expected: Status, words: list[str]
) -> None:
    tag_cases.check_shared_scenario(INSTANCE, tags, extra, expected, words)


def test_the_rule_judges_its_resource_type() -> None:
    tag_cases.check_the_resource_type(INSTANCE)


def test_scenario_5_the_key_wins_over_its_aliases() -> None:
    tag_cases.check_the_key_wins_over_its_aliases(INSTANCE)


def test_scenarios_3_4_allowed_values_or_a_pattern_either_admits_a_value() -> None:
    tag_cases.check_allowed_values_or_a_pattern_either_admits_a_value(INSTANCE)


def test_scenario_7_per_ou_and_per_account_overrides_resolve_most_specific_first() -> None:
    tag_cases.check_overrides_resolve_most_specific_first(INSTANCE)


def test_it_maps_to_its_tagging_standard_control() -> None:
    assert INSTANCE.spec.related_requirements() == ["aws-rts EC2.38"]


@pytest.mark.parametrize("state", ["terminated", "shutting-down"])
def test_scenario_9_a_terminated_or_shutting_down_instance_is_not_judged(state: str) -> None:
    verdict = INSTANCE.evaluate({}, state=state)
    assert verdict.status is Status.NOT_APPLICABLE
    assert state in verdict.reason


def launched(hours_ago: float, state: str = "running", **extra: Any) -> TaggedResource:
    return INSTANCE.resource(
        without("team"),
        state=state,
        created_at=NOW - timedelta(hours=hours_ago),
        grace_period_hours=24,
        **extra,
    )


def test_scenario_11_within_the_grace_period_the_owner_is_tagged_and_notified() -> None:
    verdict = INSTANCE.judge(launched(2, creator=CREATOR))
    assert verdict.status is Status.FAILED
    assert verdict.remediation is None  # the rule's own fix: tag_created_by
    assert "Grace period ends 2026-11-23T10:00:00Z" in verdict.reason
    assert verdict.facts["grace_period_ends"] == "2026-11-23T10:00:00+00:00"


def test_scenario_12_past_the_grace_period_a_running_instance_is_to_be_stopped() -> None:
    verdict = INSTANCE.judge(launched(25))
    assert verdict.status is Status.FAILED
    assert verdict.remediation == "ec2_stop_instance"
    assert "never terminated" in verdict.reason
    assert INSTANCE.spec.escalations == ("ec2_stop_instance",)


def test_the_grace_period_ends_exactly_at_its_deadline() -> None:
    assert INSTANCE.judge(launched(24)).remediation == "ec2_stop_instance"
    assert INSTANCE.judge(launched(23.99)).remediation is None


def test_scenario_13_a_stopped_instance_is_not_stopped_again() -> None:
    verdict = INSTANCE.judge(launched(100, state="stopped"))
    assert verdict.status is Status.FAILED
    assert verdict.remediation is None
    assert "the instance is stopped" in verdict.reason


def test_a_tagged_instance_past_its_grace_period_passes() -> None:
    state = INSTANCE.resource(
        COMPLETE,
        state="running",
        created_at=NOW - timedelta(days=9),
        grace_period_hours=24,
    )
    verdict = INSTANCE.judge(state)
    assert verdict.status is Status.PASSED
    assert verdict.remediation is None
