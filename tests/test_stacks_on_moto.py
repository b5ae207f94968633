"""The templates as CloudFormation creates them, on moto's server: `template.yaml` transformed
locally by aws-sam-translator (what SAM uses), then `member.yaml` in a member account, and an
event travelling from the member's default bus to the central evaluation queue.

moto's CloudFormation skips the resource types it does not implement (with a warning) and creates
the rest; the types it skips are named in `NOT_IN_MOTO` and checked statically in
tests/test_template.py and tests/test_member_template.py instead.
"""

import ast
import io
import json
import os
import re
import secrets
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import load_event, session_in

ROOT = Path(__file__).resolve().parents[1]
ORGANIZATION_ID = "o-exampleorgid1"
# Resource types moto 5.2's CloudFormation does not create: the bus policy, the queue policies
# and the alarms. Everything else in both templates is created and checked below.
NOT_IN_MOTO = {
    "AWS::Events::EventBusPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::CloudWatch::Alarm",
    # moto 5's CloudFormation creates none of these either (the archive's Glue catalogue, its
    # bucket policy, the sweep's Scheduler schedule, the Config organization rule):
    # test_template.py checks them statically.
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    "AWS::S3::BucketPolicy",
    "AWS::Scheduler::Schedule",
    "AWS::Config::OrganizationConfigRule",
    # Nor the sweep's on-failure destination (SAM's EventInvokeConfig): test_template.py.
    "AWS::Lambda::EventInvokeConfig",
}
CODE_KEY = "evaluator.zip"
warnings_from_moto = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


def sam_cli_version() -> str:
    """The SAM CLI version the template checks and sam build pin: its translator is the one to
    use."""
    version = (ROOT / "scripts/sam-cli.version").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    return version


def fresh_account() -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(12))


def stack_resources(cfn: Any, stack: str) -> dict[str, dict[str, Any]]:
    # moto also lists resources whose Condition is false, with no logical id: leave them out.
    summaries = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r for r in summaries if r["LogicalResourceId"]}


def upload_code(session: boto3.Session, code_bucket: str) -> None:
    """The code package the built template's functions point at (`CODE_KEY` in `code_bucket`):
    moto's CloudFormation only needs the object to exist."""
    s3 = session.client("s3")
    s3.create_bucket(Bucket=code_bucket)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(ROOT / "src/handlers/evaluator.py", "handlers/evaluator.py")
    s3.put_object(Bucket=code_bucket, Key=CODE_KEY, Body=package.getvalue())


def create(cfn: Any, name: str, body: str, parameters: dict[str, str]) -> dict[str, Any]:
    cfn.create_stack(
        StackName=name,
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture(scope="module")
def code_bucket() -> str:
    return f"orgwarden-code-{secrets.token_hex(6)}"


@pytest.fixture(scope="module")
def central_template(code_bucket: str) -> dict[str, Any]:
    """template.yaml as plain CloudFormation, translated in the SAM CLI's own environment (its
    translator pins an older pydantic than the evaluator ships with)."""
    python = subprocess.run(
        [ROOT / "scripts/find-python313"], check=True, capture_output=True, text=True
    ).stdout.strip()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    translation = subprocess.Popen(
        [
            "uvx",
            "--python",
            python,
            "--from",
            f"aws-sam-cli=={sam_cli_version()}",
            "python",
            ROOT / "scripts/sam-translate",
            ROOT / "template.yaml",
            "--code-uri",
            f"s3://{code_bucket}/{CODE_KEY}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"},
    )
    # Meanwhile, import moto's CloudFormation (it imports every service moto has): the stack's
    # creation needs it, and the two together take about as long as the slower one.
    import moto.cloudformation.models  # noqa: F401

    stdout, stderr = translation.communicate(timeout=300)
    assert translation.returncode == 0, stderr
    template: dict[str, Any] = json.loads(stdout)
    assert "Transform" not in template
    assert not [
        r for r in template["Resources"].values() if r["Type"].startswith("AWS::Serverless")
    ]
    return template


@pytest.fixture(scope="module")
def moto_event_bus_refs() -> Iterator[None]:
    """moto 5.2's EventBus has no physical id, so `!Ref GovernanceBus` resolves to the object
    instead of the bus name that CloudFormation returns; give it the name (the server runs in
    this process)."""
    from moto.events.models import EventBus

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            EventBus, "physical_resource_id", property(lambda bus: bus.name), raising=False
        )
        yield


@pytest.fixture(scope="module")
def central(
    moto_server: str,
    moto_event_bus_refs: None,
    central_template: dict[str, Any],
    code_bucket: str,
) -> dict[str, Any]:
    """The central stack created in a fresh security tooling account."""
    session = session_in(fresh_account())
    upload_code(session, code_bucket)
    cfn = session.client("cloudformation")
    outputs = create(
        cfn, "orgwarden-prod", json.dumps(central_template), {"OrganizationId": ORGANIZATION_ID}
    )
    return {
        "session": session,
        "outputs": outputs,
        "resources": stack_resources(cfn, "orgwarden-prod"),
    }


@warnings_from_moto
def test_the_central_stack_creates_every_resource_moto_implements(
    central: dict[str, Any], central_template: dict[str, Any]
) -> None:
    expected = {
        name
        for name, resource in central_template["Resources"].items()
        if resource["Type"] not in NOT_IN_MOTO
    }
    assert set(central["resources"]) == expected
    for name in ("EvaluationQueue", "EvaluationDLQ", "EvidenceTable", "IdempotencyTable"):
        assert name in expected
    assert {"ControlTable", "GovernanceBus", "EvaluatorFunctionRole"} <= expected


@warnings_from_moto
def test_the_alarm_topic_is_encrypted_with_the_stack_s_rotated_key(central: dict[str, Any]) -> None:
    session, resources = central["session"], central["resources"]
    key_id = resources["AlarmTopicKey"]["PhysicalResourceId"]
    kms = session.client("kms")
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    topic = resources["AlarmTopic"]["PhysicalResourceId"]
    attributes = session.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
    # (moto's DescribeKey fails on a key policy CloudFormation gave it as an object.)
    assert attributes["KmsMasterKeyId"].split("/")[-1] == key_id


@warnings_from_moto
def test_the_queue_redrives_to_the_dlq(central: dict[str, Any]) -> None:
    sqs = central["session"].client("sqs")
    queue_url = central["resources"]["EvaluationQueue"]["PhysicalResourceId"]
    dlq_url = central["resources"]["EvaluationDLQ"]["PhysicalResourceId"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dlq_arn
    assert int(redrive["maxReceiveCount"]) == 5
    assert attributes["VisibilityTimeout"] == "360"


@warnings_from_moto
def test_the_tables_exist_with_their_keys(
    central: dict[str, Any], central_template: dict[str, Any]
) -> None:
    dynamodb = central["session"].client("dynamodb")
    for name in ("EvidenceTable", "IdempotencyTable", "ControlTable"):
        table = dynamodb.describe_table(TableName=central["resources"][name]["PhysicalResourceId"])[
            "Table"
        ]
        assert table["KeySchema"] == central_template["Resources"][name]["Properties"]["KeySchema"]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@warnings_from_moto
def test_the_bus_rules_send_to_the_queue_with_the_dlq_for_failed_deliveries(
    central: dict[str, Any],
) -> None:
    events = central["session"].client("events")
    bus = events.describe_event_bus(Name="orgwarden-governance")
    assert bus["Arn"] == central["outputs"]["GovernanceBusArn"]
    rules = events.list_rules(EventBusName="orgwarden-governance")["Rules"]
    # An event archive comes with a rule EventBridge manages itself (as on AWS).
    created = {r["Name"] for r in rules if not r["Name"].startswith("Events-Archive-")}
    assert created == {
        central["resources"][name]["PhysicalResourceId"]
        for name in central["resources"]
        if central["resources"][name]["ResourceType"] == "AWS::Events::Rule"
    }
    assert created
    sqs = central["session"].client("sqs")
    arn_of = {
        name: sqs.get_queue_attributes(
            QueueUrl=central["resources"][name]["PhysicalResourceId"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        for name in ("EvaluationQueue", "EvaluationDLQ")
    }
    for rule in created:
        (target,) = events.list_targets_by_rule(Rule=rule, EventBusName="orgwarden-governance")[
            "Targets"
        ]
        assert target["Arn"] == arn_of["EvaluationQueue"]
        assert target["DeadLetterConfig"]["Arn"] == arn_of["EvaluationDLQ"]


@warnings_from_moto
def test_the_function_and_its_role(central: dict[str, Any]) -> None:
    session, resources = central["session"], central["resources"]
    role_name = resources["EvaluatorFunctionRole"]["PhysicalResourceId"]
    role = session.client("iam").get_role(RoleName=role_name)["Role"]
    assert role["Arn"] == central["outputs"]["EvaluatorFunctionRoleArn"]
    iam = session.client("iam")
    granted = []
    for policy in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy)["PolicyDocument"]
        # moto 5.2 stores the inline policies of a role created by CloudFormation as the text of
        # a Python dict, and returns that text.
        granted += (ast.literal_eval(document) if isinstance(document, str) else document)[
            "Statement"
        ]
    assume = next(s for s in granted if s.get("Sid") == "AssumeMemberRoles")
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": ORGANIZATION_ID}}
    function = session.client("lambda").get_function(
        FunctionName=resources["EvaluatorFunction"]["PhysicalResourceId"]
    )["Configuration"]
    assert function["Role"] == role["Arn"]
    assert (
        function["Environment"]["Variables"]["ORGWARDEN_EVIDENCE_TABLE"]
        == (resources["EvidenceTable"]["PhysicalResourceId"])
    )
    (mapping,) = session.client("lambda").list_event_source_mappings(
        FunctionName=function["FunctionName"]
    )["EventSourceMappings"]
    assert mapping["EventSourceArn"].endswith(
        ":" + resources["EvaluationQueue"]["PhysicalResourceId"].rsplit("/", 1)[-1]
    )
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


# Member role name -> the central stack output naming the one principal it trusts.
MEMBER_ROLES = {
    "OrgwardenRead": "EvaluatorFunctionRoleArn",
    "OrgwardenRemediation": "EvaluatorFunctionRoleArn",
    "OrgwardenFindingWriter": "EvaluatorFunctionRoleArn",
    "OrgwardenConfigRule": "ConfigRuleFunctionRoleArn",
}


@pytest.fixture(scope="module")
def member(central: dict[str, Any]) -> dict[str, Any]:
    """member.yaml created as the StackSet would: the primary region first, then another."""
    account = fresh_account()
    parameters = {
        "GovernanceBusArn": central["outputs"]["GovernanceBusArn"],
        "EvaluatorRoleArn": central["outputs"]["EvaluatorFunctionRoleArn"],
        "ConfigRuleFunctionRoleArn": central["outputs"]["ConfigRuleFunctionRoleArn"],
        "OrganizationId": ORGANIZATION_ID,
        "PrimaryRegion": "us-east-1",
    }
    body = (ROOT / "member.yaml").read_text()
    stacks = {}
    for region in ("us-east-1", "eu-west-1"):
        session = boto3.Session(
            **_credentials(session_in(account)), region_name=region
        )  # the same account, another region
        cfn = session.client("cloudformation")
        outputs = create(cfn, "StackSet-orgwarden-member", body, parameters)
        stacks[region] = {
            "session": session,
            "outputs": outputs,
            "resources": stack_resources(cfn, "StackSet-orgwarden-member"),
        }
    return {"account": account, "parameters": parameters, "stacks": stacks}


def _credentials(session: boto3.Session) -> dict[str, str]:
    creds = session.get_credentials()
    assert creds is not None
    return {
        "aws_access_key_id": creds.access_key,
        "aws_secret_access_key": creds.secret_key,
        "aws_session_token": creds.token or "",
    }


@warnings_from_moto
def test_the_member_roles_trust_the_evaluator_and_grant_the_template_s_policies(
    central: dict[str, Any], member: dict[str, Any]
) -> None:
    from orgwarden_harness.simulation import load_template

    template = load_template(ROOT / "member.yaml")["Resources"]
    primary = member["stacks"]["us-east-1"]
    iam = primary["session"].client("iam")
    for role_name, trusted in MEMBER_ROLES.items():
        role = iam.get_role(RoleName=role_name)["Role"]
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"AWS": central["outputs"][trusted]}
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}}
        assert primary["outputs"][role_name.removeprefix("Orgwarden") + "RoleArn"] == role["Arn"]
    for logical_id, role_name in zip(
        (
            "ReadRolePolicy",
            "RemediationRolePolicy",
            "FindingWriterRolePolicy",
            "ConfigRuleRolePolicy",
        ),
        MEMBER_ROLES,
        strict=True,
    ):
        props = template[logical_id]["Properties"]
        created = iam.get_role_policy(RoleName=role_name, PolicyName=props["PolicyName"])
        granted = {a for s in created["PolicyDocument"]["Statement"] for a in _listed(s["Action"])}
        declared = {a for s in props["PolicyDocument"]["Statement"] for a in _listed(s["Action"])}
        assert granted == declared
        for statement in created["PolicyDocument"]["Statement"]:
            for resource in _listed(statement["Resource"]):
                if resource != "*":
                    # Resolved by CloudFormation: the member's own account, where an ARN has one.
                    account = resource.split(":")[4]
                    assert account in ("", member["account"]), resource


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@warnings_from_moto
def test_other_regions_create_only_the_forwarding_rules(member: dict[str, Any]) -> None:
    primary, other = member["stacks"]["us-east-1"], member["stacks"]["eu-west-1"]
    rule_ids = {
        k for k, r in primary["resources"].items() if r["ResourceType"] == "AWS::Events::Rule"
    }
    assert rule_ids
    assert set(other["resources"]) == rule_ids
    assert not other["outputs"]
    assert {r["ResourceType"] for r in primary["resources"].values()} == {
        "AWS::Events::Rule",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
    }


@warnings_from_moto
def test_a_member_event_reaches_the_central_queue_and_others_stay_home(
    central: dict[str, Any], member: dict[str, Any]
) -> None:
    sqs = central["session"].client("sqs")
    queue_url = central["resources"]["EvaluationQueue"]["PhysicalResourceId"]
    # moto would hand the message to the function, which needs Docker: read the queue instead.
    central["session"].client("lambda").update_event_source_mapping(
        UUID=central["resources"]["EvaluatorFunctionEvaluationQueue"]["PhysicalResourceId"],
        Enabled=False,
    )
    event = load_event("cloudtrail", "s3", "PutBucketPolicy")
    events = member["stacks"]["eu-west-1"]["session"].client("events")
    for source, detail_type, detail in (
        (event["source"], event["detail-type"], event["detail"]),
        # Nothing in the catalogue listens to CodeBuild: this one must not be forwarded.
        ("aws.codebuild", "CodeBuild Build State Change", {"build-status": "SUCCEEDED"}),
    ):
        answer = events.put_events(
            Entries=[{"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}]
        )
        assert answer["FailedEntryCount"] == 0
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    bodies = [json.loads(m["Body"]) for m in received.get("Messages", [])]
    assert [(b["source"], b["detail"]["eventName"]) for b in bodies] == [
        ("aws.s3", event["detail"]["eventName"])
    ]
    # (moto writes the target bus's region into the forwarded envelope; EventBridge keeps the
    # member's, which is why the evaluator reads the account from the CloudTrail detail.)


@warnings_from_moto
def test_scan_reads_the_evaluators_settings_from_the_stack(central: dict[str, Any]) -> None:
    # `orgwarden scan --stack-name`: the tables from the stack's outputs, the rest from the
    # parameters the template passes to the evaluator's environment; a scan evaluates with what
    # the deployed evaluator uses.
    from orgwarden.audit.scan import StackSettings
    from orgwarden.aws.audit_lookups import stack_settings

    cfn = central["session"].client("cloudformation")
    settings = StackSettings(**stack_settings(cfn, "orgwarden-prod"))
    resources = central["resources"]
    assert settings.evidence_table == resources["EvidenceTable"]["PhysicalResourceId"]
    assert settings.idempotency_table == resources["IdempotencyTable"]["PhysicalResourceId"]
    assert settings.control_table == resources["ControlTable"]["PhysicalResourceId"]
    assert settings.organization_id == ORGANIZATION_ID
    assert settings.read_role_name == "OrgwardenRead"
    assert (settings.modes, settings.break_glass, settings.organization_role_arn) == ({}, (), None)
