"""The policy file: the packaged one loads, and a wrong entry fails at load naming its line."""

from pathlib import Path

import pytest

from orgwarden.engine.policy import DEFAULT_PATH
from orgwarden.model.policy_file import PolicyFileError, load_policy_file
from policies import load_catalogue

PACKAGED = DEFAULT_PATH.read_text()
RULE_IDS = tuple(load_catalogue().rules)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    """The 1-based line on which `needle` first appears."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def with_required(entries: str) -> str:
    """The packaged policy with its required tags replaced by `entries` (YAML list items)."""
    start = PACKAGED.index("  required:\n")
    end = PACKAGED.index("  resource_types:")
    return PACKAGED[:start] + "  required:\n" + entries + PACKAGED[end:]


def test_the_packaged_policy_file_loads_with_the_organization_standard() -> None:
    policy = load_policy_file(DEFAULT_PATH, RULE_IDS)
    required = {r.key: r.allowed for r in policy.tag_policy.required}
    assert required == {"app": (), "env": ("prod", "staging", "dev"), "team": (), "cost-center": ()}
    assert policy.tag_policy.grace_period_hours == 24


def test_allowed_values_given_a_number_fail_naming_the_line(tmp_path: Path) -> None:
    text = with_required("    - key: env\n      allowed: [prod, 7]\n")
    with pytest.raises(PolicyFileError) as failure:
        load_policy_file(write(tmp_path, text))
    message = str(failure.value)
    assert f"policy.yaml:{line_of(text, 'allowed: [prod, 7]')}:" in message
    assert "tag_policy.required.0.allowed.1" in message
    assert "valid string" in message


def test_allowed_given_a_bare_number_fails(tmp_path: Path) -> None:
    text = with_required("    - key: env\n      allowed: 7\n")
    with pytest.raises(PolicyFileError, match=r"tag_policy\.required\.0\.allowed"):
        load_policy_file(write(tmp_path, text))


def test_a_pattern_that_does_not_compile_fails_naming_the_line(tmp_path: Path) -> None:
    text = with_required("    - key: app\n    - key: cost-center\n      pattern: 'cc-[0-9'\n")
    with pytest.raises(PolicyFileError) as failure:
        load_policy_file(write(tmp_path, text))
    message = str(failure.value)
    assert f"policy.yaml:{line_of(text, 'pattern:')}:" in message
    assert "is not accepted by RE2" in message


def test_an_unknown_key_fails_naming_the_line(tmp_path: Path) -> None:
    text = with_required("    - key: app\n      alias: [application]\n")
    with pytest.raises(PolicyFileError) as failure:
        load_policy_file(write(tmp_path, text))
    message = str(failure.value)
    assert f"policy.yaml:{line_of(text, 'alias:')}:" in message
    assert "tag_policy.required.0.alias" in message
    assert "Extra inputs are not permitted" in message


def test_an_unknown_top_level_key_fails(tmp_path: Path) -> None:
    text = PACKAGED + "grace_hours: 12\n"
    with pytest.raises(PolicyFileError) as failure:
        load_policy_file(write(tmp_path, text))
    assert f"policy.yaml:{line_of(text, 'grace_hours')}: grace_hours:" in str(failure.value)


def test_an_unknown_resource_type_fails(tmp_path: Path) -> None:
    text = PACKAGED.replace("[AwsEc2Instance, ", "[AwsEc2Instanse, ")
    with pytest.raises(PolicyFileError, match=r"tag_policy\.resource_types\.0"):
        load_policy_file(write(tmp_path, text))


def test_a_negative_grace_period_fails(tmp_path: Path) -> None:
    text = PACKAGED.replace("grace_period_hours: 24", "grace_period_hours: -1")
    with pytest.raises(PolicyFileError) as failure:
        load_policy_file(write(tmp_path, text))
    assert f"policy.yaml:{line_of(text, 'grace_period_hours')}:" in str(failure.value)


def test_an_override_needs_exactly_one_scope(tmp_path: Path) -> None:
    text = PACKAGED.replace(
        "  overrides: []",
        "  overrides:\n"
        "    - scope: {account: '111122223333', ou: Sandbox}\n"
        "      required: [{key: app}]",
    )
    with pytest.raises(PolicyFileError, match="exactly one of `account` or `ou`"):
        load_policy_file(write(tmp_path, text))


def test_an_override_with_an_alias_and_a_pattern_loads(tmp_path: Path) -> None:
    text = PACKAGED.replace(
        "  overrides: []",
        "  overrides:\n"
        "    - scope: {ou: Sandbox}\n"
        "      required:\n"
        "        - {key: owner, aliases: [Owner], pattern: '[a-z.]+@example[.]com'}",
    )
    policy = load_policy_file(write(tmp_path, text))
    (owner,) = policy.tag_policy.required_for("111122223333", ("Sandbox",))
    assert owner.aliases == ("Owner",)


def test_a_mode_for_an_unknown_rule_fails(tmp_path: Path) -> None:
    text = PACKAGED.replace("modes: {}", "modes:\n  ec2_instance_imdsv2: enforce")
    with pytest.raises(PolicyFileError) as failure:
        load_policy_file(write(tmp_path, text), RULE_IDS)
    assert f"policy.yaml:{line_of(text, 'ec2_instance_imdsv2:')}:" in str(failure.value)
    assert "no rule named 'ec2_instance_imdsv2'" in str(failure.value)


def test_invalid_yaml_fails(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="not valid YAML"):
        load_policy_file(write(tmp_path, "version: 1\ntag_policy: [unclosed\n"))
