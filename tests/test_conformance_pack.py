"""The conformance pack holds exactly the managed rules that match the catalogue, and the
required-tags rule asks for the tag policy's keys."""

from pathlib import Path
from typing import Any

from cfn_tools import load_yaml

from orgwarden.engine.policy import default_policy

PACK = Path(__file__).parents[1] / "config-rules" / "conformance-pack.yaml"
# Each managed rule's name; its identifier is the same in upper case with underscores.
MANAGED = (
    "required-tags",
    "ec2-imdsv2-check",
    "s3-bucket-level-public-access-prohibited",
    "s3-account-level-public-access-blocks-periodic",
    "ec2-ebs-encryption-by-default",
    "encrypted-volumes",
    "rds-storage-encrypted",
    "iam-root-access-key-check",
    "root-account-mfa-enabled",
)


def rules() -> dict[str, dict[str, Any]]:
    resources = load_yaml(PACK.read_text())["Resources"]
    assert {r["Type"] for r in resources.values()} == {"AWS::Config::ConfigRule"}
    return {r["Properties"]["ConfigRuleName"]: r["Properties"] for r in resources.values()}


def test_the_pack_lists_exactly_the_managed_rules() -> None:
    found = {name: props["Source"] for name, props in rules().items()}
    assert found == {
        name: {"Owner": "AWS", "SourceIdentifier": name.upper().replace("-", "_")}
        for name in MANAGED
    }


def test_required_tags_asks_for_the_policy_keys() -> None:
    parameters = rules()["required-tags"]["InputParameters"]
    keys = [v for k, v in sorted(parameters.items()) if k.endswith("Key")]
    assert keys == [tag.key for tag in default_policy().tag_policy.required]
    # Where the policy lists allowed values, the managed rule gets the same list.
    for n, tag in enumerate(default_policy().tag_policy.required, start=1):
        if tag.allowed:
            assert parameters[f"tag{n}Value"] == ",".join(tag.allowed)
