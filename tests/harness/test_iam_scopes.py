"""Which resources an action is granted on, from the Service Authorization Reference."""

import pytest

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
