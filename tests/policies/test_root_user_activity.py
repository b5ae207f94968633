"""Scenario table for root_user_activity (numbers cite the rule's docstring; S-numbers cite
../shared/reference/scenarios.md: S14)."""

from datetime import UTC, datetime

import pytest

from orgwarden.engine.evaluator import parse_event
from orgwarden.model.resources import ResourceRef
from orgwarden.model.root import RootAction
from orgwarden.model.spec import Status
from policies import load_catalogue, root_user_activity
from tests.conftest import EVENTS

ACCOUNT = ResourceRef(
    resource_type="AwsAccount",
    resource_id="111122223333",
    account_id="111122223333",
    region="us-east-1",
)
AT = datetime(2026, 11, 21, 2, 17, 44, tzinfo=UTC)


def action(event_name: str = "ConsoleLogin", **fields: object) -> RootAction:
    base: dict[str, object] = {
        "ref": ACCOUNT,
        "event_id": "e1f2a3b4",
        "event_name": event_name,
        "event_source": "signin.amazonaws.com"
        if event_name == "ConsoleLogin"
        else "ec2.amazonaws.com",
        "event_time": AT,
        "source_ip": "203.0.113.50",
        "user_agent": "Mozilla/5.0",
    }
    return RootAction.model_validate(base | fields)


@pytest.mark.parametrize(
    ("scenario", "state", "expected_in_reason"),
    [
        (
            1,
            action(mfa_used="No", login_result="Success"),
            "Root console sign-in (success, without MFA)",
        ),
        (2, action(mfa_used="Yes", login_result="Success"), "with MFA"),
        (3, action(mfa_used="No", login_result="Failure"), "Failed root console sign-in attempt"),
        (4, action("RunInstances"), "Root API call ec2:RunInstances"),
        (5, action("RunInstances", error_code="AccessDenied"), "refused: AccessDenied"),
    ],
)
def test_root_user_activity_scenarios(
    scenario: int, state: RootAction, expected_in_reason: str
) -> None:
    verdict = root_user_activity.evaluate(state)
    assert verdict.status is Status.FAILED, scenario
    assert expected_in_reason in verdict.reason
    # S14: what the finding must carry, in the evidence's facts.
    assert verdict.facts["source_ip"] == "203.0.113.50"
    assert verdict.facts["user_agent"] == "Mozilla/5.0"
    assert verdict.facts["event_id"] == "e1f2a3b4"
    assert verdict.facts["account_id"] == "111122223333"
    assert verdict.facts["event_time"] == "2026-11-21T02:17:44Z"
    if state.is_console_login:
        assert verdict.facts["mfa_used"] == state.mfa_used
        assert verdict.facts["login_result"] == state.login_result


def routed(fixture: str, detail_type: str | None = None) -> set[str]:
    text = (EVENTS / fixture).read_text()
    if detail_type:
        text = text.replace("AWS Console Sign In via CloudTrail", detail_type)
    event, raw = parse_event(text)
    return {m.rule.spec.id for m in load_catalogue().matches(event, raw["detail"])}


@pytest.mark.parametrize(
    "detail_type", ["AWS Console Sign In via CloudTrail", "AWS Console Signin via CloudTrail"]
)
def test_scenario_14_root_sign_in_routes_in_both_spellings(detail_type: str) -> None:
    assert routed("signin/ConsoleLogin-root.json", detail_type) == {"root_user_activity"}


def test_scenario_14_a_root_api_call_routes_with_one_key_per_event() -> None:
    event, raw = parse_event((EVENTS / "root/RunInstances.json").read_text())
    matches = load_catalogue().matches(event, raw["detail"])
    # The launch also reaches the instance rules; the root rule keys its finding on the event.
    (match,) = [m for m in matches if m.rule.spec.id == "root_user_activity"]
    assert match.key == "event/9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a"
    assert match.region == "eu-west-1"


def test_scenario_6_a_service_acting_for_root_is_not_routed() -> None:
    assert routed("root/GetBucketAcl-invokedBy.json") == set()
