"""The one trust check, for each way in: an event, a sweep task and a Config invocation. Against
the simulated organization's Organizations on moto's server."""

import json
from collections.abc import Iterator

import pytest

from orgwarden.aws.sessions import Sessions
from orgwarden.engine.dead_letters import DeadLetterReason
from orgwarden.engine.evaluator import parse_event
from orgwarden.engine.messages import AccountSweep, RejectedEvent, SweepTask
from orgwarden.engine.runtime import config_rule, organization_directory
from orgwarden.engine.trust import Trust
from orgwarden.model.events import Event
from orgwarden_harness.incidents import access_key_resource, guardduty_finding_event
from orgwarden_harness.simulation import (
    ACCESS_ROLE,
    HOME_REGION,
    MANAGEMENT_ACCOUNT,
    SimulatedOrganization,
)
from tests.conftest import Configure, load_event

OUTSIDER = "999988887777"


@pytest.fixture
def trust(organization: SimulatedOrganization) -> Trust:
    role = f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/{ACCESS_ROLE}"
    # The tooling account is the GuardDuty delegated administrator here.
    return Trust(organization_directory(Sessions(), role), organization.tooling.account_id)


def cloudtrail(delivered_by: str, about: str) -> Event:
    event = load_event("cloudtrail", "s3", "PutBucketPolicy")
    event["account"] = delivered_by
    event["detail"]["recipientAccountId"] = about
    return parse_event(json.dumps(event))[0]


def test_a_member_s_own_cloudtrail_event_is_trusted(
    trust: Trust, organization: SimulatedOrganization
) -> None:
    member = organization.accounts["analytics-prod"].account_id
    trust.check_event(cloudtrail(member, member))
    trust.check_subjects(cloudtrail(member, member), [member])


def test_a_cloudtrail_event_claiming_another_account_is_untrusted(
    trust: Trust, organization: SimulatedOrganization
) -> None:
    member = organization.accounts["analytics-prod"].account_id
    other = organization.accounts["sandbox-dev"].account_id
    with pytest.raises(
        RejectedEvent, match=f"delivered by account {other} but is about account {member}"
    ) as error:
        trust.check_event(cloudtrail(other, member))
    assert error.value.reason is DeadLetterReason.UNTRUSTED_ACCOUNT


def test_the_sender_and_the_subject_must_be_members(
    trust: Trust, organization: SimulatedOrganization
) -> None:
    with pytest.raises(RejectedEvent, match=f"account {OUTSIDER} is not an active member") as error:
        trust.check_event(cloudtrail(OUTSIDER, OUTSIDER))
    assert error.value.reason is DeadLetterReason.UNTRUSTED_ACCOUNT


def test_an_event_acts_only_in_the_account_it_is_about(
    trust: Trust, organization: SimulatedOrganization
) -> None:
    member = organization.accounts["analytics-prod"].account_id
    other = organization.accounts["sandbox-dev"].account_id
    with pytest.raises(RejectedEvent, match=f"names resources of {other}") as error:
        trust.check_subjects(cloudtrail(member, member), [member, other])
    assert error.value.reason is DeadLetterReason.UNTRUSTED_ACCOUNT


def test_a_guardduty_finding_may_come_from_the_delegated_administrator(
    trust: Trust, organization: SimulatedOrganization
) -> None:
    member = organization.accounts["analytics-prod"].account_id
    raw = guardduty_finding_event(
        member, "UnauthorizedAccess:IAMUser/MaliciousIPCaller", access_key_resource("AKIA1", "x")
    )
    raw["account"] = organization.tooling.account_id  # the administrator's bus delivered it
    trust.check_event(parse_event(json.dumps(raw))[0])
    # Another member delivering it is not the administrator.
    raw["account"] = organization.accounts["sandbox-dev"].account_id
    with pytest.raises(RejectedEvent, match="accepted only from the delegated administrator"):
        trust.check_event(parse_event(json.dumps(raw))[0])
    # Without an administrator configured, only the member itself is believed.
    alone = Trust(trust.directory)
    raw["account"] = organization.tooling.account_id
    with pytest.raises(RejectedEvent, match="delivered by account"):
        alone.check_event(parse_event(json.dumps(raw))[0])


def test_a_sweep_task_must_name_an_active_member(
    trust: Trust, organization: SimulatedOrganization
) -> None:
    member = organization.accounts["payments-prod"].account_id
    for account in (member, OUTSIDER):
        task = SweepTask(
            sweep_id="t", account_id=account, region=HOME_REGION, resource_types=("AwsS3Bucket",)
        )
        plan = AccountSweep(
            sweep_id="t", account_id=account, regions=(HOME_REGION,), home_region=HOME_REGION
        )
        if account == member:
            trust.check_task(task)
            trust.check_task(plan)
            continue
        for outside in (task, plan):
            with pytest.raises(RejectedEvent, match=f"account {OUTSIDER} is not an active member"):
                trust.check_task(outside)


def test_config_is_served_for_members_only(
    trust: Trust, organization: SimulatedOrganization
) -> None:
    trust.check_config_invocation(organization.accounts["sandbox-dev"].account_id)
    with pytest.raises(PermissionError, match=f"{OUTSIDER} is not an active member"):
        trust.check_config_invocation(OUTSIDER)


@pytest.fixture
def config_function(lambda_env: Configure) -> Iterator[None]:
    lambda_env()  # the same organization read role as the evaluator's
    config_rule.cache_clear()
    yield
    config_rule.cache_clear()


@pytest.mark.usefixtures("config_function")
def test_the_config_rule_function_asks_the_trust_check_before_reaching_a_member() -> None:
    item = {
        "configurationItemCaptureTime": "2031-01-01T00:00:00.000Z",
        "configurationItemStatus": "OK",
        "awsAccountId": OUTSIDER,
        "awsRegion": HOME_REGION,
        "resourceType": "AWS::S3::Bucket",
        "resourceId": "outside-bucket",
        "tags": {},
    }
    invocation = {
        "invokingEvent": json.dumps(
            {"messageType": "ConfigurationItemChangeNotification", "configurationItem": item}
        ),
        "resultToken": "token",
        "configRuleArn": f"arn:aws:config:{HOME_REGION}:{OUTSIDER}:config-rule/config-rule-1",
        "accountId": OUTSIDER,
    }
    with pytest.raises(PermissionError, match=f"{OUTSIDER} is not an active member"):
        config_rule().handle(invocation)
