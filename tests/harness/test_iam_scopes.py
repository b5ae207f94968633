"""Which resources an action is granted on, from the Service Authorization Reference."""

import pytest

from orgwarden.aws.member import Grant, Remediation
from orgwarden_harness.iam_scopes import EVERY_RESOURCE, action_scope, statements


@pytest.mark.parametrize(
    ("action", "resources"),
    [
        ("s3:PutBucketPublicAccessBlock", ("arn:${AWS::Partition}:s3:::*",)),
        ("iam:UpdateAccessKey", ("arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*",)),
        (
            "ec2:StopInstances",
            ("arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:instance/*",),
        ),
        # Two resource types, one of them named without an account (snapshots).
        (
            "ec2:CreateSnapshot",
            (
                "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:volume/*",
                "arn:${AWS::Partition}:ec2:*::snapshot/*",
            ),
        ),
        # IAM has no resource type for these: only "*".
        ("s3:PutAccountPublicAccessBlock", (EVERY_RESOURCE,)),
        ("ec2:DescribeInstances", (EVERY_RESOURCE,)),
        ("guardduty:CreateDetector", (EVERY_RESOURCE,)),
    ],
)
def test_an_action_is_granted_on_its_resource_types_in_the_member_account(
    action: str, resources: tuple[str, ...]
) -> None:
    assert action_scope(action).resources == tuple(sorted(resources))


def test_many_resource_types_become_the_service_s_resources_in_the_account() -> None:
    # rds:ListTagsForResource lists two dozen resource types.
    scope = action_scope("rds:ListTagsForResource")
    assert "arn:${AWS::Partition}:rds:*:${AWS::AccountId}:*" in scope.resources
    assert len(scope.resources) <= 2


@pytest.mark.parametrize("action", ["s3:*", "s3:Get*", "s3", "s3:GetBucketPolicyyy", "nope:Get"])
def test_wildcards_and_unknown_actions_are_refused(action: str) -> None:
    with pytest.raises(ValueError, match=action.replace("*", r"\*")):
        action_scope(action)


def test_statements_group_actions_by_scope_and_put_unscoped_ones_first() -> None:
    asked = ["s3:GetBucketPolicy", "ec2:DescribeTags", "s3:PutBucketPublicAccessBlock"]
    result = statements([*asked, "ec2:DescribeTags"])
    assert result[0] == {
        "Sid": "NoResourceLevelPermissions",
        "Effect": "Allow",
        "Action": ["ec2:DescribeTags"],
        "Resource": "*",
    }
    granted = {a for s in result for a in s["Action"]}
    assert granted == {"s3:GetBucketPolicy", "ec2:DescribeTags", "s3:PutBucketPublicAccessBlock"}
    sids = [s["Sid"] for s in result]
    assert len(sids) == len(set(sids))
    assert all(sid.isalnum() for sid in sids)


def test_a_bucket_grant_carries_the_owner_condition_its_arn_cannot() -> None:
    # Service Authorization Reference, Amazon S3: the bucket ARN arn:${Partition}:s3:::${Bucket}
    # names no account; s3:ResourceAccount is listed for the bucket actions.
    scope = action_scope("s3:PutBucketPublicAccessBlock")
    assert scope.conditions == (("StringEquals", (("s3:ResourceAccount", "${AWS::AccountId}"),)),)
    # An ARN that names the account needs no such condition.
    assert action_scope("ec2:StopInstances").conditions == ()


def test_a_grant_is_limited_to_its_resource_types_and_conditions() -> None:
    grant = Grant(
        "ec2:RevokeSecurityGroupIngress",
        {"StringEquals": {"ec2:ResourceTag/orgwarden:quarantine-group": "true"}},
    )
    (statement,) = statements([], [grant])
    assert statement["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/*"}
    ]
    assert statement["Condition"] == {
        "StringEquals": {"ec2:ResourceTag/orgwarden:quarantine-group": "true"}
    }
    narrowed = Grant("ec2:CreateSecurityGroup", resource_types=("vpc",))
    (statement,) = statements([], [narrowed])
    assert statement["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:vpc/*"}
    ]


@pytest.mark.parametrize(
    ("grant", "refusal"),
    [
        # The reference lists ec2:MetadataHttpTokens for instances, not for security groups.
        (
            Grant(
                "ec2:RevokeSecurityGroupIngress",
                {"StringEquals": {"ec2:MetadataHttpTokens": "required"}},
            ),
            "no condition key",
        ),
        # iam:UpdateAccessKey has no condition key at all: "only to Inactive" cannot be said.
        (
            Grant("iam:UpdateAccessKey", {"StringEquals": {"iam:Status": "Inactive"}}),
            "no condition key",
        ),
        # CreateSecurityGroup lists ec2:ResourceTag for its vpc but not for the new group: a
        # key must apply to every resource type the grant names.
        (
            Grant(
                "ec2:CreateSecurityGroup",
                {"StringEquals": {"ec2:ResourceTag/x": "y"}},
                ("security-group", "vpc"),
            ),
            "no condition key",
        ),
        (Grant("ec2:StopInstances", resource_types=("volume",)), "no resource type"),
        (Grant("ec2:StopInstances", {"StringEqual": {"ec2:InstanceID": "i-1"}}), "operator"),
    ],
)
def test_a_grant_the_reference_does_not_support_is_refused(grant: Grant, refusal: str) -> None:
    with pytest.raises(ValueError, match=refusal):
        statements([], [grant])


def test_a_fix_cannot_grant_an_action_it_does_not_declare() -> None:
    with pytest.raises(ValueError, match="without declaring"):
        Remediation(
            name="x",
            permissions=("ec2:StopInstances",),
            plan=lambda _: {},
            apply=lambda _ctx, _state: None,  # type: ignore[arg-type,return-value]
            grants=(Grant("ec2:CreateTags"),),
        )
