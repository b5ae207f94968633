"""`orgwarden scan --stack-name`: the evaluator's settings from the deployed stack, never from
ORGWARDEN_* variables left in the auditor's shell.

The stack is CloudFormation's DescribeStacks answer (botocore's Stubber checks it against the
service model): "Outputs: A list of output structures", "Parameters: A list of Parameter
structures" (CloudFormation API reference, Stack).
"""

import boto3
import pytest
from botocore.stub import Stubber

from orgwarden.audit.scan import StackSettings
from orgwarden.aws.audit_lookups import NameNotResolved, stack_settings
from orgwarden.model.spec import Mode

OUTPUTS = {
    "EvidenceTableName": "orgwarden-prod-EvidenceTable-1",
    "IdempotencyTableName": "orgwarden-prod-IdempotencyTable-1",
    "ControlTableName": "orgwarden-prod-ControlTable-1",
}
PARAMETERS = {
    "OrganizationId": "o-exampleorgid1",
    "OrganizationReadRoleArn": "",
    "ReadRoleName": "OrgwardenRead",
    "DefaultModes": '{"s3_bucket_public_access": "enforce"}',
    "BreakGlassPrincipals": '["arn:aws:iam::*:role/emergency/Admin*"]',
}


def described(outputs: dict[str, str], parameters: dict[str, str]) -> boto3.client:
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(cfn)
    stubber.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "orgwarden-prod",
                    "CreationTime": "2026-11-01T00:00:00Z",
                    "StackStatus": "CREATE_COMPLETE",
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    "Parameters": [
                        {"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()
                    ],
                }
            ]
        },
        {"StackName": "orgwarden-prod"},
    )
    stubber.activate()
    return cfn


def test_the_stack_s_settings_win_over_the_shell_s(monkeypatch: pytest.MonkeyPatch) -> None:
    # Left from another deployment: a scan must not evaluate with these.
    monkeypatch.setenv("ORGWARDEN_MODES", '{"s3_bucket_public_access": "detect"}')
    monkeypatch.setenv("ORGWARDEN_CONTROL_TABLE", "another-stack-ControlTable")
    monkeypatch.setenv("ORGWARDEN_REMEDIATION_ROLE_NAME", "SomethingElse")
    settings = StackSettings(**stack_settings(described(OUTPUTS, PARAMETERS), "orgwarden-prod"))
    assert settings.control_table == "orgwarden-prod-ControlTable-1"
    assert settings.modes == {"s3_bucket_public_access": Mode.ENFORCE}
    assert settings.break_glass == ("arn:aws:iam::*:role/emergency/Admin*",)
    assert settings.remediation_role_name == "OrgwardenRemediation"  # the template's default
    assert settings.organization_role_arn is None  # left empty in the stack
    assert settings.organization_id == "o-exampleorgid1"


def test_a_stack_without_the_outputs_is_named() -> None:
    old = {"EvidenceTableName": OUTPUTS["EvidenceTableName"]}
    with pytest.raises(NameNotResolved, match="IdempotencyTableName, ControlTableName"):
        stack_settings(described(old, PARAMETERS), "orgwarden-prod")
