"""Scenario table for s3_account_public_access_block (numbers cite the rule's docstring; S-numbers
cite ../shared/reference/scenarios.md)."""

import pytest

from orgwarden.engine.evaluator import parse_event
from orgwarden.model.public_access import AccountPublicAccess
from orgwarden.model.resources import PublicAccessBlock, ResourceRef
from orgwarden.model.spec import Status
from policies import load_catalogue
from policies.s3_account_public_access_block import evaluate
from tests.conftest import EVENTS

RULE = "s3_account_public_access_block"
REF = ResourceRef(
    resource_type="AwsAccount",
    resource_id="111122223333",
    account_id="111122223333",
    region="eu-west-1",
)


def account(block: PublicAccessBlock | None) -> AccountPublicAccess:
    return AccountPublicAccess(ref=REF, block=block)


CASES = [
    ("1: all four on", account(PublicAccessBlock.all_on()), Status.PASSED, ["All four"]),
    (
        "2: no configuration (S6)",
        account(None),
        Status.FAILED,
        ["111122223333", "no S3 Block Public Access configuration", "Turn all four"],
    ),
    (
        "3: policy settings off",
        account(PublicAccessBlock(block_public_acls=True, ignore_public_acls=True)),
        Status.FAILED,
        [
            "partly off (BlockPublicPolicy, RestrictPublicBuckets)",
            "public bucket policies are accepted",
            "public bucket policies give anonymous access",
        ],
    ),
    (
        "3: one setting off",
        account(PublicAccessBlock.all_on().model_copy(update={"ignore_public_acls": False})),
        Status.FAILED,
        ["IgnorePublicAcls off: existing public ACLs are honoured"],
    ),
    ("4: all four off", account(PublicAccessBlock()), Status.FAILED, ["all four"]),
]


@pytest.mark.parametrize(
    ("state", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_scenarios(state: AccountPublicAccess, expected: Status, words: list[str]) -> None:
    verdict = evaluate(state)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_the_settings_off_are_kept_as_facts() -> None:
    verdict = evaluate(account(PublicAccessBlock(block_public_acls=True)))
    assert verdict.facts["settings_off"] == [
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    ]


@pytest.mark.parametrize(
    ("fixture", "reaches_account_rule"),
    [
        ("PutAccountPublicAccessBlock", True),
        ("DeleteAccountPublicAccessBlock", True),
        ("PutPublicAccessBlock.account", True),
        ("DeletePublicAccessBlock.account", True),
        # The same API names with a bucket are bucket-level calls: not this rule's.
        ("PutPublicAccessBlock", False),
        ("DeletePublicAccessBlock", False),
    ],
)
def test_only_account_level_calls_reach_the_rule(fixture: str, reaches_account_rule: bool) -> None:
    event, raw = parse_event((EVENTS / "cloudtrail" / "s3" / f"{fixture}.json").read_text())
    matches = load_catalogue().matches(event, raw["detail"])
    account_matches = [m for m in matches if m.rule.spec.id == RULE]
    assert bool(account_matches) is reaches_account_rule
    if reaches_account_rule:
        assert [m.resource_id for m in account_matches] == ["111122223333"]
        # No bucket in an account-level call: no bucket rule claims it.
        assert {m.rule.spec.id for m in matches} == {RULE}
