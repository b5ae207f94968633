"""Through the whole pipeline on moto's server: a Lambda function's or a DynamoDB table's tags
decide both its required-tags rule and the exemption check after a FAILED verdict, and are read
with one call, in a sweep task and for an event alike. The resources carry an exemption tag, so
the suppressed verdict shows that the exemption check did read them."""

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from orgwarden.aws.sessions import Sessions
from orgwarden.engine.runtime import build_evaluator
from orgwarden.engine.settings import Settings
from orgwarden.engine.sweep import SweepTask, run_task
from orgwarden.model.spec import Status
from orgwarden_harness.simulated_drift import add_member_account
from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization, cloudtrail_event
from tests.conftest import ApiCalls, Configure, hook_new_clients

DEVELOPER = "arn:aws:sts::{account}:assumed-role/DeveloperAccess/jane.doe@example.com"
EXEMPT = {
    "app": "checkout",
    "orgwarden:exempt": "lambda_function_required_tags,dynamodb_table_required_tags@2099-12-31",
    "orgwarden:exempt-owner": "platform@example.com",
}
# The member-account calls of each type: what its listing and its tag read cost.
MEMBER_CALLS = {
    "AwsLambdaFunction": ("Lambda.",),
    "AwsDynamoDbTable": ("DynamoDB.ListTables", "DynamoDB.ListTagsOfResource"),
}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> ApiCalls:
    """Every API call of every boto3 client created from here on."""
    counted = ApiCalls()
    hook_new_clients(monkeypatch, "before-call.*.*", counted)
    return counted


def make_function(sim: SimulatedOrganization, account: str, name: str) -> str:
    session = sim.session(account)
    role = session.client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "def handler(event, context):\n    return None\n")
    session.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
        Tags=EXEMPT,
    )
    return name


def make_table(sim: SimulatedOrganization, account: str, name: str) -> str:
    sim.session(account).client("dynamodb").create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in EXEMPT.items()],
    )
    return name


Make = Callable[[SimulatedOrganization, str, str], str]
KINDS = [
    ("AwsLambdaFunction", make_function, "lambda_function_required_tags", "Lambda.ListTags"),
    (
        "AwsDynamoDbTable",
        make_table,
        "dynamodb_table_required_tags",
        "DynamoDB.ListTagsOfResource",
    ),
]


def member_calls(calls: ApiCalls, resource_type: str) -> list[str]:
    return [c for c in calls.calls if c.startswith(MEMBER_CALLS[resource_type])]


@pytest.mark.parametrize(("resource_type", "make", "rule", "tag_read"), KINDS)
def test_a_sweep_task_reads_the_tags_once_for_the_rule_and_the_exemption_check(
    organization: SimulatedOrganization,
    lambda_env: Configure,
    calls: ApiCalls,
    resource_type: str,
    make: Make,
    rule: str,
    tag_read: str,
) -> None:
    sim = organization
    account = add_member_account(sim, f"tag-reads-{uuid.uuid4().hex[:8]}").account_id
    name = make(sim, account, f"tag-reads-{uuid.uuid4().hex[:8]}")
    lambda_env()
    evaluator = build_evaluator(Settings(), Sessions())  # type: ignore[call-arg]
    calls.calls.clear()

    task = SweepTask(
        sweep_id=f"t-{uuid.uuid4().hex[:8]}",
        account_id=account,
        region=HOME_REGION,
        resource_types=(resource_type,),
    )
    run = run_task(evaluator, task, hand_on=lambda tasks: None)

    (outcome,) = run.outcomes
    assert (outcome.rule_id, outcome.resource_id) == (rule, name)
    assert outcome.detected is Status.FAILED  # the rule read the tags: team, env... missing
    assert outcome.status is Status.WARNING  # the exemption check read them: suppressed
    listing = (
        "Lambda.ListFunctions" if resource_type == "AwsLambdaFunction" else "DynamoDB.ListTables"
    )
    assert member_calls(calls, resource_type) == [listing, tag_read]


def event_for(resource_type: str, account: str, name: str) -> dict[str, Any]:
    if resource_type == "AwsLambdaFunction":
        event = cloudtrail_event(
            event_name="CreateFunction20150331",
            account_id=account,
            region=HOME_REGION,
            request_parameters={"functionName": name},
            principal_arn=DEVELOPER.format(account=account),
            service="lambda",
        )
        event["detail"]["responseElements"] = {"functionName": name}
        return event
    return cloudtrail_event(
        event_name="CreateTable",
        account_id=account,
        region=HOME_REGION,
        request_parameters={"tableName": name},
        principal_arn=DEVELOPER.format(account=account),
        service="dynamodb",
    )


@pytest.mark.parametrize(("resource_type", "make", "rule", "tag_read"), KINDS)
def test_an_event_reads_the_tags_once_for_the_rule_and_the_exemption_check(
    lambda_env: Configure,
    calls: ApiCalls,
    resource_type: str,
    make: Make,
    rule: str,
    tag_read: str,
) -> None:
    sim = lambda_env()
    account = sim.accounts["sandbox-dev"].account_id
    name = make(sim, account, f"tag-reads-{uuid.uuid4().hex[:8]}")
    sim.deliver(event_for(resource_type, account, name))
    messages = sim.take()
    assert len(messages) == 1, "the template's rule did not route the event to the queue"
    calls.calls.clear()

    assert sim.invoke_evaluator(messages) == {"batchItemFailures": []}

    finding = sim.findings(account)[f"orgwarden/{rule}/{account}/{HOME_REGION}/{name}"]
    # FAILED as the rule read the tags, suppressed as the exemption check read them.
    assert finding["Compliance"]["Status"] == "WARNING"
    assert "Suppressed" in finding["Description"]
    assert member_calls(calls, resource_type) == [tag_read]
