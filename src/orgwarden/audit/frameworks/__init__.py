"""The frameworks a report is written against, as data: every requirement of each, with its title,
and the orgwarden rules that judge it (`<framework id>.yaml` beside this module).

A requirement no rule judges is either automated elsewhere (the framework's `elsewhere`, such as
Security Hub CSPM's own standard) or manual; the report lists it either way.
"""

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

FRAMEWORK_IDS = ("aws-fsbp", "cis-aws-3.0")


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    assessment: str  # automated | manual: how the framework itself says it is checked
    rules: tuple[str, ...]  # the orgwarden rules that judge it; empty: not judged by orgwarden


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    elsewhere: str  # where a requirement orgwarden does not judge is judged instead
    requirements: tuple[Requirement, ...]

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)


@cache
def load_framework(framework_id: str) -> Framework:
    if framework_id not in FRAMEWORK_IDS:
        raise ValueError(f"unknown framework {framework_id!r}; expected one of {FRAMEWORK_IDS}")
    data: dict[str, Any] = yaml.safe_load(
        files(__package__).joinpath(f"{framework_id}.yaml").read_text(encoding="utf-8")
    )
    return Framework(
        id=data["id"],
        title=data["title"],
        elsewhere=data["elsewhere"],
        requirements=tuple(
            Requirement(
                id=str(r["id"]),
                title=r["title"],
                assessment=r["assessment"],
                rules=tuple(r.get("rules", ())),
            )
            for r in data["requirements"]
        ),
    )
