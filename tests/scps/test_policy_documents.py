"""The policy files themselves: JSON, size, version, the break-glass exclusion, the tag policy."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.scps.policy_files import (
    BREAK_GLASS_PATTERN,
    TAG_POLICY,
    load_policy,
    scp_files,
)

SCP_LIMIT = 5120  # characters, AWS Organizations' quota for one SCP
REQUIRED_TAGS = ("app", "env", "team", "cost-center")
ALL_FILES = [*scp_files(), TAG_POLICY]


def test_the_scps_are_there() -> None:
    assert {p.stem for p in scp_files()} >= {
        "deny-leave-organization",
        "protect-security-services",
        "protect-orgwarden",
        "require-imdsv2",
        "require-storage-encryption",
        "protect-s3-account-public-access-block",
        "require-tags",
        "restrict-regions",
    }


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_each_file_is_valid_json_under_the_scp_limit(path: Path) -> None:
    text = path.read_text()
    json.loads(text)
    assert len(text) < SCP_LIMIT


@pytest.mark.parametrize("path", scp_files(), ids=lambda p: p.stem)
def test_each_scp_has_the_current_version_and_unique_sids(path: Path) -> None:
    policy = load_policy(path)
    assert policy["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))


def _deny_statements() -> list[Any]:
    return [
        pytest.param(statement, id=f"{path.stem}:{statement['Sid']}")
        for path in scp_files()
        for statement in load_policy(path)["Statement"]
        if statement["Effect"] == "Deny"
    ]


@pytest.mark.parametrize("statement", _deny_statements())
def test_every_deny_excludes_the_break_glass_role_by_arn(statement: dict[str, Any]) -> None:
    condition = statement["Condition"]
    excluded = condition["ArnNotLike"]["aws:PrincipalArn"]
    assert BREAK_GLASS_PATTERN in ([excluded] if isinstance(excluded, str) else excluded)
    # ForAllValues:StringNotLike is true when the key is absent: never an exclusion.
    assert not [op for op in condition if op.startswith("ForAllValues:")]


def test_the_scps_only_deny() -> None:
    """FullAWSAccess stays attached; these files only cap (deny-list model)."""
    effects = {s["Effect"] for p in scp_files() for s in load_policy(p)["Statement"]}
    assert effects == {"Deny"}


def test_the_tag_policy_assigns_the_required_keys_with_their_casing() -> None:
    tags = load_policy(TAG_POLICY)["tags"]
    assert set(tags) == set(REQUIRED_TAGS)
    for key, rule in tags.items():
        assert rule["tag_key"]["@@assign"] == key
        assert rule["enforced_for"]["@@assign"]
    assert tags["env"]["tag_value"]["@@assign"] == ["prod", "staging", "dev"]


def test_require_tags_asks_for_every_tag_policy_key_one_statement_each() -> None:
    policy = load_policy(next(p for p in scp_files() if p.stem == "require-tags"))
    for statement in policy["Statement"]:
        (null_key,) = statement["Condition"]["Null"]  # one key per statement, see aws-facts 6
        assert statement["Condition"]["Null"][null_key] == "true"
    required = {
        next(iter(s["Condition"]["Null"])).removeprefix("aws:RequestTag/")
        for s in policy["Statement"]
    }
    assert required == set(load_policy(TAG_POLICY)["tags"])
