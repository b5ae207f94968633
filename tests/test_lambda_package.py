"""What `sam build` puts in each function's package: the service, and nothing of the harness.

Inspects the build `./dev test` has just made (its `scripts/check-templates` step, named by
ORGWARDEN_SAM_BUILD_DIR); run alone, the test builds the functions itself with the same script.
"""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "harness" / "orgwarden_harness"


def _functions() -> list[str]:
    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation's short-form tags (!Ref, !Sub, ...) are kept as plain values.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    return sorted(
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    )


FUNCTIONS = _functions()


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("ORGWARDEN_SAM_BUILD_DIR")
    if given:
        return Path(given)
    built = tmp_path_factory.mktemp("sam") / "build"
    subprocess.run([str(ROOT / "scripts" / "sam-build"), str(built)], check=True, cwd=ROOT)
    return built


def test_the_template_has_the_four_functions() -> None:
    assert FUNCTIONS == [
        "ArchiverFunction",
        "ConfigRuleFunction",
        "EvaluatorFunction",
        "SweepFunction",
    ]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_package_holds_the_service_and_no_harness(
    build_dir: Path, function: str
) -> None:
    package = build_dir / function
    present = {p.name for p in package.iterdir()}
    assert {"handlers", "policies", "orgwarden", "aws_lambda_powertools", "pydantic"} <= present
    for wing in ("model", "engine", "aws"):
        assert (package / "orgwarden" / wing / "__init__.py").is_file()
    # No harness package, no moto, no report libraries.
    assert not present & {"orgwarden_harness", "moto", "jinja2", "plotly", "rich"}
    ours = [
        p.relative_to(package)
        for d in ("orgwarden", "policies", "handlers")
        for p in (package / d).rglob("*.py")
    ]
    harness_modules = {p.stem for p in HARNESS.glob("*.py")} - {"__init__"}
    assert harness_modules >= {
        "simulation",
        "demo",
        "moto_additions",
        "securityhub_fake",
        "ledger",
        "generate",
    }
    shipped = sorted(str(p) for p in ours if p.stem in harness_modules)
    assert shipped == [], f"{function} ships harness modules: {shipped}"
