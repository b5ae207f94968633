"""`template.yaml` checked against the catalogue and the code that runs under it."""

from typing import Any

import pytest

from orgwarden.engine.settings import Settings, SweepSettings
from orgwarden_harness import generate
from orgwarden_harness.simulation import load_template, rules_targeting_queue
from policies import load_catalogue

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def test_every_pattern_the_catalogue_needs_is_declared_exactly() -> None:
    declared = {
        name.removesuffix("Rule"): rule["Properties"]["EventPattern"]
        for name, rule in rules_targeting_queue(RESOURCES).items()
    }
    assert declared == load_catalogue().event_patterns(), (
        "template.yaml is stale: run `uv run python -m orgwarden_harness.generate`"
    )


def test_generated_files_are_fresh() -> None:
    assert generate.main(["--check"]) == 0, "run `uv run python -m orgwarden_harness.generate`"


def test_rules_live_on_the_governance_bus_and_keep_failed_deliveries() -> None:
    for name, rule in rules_targeting_queue(RESOURCES).items():
        props = rule["Properties"]
        assert props["EventBusName"] == {"Ref": "GovernanceBus"}, name
        (target,) = props["Targets"]
        assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["EvaluationDLQ", "Arn"]}


def test_the_bus_admits_only_the_organization() -> None:
    policies = [r for r in RESOURCES.values() if r["Type"] == "AWS::Events::EventBusPolicy"]
    assert policies, "no bus policy"
    statement = policies[0]["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}
    }


def test_queue_visibility_is_at_least_six_times_the_function_timeout() -> None:
    timeout = TEMPLATE["Globals"]["Function"]["Timeout"]
    timeout = RESOURCES["EvaluatorFunction"]["Properties"].get("Timeout", timeout)
    assert RESOURCES["EvaluationQueue"]["Properties"]["VisibilityTimeout"] >= 6 * timeout


def test_the_evaluator_reports_partial_batch_failures() -> None:
    (source,) = RESOURCES["EvaluatorFunction"]["Properties"]["Events"].values()
    assert source["Type"] == "SQS"
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_handler_path_exists() -> None:
    module, _, function = RESOURCES["EvaluatorFunction"]["Properties"]["Handler"].rpartition(".")
    imported = __import__(module, fromlist=[function])
    assert callable(getattr(imported, function))


def test_every_setting_without_a_default_is_set_by_the_template() -> None:
    env = RESOURCES["EvaluatorFunction"]["Properties"]["Environment"]["Variables"]
    required = [name for name, field in Settings.model_fields.items() if field.is_required()]
    assert required
    for name in required:
        assert f"ORGWARDEN_{name.upper()}" in env
    for key in env:
        if key.startswith("ORGWARDEN_"):
            assert key.removeprefix("ORGWARDEN_").lower() in Settings.model_fields, (
                f"{key} is not read"
            )


@pytest.mark.parametrize("table", ["EvidenceTable", "IdempotencyTable"])
def test_tables_have_point_in_time_recovery_and_encryption(table: str) -> None:
    props = RESOURCES[table]["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_the_function_may_assume_only_orgwarden_roles_inside_the_organization() -> None:
    statements = [
        s
        for policy in RESOURCES["EvaluatorFunction"]["Properties"]["Policies"]
        for s in policy.get("Statement", [])
        if "sts:AssumeRole" in s["Action"]
    ]
    assert statements
    for statement in statements:
        assert statement["Condition"] == {
            "StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}
        }
        resources = statement["Resource"]
        if "Fn::If" in resources:  # the optional Organizations reader: a role ARN or nothing
            _, reader, placeholder = resources["Fn::If"]
            assert reader == {"Ref": "OrganizationReadRoleArn"}
            assert TEMPLATE["Parameters"]["OrganizationReadRoleArn"]["AllowedPattern"].startswith(
                "^(arn:aws[a-z-]*:iam::\\d{12}:role/"
            )
            resources = [placeholder]
        for resource in resources:
            assert "role/" in str(resource)
            assert "*" not in str(resource).split("role/")[-1]


def test_security_hub_imports_never_come_back_in_as_work() -> None:
    # Our own BatchImportFindings fire "Security Hub Findings - Imported" events: no rule may
    # listen to them, or every import would trigger another evaluation.
    for name, rule in rules_targeting_queue(RESOURCES).items():
        pattern = rule["Properties"]["EventPattern"]
        detail_types = pattern.get("detail-type", [])
        assert not any("Security Hub Findings" in t for t in detail_types), name
        if "aws.securityhub" in pattern.get("source", []):
            assert detail_types == ["AWS API Call via CloudTrail"], name  # DisableSecurityHub


def test_the_evidence_tables_indexes_and_stream_are_the_ones_the_store_uses() -> None:
    from orgwarden.model import evidence_items

    props = RESOURCES["EvidenceTable"]["Properties"]
    indexes = {i["IndexName"]: i["KeySchema"] for i in props["GlobalSecondaryIndexes"]}
    assert indexes[evidence_items.BY_ACCOUNT_INDEX][0]["AttributeName"] == "gsi1pk"
    assert indexes[evidence_items.BY_RULE_INDEX][0]["AttributeName"] == "gsi2pk"
    assert props["StreamSpecification"]["StreamViewType"] in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")


def test_the_archiver_reads_new_history_items_and_writes_where_athena_looks() -> None:
    import json

    from orgwarden.engine.archive import ARCHIVE_PREFIX
    from orgwarden.model.evidence_items import KIND_HISTORY

    function = RESOURCES["ArchiverFunction"]["Properties"]
    module, _, name = function["Handler"].rpartition(".")
    assert callable(getattr(__import__(module, fromlist=[name]), name))
    (source,) = function["Events"].values()
    assert source["Type"] == "DynamoDB"
    assert source["Properties"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    (pattern,) = source["Properties"]["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"]) == {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": {"kind": {"S": [KIND_HISTORY]}}},
    }
    assert "ReservedConcurrentExecutions" in function
    (statement,) = function["Policies"][0]["Statement"]
    assert statement["Action"] == "s3:PutObject"
    assert f"/{ARCHIVE_PREFIX}/*" in statement["Resource"]["Fn::Sub"]
    table = RESOURCES["EvidenceGlueTable"]["Properties"]["TableInput"]
    assert (
        f"/{ARCHIVE_PREFIX}/dt=${{!dt}}/"
        in table["Parameters"]["storage.location.template"]["Fn::Sub"]
    )
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]


def test_the_archive_bucket_is_private_encrypted_versioned_and_tls_only() -> None:
    bucket = RESOURCES["ArchiveBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (statement,) = RESOURCES["ArchiveBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_sweep_function_is_scheduled_alone_and_may_only_queue_and_list() -> None:
    sweep = RESOURCES["SweepFunction"]["Properties"]
    module, _, function = sweep["Handler"].rpartition(".")
    assert callable(getattr(__import__(module, fromlist=[function]), function))
    assert sweep["ReservedConcurrentExecutions"] == 1
    assert sweep["Events"]["Schedule"]["Type"] == "ScheduleV2"
    env = sweep["Environment"]["Variables"]
    required = [n for n, f in SweepSettings.model_fields.items() if f.is_required()]
    assert required
    for name in required:
        assert f"ORGWARDEN_{name.upper()}" in env
    actions = {statement["Action"] for statement in sweep["Policies"][0]["Statement"]}
    assert actions == {"sqs:SendMessage", "organizations:ListAccounts", "sts:AssumeRole"}


def test_received_events_are_archived_for_replay() -> None:
    archives = [r for r in RESOURCES.values() if r["Type"] == "AWS::Events::Archive"]
    (archive,) = archives
    assert archive["Properties"]["SourceArn"] == {"Fn::GetAtt": ["GovernanceBus", "Arn"]}
    assert "EventPattern" not in archive["Properties"]  # everything, not a subset


def test_the_home_region_must_be_the_stack_s_region() -> None:
    (assertion,) = TEMPLATE["Rules"]["HomeRegionIsThisRegion"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "HomeRegion"}, {"Ref": "AWS::Region"}]}
    sweep_env = RESOURCES["SweepFunction"]["Properties"]["Environment"]["Variables"]
    assert sweep_env["ORGWARDEN_HOME_REGION"] == {"Ref": "HomeRegion"}
    for key in sweep_env:
        if key.startswith("ORGWARDEN_"):
            assert key.removeprefix("ORGWARDEN_").lower() in SweepSettings.model_fields, key


def test_the_deployment_s_break_glass_principals_reach_the_evaluator() -> None:
    env = RESOURCES["EvaluatorFunction"]["Properties"]["Environment"]["Variables"]
    assert env["ORGWARDEN_BREAK_GLASS"] == {"Ref": "BreakGlassPrincipals"}
    assert TEMPLATE["Parameters"]["BreakGlassPrincipals"]["Default"] == "[]"


def alarms() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def test_the_alarm_topic_has_a_rotated_key_whose_policy_lets_cloudwatch_publish() -> None:
    # Amazon SNS Developer Guide, "Managing Amazon SNS encryption keys and costs", section
    # "Enable compatibility between event sources from AWS services and encrypted topics"
    # (paraphrased): a service such as CloudWatch publishes to an encrypted topic only under a
    # customer managed key whose key policy allows the service principal kms:GenerateDataKey*
    # and kms:Decrypt; the AWS managed key's policy (alias/aws/sns) cannot be changed to say so.
    topic = RESOURCES["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = RESOURCES["AlarmTopicKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (cloudwatch,) = [
        s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch["Effect"] == "Allow"
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    # Nothing else is granted to a service, nor to anyone outside the account.
    others = [s for s in statements if s is not cloudwatch]
    assert [s["Principal"] for s in others] == [
        {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    ]
    for alarm in alarms().values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def _alarmed_errors(function: str) -> bool:
    return any(
        a["Properties"]["Namespace"] == "AWS/Lambda"
        and a["Properties"]["MetricName"] == "Errors"
        and a["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        and a["Properties"]["Threshold"] == 1
        for a in alarms().values()
    )


def _alarmed_depth(queue: str) -> bool:
    return any(
        a["Properties"]["Namespace"] == "AWS/SQS"
        and a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and a["Properties"]["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
        and a["Properties"]["Threshold"] == 1
        for a in alarms().values()
    )


@pytest.mark.parametrize("function", ["EvaluatorFunction", "SweepFunction", "ConfigRuleFunction"])
def test_every_invoked_function_s_errors_raise_an_alarm(function: str) -> None:
    assert _alarmed_errors(function), f"no Errors alarm on {function}"


def test_every_function_s_failures_are_seen() -> None:
    # A function's failure is seen through an Errors alarm or a failure queue with a depth
    # alarm (the archiver: its stream's on-failure destination).
    functions = [k for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"]
    assert len(functions) == 4
    for name in functions:
        props = RESOURCES[name]["Properties"]
        queues = [
            source["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
            for source in props.get("Events", {}).values()
            if "DestinationConfig" in source.get("Properties", {})
        ]
        assert _alarmed_errors(name) or any(_alarmed_depth(q) for q in queues), name


def test_a_failed_scheduled_sweep_is_kept_and_alarmed() -> None:
    # AWS Lambda Developer Guide, "Invoking a Lambda function asynchronously" (paraphrased): when
    # the retries are spent Lambda discards the event unless it has a destination or a DLQ;
    # EventBridge Scheduler invokes Lambda asynchronously, so its retry policy covers only the
    # delivery. Both failures land in one queue, alarmed at depth 1.
    sweep = RESOURCES["SweepFunction"]["Properties"]
    invoke = sweep["EventInvokeConfig"]
    assert invoke["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["SweepFailureQueue", "Arn"]},
    }
    assert invoke["MaximumRetryAttempts"] <= 2
    schedule = sweep["Events"]["Schedule"]["Properties"]
    assert schedule["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["SweepFailureQueue", "Arn"]}}
    assert _alarmed_depth("SweepFailureQueue")
    queue = RESOURCES["SweepFailureQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 1209600
