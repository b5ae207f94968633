"""`samconfig.toml`: every environment gives the central stack every parameter it needs, names no
parameter the template lacks, and marks the values a deployer must replace."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from orgwarden_harness.simulation import load_template

ROOT = Path(__file__).resolve().parents[1]
CONFIG_TEXT = (ROOT / "samconfig.toml").read_text()
CONFIG = tomllib.loads(CONFIG_TEXT)
PARAMETERS: dict[str, Any] = load_template(ROOT / "template.yaml")["Parameters"]
ENVIRONMENTS = ("dev", "staging", "prod")


def overrides(environment: str) -> dict[str, str]:
    listed = CONFIG[environment]["deploy"]["parameters"]["parameter_overrides"]
    pairs = [item.split("=", 1) for item in listed]
    assert all(len(pair) == 2 for pair in pairs), listed
    return dict(pairs)


def test_the_three_environments_exist_with_their_own_stacks() -> None:
    names = {CONFIG[env]["global"]["parameters"]["stack_name"] for env in ENVIRONMENTS}
    assert len(names) == len(ENVIRONMENTS)
    assert all(name.startswith("orgwarden") for name in names)  # scps/protect-orgwarden.json


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_parameter_without_a_default_is_given(environment: str) -> None:
    required = {name for name, p in PARAMETERS.items() if "Default" not in p}
    assert required, "the template has no required parameter: is it the right file?"
    assert required <= set(overrides(environment))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_overrides_name_only_template_parameters_and_satisfy_their_constraints(
    environment: str,
) -> None:
    for name, value in overrides(environment).items():
        assert name in PARAMETERS, f"{environment}: {name} is not a template parameter"
        parameter = PARAMETERS[name]
        if "AllowedPattern" in parameter:
            assert re.fullmatch(parameter["AllowedPattern"], value), (environment, name, value)
        if "AllowedValues" in parameter:
            assert value in [str(v) for v in parameter["AllowedValues"]], (environment, name)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_placeholders_are_marked_for_replacement(environment: str) -> None:
    section = CONFIG_TEXT[CONFIG_TEXT.index(f"[{environment}.deploy.parameters]") :]
    section = section.split("\n[", 1)[0]
    for name, value in overrides(environment).items():
        if "example" in value.lower():
            assert re.search(rf"#.*{re.escape(value)}.*placeholder", section), (
                f"{environment}: {name}={value} is a placeholder without a comment saying so"
            )


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_iam_capability_allows_the_function_role(environment: str) -> None:
    capabilities = CONFIG[environment]["deploy"]["parameters"]["capabilities"]
    assert "CAPABILITY_IAM" in capabilities.split()


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_home_region_is_the_region_deployed_to(environment: str) -> None:
    # The template's Rules reject a HomeRegion other than the stack's region.
    region = CONFIG[environment]["global"]["parameters"]["region"]
    assert overrides(environment)["HomeRegion"] == region


def test_there_is_no_default_environment_to_deploy_by_accident() -> None:
    assert "default" not in CONFIG
