"""Principals parsed from the ARNs CloudTrail records, on AWS's own examples.

Sources: "AWS CloudTrail User Guide", CloudTrail userIdentity element (its examples: the IAM
user Alice, a session of RoleToBeAssumed); "IAM User Guide", IAM identifiers (ARN formats, and
that a path may hold any ASCII character from ! through DEL, so colons and `role/` too).
"""

import pytest

from orgwarden.model.principals import ArnPattern, Identity, identity_of

# "userIdentity with IAM user credentials"
ALICE = "arn:aws:iam::123456789012:user/Alice"
# "userIdentity with temporary security credentials"
SESSION = "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName"
ISSUER = "arn:aws:iam::123456789012:role/RoleToBeAssumed"


def test_the_documented_user_and_session_are_their_iam_identities() -> None:
    assert identity_of(ALICE) == Identity("user", "aws", "123456789012", "/", "Alice")
    assert identity_of(SESSION, ISSUER) == Identity(
        "role", "aws", "123456789012", "/", "RoleToBeAssumed"
    )
    assert identity_of("arn:aws:iam::123456789012:root") == Identity(
        "root", "aws", "123456789012", "", ""
    )


def test_a_session_is_the_role_its_issuer_names_with_the_issuer_s_path() -> None:
    identity = identity_of(
        "arn:aws:sts::123456789012:assumed-role/Responder/incident",
        "arn:aws:iam::123456789012:role/emergency/team-a/Responder",
    )
    assert identity is not None
    assert identity.path == "/emergency/team-a/"
    assert identity.arn == "arn:aws:iam::123456789012:role/emergency/team-a/Responder"


@pytest.mark.parametrize(
    ("principal", "issuer"),
    [
        (SESSION, None),  # no issuer: the path is unknown
        (SESSION, "arn:aws:iam::123456789012:role/SomethingElse"),  # another role
        (SESSION, "arn:aws:iam::999988887777:role/RoleToBeAssumed"),  # another account
        (SESSION, "arn:aws:iam::123456789012:user/RoleToBeAssumed"),  # not a role
        ("arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed", ISSUER),  # no session
        ("arn:aws:sts::12345678901:assumed-role/RoleToBeAssumed/s", ISSUER),  # 11 digits
        ("role/OrgwardenRemediation", None),
        ("", None),
        (None, None),
        ("arn:aws:s3:::a-bucket", None),
    ],
)
def test_what_cannot_be_established_is_nobody(principal: str | None, issuer: str | None) -> None:
    assert identity_of(principal, issuer) is None


def test_a_user_whose_path_spells_a_role_is_a_user() -> None:
    identity = identity_of("arn:aws:iam::123456789012:user/x:role/OrgwardenRemediation")
    assert identity == Identity("user", "aws", "123456789012", "/x:role/", "OrgwardenRemediation")


@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        ("arn:aws:iam::*:role/OrgwardenBreakGlass*", ISSUER, False),
        (
            "arn:aws:iam::*:role/OrgwardenBreakGlass*",
            "arn:aws:iam::123456789012:role/OrgwardenBreakGlassAdmin",
            True,
        ),
        # A wildcard never crosses a `/`: a role at a path named like break-glass is not it.
        (
            "arn:aws:iam::*:role/OrgwardenBreakGlass*",
            "arn:aws:iam::123456789012:role/OrgwardenBreakGlass-x/Attacker",
            False,
        ),
        (
            "arn:aws:iam::*:role/emergency/*",
            "arn:aws:iam::123456789012:role/emergency/Responder",
            True,
        ),
        (
            "arn:aws:iam::*:role/emergency/*",
            "arn:aws:iam::123456789012:role/emergency/deeper/Responder",
            False,
        ),
        # Matching is case-sensitive, as IAM's ArnLike is.
        (
            "arn:aws:iam::*:role/orgwardenbreakglass*",
            "arn:aws:iam::123456789012:role/OrgwardenBreakGlassAdmin",
            False,
        ),
    ],
)
def test_break_glass_patterns(pattern: str, arn: str, matches: bool) -> None:
    identity = identity_of(arn)
    assert identity is not None
    assert ArnPattern(pattern).matches(identity, "123456789012") is matches


def test_a_pattern_with_an_account_wildcard_matches_the_resource_s_own_account_only() -> None:
    identity = identity_of("arn:aws:iam::999988887777:role/OrgwardenBreakGlassAdmin")
    assert identity is not None
    assert not ArnPattern("arn:aws:iam::*:role/OrgwardenBreakGlass*").matches(
        identity, "123456789012"
    )
    assert ArnPattern("arn:aws:iam::999988887777:role/OrgwardenBreakGlass*").matches(
        identity, "123456789012"
    )


@pytest.mark.parametrize(
    "pattern",
    [
        "arn:aws:sts::*:assumed-role/OrgwardenBreakGlass*/*",  # a session: carries no path
        "OrgwardenBreakGlass*",
        "arn:aws:iam::1234:role/x",
        "arn:aws:s3:::bucket",
    ],
)
def test_a_pattern_that_is_not_an_iam_role_or_user_arn_is_refused_with_a_reason(
    pattern: str,
) -> None:
    with pytest.raises(ValueError, match="not an IAM role or user ARN pattern"):
        ArnPattern(pattern)
