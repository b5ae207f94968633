"""The Config custom rule against Config's invocation payloads.

The member's Config client is a real botocore client behind `botocore.stub.Stubber`: moto's
PutEvaluations only answers in TestMode (a real rule's resultToken is refused), so the calls
the rule makes are checked against botocore's own service model instead.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import ANY, Stubber

from orgwarden.engine.config_rule import ANNOTATION_LIMIT, TagComplianceRule
from orgwarden.engine.policy import default_policy
from policies import load_catalogue

ACCOUNT = "111122223333"
REGION = "us-east-1"
OU = "ou-ab12-cdef3456"
CAPTURED = "2026-11-20T10:00:00.000Z"
TOKEN = "result-token-abc"
GOOD_TAGS = {"app": "shop", "env": "prod", "team": "payments", "cost-center": "cc-1"}


def bucket_item(
    tags: dict[str, str], status: str = "OK", name: str = "shop-data"
) -> dict[str, Any]:
    return {
        "configurationItemCaptureTime": CAPTURED,
        "configurationItemStatus": status,
        "awsAccountId": ACCOUNT,
        "awsRegion": REGION,
        "resourceType": "AWS::S3::Bucket",
        "resourceId": name,
        "resourceName": name,
        "tags": tags,
        "configuration": {},
    }


def invocation(invoking: dict[str, Any], left_scope: bool = False) -> dict[str, Any]:
    return {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": "{}",
        "resultToken": TOKEN,
        "eventLeftScope": left_scope,
        "executionRoleArn": (
            f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/"
            "AWSServiceRoleForConfig"
        ),
        "configRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-abc123",
        "configRuleName": "orgwarden-required-tags",
        "accountId": ACCOUNT,
    }


def change(item: dict[str, Any], left_scope: bool = False) -> dict[str, Any]:
    return invocation(
        {"messageType": "ConfigurationItemChangeNotification", "configurationItem": item},
        left_scope,
    )


@pytest.fixture
def config() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "config", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def rule_with(
    client: Any, policy_text: str | None = None, tmp: Path | None = None
) -> TagComplianceRule:
    policy = default_policy()
    if policy_text is not None and tmp is not None:
        path = tmp / "policy.yaml"
        path.write_text(policy_text)
        policy = default_policy(str(path))

    def member_config(account_id: str, region: str) -> Any:
        assert (account_id, region) == (ACCOUNT, REGION)
        return client

    return TagComplianceRule(
        load_catalogue(), policy, member_config, lambda account: (OU, "Workloads")
    )


def expect_put(stubber: Stubber, compliance: list[str], resource_id: str = "shop-data") -> None:
    stubber.add_response(
        "put_evaluations",
        {"FailedEvaluations": []},
        {
            "Evaluations": [
                {
                    "ComplianceResourceType": "AWS::S3::Bucket",
                    "ComplianceResourceId": resource_id,
                    "ComplianceType": c,
                    "Annotation": ANY,
                    "OrderingTimestamp": datetime(2026, 11, 20, 10, tzinfo=UTC),
                }
                for c in compliance
            ],
            "ResultToken": TOKEN,
        },
    )


def test_change_with_allowed_values_is_compliant(config: tuple[Any, Stubber]) -> None:
    client, stubber = config
    expect_put(stubber, ["COMPLIANT"])
    [result] = rule_with(client).handle(change(bucket_item(GOOD_TAGS)))
    assert result["ComplianceType"] == "COMPLIANT"


def test_change_with_a_value_outside_the_allowed_set_is_non_compliant(
    config: tuple[Any, Stubber],
) -> None:
    client, stubber = config
    expect_put(stubber, ["NON_COMPLIANT"])
    [result] = rule_with(client).handle(change(bucket_item({**GOOD_TAGS, "env": "production"})))
    assert "production" in result["Annotation"]
    assert "prod, staging, dev" in result["Annotation"]


def test_per_ou_override_decides(config: tuple[Any, Stubber], tmp_path: Path) -> None:
    # The same tags pass the organization standard but fail the OU's stricter override.
    policy = yaml.safe_load(Path("src/orgwarden/engine/policy.yaml").read_text())
    policy["tag_policy"]["overrides"] = [
        {"scope": {"ou": OU}, "required": [{"key": "env", "allowed": ["sandbox"]}]}
    ]
    client, stubber = config
    expect_put(stubber, ["NON_COMPLIANT"])
    [result] = rule_with(client, yaml.safe_dump(policy), tmp_path).handle(
        change(bucket_item(GOOD_TAGS))
    )
    assert "sandbox" in result["Annotation"]


@pytest.mark.parametrize("status", ["ResourceDeleted", "ResourceDeletedNotRecorded"])
def test_deleted_item_is_not_applicable(config: tuple[Any, Stubber], status: str) -> None:
    client, stubber = config
    expect_put(stubber, ["NOT_APPLICABLE"])
    rule_with(client).handle(change(bucket_item({}, status=status)))


def test_left_scope_is_not_applicable(config: tuple[Any, Stubber]) -> None:
    client, stubber = config
    expect_put(stubber, ["NOT_APPLICABLE"])
    rule_with(client).handle(change(bucket_item({}), left_scope=True))


def test_oversized_fetches_the_item(config: tuple[Any, Stubber]) -> None:
    client, stubber = config
    summary = {k: v for k, v in bucket_item({}).items() if k not in ("tags", "configuration")}
    history_item = {
        "accountId": ACCOUNT,
        "awsRegion": REGION,
        "resourceType": "AWS::S3::Bucket",
        "resourceId": "shop-data",
        "resourceName": "shop-data",
        "configurationItemStatus": "OK",
        "configurationItemCaptureTime": datetime(2026, 11, 20, 10, tzinfo=UTC),
        "tags": {"app": "shop"},
        "configuration": "{}",
    }
    stubber.add_response(
        "get_resource_config_history",
        {"configurationItems": [history_item]},
        {"resourceType": "AWS::S3::Bucket", "resourceId": "shop-data", "limit": 1},
    )
    expect_put(stubber, ["NON_COMPLIANT"])
    [result] = rule_with(client).handle(
        invocation(
            {
                "messageType": "OversizedConfigurationItemChangeNotification",
                "configurationItemSummary": summary,
            }
        )
    )
    assert "missing env, team, cost-center" in result["Annotation"]


def test_scheduled_judges_every_recorded_resource_in_chunks_of_100(
    config: tuple[Any, Stubber],
) -> None:
    client, stubber = config
    rule = rule_with(client)
    names = [f"bucket-{n:03d}" for n in range(250)]
    for resource_type in rule.resource_types:
        found = names if resource_type == "AWS::S3::Bucket" else []
        stubber.add_response(
            "list_discovered_resources",
            {
                "resourceIdentifiers": [
                    {"resourceType": resource_type, "resourceId": n} for n in found
                ]
            },
            {"resourceType": resource_type},
        )
        for name in found:
            tags = GOOD_TAGS if name != "bucket-007" else {}
            stubber.add_response(
                "get_resource_config_history",
                {
                    "configurationItems": [
                        {
                            "accountId": ACCOUNT,
                            "awsRegion": REGION,
                            "resourceType": resource_type,
                            "resourceId": name,
                            "resourceName": name,
                            "configurationItemStatus": "OK",
                            "configurationItemCaptureTime": datetime(2026, 11, 20, 10, tzinfo=UTC),
                            "tags": tags,
                        }
                    ]
                },
                {"resourceType": resource_type, "resourceId": name, "limit": 1},
            )
    for _ in range(3):
        stubber.add_response("put_evaluations", {"FailedEvaluations": []})
    put_sizes: list[int] = []
    client.meta.events.register(
        "provide-client-params.config.PutEvaluations",
        lambda params, **_: put_sizes.append(len(params["Evaluations"])),
    )
    evaluations = rule.handle(
        invocation(
            {
                "messageType": "ScheduledNotification",
                "awsAccountId": ACCOUNT,
                "notificationCreationTime": CAPTURED,
            }
        )
    )
    assert put_sizes == [100, 100, 50]
    non_compliant = [
        e["ComplianceResourceId"] for e in evaluations if e["ComplianceType"] == "NON_COMPLIANT"
    ]
    assert non_compliant == ["bucket-007"]


def test_annotation_is_truncated_to_256(config: tuple[Any, Stubber]) -> None:
    client, stubber = config
    expect_put(stubber, ["NON_COMPLIANT"])
    tags = {**GOOD_TAGS, "env": "x" * 400}
    [result] = rule_with(client).handle(change(bucket_item(tags)))
    assert len(result["Annotation"]) == ANNOTATION_LIMIT
    assert result["Annotation"].endswith("…")
