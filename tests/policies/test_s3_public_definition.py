"""The verdict "this bucket is public" against AWS's own definition, case by case.

Each case names the document it comes from and quotes the sentence that decides it:

- GUIDE: S3 User Guide, "Blocking public access to your Amazon S3 storage", section "The meaning
  of 'public'" (subsections "ACLs" and "Bucket policies").
- ACCESS_POINTS: S3 User Guide, "Configuring IAM policies for using access points", sections
  "Condition keys" and "Delegating access control to access points".
- OPERATORS: IAM User Guide, "IAM JSON policy elements: Condition operators" (...IfExists).
- SETS: IAM User Guide, "Creating a condition that tests multiple key values (set operations)".

Every case runs through the rule's `evaluate`, the verdict orgwarden publishes.
"""

from typing import Any

import pytest

from orgwarden.model.bucket_policy import CONFINING_KEYS
from orgwarden.model.resources import AclGrant, BucketAccess, ResourceRef
from orgwarden.model.spec import Status
from policies.s3_bucket_public_access import evaluate

GUIDE = "S3 User Guide, Blocking public access to your Amazon S3 storage, The meaning of 'public'"
ACCESS_POINTS = "S3 User Guide, Configuring IAM policies for using access points"
OPERATORS = "IAM User Guide, IAM JSON policy elements: Condition operators"
SETS = "IAM User Guide, Creating a condition that tests multiple key values (set operations)"

FIXED = (
    "To be considered non-public, a bucket policy must grant access only to fixed values (values "
    "that don't contain a wildcard or an AWS Identity and Access Management Policy Variable) for "
    "one or more of the following"
)
BROAD_IP = (
    "Bucket policies that grant access conditioned on the aws:SourceIp condition key with very "
    "broad IP ranges (for example, 0.0.0.0/1) are evaluated as 'public.' This includes values "
    "broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges)."
)
ACCESS_POINT_WILDCARD = (
    "When used in a bucket policy, this value can contain a wildcard for the access point name "
    "without rendering the policy public, as long as the account id is fixed."
)
PUBLIC_EXAMPLES = "Under these rules, the following example policies are considered public."
MADE_NON_PUBLIC = (
    "You can make the last policy preceding non-public by setting aws:SourceVpc to a fixed value"
)
IF_EXISTS = (
    "If the policy key is present in the context of the request, process the key as specified in "
    "the policy. If the key is not present, evaluate the condition element as true."
)
FOR_ALL_VALUES = (
    "If the key values in the request resolve to an empty data set (for example, an empty "
    "string), a condition operator modified by ForAllValues returns true, and a condition "
    "operator modified by ForAnyValue returns false."
)
PUBLIC_ACL = (
    "Amazon S3 considers a bucket or object ACL public if it grants any permissions to members "
    "of the predefined AllUsers or AuthenticatedUsers groups."
)

BUCKET = "amzn-s3-demo-bucket"
ACCOUNT = "123456789012"
REF = ResourceRef(
    resource_type="AwsS3Bucket", resource_id=BUCKET, account_id=ACCOUNT, region="us-west-2"
)
OWNER = AclGrant(
    grantee_type="CanonicalUser", grantee="79a59df900b949e5", permission="FULL_CONTROL"
)


def statement(
    principal: Any = "*", condition: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "Sid": "Case",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:PutObject",
        "Resource": "*",
        **extra,
    }
    if condition is not None:
        found["Condition"] = condition
    return found


def verdict_for(*statements: dict[str, Any], acl: tuple[AclGrant, ...] = (OWNER,)) -> Status:
    policy = {"Version": "2012-10-17", "Statement": list(statements)} if statements else None
    state = BucketAccess(ref=REF, bucket_block=None, account_block=None, policy=policy, acl=acl)
    return evaluate(state).status


PUBLIC, NOT_PUBLIC = Status.FAILED, Status.PASSED


def when(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {operator: {key: value}}


# The guide's list of keys, each with one fixed value a policy could carry.
FIXED_VALUES = {
    "aws:PrincipalOrgID": ("StringEquals", "o-a1b2c3d4e5"),
    "aws:PrincipalAccount": ("StringEquals", ACCOUNT),
    "aws:PrincipalArn": ("ArnEquals", f"arn:aws:iam::{ACCOUNT}:role/DataReader"),
    "aws:SourceIp": ("IpAddress", "192.0.2.0/24"),
    "aws:SourceArn": ("ArnEquals", f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDFDVBD6EXAMPLE"),
    "aws:SourceVpc": ("StringEquals", "vpc-91237329"),
    "aws:SourceVpce": ("StringEquals", "vpce-1a2b3c4d"),
    "aws:SourceOwner": ("StringEquals", ACCOUNT),
    "aws:SourceAccount": ("StringEquals", ACCOUNT),
    "s3:x-amz-server-side-encryption-aws-kms-key-id": (
        "StringEquals",
        f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "aws:userid": ("StringEquals", "AIDAJQABLZS4A3QDU576Q"),
    "s3:DataAccessPointArn": (
        "StringEquals",
        f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/reports",
    ),
    "s3:DataAccessPointAccount": ("StringEquals", ACCOUNT),
}


def test_the_table_covers_every_key_of_the_guide() -> None:
    assert {k.lower() for k in FIXED_VALUES} == CONFINING_KEYS


@pytest.mark.parametrize(("key", "operator_value"), FIXED_VALUES.items(), ids=list(FIXED_VALUES))
def test_a_fixed_value_of_each_listed_key_makes_principal_star_non_public(
    key: str, operator_value: tuple[str, str]
) -> None:
    # GUIDE: FIXED. ForAnyValue: requires one of the request's values to match (SETS), so it
    # confines as the bare operator does.
    operator, value = operator_value
    assert verdict_for(statement("*", when(operator, key, value))) is NOT_PUBLIC, key
    assert verdict_for(statement("*", when(operator, key.upper(), [value]))) is NOT_PUBLIC, key
    assert verdict_for(statement("*", when(f"ForAnyValue:{operator}", key, value))) is NOT_PUBLIC


@pytest.mark.parametrize(("key", "operator_value"), FIXED_VALUES.items(), ids=list(FIXED_VALUES))
def test_the_same_key_confines_nothing_without_a_fixed_positive_match(
    key: str, operator_value: tuple[str, str]
) -> None:
    operator, value = operator_value
    cases = {
        # OPERATORS: IF_EXISTS. A request without the key passes.
        "IfExists": when(f"{operator}IfExists", key, value),
        # SETS: FOR_ALL_VALUES. A request without the key passes.
        "ForAllValues": when(f"ForAllValues:{operator}", key, value),
        # "Everyone but this value" names nobody.
        "negated": when(
            "NotIpAddress" if operator == "IpAddress" else "StringNotEquals", key, value
        ),
        # Null false only says the key is present.
        "Null": when("Null", key, "false"),
        # GUIDE: FIXED, a policy variable is not a fixed value.
        "policy variable": when(operator, key, "${aws:username}"),
        # A list is confining only when every value in it is.
        "one open value in a list": when(operator, key, [value, "*"]),
    }
    for name, condition in cases.items():
        assert verdict_for(statement("*", condition)) is PUBLIC, f"{key}: {name}"


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        # GUIDE: PUBLIC_EXAMPLES, first example.
        ({"Federated": "graph.facebook.com"}, PUBLIC),
        # Federated principals are not in the guide's list of fixed principals (FIXED).
        ({"Federated": "cognito-identity.amazonaws.com"}, PUBLIC),
        ({"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"}, PUBLIC),
        # GUIDE: PUBLIC_EXAMPLES, second example.
        ("*", PUBLIC),
        ({"AWS": "*"}, PUBLIC),
        ({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}, PUBLIC),
        # GUIDE: FIXED, a wildcard is not a fixed value.
        ({"AWS": "arn:aws:iam::*:root"}, PUBLIC),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/*"}, PUBLIC),
        ({"Service": "*"}, PUBLIC),
        ({"CanonicalUser": "*"}, PUBLIC),
        # GUIDE: FIXED, "An AWS principal, user, role, or service principal".
        ({"AWS": ACCOUNT}, NOT_PUBLIC),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/DataReader"}, NOT_PUBLIC),
        ({"Service": "cloudtrail.amazonaws.com"}, NOT_PUBLIC),
        ({"CanonicalUser": "79a59df900b949e5"}, NOT_PUBLIC),
    ],
)
def test_principal_forms(principal: Any, expected: Status) -> None:
    assert verdict_for(statement(principal)) is expected


def test_allow_with_not_principal_is_public() -> None:
    # Allow to everyone but the named principal: no fixed principal is granted (GUIDE: FIXED).
    stmt = statement(NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    del stmt["Principal"]
    assert verdict_for(stmt) is PUBLIC
    stmt["Condition"] = when("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d")
    assert verdict_for(stmt) is NOT_PUBLIC


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        # GUIDE: BROAD_IP, its own example.
        ("0.0.0.0/1", PUBLIC),
        ("0.0.0.0/0", PUBLIC),
        ("52.0.0.0/6", PUBLIC),
        ("128.0.0.0/7", PUBLIC),
        ("2600::/16", PUBLIC),
        ("2001:db8::/31", PUBLIC),
        ("::/0", PUBLIC),
        # An IPv4-mapped IPv6 range is an IPv4 range: ::ffff:0:0/97 is 0.0.0.0/1.
        ("::ffff:0:0/97", PUBLIC),
        # GUIDE: BROAD_IP, /8 and /32 are not broader than the limit.
        ("52.0.0.0/8", NOT_PUBLIC),
        ("10.0.0.0/8", NOT_PUBLIC),
        ("172.16.0.0/12", NOT_PUBLIC),
        ("192.0.2.7", NOT_PUBLIC),
        ("2600:1f00::/32", NOT_PUBLIC),
        ("2001:db8::1/128", NOT_PUBLIC),
        ("::ffff:10.0.0.0/104", NOT_PUBLIC),
        # Not a CIDR at all: nothing is confined.
        ("192.0.2.*", PUBLIC),
    ],
)
def test_source_ip_ranges(cidr: str, expected: Status) -> None:
    assert verdict_for(statement("*", when("IpAddress", "aws:SourceIp", cidr))) is expected, cidr


def test_a_list_of_cidrs_is_public_when_one_range_is_too_broad() -> None:
    # GUIDE: BROAD_IP. The list is ORed: the broad range lets the public in.
    condition = when("IpAddress", "aws:SourceIp", ["192.0.2.0/24", "0.0.0.0/1"])
    assert verdict_for(statement("*", condition)) is PUBLIC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # GUIDE: ACCESS_POINT_WILDCARD, and ACCESS_POINTS, "Condition keys": the example "matches
        # all access points for AWS account 123456789012 in Region us-west-2".
        (f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/*", NOT_PUBLIC),
        (f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/reports-*", NOT_PUBLIC),
        # The account (or anything before the name) open: not fixed.
        ("arn:aws:s3:us-west-2:*:accesspoint/*", PUBLIC),
        ("arn:aws:s3:us-west-2:12345678901?:accesspoint/reports", PUBLIC),
        (f"arn:aws:s3:*:{ACCOUNT}:accesspoint/*", PUBLIC),
        ("arn:aws:s3:*", PUBLIC),
        ("*", PUBLIC),
    ],
)
def test_data_access_point_arn_may_leave_only_the_access_point_name_open(
    value: str, expected: Status
) -> None:
    condition = when("StringLike", "s3:DataAccessPointArn", value)
    assert verdict_for(statement({"AWS": "*"}, condition, Action="*")) is expected, value


def test_delegating_access_control_to_access_points_is_not_public() -> None:
    # ACCESS_POINTS, "Example Bucket policy delegating access control to access points":
    # "The following example bucket policy allows full access to all access points owned by the
    # bucket owner's account."
    delegation = statement(
        {"AWS": "*"},
        when("StringEquals", "s3:DataAccessPointAccount", ACCOUNT),
        Action="*",
        Resource=[f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    )
    assert verdict_for(delegation) is NOT_PUBLIC
    wildcard = {**delegation, "Condition": when("StringLike", "s3:DataAccessPointAccount", "*")}
    assert verdict_for(wildcard) is PUBLIC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # GUIDE: "A fixed value of aws:userid outside the pattern AROLEID:*" (the same list in
        # the SDKs' PublicAccessBlockConfiguration docs): every session of one role is fixed.
        ("AROAEXAMPLEID123456789:*", NOT_PUBLIC),
        (f"{ACCOUNT}", NOT_PUBLIC),
        ("AROAEXAMPLEID123456789:jane.doe", NOT_PUBLIC),
        # Anything else open is not fixed.
        ("AROA*", PUBLIC),
        ("AIDA*", PUBLIC),
        ("*:jane.doe", PUBLIC),
        ("AROAEXAMPLEID123456789:*:*", PUBLIC),
    ],
)
def test_userid_values(value: str, expected: Status) -> None:
    assert verdict_for(statement("*", when("StringLike", "aws:userid", value))) is expected, value


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # GUIDE: PUBLIC_EXAMPLES, third example: a wildcard aws:SourceVpc.
        (when("StringLike", "aws:SourceVpc", "vpc-*"), PUBLIC),
        # GUIDE: MADE_NON_PUBLIC.
        (when("StringEquals", "aws:SourceVpc", "vpc-91237329"), NOT_PUBLIC),
        # StringLike without a wildcard is a fixed value.
        (when("StringLike", "aws:SourceVpc", "vpc-91237329"), NOT_PUBLIC),
        # `?` is a wildcard too.
        (when("StringLike", "aws:SourceVpce", "vpce-1a2b3c4?"), PUBLIC),
        # GUIDE: FIXED names a short list: other keys confine nothing, however fixed.
        (when("StringEquals", "aws:Referer", "https://www.example.com/"), PUBLIC),
        (when("Bool", "aws:SecureTransport", "true"), PUBLIC),
        (when("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"), PUBLIC),
        (
            when("StringEquals", "aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"),
            PUBLIC,
        ),
        # aws:SourceIp confines through IpAddress, not through a string comparison.
        (when("StringEquals", "aws:SourceIp", "192.0.2.7"), PUBLIC),
        # ForAllValues on a single-valued key: SETS: FOR_ALL_VALUES.
        (when("ForAllValues:StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d"), PUBLIC),
        (when("ForAllValues:IpAddress", "aws:SourceIp", "192.0.2.0/24"), PUBLIC),
        # OPERATORS: IF_EXISTS.
        (when("StringEqualsIfExists", "aws:SourceVpce", "vpce-1a2b3c4d"), PUBLIC),
        (when("IpAddressIfExists", "aws:SourceIp", "192.0.2.0/24"), PUBLIC),
        (when("ForAnyValue:StringEqualsIfExists", "aws:PrincipalOrgID", "o-a1b2c3d4e5"), PUBLIC),
        # Conditions are ANDed: one confining clause confines the statement.
        (
            {
                **when("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d"),
                **when("IpAddress", "aws:SourceIp", "0.0.0.0/0"),
            },
            NOT_PUBLIC,
        ),
        (
            {
                **when("Bool", "aws:SecureTransport", "true"),
                **when("IpAddress", "aws:SourceIp", "0.0.0.0/1"),
            },
            PUBLIC,
        ),
    ],
)
def test_conditions(condition: dict[str, Any], expected: Status) -> None:
    assert verdict_for(statement("*", condition)) is expected


def test_a_policy_with_one_public_statement_among_fixed_ones_is_public() -> None:
    # GUIDE, "How Amazon S3 evaluates a bucket policy that contains both public and non-public
    # access grants": "This policy qualifies as public because of the third statement."
    cloudtrail = statement({"Service": "cloudtrail.amazonaws.com"}, Sid="CloudTrail")
    account_2 = statement({"AWS": "arn:aws:iam::111122223333:root"}, Sid="Account2")
    everyone = statement("*", Sid="Everyone")
    assert verdict_for(cloudtrail, account_2) is NOT_PUBLIC
    assert verdict_for(cloudtrail, account_2, everyone) is PUBLIC


def test_deny_statements_never_make_a_policy_public() -> None:
    assert verdict_for({**statement("*"), "Effect": "Deny"}) is NOT_PUBLIC


@pytest.mark.parametrize(
    ("grantee_type", "grantee", "expected"),
    [
        # GUIDE, "ACLs": PUBLIC_ACL, whatever the permission.
        ("Group", "http://acs.amazonaws.com/groups/global/AllUsers", PUBLIC),
        ("Group", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", PUBLIC),
        # Other predefined groups and canonical users are not public.
        ("Group", "http://acs.amazonaws.com/groups/s3/LogDelivery", NOT_PUBLIC),
        ("CanonicalUser", "79a59df900b949e5", NOT_PUBLIC),
    ],
)
@pytest.mark.parametrize("permission", ["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"])
def test_acl_grants(grantee_type: str, grantee: str, expected: Status, permission: str) -> None:
    grant = AclGrant(grantee_type=grantee_type, grantee=grantee, permission=permission)
    assert verdict_for(acl=(OWNER, grant)) is expected
