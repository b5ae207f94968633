"""The policy files in scps/ and the request tables beside them."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

SCPS = Path(__file__).resolve().parents[2] / "scps"
TAG_POLICY = SCPS / "tag-policy.json"
BREAK_GLASS_PATTERN = "arn:aws:iam::*:role/OrgwardenBreakGlass"
BREAK_GLASS_ROLE = "arn:aws:iam::111122223333:role/OrgwardenBreakGlass"
MEMBER_ADMIN = "arn:aws:iam::111122223333:role/Admin"


class Case(BaseModel):
    """One request and the decision an SCP must give it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    action: str
    resource: str = "*"
    principal: str = MEMBER_ADMIN
    # A list is a multi-valued key (aws:TagKeys, ...), which policies test with set operators.
    context: dict[str, str | list[str]] = {}
    expect: Literal["denied", "not denied"]


def scp_files() -> list[Path]:
    return sorted(p for p in SCPS.glob("*.json") if p != TAG_POLICY)


def load_policy(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def load_cases(scp: Path) -> list[Case]:
    table = scp.with_name(scp.stem + ".cases.yaml")
    return [Case.model_validate(row) for row in yaml.safe_load(table.read_text())]


def stack_renderer() -> ModuleType:
    """scps/render_stack.py, loaded as a module (it is a script beside the policies)."""
    spec = importlib.util.spec_from_file_location("render_stack", SCPS / "render_stack.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
