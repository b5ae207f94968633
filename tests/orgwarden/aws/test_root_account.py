"""Root usage readers against moto's server: the account summary, and the payload-only read."""

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.events import CloudTrailEvent
from orgwarden.model.resources import ResourceRef
from policies import root_access_keys_absent, root_mfa_enabled
from tests.conftest import EVENTS, ApiCalls, member_context

READ = "OrgwardenRead"


@pytest.fixture
def sessions(moto_server: str) -> Sessions:
    return Sessions()


def account(account_id: str) -> ResourceRef:
    return ResourceRef(
        resource_type="AwsAccount",
        resource_id=account_id,
        account_id=account_id,
        region="us-east-1",
    )


def test_scenario_15_the_account_summary_is_read_in_one_call(
    sessions: Sessions, account_id: str
) -> None:
    calls = ApiCalls()
    sessions._base.events.register("before-call.*.*", calls)
    state = READERS["root_credentials"].read(member_context(sessions, account(account_id), READ))
    # moto's fresh account: no root keys, no root MFA.
    assert state.access_keys_present is False
    assert state.mfa_enabled is False
    assert root_access_keys_absent.evaluate(state).status.value == "PASSED"
    assert root_mfa_enabled.evaluate(state).status.value == "FAILED"


def test_the_root_action_comes_from_the_event_without_any_call(
    sessions: Sessions, account_id: str
) -> None:
    event, _ = parse_event((EVENTS / "signin/ConsoleLogin-root.json").read_text())
    assert isinstance(event, CloudTrailEvent)
    calls = ApiCalls()
    sessions._base.events.register("before-call.*.*", calls)
    ref = account("111122223333")
    state = READERS["root_action"].read(member_context(sessions, ref, READ, payload=event.detail))
    assert calls.calls == []
    assert state.event_name == "ConsoleLogin"
    assert state.mfa_used == "No"
    assert state.login_result == "Success"
    assert state.source_ip == "203.0.113.50"
    assert state.event_id == "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"


def test_the_root_action_reader_refuses_anything_but_a_cloudtrail_event(
    sessions: Sessions,
) -> None:
    with pytest.raises(TypeError, match="CloudTrail event"):
        READERS["root_action"].read(
            member_context(sessions, account("111122223333"), READ, payload={"eventName": "x"})
        )
