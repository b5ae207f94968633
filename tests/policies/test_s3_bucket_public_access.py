"""Scenario table for s3_bucket_public_access (numbers cite the rule's docstring; S-numbers cite
../shared/reference/scenarios.md)."""

from typing import Any

import pytest

from orgwarden.model.resources import AclGrant, BucketAccess, PublicAccessBlock, ResourceRef
from orgwarden.model.spec import Status
from policies.s3_bucket_public_access import evaluate

BUCKET = "customer-data-prod"
REF = ResourceRef(
    resource_type="AwsS3Bucket", resource_id=BUCKET, account_id="111122223333", region="eu-west-1"
)
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
OWNER = AclGrant(
    grantee_type="CanonicalUser", grantee="79a59df900b949e5", permission="FULL_CONTROL"
)


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow_public(
    action: str = "s3:GetObject", sid: str = "PublicRead", **extra: Any
) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*",
        "Action": action,
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        **extra,
    }


def bucket(
    policy_doc: dict[str, Any] | None = None,
    acl: tuple[AclGrant, ...] = (OWNER,),
    bucket_block: PublicAccessBlock | None = None,
    account_block: PublicAccessBlock | None = None,
) -> BucketAccess:
    return BucketAccess(
        ref=REF, bucket_block=bucket_block, account_block=account_block, policy=policy_doc, acl=acl
    )


DENY_TLS = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
DENY_UNENCRYPTED = {
    "Sid": "DenyUnencryptedUploads",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
    "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
}
CLOUDFRONT_OAC = {
    "Sid": "AllowCloudFrontServicePrincipal",
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
    "Condition": {
        "StringEquals": {
            "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
        }
    },
}

CASES = [
    # id, state, expected status, words the reason must contain
    (
        "1: public GetObject, no BPA (S1)",
        bucket(policy(allow_public())),
        Status.FAILED,
        ["PublicRead", "s3:GetObject", "read"],
    ),
    (
        "1: Principal {AWS: *} is public too",
        bucket(policy({**allow_public(), "Principal": {"AWS": "*"}})),
        Status.FAILED,
        ["AWS:*"],
    ),
    (
        "1: a statement without Sid is named by index",
        bucket(policy(DENY_TLS, {k: v for k, v in allow_public().items() if k != "Sid"})),
        Status.FAILED,
        ["#1"],
    ),
    (
        "2: public PutObject is public write",
        bucket(policy(allow_public("s3:PutObject", "PublicWrite"))),
        Status.FAILED,
        ["PublicWrite", "write"],
    ),
    (
        "2: s3:* is read and write",
        bucket(policy(allow_public("s3:*", "Everything"))),
        Status.FAILED,
        ["read-write"],
    ),
    (
        "3: ACL READ to AllUsers (S3)",
        bucket(acl=(OWNER, AclGrant(grantee_type="Group", grantee=ALL_USERS, permission="READ"))),
        Status.FAILED,
        ["ACL grants READ to AllUsers"],
    ),
    (
        "3: ACL WRITE to AuthenticatedUsers (S3)",
        bucket(acl=(AclGrant(grantee_type="Group", grantee=AUTH_USERS, permission="WRITE"),)),
        Status.FAILED,
        ["AuthenticatedUsers", "write"],
    ),
    (
        "4: Principal * statements all Deny (S4)",
        bucket(policy(DENY_TLS, DENY_UNENCRYPTED)),
        Status.PASSED,
        ["No policy statement"],
    ),
    ("5: CloudFront origin access control (S4)", bucket(policy(CLOUDFRONT_OAC)), Status.PASSED, []),
    (
        "6: restricted by aws:PrincipalOrgID (S4)",
        bucket(
            policy(allow_public(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}))
        ),
        Status.PASSED,
        [],
    ),
    (
        "6: restricted by aws:SourceVpce (S4)",
        bucket(
            policy(allow_public(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))
        ),
        Status.PASSED,
        [],
    ),
    (
        "6: restricted by a narrow aws:SourceIp (S4)",
        bucket(
            policy(
                allow_public(
                    Condition={"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}
                )
            )
        ),
        Status.PASSED,
        [],
    ),
    (
        "7: aws:SourceIp 0.0.0.0/0 restricts nothing",
        bucket(policy(allow_public(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))),
        Status.FAILED,
        ["PublicRead"],
    ),
    (
        "7: a wildcard PrincipalOrgID restricts nothing",
        bucket(policy(allow_public(Condition={"StringLike": {"aws:PrincipalOrgID": "o-*"}}))),
        Status.FAILED,
        ["PublicRead"],
    ),
    (
        "7: a negated operator restricts nothing",
        bucket(
            policy(allow_public(Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))
        ),
        Status.FAILED,
        ["PublicRead"],
    ),
    (
        "7: Allow with NotPrincipal is public",
        bucket(
            policy(
                {
                    "Sid": "AllButOne",
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "s3:GetObject",
                    "Resource": "*",
                }
            )
        ),
        Status.FAILED,
        ["AllButOne"],
    ),
    (
        "8: public policy neutralised by account RestrictPublicBuckets",
        bucket(
            policy(allow_public()), account_block=PublicAccessBlock(restrict_public_buckets=True)
        ),
        Status.PASSED,
        ["neutralised by RestrictPublicBuckets"],
    ),
    (
        "8: public ACL neutralised by bucket IgnorePublicAcls",
        bucket(
            acl=(AclGrant(grantee_type="Group", grantee=ALL_USERS, permission="READ"),),
            bucket_block=PublicAccessBlock(ignore_public_acls=True),
        ),
        Status.PASSED,
        ["neutralised by IgnorePublicAcls"],
    ),
    (
        "8: IgnorePublicAcls does not neutralise a public policy",
        bucket(
            policy(allow_public()),
            bucket_block=PublicAccessBlock(ignore_public_acls=True, block_public_acls=True),
        ),
        Status.FAILED,
        ["PublicRead"],
    ),
    (
        "9: all four settings on at bucket level",
        BucketAccess(ref=REF, bucket_block=PublicAccessBlock.all_on(), account_block=None),
        Status.PASSED,
        ["bucket level"],
    ),
    (
        "9: all four settings on at account level",
        BucketAccess(ref=REF, bucket_block=None, account_block=PublicAccessBlock.all_on()),
        Status.PASSED,
        ["account level"],
    ),
    ("10: no policy, private ACL", bucket(), Status.PASSED, []),
    (
        "12: Principal Federated is public (the guide's first public example)",
        bucket(policy({**allow_public(), "Principal": {"Federated": "graph.facebook.com"}})),
        Status.FAILED,
        ["Federated:graph.facebook.com"],
    ),
    (
        "13: aws:SourceIp 0.0.0.0/1 is broader than /8",
        bucket(policy(allow_public(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}))),
        Status.FAILED,
        ["PublicRead"],
    ),
    (
        "14: delegation to the account's access points",
        bucket(
            policy(
                allow_public(
                    "*", Condition={"StringEquals": {"s3:DataAccessPointAccount": "111122223333"}}
                )
            )
        ),
        Status.PASSED,
        [],
    ),
    (
        "15: ForAllValues on a single-valued key confines nothing",
        bucket(
            policy(
                allow_public(
                    Condition={"ForAllValues:StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
                )
            )
        ),
        Status.FAILED,
        ["PublicRead"],
    ),
    (
        "16: S3's GetBucketPolicyStatus calls public what orgwarden's reading passes",
        bucket(policy(CLOUDFRONT_OAC)).model_copy(update={"policy_status_public": True}),
        Status.FAILED,
        ["S3's own judgement", "GetBucketPolicyStatus"],
    ),
    (
        "16: S3 agrees the policy is not public",
        bucket(policy(CLOUDFRONT_OAC)).model_copy(update={"policy_status_public": False}),
        Status.PASSED,
        [],
    ),
    (
        "16: S3's judgement does not outrank RestrictPublicBuckets",
        bucket(
            policy(CLOUDFRONT_OAC), bucket_block=PublicAccessBlock(restrict_public_buckets=True)
        ).model_copy(update={"policy_status_public": True}),
        Status.PASSED,
        [],
    ),
    (
        "11: public policy, ACL not read",
        BucketAccess(ref=REF, bucket_block=None, account_block=None, policy=policy(allow_public())),
        Status.FAILED,
        ["PublicRead", "ACL was not read"],
    ),
]


@pytest.mark.parametrize(
    ("state", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_scenarios(state: BucketAccess, expected: Status, words: list[str]) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_failed_verdict_lists_the_offending_statements_and_grants_as_facts() -> None:
    state = bucket(
        policy(DENY_TLS, allow_public()),
        acl=(OWNER, AclGrant(grantee_type="Group", grantee=ALL_USERS, permission="READ")),
    )
    verdict = evaluate(state)
    assert [s["sid"] for s in verdict.facts["public_statements"]] == ["PublicRead"]
    assert verdict.facts["public_grants"] == [
        {"group": "AllUsers", "permission": "READ", "access": "read"}
    ]
    assert verdict.facts["public_access"] == ["read"]


def test_scenario_11_an_unread_acl_is_not_reported_as_empty() -> None:
    state = BucketAccess(
        ref=REF, bucket_block=None, account_block=None, policy=policy(allow_public())
    )
    verdict = evaluate(state)
    assert "public_grants" not in verdict.facts
    assert verdict.facts["public_access"] == ["read"]


def test_a_single_statement_object_is_read_like_a_list() -> None:
    verdict = evaluate(bucket({"Version": "2012-10-17", "Statement": allow_public()}))
    assert verdict.status is Status.FAILED


@pytest.mark.parametrize("group", ["AllUsers", "AuthenticatedUsers"])
@pytest.mark.parametrize(("permission", "access"), [("READ", "read"), ("WRITE", "write")])
def test_scenario_3_an_acl_grant_to_everyone_is_flagged(
    group: str, permission: str, access: str
) -> None:
    grant = AclGrant(
        grantee_type="Group",
        grantee=f"http://acs.amazonaws.com/groups/global/{group}",
        permission=permission,
    )
    verdict = evaluate(bucket(acl=(grant,)))
    assert verdict.status is Status.FAILED
    assert f"ACL grants {permission} to {group}" in verdict.reason
    assert verdict.facts["public_access"] == [access]
