"""What an administrator of one member account tries against the SCPs, step by step.

Every request is decided against the SCPs exactly as `scps/stack.yaml` attaches them
(`render_stack.attached_policy` of each attached SCP, beside FullAWSAccess on the account), by
the AWS-semantics evaluator in tests/scps/scp_evaluator.py. The attacker holds AdministratorAccess
in account 111122223333 and can create any role there that the SCPs let it create.
"""

from typing import Any

import pytest

from orgwarden.aws.remediations import REMEDIATIONS
from tests.scps.policy_files import stack_renderer
from tests.scps.scp_evaluator import FULL_AWS_ACCESS, Request, scp_denies

ACCOUNT = "111122223333"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/Admin"
REMEDIATION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/OrgwardenRemediation"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/OrgwardenBreakGlass"
# The execution role that service-managed StackSets create in each target account.
STACKSETS_EXEC = f"arn:aws:iam::{ACCOUNT}:role/stacksets-exec-6c9e2a41f0d84b3e9c1a7d5b2e8f4a60"
FORWARD_RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orgwarden-forward-CloudTrailIam"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc1234def567890"
RECORDER = f"arn:aws:config:us-east-1:{ACCOUNT}:configuration-recorder/default/abcdef"
DETECTOR = f"arn:aws:guardduty:us-east-1:{ACCOUNT}:detector/12abc34d567e8fa901bc2d34e56789f0"
HUB = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default"


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


RENDER = stack_renderer()
ATTACHED: list[dict[str, Any]] = [
    RENDER.attached_policy(files) for _, _, files in RENDER.ATTACHED_SCPS.values()
]


def denied(
    action: str,
    resource: str = "*",
    principal: str = ADMIN,
    region: str = "us-east-1",
) -> bool:
    request = Request(action, resource, principal, {"aws:RequestedRegion": region})
    return scp_denies([[FULL_AWS_ACCESS, *ATTACHED]], request)


def _ctx(**values: str) -> dict[str, str]:
    return values


def denied_with(action: str, resource: str, principal: str, context: dict[str, str]) -> bool:
    request = Request(action, resource, principal, {"aws:RequestedRegion": "us-east-1", **context})
    return scp_denies([[FULL_AWS_ACCESS, *ATTACHED]], request)


def _everything_the_chain_wants(principal: str) -> dict[str, bool]:
    """The steps an attacker takes once it holds `principal`: each True when the SCPs deny it."""
    return {
        "rewrite the remediation role's trust policy": denied(
            "iam:UpdateAssumeRolePolicy", REMEDIATION_ROLE, principal
        ),
        "delete a forwarding rule": denied("events:DeleteRule", FORWARD_RULE, principal),
        "create a role named like the break-glass role": denied(
            "iam:CreateRole", _role("OrgwardenBreakGlassAdmin"), principal
        ),
        "stop CloudTrail": denied(
            "cloudtrail:StopLogging",
            f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-trail",
            principal,
        ),
        "delete the GuardDuty detector": denied("guardduty:DeleteDetector", DETECTOR, principal),
        "leave the organization": denied("organizations:LeaveOrganization", "*", principal),
        "launch in a denied Region": denied(
            "ec2:RunInstances",
            f"arn:aws:ec2:ap-south-1:{ACCOUNT}:instance/*",
            principal,
            region="ap-south-1",
        ),
    }


# ---------------------------------------------------------------- 1. self-named roles


@pytest.mark.parametrize(
    "name",
    [
        "stacksets-exec-attacker",  # service-managed StackSets' name pattern
        "team/stacksets-exec-attacker",  # the same under a path
        "OrgwardenBreakGlass2",
        "team/OrgwardenBreakGlass",
        "team/OrgwardenRemediation",
    ],
)
def test_an_admin_cannot_create_a_role_named_like_an_exempt_principal(name: str) -> None:
    """AWS CloudFormation User Guide, "Configure a custom execution role template for
    StackSets": "By default, StackSets with service-managed permissions creates an execution
    role named stacksets-exec-* in each target account." Only the service creates that name."""
    assert denied("iam:CreateRole", _role(name))


@pytest.mark.parametrize(
    "principal",
    [
        _role("AWSCloudFormationStackSetExecutionRole"),  # self-managed StackSets' default name
        _role("team/stacksets-exec-attacker"),
        _role("OrgwardenBreakGlassAdmin"),
        _role("team/OrgwardenBreakGlass"),
        _role("OrgwardenBreakGlass/Admin"),
    ],
)
def test_a_self_named_role_gets_no_exemption(principal: str) -> None:
    """Had the attacker created one of these before the SCPs were attached, it must still be
    no one special: only the service's StackSets role and the break-glass role by its exact ARN
    are exempt."""
    steps = _everything_the_chain_wants(principal)
    assert all(steps.values()), [step for step, stopped in steps.items() if not stopped]


def test_what_remains_a_stacksets_named_role_made_before_the_scps_were_attached() -> None:
    """SCPs cannot tell the service's stacksets-exec-* role from one an administrator created
    before the policies were attached: such a role keeps the exemption (scps/README.md, Rollout:
    list the stacksets-exec-* roles of every account before attaching). Creating one afterwards
    is denied (test above)."""
    old = _role("stacksets-exec-attacker")
    assert not denied("iam:UpdateAssumeRolePolicy", REMEDIATION_ROLE, old)
    # It is still no break-glass role: the security services stay protected from it.
    assert denied("cloudtrail:StopLogging", "*", old)
    assert denied("organizations:LeaveOrganization", "*", old)


def test_the_real_stacksets_role_cannot_be_taken_over() -> None:
    """The service-managed execution role trusts the management account's StackSets role
    (AWS managed policy CloudFormationStackSetsOrgAdminServiceRolePolicy allows sts:AssumeRole
    on arn:aws:iam::*:role/stacksets-exec-*): rewriting its trust or its permissions would hand
    the attacker the exemption."""
    for action in ("iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"):
        assert denied(action, STACKSETS_EXEC), action


def test_orgwarden_roles_under_a_path_are_protected() -> None:
    """IAM User Guide, "IAM JSON policy elements: Resource": a resource ARN with a path is
    `role/path/name`; `role/Orgwarden*` does not reach it."""
    role = _role("orgwarden/OrgwardenRemediation")
    for action in ("iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:PutRolePolicy"):
        assert denied(action, role), action


def test_an_admin_cannot_pass_orgwarden_roles_to_its_own_compute() -> None:
    """A Lambda function or instance running as OrgwardenRemediation would carry its
    exemptions."""
    assert denied("iam:PassRole", REMEDIATION_ROLE)
    assert denied("iam:PassRole", _role("OrgwardenEventForwarder"))


def test_the_exempt_principals_still_do_their_jobs() -> None:
    assert not denied("iam:PutRolePolicy", REMEDIATION_ROLE, STACKSETS_EXEC)
    assert not denied("events:PutTargets", FORWARD_RULE, STACKSETS_EXEC)
    assert not denied("iam:UpdateAssumeRolePolicy", REMEDIATION_ROLE, BREAK_GLASS)
    assert not denied("cloudtrail:StopLogging", "*", BREAK_GLASS)


# ---------------------------------------------------------------- 2. orgwarden's own fixes


def test_the_remediation_role_may_enable_a_suspended_detector() -> None:
    """src/orgwarden/aws/guards.py's guardduty_enable_detector calls UpdateDetector(Enable=True)
    on a suspended detector."""
    assert not denied("guardduty:UpdateDetector", DETECTOR, REMEDIATION_ROLE)
    assert denied("guardduty:UpdateDetector", DETECTOR, ADMIN)
    # ... and only that: the remediation role is not a second break-glass role.
    assert denied("guardduty:DeleteDetector", DETECTOR, REMEDIATION_ROLE)
    assert denied("cloudtrail:StopLogging", "*", REMEDIATION_ROLE)
    assert denied("config:PutConfigurationRecorder", RECORDER, REMEDIATION_ROLE)


# The resource and request keys each fix's call carries, where an SCP looks at them.
FIX_REQUESTS: dict[str, tuple[str, dict[str, str]]] = {
    "ec2:ModifyInstanceMetadataOptions": (
        INSTANCE,
        {"ec2:MetadataHttpTokens": "required", "ec2:MetadataHttpEndpoint": "enabled"},
    ),
    "guardduty:UpdateDetector": (DETECTOR, {}),
    "securityhub:EnableSecurityHub": (HUB, {}),
    "config:StartConfigurationRecorder": (RECORDER, {}),
}


@pytest.mark.parametrize(
    "action",
    sorted({p for fix in REMEDIATIONS.values() for p in fix.permissions}),
)
def test_no_scp_denies_a_call_an_orgwarden_fix_makes(action: str) -> None:
    resource, context = FIX_REQUESTS.get(action, ("*", {}))
    assert not denied_with(action, resource, REMEDIATION_ROLE, context)


# ---------------------------------------------------------------- 2. IMDSv1 in two steps


def test_imdsv1_cannot_come_back_in_two_steps() -> None:
    """Amazon EC2 API Reference, ModifyInstanceMetadataOptions, HttpEndpoint: "If you don't
    specify a value, the existing state is maintained" (and likewise for HttpTokens): step one
    sets tokens optional with the endpoint off, step two turns the endpoint on and says nothing
    about tokens."""
    step_one = _ctx(
        **{"ec2:MetadataHttpTokens": "optional", "ec2:MetadataHttpEndpoint": "disabled"}
    )
    step_two = _ctx(**{"ec2:MetadataHttpEndpoint": "enabled"})
    assert not denied_with("ec2:ModifyInstanceMetadataOptions", INSTANCE, ADMIN, step_one)
    assert denied_with("ec2:ModifyInstanceMetadataOptions", INSTANCE, ADMIN, step_two)


def test_a_metadata_change_that_says_nothing_about_tokens_is_denied() -> None:
    """Changing the hop limit alone keeps whatever tokens setting the instance has: the SCP
    cannot see it, so the request must say `required`."""
    hop_limit_only = _ctx(**{"ec2:MetadataHttpPutResponseHopLimit": "2"})
    assert denied_with("ec2:ModifyInstanceMetadataOptions", INSTANCE, ADMIN, hop_limit_only)
    with_tokens = {**hop_limit_only, "ec2:MetadataHttpTokens": "required"}
    assert not denied_with("ec2:ModifyInstanceMetadataOptions", INSTANCE, ADMIN, with_tokens)


# ---------------------------------------------------------------- 2. Config recording scope


@pytest.mark.parametrize(
    "action",
    [
        "config:PutConfigurationRecorder",  # recordingGroup narrowed to irrelevant types
        "config:DisassociateResourceTypes",  # the same for a recorder's resource types
        "config:PutDeliveryChannel",  # history delivered elsewhere, or nowhere
        "config:DeleteServiceLinkedConfigurationRecorder",
    ],
)
def test_an_admin_cannot_narrow_what_config_records(action: str) -> None:
    assert denied(action, RECORDER)


def test_stacksets_may_set_up_the_recorder() -> None:
    assert not denied("config:PutConfigurationRecorder", RECORDER, STACKSETS_EXEC)


# ---------------------------------------------------------------- neighbours


def test_an_admin_cannot_suppress_orgwarden_findings_in_its_own_account() -> None:
    """Security Hub User Guide, "BatchUpdateFindings for customers": "Member accounts can use
    BatchUpdateFindings to update findings for their account only" - and orgwarden never
    remediates a finding whose workflow is SUPPRESSED (a human's waiver)."""
    suppress = _ctx(**{"securityhub:ASFFSyntaxPath/Workflow.Status": "SUPPRESSED"})
    assert denied_with("securityhub:BatchUpdateFindings", HUB, ADMIN, suppress)
    note_only = _ctx(**{"securityhub:ASFFSyntaxPath/Note.Text": "looking"})
    assert not denied_with("securityhub:BatchUpdateFindings", HUB, ADMIN, note_only)
    assert not denied_with("securityhub:BatchUpdateFindings", HUB, BREAK_GLASS, suppress)


def test_the_break_glass_role_is_exempt_by_its_exact_arn_only() -> None:
    """A wildcard after the name would also exempt `role/OrgwardenBreakGlass/...` (a path) and
    `role/OrgwardenBreakGlass-anything`."""
    assert not denied("organizations:LeaveOrganization", "*", BREAK_GLASS)
    assert denied("organizations:LeaveOrganization", "*", _role("OrgwardenBreakGlassOld"))
    assert denied("organizations:LeaveOrganization", "*", _role("OrgwardenBreakGlass/x/Admin"))


def _exempt_patterns() -> list[str]:
    patterns = set()
    for policy in ATTACHED:
        for statement in policy["Statement"]:
            excluded = statement.get("Condition", {}).get("ArnNotLike", {}).get("aws:PrincipalArn")
            if excluded:
                patterns.update([excluded] if isinstance(excluded, str) else excluded)
    return sorted(patterns)


@pytest.mark.parametrize("pattern", _exempt_patterns())
def test_every_exempt_principal_name_is_one_an_admin_cannot_create_or_retrust(
    pattern: str,
) -> None:
    """An exemption by name is only as strong as the protection of that name: for every
    principal pattern any SCP exempts, creating such a role or rewriting its trust is denied."""
    arn = pattern.replace("::*:", f"::{ACCOUNT}:").replace("*", "x")
    for action in ("iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole"):
        assert denied(action, arn), (action, arn)
